/**
 * The Reconcile workflow's worst case at 10,000 tables, for `npm run bench`: history events from H9's static
 * calculator (local/workflow/budget.ts) on the synthesized ASL (the parent and every child execution it starts), and
 * the largest state payload of a run of the synthesized machine with stand-in handlers that return their largest
 * results. test/workflow/history-budget.test.ts asserts the same budgets; the bench only reports them.
 *
 * Why a stand-in run for the payload: the calculator counts events statically, but a payload's size depends on what
 * each state adds to the state document, which only running the ASL shows.
 */
import { applyBatchEventSchema, gateEventSchema, loadEventSchema, lockEventSchema, planBatchEventSchema, reportEventSchema } from '../../functions/handlers/contracts.ts';
import { synthesizeOperator } from '../../infra/synth.ts';
import { largestPayload } from '../../local/workflow/budget.ts';
import { reconcileWorstCases, WORST_CASE_RECONCILE_INPUT } from '../../local/workflow/reconcile-budget.ts';
import { extractStateMachines, findStateMachine, type CfnTemplate } from '../../local/workflow/extract.ts';
import { runStateMachine, type LocalLambdaHandler } from '../../local/workflow/run.ts';
import { MAX_APPLY_ROUNDS } from '../../state-machines/reconcile.ts';

/** The worst-case figures of the workflow. */
export interface WorkflowBudget {
  tables: number;
  batches: number;
  /** Rounds each apply loop may run in the worst case (MAX_APPLY_ROUNDS + 1). */
  loopIterations: number;
  /** Worst-case history events of each execution (the parent, then each child state machine it starts). */
  executions: Array<{ machine: string; events: number }>;
  /** The largest of them. */
  worstEvents: number;
  /** The largest state input/output of the stand-in run (bytes), and where; or why it could not be measured. */
  payload: { bytes: number; where: string; rounds: number } | { error: string };
}

/** The longest execution name Step Functions accepts (80 characters): the run id inside every S3 key. */
const RUN_ID = 'r'.repeat(80);

/**
 * Stand-ins that parse each event with the handler's contract (functions/handlers/contracts.ts) and return the
 * largest result it allows in practice: every count at its 10,000-table maximum, every key under the longest run id.
 */
function standIns(tables: number, batchSize: number, roundsPerBatch: number): Record<string, LocalLambdaHandler> {
  const batchCount = Math.ceil(tables / batchSize);
  const batches = Array.from({ length: batchCount }, (_, index) => ({ index, key: `runs/${RUN_ID}/batches/${index}.json`, tables: batchSize }));
  const approval = { disruptiveTables: tables, population: tables, maxDisruptivePercent: 100, maxDisruptiveTables: tables };
  return {
    lock: (event) => ({ action: lockEventSchema.parse(event).action, owner: `arn:aws:states:us-east-1:123456789012:execution:Reconcile:${RUN_ID}`, expiresAt: '2030-01-01T00:00:00.000Z', released: true }),
    'load-desired-state': (event) => (loadEventSchema.parse(event), { runId: RUN_ID, revision: 'f'.repeat(40), batches, tables, invalid: tables, unmanaged: tables, maxDisruptivePercent: 100, maxDisruptiveTables: tables }),
    'plan-batch': (event) => {
      const { batch } = planBatchEventSchema.parse(event);
      return { index: batch.index, planKey: `runs/${RUN_ID}/plans/${batch.index}.json`, tables: batchSize, actions: 99_999, disruptiveTables: batchSize, errors: batchSize, refused: batchSize, unmanaged: 99_999, population: 99_999 };
    },
    gate: (event) => (gateEventSchema.parse(event), { proceed: true, actions: 9_999_999, disruptiveTables: tables, reason: 'x'.repeat(200), approval }),
    'apply-batch': (event) => {
      const { batch, round } = applyBatchEventSchema.parse(event);
      return { index: batch.index, round, pending: round + 1 < roundsPerBatch, waitSeconds: 0, applied: 99_999, failed: 99_999, resultKey: `runs/${RUN_ID}/results/${batch.index}/${round}.json` };
    },
    report: (event) => (reportEventSchema.parse(event), { reportKey: `runs/${RUN_ID}/report.json`, status: 'failed', notified: true, tables, applied: 9_999_999, failed: 9_999_999 }),
  };
}

/**
 * Computes the worst case at `tables` tables in batches of `batchSize` (local/workflow/reconcile-budget.ts: the
 * assumptions the history-budget test asserts); the payload from a stand-in run of
 * `payloadRounds` apply rounds per batch (the state document's size does not grow with rounds past the second).
 */
export async function workflowBudget(tables: number, batchSize: number, payloadRounds = 2): Promise<WorkflowBudget> {
  const operator = synthesizeOperator({ bundle: false });
  const { stateMachines } = extractStateMachines(operator.template as CfnTemplate);
  const parent = findStateMachine({ stateMachines, lambdas: {} }, operator.stateMachineLogicalId);
  const batches = Math.ceil(tables / batchSize);
  const executions = reconcileWorstCases(parent, stateMachines, batches);

  let payload: WorkflowBudget['payload'];
  try {
    const handlers = standIns(tables, batchSize, payloadRounds);
    const lambdas = Object.fromEntries(Object.entries(operator.lambdaLogicalIds).map(([handler, logicalId]) => [logicalId, handlers[handler]!]));
    const result = await runStateMachine({ ...parent, input: WORST_CASE_RECONCILE_INPUT, executionName: RUN_ID, lambdas, stateMachines, overrides: { waits: 'skip' } });
    if (result.status !== 'SUCCEEDED') throw new Error(`the stand-in run ended ${result.status}: ${result.error ?? ''} ${(result.cause ?? '').slice(0, 300)}`);
    const largest = [result, ...result.childExecutions].map((execution) => largestPayload(execution.events)).sort((a, b) => b.bytes - a.bytes)[0]!;
    payload = { ...largest, rounds: payloadRounds };
  } catch (error) {
    payload = { error: error instanceof Error ? error.message : String(error) };
  }
  return { tables, batches, loopIterations: MAX_APPLY_ROUNDS + 1, executions, worstEvents: Math.max(...executions.map((execution) => execution.events)), payload };
}
