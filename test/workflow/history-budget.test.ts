/**
 * Step Functions keeps at most 25,000 history events per execution and passes at most 256 KiB between states. The
 * issue's target is half of each... and more: ≤ 12,500 events per execution in the WORST case and ≤ 64 KiB per
 * payload, at 10,000 tables (200 batches of 50).
 *
 * 1. The static calculator (local/workflow/budget.ts) is checked against the runner's actual counts on small
 *    definitions driven into their worst case: they must agree (or the calculator must be an upper bound).
 * 2. The calculator runs on the synthesized Reconcile ASL (parent and every child it starts) at 200 batches and
 *    MAX_APPLY_ROUNDS + 1 rounds.
 * 3. The synthesized Reconcile runs with stand-in handlers that honour the event contracts and return their
 *    largest results, and every state input/output is measured.
 */
import { describe, expect, it } from 'vitest';
import { applyBatchEventSchema, gateEventSchema, loadEventSchema, lockEventSchema, planBatchEventSchema, reportEventSchema } from '../../functions/handlers/contracts.ts';
import { configSweepEventSchema } from '../../functions/handlers/config-contracts.ts';
import { seedEventSchema, seedTriggersEventSchema } from '../../functions/handlers/seed-contracts.ts';
import { boundStarts, MAX_SEED_STARTS_PER_RUN, type SeedStart } from '../../functions/run/core/seed-trigger.ts';
import { synthesizeOperator } from '../../infra/synth.ts';
import { childStateMachineArns, largestPayload, worstCaseHistory } from '../../local/workflow/budget.ts';
import { reconcileWorstCases, WORST_CASE_RECONCILE_INPUT, type ExecutionBudget } from '../../local/workflow/reconcile-budget.ts';
import { extractStateMachines, findStateMachine, type CfnTemplate, type ExtractedStateMachine } from '../../local/workflow/extract.ts';
import { runStateMachine, type LocalLambdaHandler, type RunResult } from '../../local/workflow/run.ts';

const TABLES = 10_000;
const BATCH_SIZE = 50;
const BATCHES = TABLES / BATCH_SIZE;
const EVENT_BUDGET = 12_500;
const PAYLOAD_BUDGET = 64 * 1024;

const F = 'arn:aws:lambda:us-east-1:123456789012:function:F';
const CHILD = 'arn:aws:states:us-east-1:123456789012:stateMachine:Child';

/** A handler that throws a Lambda service error `failures` times per distinct event, then returns `result(event)`. */
function flaky(failures: number, result: (event: Record<string, unknown>) => unknown): LocalLambdaHandler {
  const seen = new Map<string, number>();
  return (event) => {
    const key = JSON.stringify(event);
    const count = seen.get(key) ?? 0;
    seen.set(key, count + 1);
    if (count < failures) throw Object.assign(new Error('transient'), { name: 'Lambda.ServiceException' });
    return result(event as Record<string, unknown>);
  };
}

const retry = (maxAttempts: number) => [{ ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 1, MaxAttempts: maxAttempts }];

/** A round loop like the apply phase: Work → Settled? → Wait → NextRound → Work …, at most `bound` + 1 rounds. */
function roundLoop(bound: number, retries: number): Record<string, unknown> {
  return {
    StartAt: 'Work',
    States: {
      Work: { Type: 'Task', Resource: F, Retry: retry(retries), ResultPath: '$.result', Next: 'Settled?' },
      'Settled?': {
        Type: 'Choice',
        Choices: [
          { And: [{ Variable: '$.result.pending', BooleanEquals: true }, { Variable: '$.round', NumericLessThan: bound }], Next: 'Wait' },
          { Variable: '$.result.pending', BooleanEquals: true, Next: 'DidNotSettle' },
        ],
        Default: 'Settled',
      },
      Wait: { Type: 'Wait', Seconds: 30, Next: 'NextRound' },
      NextRound: { Type: 'Pass', Parameters: { 'id.$': '$.id', 'round.$': 'States.MathAdd($.round, 1)' }, Next: 'Work' },
      DidNotSettle: { Type: 'Fail', Error: 'DidNotSettle' },
      Settled: { Type: 'Pass', OutputPath: '$.result', End: true },
    },
  };
}

/** Settles in the last round the loop allows, so every round runs and the run ends through the 2-event Pass. */
const settlesLast = (bound: number) => (event: Record<string, unknown>) => ({ pending: Number(event.round) < bound });

