/**
 * The Seed state machine's history bound: at most MAX_SEED_PARTS parts, so its worst case (every part's Lambda call
 * retried to the limit, then the loop ending) stays within half of Step Functions' 25,000 events per execution.
 * The static calculator (local/workflow/budget.ts) gives the bound on the synthesized ASL; the runner drives the
 * machine to that worst case with a stand-in part and must stay under it.
 */
import { describe, expect, it } from 'vitest';
import { seedEventSchema } from '../../functions/handlers/seed-contracts.ts';
import { synthesizeOperator } from '../../infra/synth.ts';
import { worstCaseHistory } from '../../local/workflow/budget.ts';
import { extractStateMachines, findStateMachine, type CfnTemplate } from '../../local/workflow/extract.ts';
import { runStateMachine, type LocalLambdaHandler } from '../../local/workflow/run.ts';
import { MAX_SEED_PARTS } from '../../state-machines/seed.ts';

const EVENT_BUDGET = 12_500;

function seedMachine() {
  const operator = synthesizeOperator({ bundle: false });
  const extracted = extractStateMachines(operator.template as CfnTemplate);
  return { machine: findStateMachine(extracted, 'TableWardenSeedWorkflowStateMachine'), seedId: operator.lambdaLogicalIds.seed };
}

describe(`Seed history budget (${MAX_SEED_PARTS} parts at most)`, () => {
  const { machine, seedId } = seedMachine();

  it(`worst case of one Seed execution is at most ${EVENT_BUDGET.toLocaleString('en')} events`, () => {
    // Act
    const budget = worstCaseHistory(machine.definition, { loopIterations: MAX_SEED_PARTS });
    process.stdout.write(`Seed worst-case history events at ${MAX_SEED_PARTS} parts: ${budget.events}\n`);
    // Assess: within the budget, and the loop bound is what keeps it there (a tenth more parts would not fit).
    expect(budget.events).toBeLessThanOrEqual(EVENT_BUDGET);
    expect(worstCaseHistory(machine.definition, { loopIterations: Math.ceil(MAX_SEED_PARTS * 1.2) }).events).toBeGreaterThan(EVENT_BUDGET);
  });

  it('the runner, every part retried to the limit and checkpointing until TooManyParts, stays within the worst case', async () => {
    // Prepare: each part fails 6 times with a Lambda service error (the retrier's MaxAttempts), then checkpoints.
    const attempts = new Map<number, number>();
    const part: LocalLambdaHandler = (event) => {
      const { iteration, table, source, executionName } = seedEventSchema.parse(event);
      const seen = attempts.get(iteration) ?? 0;
      attempts.set(iteration, seen + 1);
      if (seen < 6) throw Object.assign(new Error('transient'), { name: 'Lambda.ServiceException' });
      return {
        status: 'checkpointed', table, source, iteration,
        counts: { read: iteration + 1, written: iteration + 1, rejected: 0, skipped: 0, retried: 0 },
        checkpoint: { recordsDone: iteration + 1, byteOffset: iteration * 10, written: iteration + 1, rejected: 0, skipped: 0, retried: 0 },
        sourceVersion: { etag: '"e"' },
        reportKey: `runs/seed/${executionName}/report.json`,
        rejectionsKey: `runs/seed/${executionName}/rejections.jsonl`,
      };
    };
    // Act
    const run = await runStateMachine({ ...machine, input: { table: 'Customers', source: 's3://b/seed.json' }, lambdas: { [seedId]: part }, overrides: { retryIntervals: 0 } });
    const budget = worstCaseHistory(machine.definition, { loopIterations: MAX_SEED_PARTS });
    process.stdout.write(`Seed history events, ${MAX_SEED_PARTS} parts each retried 6 times: ${run.historyEventCount} (worst case ${budget.events})\n`);
    // Assess
    expect(run.error).toBe('TooManyParts');
    expect(attempts.size).toBe(MAX_SEED_PARTS);
    expect(run.historyEventCount).toBeLessThanOrEqual(budget.events);
    expect(budget.events - run.historyEventCount).toBeLessThan(5);
  }, 300_000);
});
