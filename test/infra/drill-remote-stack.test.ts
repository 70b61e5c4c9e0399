/**
 * What `tablewarden drill --remote` needs from the operator stack: the Drill state machine tagged so the CLI's
 * tag:GetResources lookup (functions/aws/drill-remote.ts findDrillStateMachine) matches it and nothing else, and the
 * state machines' ARNs as stack outputs (`--state-machine` takes DrillStateMachineArn). One synth for the file
 * (cdk-nag and CloudFormation's rules run as validation plugins during it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRILL_SCHEDULE_WORKFLOW_TAG, DRILL_WORKFLOW_TAG, OPERATOR_TAG } from '../../functions/core/drill/workflow-tags.ts';
import { createOperatorApp } from '../../infra/app-factory.ts';
import type { OperatorStack } from '../../infra/operator-stack.ts';
import { resourcesOfType, type TemplateJson } from './template-helpers.ts';

let stack: OperatorStack;
let template: TemplateJson;
let outdir: string;

const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnResource);
type TagList = Array<{ Key: string; Value: string }>;
const tagsOf = (id: string) => Object.fromEntries(((template.Resources[id]!.Properties?.['Tags'] as TagList | undefined) ?? []).map((tag) => [tag.Key, tag.Value]));

/** The CLI's lookup, as GetResources applies it: every tag filter must match one of its values. */
const DRILL_LOOKUP = { [OPERATOR_TAG.key]: OPERATOR_TAG.value, [DRILL_WORKFLOW_TAG.key]: DRILL_WORKFLOW_TAG.value };
const matchesDrillLookup = (tags: Record<string, string>) => Object.entries(DRILL_LOOKUP).every(([key, value]) => tags[key] === value);

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'tablewarden-drill-remote-stack-'));
  // No bundling: only tags, names and outputs are checked here (bundling every handler takes a minute on a busy machine).
  ({ stack } = createOperatorApp({ app: { outdir, context: { 'aws:cdk:bundling-stacks': [] } } }));
  template = Template.fromStack(stack).toJSON() as TemplateJson;
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('drill --remote in the operator stack', () => {
  it('tags Drill tablewarden:role=operator and tablewarden:workflow=drill, DrillSchedule tablewarden:workflow=drill-schedule', () => {
    // Prepare
    const drill = logicalId(stack.warden.drills.drill);
    const schedule = logicalId(stack.warden.drills.schedule);
    // Act
    const drillTags = tagsOf(drill);
    const scheduleTags = tagsOf(schedule);
    // Assess
    expect(drillTags).toEqual({ 'tablewarden:role': 'operator', 'tablewarden:workflow': 'drill' });
    expect(scheduleTags).toEqual({ 'tablewarden:role': 'operator', 'tablewarden:workflow': 'drill-schedule' });
    expect(DRILL_SCHEDULE_WORKFLOW_TAG.value).not.toBe(DRILL_WORKFLOW_TAG.value);
  });

  it('exactly one state machine of the stack matches the CLI\'s tag lookup: Drill', () => {
    // Prepare
    const machines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
    // Act
    const matching = Object.keys(machines).filter((id) => matchesDrillLookup(tagsOf(id)));
    // Assess
    expect(Object.keys(machines).length).toBeGreaterThanOrEqual(5);
    expect(matching).toEqual([logicalId(stack.warden.drills.drill)]);
  });

  it('tags only the state machines: their roles carry no operator tag', () => {
    // Prepare
    const roles = [stack.warden.drills.drill.role, stack.warden.drills.schedule.role].map((role) => logicalId(role));
    // Act
    const roleTags = roles.map((id) => tagsOf(id));
    // Assess
    expect(roleTags).toEqual([{}, {}]);
  });

  it('outputs the ARNs of Drill, DrillSchedule, Seed and Reconcile', () => {
    // Prepare
    const outputs = template.Outputs as Record<string, { Value: unknown }>;
    // Act
    const refs = Object.fromEntries(
      ['DrillStateMachineArn', 'DrillScheduleStateMachineArn', 'SeedStateMachineArn', 'StateMachineArn'].map((name) => [name, outputs[name]?.Value]),
    );
    // Assess
    expect(refs).toEqual({
      DrillStateMachineArn: { Ref: logicalId(stack.warden.drills.drill) },
      DrillScheduleStateMachineArn: { Ref: logicalId(stack.warden.drills.schedule) },
      SeedStateMachineArn: { Ref: logicalId(stack.warden.seed) },
      StateMachineArn: { Ref: logicalId(stack.warden.stateMachine) },
    });
  });
});