describe('worstCaseHistory agrees with the runner on small cases driven to their worst', () => {
  it('a Task with every retry used, then caught', async () => {
    // Prepare
    const definition = {
      StartAt: 'T',
      States: {
        T: { Type: 'Task', Resource: F, Retry: retry(2), Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], Next: 'Ok' },
        Caught: { Type: 'Pass', Next: 'Tail' },
        Tail: { Type: 'Pass', End: true },
        Ok: { Type: 'Succeed' },
      },
    };
    // Act
    const run = await runStateMachine({ definition, lambdas: { F: flaky(99, () => ({})) }, overrides: { retryIntervals: 0 } });
    const budget = worstCaseHistory(definition);
    // Assess: 2 + T (1 + 3 x 3 + 1) + Pass 2 + Pass 2
    expect(run.historyEventCount).toBe(17);
    expect(budget).toEqual({ events: 17, path: ['T', 'Caught', 'Tail'] });
  });

  it('a round loop at its bound, every retry used in every round', async () => {
    // Prepare
    const bound = 3;
    const definition = roundLoop(bound, 2);
    // Act
    const run = await runStateMachine({ definition, input: { id: 'a', round: 0 }, lambdas: { F: flaky(2, settlesLast(bound)) }, overrides: { waits: 'skip', retryIntervals: 0 } });
    const budget = worstCaseHistory(definition, { loopIterations: bound + 1 });
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.historyEventCount).toBe(budget.events);
    // 2 + 4 rounds x (Task 11 + Choice 2) + 3 x (Wait 2 + Pass 2) + Pass 2
    expect(budget.events).toBe(2 + 4 * 13 + 3 * 4 + 2);
  });

  it('an upper bound when the run is not at its worst (fewer rounds, no retries)', async () => {
    // Prepare
    const definition = roundLoop(3, 2);
    // Act
    const run = await runStateMachine({ definition, input: { id: 'a', round: 0 }, lambdas: { F: (event) => settlesLast(1)(event as Record<string, unknown>) }, overrides: { waits: 'skip' } });
    // Assess
    expect(run.historyEventCount).toBeLessThan(worstCaseHistory(definition, { loopIterations: 4 }).events);
  });

  it('a Map of N items whose iteration retries to the limit', async () => {
    // Prepare
    const definition = {
      StartAt: 'Each',
      States: { Each: { Type: 'Map', ItemsPath: '$.items', MaxConcurrency: 2, ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: F, Retry: retry(1), End: true } } }, End: true } },
    };
    const items = [1, 2, 3, 4, 5].map((id) => ({ id }));
    // Act
    const run = await runStateMachine({ definition, input: { items }, lambdas: { F: flaky(1, (event) => event) }, overrides: { retryIntervals: 0 } });
    const budget = worstCaseHistory(definition, { mapItems: { Each: items.length } });
    // Assess: 2 + Map (1 + 1 + 5 x (2 + 1 + 2 x 3 + 1) + 1 + 1)
    expect(run.historyEventCount).toBe(budget.events);
    expect(budget.events).toBe(2 + 4 + 5 * 10);
  });

  it('a parent Map of child executions (sync:2, 4 events an attempt) and each child, counted separately', async () => {
    // Prepare
    const bound = 2;
    const child = roundLoop(bound, 1);
    const parent = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            StartAt: 'Run',
            States: {
              Run: {
                Type: 'Task',
                Resource: 'arn:aws:states:::states:startExecution.sync:2',
                Parameters: { StateMachineArn: CHILD, Input: { 'id.$': '$.id', round: 0 } },
                ResultSelector: { 'result.$': '$.Output' },
                Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
                End: true,
              },
              Failed: { Type: 'Pass', End: true },
            },
          },
          End: true,
        },
      },
    };
    const items = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    // Act: every child settles in its last round after one retry a round (the child's worst case).
    const run = await runStateMachine({
      definition: parent,
      input: { items },
      lambdas: { F: flaky(1, settlesLast(bound)) },
      stateMachines: [{ arn: CHILD, definition: child as never }],
      overrides: { waits: 'skip', retryIntervals: 0 },
    });
    const parentBudget = worstCaseHistory(parent, { mapItems: { Each: items.length } });
    const childBudget = worstCaseHistory(child, { loopIterations: bound + 1 });
    // Assess
    expect(childStateMachineArns(parent)).toEqual([CHILD]);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.childExecutions.map((execution) => execution.historyEventCount)).toEqual([childBudget.events, childBudget.events, childBudget.events]);
    // The parent's worst is every child failing and being caught (1 + 4 + 1 + Pass 2 = 8 per item, not 6).
    expect(parentBudget.events).toBe(2 + 4 + 3 * (2 + 8));
    expect(run.historyEventCount).toBe(2 + 4 + 3 * (2 + 6));
    expect(run.historyEventCount).toBeLessThanOrEqual(parentBudget.events);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The synthesized Reconcile at 10,000 tables

interface Synthesized {
  parent: ExtractedStateMachine;
  stateMachines: ExtractedStateMachine[];
  lambdaLogicalIds: Record<string, string>;
}

