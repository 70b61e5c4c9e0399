/**
 * The worst-case history of a Reconcile run, computed from the synthesized ASL: the one set of assumptions the
 * history-budget test (test/workflow/history-budget.test.ts) asserts and the benchmark (bench/support/
 * workflow-budget.ts) reports, so the two can't disagree about what "worst case" means.
 *
 * Every Map at the run's batch count, except the seeding step's StartSeeds at the most seeds one run starts
 * (MAX_SEED_STARTS_PER_RUN); every loop at MAX_APPLY_ROUNDS + 1; every retrier exhausted (the calculator's rule,
 * local/workflow/budget.ts). Each child the parent starts is its own execution with its own 25,000-event quota: the
 * ApplyBatchRounds children under the same bounds, the Seed executions at MAX_SEED_PARTS parts (their loop bound).
 */
import { MAX_ALLOW_DISRUPTIVE } from '../../functions/run/core/input.ts';
import { MAX_SEED_STARTS_PER_RUN } from '../../functions/run/core/seed-trigger.ts';
import { MAX_APPLY_ROUNDS } from '../../state-machines/reconcile.ts';
import { MAX_SEED_PARTS } from '../../state-machines/seed.ts';
import { childStateMachineArns, worstCaseHistory } from './budget.ts';
import type { ExtractedStateMachine } from './extract.ts';

/**
 * The nightly run's input at its largest as far as the state's size goes: `allowDisruptive` at MAX_ALLOW_DISRUPTIVE
 * names of DynamoDB's longest table name (255). The payload measurements of the test and the bench start from it.
 */
export const WORST_CASE_RECONCILE_INPUT = {
  trigger: 'schedule',
  allowDisruptive: Array.from({ length: MAX_ALLOW_DISRUPTIVE }, (_, i) => String(i).padStart(255, 't')),
} as const;

/** One execution's worst case. */
export interface ExecutionBudget {
  machine: string;
  events: number;
}

/** The worst case of the Reconcile `parent` and of each machine it starts, at `batches` batches. */
export function reconcileWorstCases(parent: ExtractedStateMachine, stateMachines: readonly ExtractedStateMachine[], batches: number): ExecutionBudget[] {
  const options = { defaultMapItems: batches, mapItems: { StartSeeds: MAX_SEED_STARTS_PER_RUN }, loopIterations: MAX_APPLY_ROUNDS + 1 };
  const children = childStateMachineArns(parent.definition).map((arn) => {
    const child = stateMachines.find((machine) => machine.arn === arn);
    if (!child) throw new Error(`the Reconcile state machine starts ${arn}, which is not in the template`);
    return child;
  });
  const loops = (machine: ExtractedStateMachine) => ((machine.constructId ?? machine.logicalId).includes('SeedWorkflow') ? { loopIterations: MAX_SEED_PARTS } : {});
  return [parent, ...children].map((machine) => ({ machine: machine.constructId ?? machine.logicalId, events: worstCaseHistory(machine.definition, { ...options, ...loops(machine) }).events }));
}
