/**
 * Step Functions keeps at most 25,000 history events per execution. This runs the synthesized Reconcile machine
 * for a 10,000-table account (200 batches of 50) with stand-in handlers that honour the real event contracts,
 * counts the history events as Step Functions would, prints the figure, and holds it under 12,500 (half the
 * quota) for a run whose every batch needs a second apply round.
 */
import { describe, expect, it } from 'vitest';
import { applyBatchEventSchema, gateEventSchema, loadEventSchema, lockEventSchema, planBatchEventSchema, reportEventSchema } from '../../functions/handlers/contracts.ts';
import { synthesizeOperator } from '../../infra/synth.ts';
import { extractStateMachines, findStateMachine, type CfnTemplate } from '../../local/workflow/extract.ts';
import { runStateMachine, type LocalLambdaHandler } from '../../local/workflow/run.ts';

const TABLES = 10_000;
const BATCH_SIZE = 50;

function standIns(roundsPerBatch: number): Record<string, LocalLambdaHandler> {
  const batches = Array.from({ length: TABLES / BATCH_SIZE }, (_, index) => ({ index, key: `runs/r/batches/${index}.json`, tables: BATCH_SIZE }));
  return {
    lock: (event) => ({ action: lockEventSchema.parse(event).action, owner: 'x' }),
    'load-desired-state': (event) => (loadEventSchema.parse(event), { runId: 'r', revision: 'rev', batches, tables: TABLES, invalid: 0, maxDisruptivePercent: 25 }),
    'plan-batch': (event) => {
      const { batch } = planBatchEventSchema.parse(event);
      return { index: batch.index, planKey: `p/${batch.index}`, tables: BATCH_SIZE, actions: 3, disruptiveTables: 0, errors: 0, refused: 0, unmanaged: 0, population: BATCH_SIZE };
    },
    gate: (event) => (gateEventSchema.parse(event), { proceed: true, actions: 600, disruptiveTables: 0, reason: 'ok' }),
    'apply-batch': (event) => {
      const { batch, round } = applyBatchEventSchema.parse(event);
      return { index: batch.index, round, pending: round + 1 < roundsPerBatch, applied: 1, failed: 0, resultKey: `r/${batch.index}/${round}` };
    },
    report: (event) => (reportEventSchema.parse(event), { reportKey: 'k', status: 'in-sync', notified: false, tables: TABLES, applied: TABLES, failed: 0 }),
  };
}

describe('history-event budget for 10,000 tables', () => {
  it('stays under 12,500 events even when every batch needs two apply rounds', async () => {
    // Prepare
    const operator = synthesizeOperator({ bundle: false });
    const machine = findStateMachine(extractStateMachines(operator.template as CfnTemplate), operator.stateMachineLogicalId);
    const counts: Record<number, number> = {};
    for (const rounds of [1, 2]) {
      const handlers = standIns(rounds);
      const lambdas = Object.fromEntries(Object.entries(operator.lambdaLogicalIds).map(([handler, logicalId]) => [logicalId, handlers[handler]!]));
      // Act
      const result = await runStateMachine({ ...machine, input: { trigger: 'schedule' }, lambdas, overrides: { waits: 'skip' } });
      // Assess
      expect(result.status).toBe('SUCCEEDED');
      counts[rounds] = result.historyEventCount;
    }
    process.stdout.write(`Reconcile history events for ${TABLES.toLocaleString('en')} tables in ${TABLES / BATCH_SIZE} batches: ${counts[1]} (one apply round per batch), ${counts[2]} (two rounds)\n`);
    expect(counts[2]!).toBeGreaterThan(counts[1]!);
    expect(counts[2]!).toBeLessThan(12_500);
  }, 300_000);
});
