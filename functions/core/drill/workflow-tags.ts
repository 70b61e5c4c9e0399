/**
 * The tags that tell the operator's drill state machines apart: the stack puts them on Drill and DrillSchedule
 * (state-machines/drill.ts), and `tablewarden drill --remote` finds Drill by them through the Resource Groups
 * Tagging API (GetResources, resource type `states:stateMachine`;
 * https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html).
 *
 * Why here: the stack and the CLI must agree on the exact key and values, and neither may import the other (the
 * CLI must not load aws-cdk-lib, the stack must not load SDK clients), so the one definition lives in pure core.
 * Both machines also carry `tablewarden:role=operator` ({@link OPERATOR_TAG}), like the state table.
 */
export { OPERATOR_TAG } from '../plan/declared.ts';

/** The tag key naming which operator workflow a state machine runs. */
export const WORKFLOW_TAG_KEY = 'tablewarden:workflow';

/** `tablewarden:workflow=drill`: the Drill state machine (one table), which `drill --remote` starts. */
export const DRILL_WORKFLOW_TAG = { key: WORKFLOW_TAG_KEY, value: 'drill' } as const;

/**
 * `tablewarden:workflow=drill-schedule`: DrillSchedule (one cadence). A value of its own, not `drill`, so a lookup of
 * the Drill machine by its tags finds exactly one state machine.
 */
export const DRILL_SCHEDULE_WORKFLOW_TAG = { key: WORKFLOW_TAG_KEY, value: 'drill-schedule' } as const;