function synthesized(): Synthesized {
  const operator = synthesizeOperator({ bundle: false });
  const { stateMachines } = extractStateMachines(operator.template as CfnTemplate);
  const parent = findStateMachine({ stateMachines, lambdas: {} }, operator.stateMachineLogicalId);
  return { parent, stateMachines, lambdaLogicalIds: operator.lambdaLogicalIds };
}

/** Worst case of the parent and of each child it starts (local/workflow/reconcile-budget.ts, shared with the bench). */
function reconcileBudgets(machines: Synthesized): ExecutionBudget[] {
  return reconcileWorstCases(machines.parent, machines.stateMachines, BATCHES);
}

/** The longest execution name Step Functions accepts (80 characters): the run id in every S3 key. */
const RUN_ID = 'r'.repeat(80);

/**
 * Stand-ins that parse each event with the handler's contract and return the largest result it allows in practice:
 * every count at its 10,000-table maximum, every key under the longest run id.
 */
function standIns(roundsPerBatch: number): Record<string, LocalLambdaHandler> {
  const batches = Array.from({ length: BATCHES }, (_, index) => ({ index, key: `runs/${RUN_ID}/batches/${index}.json`, tables: BATCH_SIZE }));
  return {
    lock: (event) => ({ action: lockEventSchema.parse(event).action, owner: `arn:aws:states:us-east-1:123456789012:execution:Reconcile:${RUN_ID}`, expiresAt: '2030-01-01T00:00:00.000Z' }),
    'load-desired-state': (event) => (loadEventSchema.parse(event), { runId: RUN_ID, revision: 'f'.repeat(40), batches, tables: TABLES, invalid: TABLES, unmanaged: 99_999, maxDisruptivePercent: 100, maxDisruptiveTables: TABLES }),
    'plan-batch': (event) => {
      const { batch } = planBatchEventSchema.parse(event);
      return { index: batch.index, planKey: `runs/${RUN_ID}/plans/${batch.index}.json`, tables: BATCH_SIZE, actions: 99_999, disruptiveTables: BATCH_SIZE, errors: BATCH_SIZE, refused: BATCH_SIZE, unmanaged: 99_999, population: 99_999 };
    },
    gate: (event) => (gateEventSchema.parse(event), {
      proceed: true,
      actions: 9_999_999,
      disruptiveTables: TABLES,
      reason: 'x'.repeat(200),
      approval: { disruptiveTables: TABLES, population: 99_999, maxDisruptivePercent: 100, maxDisruptiveTables: TABLES },
    }),
    'apply-batch': (event) => {
      const { batch, round } = applyBatchEventSchema.parse(event);
      return { index: batch.index, round, pending: round + 1 < roundsPerBatch, waitSeconds: 0, applied: 99_999, failed: 99_999, resultKey: `runs/${RUN_ID}/results/${batch.index}/${round}.json` };
    },
    report: (event) => (reportEventSchema.parse(event), { reportKey: `runs/${RUN_ID}/report.json`, status: 'failed', notified: true, tables: TABLES, applied: 9_999_999, failed: 9_999_999 }),
    // The nightly Config sweep and re-evaluation: counts and one key (the findings are in the run store).
    'config-sweep': (event) => {
      const { action } = configSweepEventSchema.parse(event);
      return action === 'sweep'
        ? { action, findingsKey: `runs/${RUN_ID}/config/findings.json`, rules: 99_999, nonCompliant: 9_999_999, missingRules: 99_999 }
        : { action, started: 99_999, inProgress: 99_999, missing: 99_999 };
    },
    // The seeding step: as many starts as one run carries (the bound is in count and bytes), each with a long URI.
    'seed-triggers': (event) => {
      seedTriggersEventSchema.parse(event);
      const starts: SeedStart[] = Array.from({ length: MAX_SEED_STARTS_PER_RUN * 4 }, (_, index) => ({
        name: `seed-${'t'.repeat(58)}-${String(index).padStart(16, '0')}`,
        input: { table: 't'.repeat(255), source: `s3://${'b'.repeat(63)}/${'k'.repeat(200)}${index}`, format: 'dynamodb-json', mode: 'insert-if-empty', sourceVersion: { etag: `"${'e'.repeat(32)}"`, versionId: 'v'.repeat(32) } },
      }));
      const bounded = boundStarts(starts);
      return { starts: bounded.starts, counts: { declared: TABLES, started: bounded.starts.length, unchanged: TABLES, notReady: TABLES, deferred: bounded.deferred, failed: TABLES } };
    },
    seed: (event) => {
      const { executionName, table, source, iteration } = seedEventSchema.parse(event);
      return { status: 'completed', table, source, iteration, counts: { read: 0, written: 0, rejected: 0, skipped: 0, retried: 0 }, sourceVersion: {}, reportKey: `runs/seed/${executionName}/report.json`, rejectionsKey: `runs/seed/${executionName}/rejections.jsonl` };
    },
  };
}

async function runReconcile(machines: Synthesized, roundsPerBatch: number): Promise<RunResult> {
  const handlers = standIns(roundsPerBatch);
  const lambdas = Object.fromEntries(Object.entries(machines.lambdaLogicalIds).map(([handler, logicalId]) => [logicalId, handlers[handler]!]));
  const result = await runStateMachine({
    ...machines.parent,
    // The largest input the contract takes that changes the state's size: the longest allowDisruptive.
    input: WORST_CASE_RECONCILE_INPUT,
    executionName: RUN_ID,
    lambdas,
    stateMachines: machines.stateMachines,
    overrides: { waits: 'skip' },
  });
  // The seeding step started its seeds fire-and-forget: every one of them, and each succeeds.
  expect(result.startedExecutions.length).toBeGreaterThan(0);
  expect((await Promise.all(result.startedExecutions.map((started) => started.result))).map((seed) => seed.status)).toEqual(result.startedExecutions.map(() => 'SUCCEEDED'));
  return result;
}

describe(`Reconcile history and payload budget at ${TABLES.toLocaleString('en')} tables (${BATCHES} batches of ${BATCH_SIZE})`, () => {
  const machines = synthesized();
  // The run with two apply rounds per batch is deterministic (stand-in handlers, waits skipped) and costs seconds of
  // CPU at 10,000 tables: run once, read by both tests that need it (history counts, payload sizes).
  let twoRounds: Promise<RunResult> | undefined;
  const runTwoRounds = (): Promise<RunResult> => (twoRounds ??= runReconcile(machines, 2));

  it('the runner counts stay within the calculated worst case (one and two apply rounds per batch)', async () => {
    // Act
    const parents: number[] = [];
    const children: number[] = [];
    const bound = Math.max(...reconcileBudgets(machines).map((budget) => budget.events));
    for (const rounds of [1, 2]) {
      const result = rounds === 2 ? await runTwoRounds() : await runReconcile(machines, rounds);
      expect(result.status).toBe('SUCCEEDED');
      expect(result.childExecutions).toHaveLength(BATCHES);
      parents.push(result.historyEventCount);
      children.push(Math.max(...result.childExecutions.map((child) => child.historyEventCount)));
      // Assess: an upper bound at the same number of rounds, for the parent and every child.
      for (const count of [result.historyEventCount, ...result.childExecutions.map((child) => child.historyEventCount)]) expect(count).toBeLessThanOrEqual(bound);
    }
    process.stdout.write(`Reconcile history events for ${BATCHES} batches: parent ${parents[0]} / ${parents[1]}, largest child ${children[0]} / ${children[1]} (one / two apply rounds)\n`);
    // Rounds run in the children: the parent's history does not grow with them; a child's does.
    expect(parents[1]).toBe(parents[0]);
    expect(children[1]!).toBeGreaterThan(children[0]!);
  }, 300_000);

  // The defect of issue 8: the whole apply phase ran inside the parent, so its worst case grew with 200 batches x
  // 41 rounds x 7 attempts (242,991 events; 1,451 + 2,200 per round without retries). The apply rounds now run as
  // one child execution per batch (startExecution.sync:2), each with its own history.
  it(`worst case of every execution (parent and each child) is at most ${EVENT_BUDGET.toLocaleString('en')} events`, () => {
    // Act
    const budgets = reconcileBudgets(machines);
    process.stdout.write(`Reconcile worst-case history events: ${budgets.map((budget) => `${budget.machine} ${budget.events}`).join(', ')}\n`);
    // Assess
    for (const budget of budgets) expect(budget, budget.machine).toMatchObject({ events: expect.any(Number) });
    expect(budgets.filter((budget) => budget.events > EVENT_BUDGET)).toEqual([]);
  });

  // Also a defect of issue 8: the parent's state accumulated load.batches, every plan summary and every apply result
  // (117,013 bytes measured at ReleaseLock with these results). The state machine now passes only keys and small
  // counts between states (ResultSelector on the Maps).
  it(`no state input or output exceeds ${PAYLOAD_BUDGET / 1024} KiB with the largest handler results`, async () => {
    // Act
    const result = await runTwoRounds();
    const largest = [result, ...result.childExecutions].map((execution) => largestPayload(execution.events)).sort((a, b) => b.bytes - a.bytes)[0]!;
    process.stdout.write(`Reconcile largest payload: ${largest.bytes} bytes (${largest.where})\n`);
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(largest.bytes).toBeLessThanOrEqual(PAYLOAD_BUDGET);
  }, 300_000);
});
