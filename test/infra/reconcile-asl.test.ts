/**
 * The Reconcile ASL as synthesized: a guard that it stays inside what aws-local-stepfunctions 3.0.0 runs
 * (JSONPath, INLINE Maps, no Assign, no task tokens), and every path run locally with stub handlers that parse
 * their events with the handlers' own zod contracts. Stubs, not the real handlers: this pins the state machine's
 * flow and payloads; end-to-end runs against moto live in test/workflow.
 */
// Before aws-local-stepfunctions loads: it needs Promise.withResolvers, which Node 20 lacks.
import '../../local/workflow/polyfill.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { StateMachine as LocalStateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { output, ZodMiniType } from 'zod/mini';
import {
  applyBatchEventSchema,
  gateEventSchema,
  loadEventSchema,
  lockEventSchema,
  planBatchEventSchema,
  reportEventSchema,
  type ApplyBatchResult,
  type GateResult,
  type LoadResult,
  type LockResult,
  type PlanBatchResult,
  type ReportResult,
} from '../../functions/handlers/contracts.ts';
import { configSweepEventSchema } from '../../functions/handlers/config-contracts.ts';
import { seedTriggersEventSchema } from '../../functions/handlers/seed-contracts.ts';
import { synthesizeOperatorTemplate } from '../../infra/synth.ts';
import { findUnsupportedAsl } from '../../local/workflow/guard.ts';
import { applyBatchRoundsAslFromTemplate, reconcileAslFromTemplate } from './template-helpers.ts';
import { MAX_APPLY_ROUNDS, RECONCILE_TASK_STATES, ReconcileStateMachine, TRANSIENT_LAMBDA_ERRORS } from '../../state-machines/reconcile.ts';


type TaskState = keyof typeof RECONCILE_TASK_STATES;
type Stub = (event: unknown) => Promise<unknown>;
interface Call {
  state: TaskState;
  event: Record<string, unknown>;
}
interface RunOutcome {
  output?: unknown;
  error?: string;
  calls: Call[];
}

const EXECUTION = { Id: 'arn:aws:states:us-east-1:123456789012:execution:Reconcile:run-1', Name: 'run-1' };
const BATCHES = [
  { index: 0, key: 'runs/run-1/batches/00000.json', tables: 2 },
  { index: 1, key: 'runs/run-1/batches/00001.json', tables: 1 },
];

const named = (name: string, message = `${name} (stub)`) => Object.assign(new Error(message), { name });

/** Stubs that honour the contracts: parse the event with the handler's schema, return a typed result. */
function contractStubs(): Record<TaskState, Stub> {
  const parse = <T extends ZodMiniType>(schema: T, event: unknown) => schema.parse(event) as output<T>;
  const lock = async (event: unknown): Promise<LockResult> => {
    const { action, owner } = parse(lockEventSchema, event);
    return action === 'acquire' ? { action, owner, expiresAt: '2030-01-01T00:00:00.000Z' } : { action, owner, released: true };
  };
  const report = async (event: unknown): Promise<ReportResult> => {
    const { outcome } = parse(reportEventSchema, event);
    return { reportKey: 'runs/run-1/report.json', status: outcome === 'succeeded' ? 'in-sync' : outcome, notified: outcome !== 'succeeded', tables: 3, applied: 0, failed: 0 };
  };
  return {
    AcquireLock: lock,
    ReleaseLock: lock,
    ReleaseLockAfterFailure: lock,
    LoadDesiredState: async (event): Promise<LoadResult> => {
      const { runId } = parse(loadEventSchema, event);
      return { runId, revision: 'abc123', batches: BATCHES, tables: 3, invalid: 0, unmanaged: 0, maxDisruptivePercent: 25, maxDisruptiveTables: 1 };
    },
    PlanBatch: async (event): Promise<PlanBatchResult> => {
      const { batch } = parse(planBatchEventSchema, event);
      return { index: batch.index, planKey: `runs/run-1/plans/${batch.index}.json`, tables: batch.tables, actions: 1, disruptiveTables: 0, errors: 0, refused: 0, unmanaged: 0, population: batch.tables };
    },
    Gate: async (event): Promise<GateResult> => {
      const { plans } = parse(gateEventSchema, event);
      return { proceed: true, actions: plans.reduce((sum, plan) => sum + plan.actions, 0), disruptiveTables: 0, reason: 'within the blast radius', approval: { disruptiveTables: 0, population: 3, maxDisruptivePercent: 25, maxDisruptiveTables: 1 } };
    },
    ApplyBatch: async (event): Promise<ApplyBatchResult> => {
      const { batch, round } = parse(applyBatchEventSchema, event);
      return { index: batch.index, round, pending: false, applied: 1, failed: 0, resultKey: `runs/run-1/results/${batch.index}-${round}.json`, waitSeconds: 30 };
    },
    Report: report,
    ReportFailure: report,
    // The nightly Config sweep and re-evaluation (test/workflow/config-sweep.test.ts runs them against the local AWS).
    SweepConfig: async (event) => (parse(configSweepEventSchema, event), { action: 'sweep', findingsKey: 'runs/run-1/config/findings.json', rules: 7, nonCompliant: 3, missingRules: 0 }),
    ReevaluateConfig: async (event) => (parse(configSweepEventSchema, event), { action: 'evaluate', started: 7, inProgress: 0, missing: 0 }),
    // The seeding step: nothing to seed (test/workflow/seed.test.ts runs it against the local AWS).
    FindSeeds: async (event) => (parse(seedTriggersEventSchema, event), { starts: [], counts: { declared: 0, started: 0, unchanged: 0, notReady: 0, deferred: 0, failed: 0 } }),
  };
}

async function run(definition: unknown, input: unknown, overrides: Partial<Record<TaskState, Stub>> = {}): Promise<RunOutcome> {
  const calls: Call[] = [];
  const stubs = { ...contractStubs(), ...overrides };
  const handlers: Record<string, (event: unknown) => Promise<unknown>> = Object.fromEntries(
    Object.entries(stubs).map(([state, stub]) => [
      state,
      async (event: unknown) => {
        calls.push({ state: state as TaskState, event: event as Record<string, unknown> });
        return stub(event);
      },
    ]),
  );
  const execute = (asl: unknown, executionInput: unknown) =>
    new LocalStateMachine(asl as StateMachineDefinition).run(executionInput as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        waitTimeOverrides: { WaitForDynamoDB: 0 },
        retryIntervalOverrides: Object.fromEntries(Object.keys(RECONCILE_TASK_STATES).map((state) => [state, 0])),
      },
      context: { Execution: { ...EXECUTION, Input: executionInput, StartTime: '2030-01-01T00:00:00.000Z' } } as never,
    }).result;
  // startExecution.sync:2 as Step Functions answers it: the child's output parsed under Output; a child that fails
  // fails the task with States.TaskFailed and the child's Error/Cause in a JSON Cause.
  handlers['StartApplyBatchRounds'] = async (parameters: unknown) => {
    try {
      return { Output: await execute(childAsl, (parameters as { Input: unknown }).Input), Status: 'SUCCEEDED' };
    } catch (error) {
      const cause = (error as { cause?: { name?: string; message?: string } }).cause;
      throw named('States.TaskFailed', JSON.stringify({ Status: 'FAILED', Error: cause?.name ?? (error as Error).name, Cause: cause?.message ?? '' }));
    }
  };
  try {
    return { output: await execute(definition, input), calls };
  } catch (error) {
    const cause = (error as { cause?: { name?: string } }).cause;
    return { error: cause?.name ?? (error as Error).name, calls };
  }
}

const states = (outcome: RunOutcome) => outcome.calls.map((call) => call.state);
const eventsOf = (outcome: RunOutcome, state: TaskState) => outcome.calls.filter((call) => call.state === state).map((call) => call.event);

/** Every state object in a definition, Map processors included, by name. */
function allStates(definition: Record<string, unknown>): Array<[string, Record<string, unknown>]> {
  const found: Array<[string, Record<string, unknown>]> = [];
  const visit = (machine: Record<string, unknown>) => {
    for (const [name, state] of Object.entries(machine['States'] as Record<string, Record<string, unknown>>)) {
      found.push([name, state]);
      for (const nested of [state['ItemProcessor'], state['Iterator']]) if (nested) visit(nested as Record<string, unknown>);
      for (const branch of (state['Branches'] as Array<Record<string, unknown>> | undefined) ?? []) visit(branch);
    }
  };
  visit(definition);
  return found;
}

/** What aws-local-stepfunctions 3.0.0 would silently ignore or cannot run (the runner's own guard). */
function unsupportedFeatures(definition: unknown): string[] {
  return findUnsupportedAsl(definition).map((finding) => `${finding.location}: ${finding.feature} (${finding.detail})`);
}

let asl: Record<string, unknown>;
let childAsl: Record<string, unknown>;

beforeAll(() => {
  // Prepare: the ASL exactly as the operator stack synthesizes it (what the local workflow runner uses); the
  // handlers' code assets don't matter here, so esbuild is skipped (operator-stack.test.ts bundles).
  const template = synthesizeOperatorTemplate({ bundle: false });
  asl = reconcileAslFromTemplate(template);
  childAsl = applyBatchRoundsAslFromTemplate(template);
});

describe('guard: the synthesized ASL stays runnable by aws-local-stepfunctions', () => {
  it('uses no JSONata, no Assign, no Distributed Map and no task tokens', () => {
    // Assess
    expect(unsupportedFeatures(asl)).toEqual([]);
    expect(unsupportedFeatures(childAsl)).toEqual([]);
  });

  it('applies each batch as ONE child execution (startExecution.sync:2 of ApplyBatchRounds), caught so the other batches finish', () => {
    // Act
    const [, task] = allStates(asl).find(([name]) => name === 'StartApplyBatchRounds')!;
    // Assess
    expect(task).toMatchObject({ Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync:2', ResultSelector: expect.objectContaining({ 'index.$': '$.Output.index' }) });
    expect((task['Catch'] as Array<{ ErrorEquals: string[] }>).map((catcher) => catcher.ErrorEquals)).toEqual([['States.ALL']]);
    expect(Object.keys(childAsl['States'] as object).sort()).toEqual(['ApplyBatch', 'BatchApplied', 'BatchDidNotSettle', 'BatchSettled?', 'FirstRound', 'NextRound', 'WaitForDynamoDB']);
  });

  it('reads top to bottom: the main path is in execution order in the definition', () => {
    // Act
    const order = Object.keys(asl['States'] as object);
    const at = (name: string) => order.indexOf(name);
    // Assess: after the failure targets, input → lock → load → plan → gate → apply → report → release.
    const main = ['ApplyInputDefaults', 'AcquireLock', 'LoadDesiredState', 'PlanBatches', 'Gate', 'ApplyBatches', 'Report', 'ReleaseLock'];
    expect(main.map(at)).toEqual([...main.map(at)].sort((a, b) => a - b));
  });

  it.each([
    ['JSONata', { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }],
    ['Assign', { StartAt: 'A', States: { A: { Type: 'Pass', Assign: { x: 1 }, End: true } } }],
    ['Distributed Map', { StartAt: 'M', States: { M: { Type: 'Map', ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, StartAt: 'B', States: { B: { Type: 'Pass', End: true } } }, End: true } } }],
    ['task token', { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', End: true } } }],
  ])('flags %s (the guard itself works)', (_feature, definition) => {
    // Assess
    expect(unsupportedFeatures(definition)).not.toEqual([]);
  });

  it('has exactly the documented Lambda Task states (parent and child), each retrying transient Lambda errors', () => {
    // Act
    const tasks = [...allStates(asl), ...allStates(childAsl)].filter(([name, state]) => state['Type'] === 'Task' && name !== 'StartApplyBatchRounds' && name !== 'StartSeed');
    // Assess
    expect(tasks.map(([name]) => name).sort()).toEqual(Object.keys(RECONCILE_TASK_STATES).sort());
    for (const [name, state] of tasks) {
      const transient = expect.objectContaining({ ErrorEquals: TRANSIENT_LAMBDA_ERRORS, BackoffRate: 2, JitterStrategy: 'FULL' });
      // AcquireLock also waits for a held lock (about an hour) so a commit during a running reconcile is not lost.
      const lockWait = { ErrorEquals: ['LockHeld'], IntervalSeconds: 60, BackoffRate: 2, MaxAttempts: 6 };
      expect(state['Retry'], name).toEqual(name === 'AcquireLock' ? [transient, lockWait] : [transient]);
      expect(state['TimeoutSeconds'], name).toBeGreaterThan(0);
    }
  });

  it('catches every error of every top-level Task and Map', () => {
    // Act
    const topLevel = Object.entries(asl['States'] as Record<string, Record<string, unknown>>).filter(([, state]) => state['Type'] === 'Task' || state['Type'] === 'Map');
    // Assess
    for (const [name, state] of topLevel) {
      const catchers = state['Catch'] as Array<{ ErrorEquals: string[] }> | undefined;
      expect(catchers?.some((catcher) => catcher.ErrorEquals.includes('States.ALL')), name).toBe(true);
    }
  });

  it('runs INLINE Maps of at most 10 batches at a time', () => {
    // Act
    const maps = allStates(asl).filter(([, state]) => state['Type'] === 'Map');
    // Assess
    expect(maps.map(([name]) => name).sort()).toEqual(['ApplyBatches', 'PlanBatches', 'StartSeeds']);
    for (const [, state] of maps) {
      expect(state['MaxConcurrency']).toBe(10);
      expect((state['ItemProcessor'] as { ProcessorConfig: { Mode: string } }).ProcessorConfig.Mode).toBe('INLINE');
    }
  });
});

describe('Reconcile, run locally', () => {
  it('apply: lock, load, plan every batch, gate, apply every batch, report, unlock; output is the report', async () => {
    // Act
    const outcome = await run(asl, { trigger: 'manual', mode: 'apply', waitSeconds: 0 });
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(states(outcome)).toEqual(['AcquireLock', 'LoadDesiredState', 'PlanBatch', 'PlanBatch', 'Gate', 'ApplyBatch', 'ApplyBatch', 'Report', 'ReleaseLock', 'FindSeeds']);
    expect(eventsOf(outcome, 'FindSeeds')).toEqual([{ runId: 'run-1', batches: BATCHES }]);
    expect(eventsOf(outcome, 'Gate')[0]?.['plans']).toEqual(BATCHES.map((batch) => ({ index: batch.index, actions: 1, disruptiveTables: 0, population: batch.tables })));
    expect(eventsOf(outcome, 'AcquireLock')).toEqual([expect.objectContaining({ action: 'acquire', owner: EXECUTION.Id })]);
    expect(eventsOf(outcome, 'LoadDesiredState')).toEqual([{ runId: 'run-1', revision: 'latest', tables: [], allowDisruptive: [], batchSize: 50 }]);
    expect(eventsOf(outcome, 'PlanBatch').map((event) => event['batch'])).toEqual(BATCHES);
    expect(eventsOf(outcome, 'Gate')[0]).toMatchObject({ runId: 'run-1', tables: 3, maxDisruptivePercent: 25, maxDisruptiveTables: 1, plans: [{ index: 0 }, { index: 1 }] });
    expect(eventsOf(outcome, 'ApplyBatch')).toEqual(BATCHES.map((batch) => ({ runId: 'run-1', batch, round: 0, waitSeconds: 0, approval: { disruptiveTables: 0, population: 3, maxDisruptivePercent: 25, maxDisruptiveTables: 1 } })));
    expect(eventsOf(outcome, 'Report')).toEqual([
      { runId: 'run-1', trigger: 'manual', mode: 'apply', revision: 'abc123', outcome: 'succeeded', batches: [{ index: 0, rounds: 1, applied: 1 }, { index: 1, rounds: 1, applied: 1 }] },
    ]);
    expect(eventsOf(outcome, 'ReleaseLock')).toEqual([{ action: 'release', owner: EXECUTION.Id }]);
    expect(outcome.output).toMatchObject({ reportKey: 'runs/run-1/report.json', status: 'in-sync' });
  });

  it('plan mode: the gate still runs, nothing is applied', async () => {
    // Act
    const outcome = await run(asl, { trigger: 'manual', mode: 'plan' });
    // Assess
    expect(states(outcome)).toEqual(['AcquireLock', 'LoadDesiredState', 'PlanBatch', 'PlanBatch', 'Gate', 'Report', 'ReleaseLock']);
    expect(eventsOf(outcome, 'Report')[0]).toMatchObject({ mode: 'plan', outcome: 'succeeded' });
  });

  it('blocked by the gate: nothing is applied, the report says blocked, the lock is released', async () => {
    // Act
    const outcome = await run(asl, { trigger: 'schedule' }, { Gate: async () => ({ proceed: false, actions: 9, disruptiveTables: 3, reason: 'too many' }) });
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(states(outcome)).toEqual(['AcquireLock', 'LoadDesiredState', 'SweepConfig', 'PlanBatch', 'PlanBatch', 'Gate', 'Report', 'ReleaseLock']);
    expect(eventsOf(outcome, 'Report')[0]).toMatchObject({ outcome: 'blocked' });
  });

  it('applies in rounds while a batch is pending, counting rounds up', async () => {
    // Prepare: batch 0 settles after round 2, batch 1 at once.
    const applyBatch: Stub = async (event) => {
      const { batch, round } = applyBatchEventSchema.parse(event);
      return { index: batch.index, round, pending: batch.index === 0 && round < 2, applied: 0, failed: 0, resultKey: 'k' };
    };
    // Act
    const outcome = await run(asl, { trigger: 'manual', waitSeconds: 5 }, { ApplyBatch: applyBatch });
    // Assess
    expect(outcome.error).toBeUndefined();
    const rounds = eventsOf(outcome, 'ApplyBatch').map((event) => `${(event['batch'] as { index: number }).index}:${event['round']}`);
    expect(rounds.sort()).toEqual(['0:0', '0:1', '0:2', '1:0']);
  });

  it('waits between rounds for as long as the round says (one long Wait for a TTL step 2), passing the settle interval to each round', async () => {
    // Prepare: round 0 leaves a step due in an hour; the Wait must read the round's result, not the input.
    const waits: unknown[] = [];
    const applyBatch: Stub = async (event) => {
      const { batch, round, waitSeconds } = applyBatchEventSchema.parse(event);
      return { index: batch.index, round, pending: batch.index === 0 && round === 0, applied: 0, failed: 0, resultKey: 'k', waitSeconds: round === 0 ? 3600 : waitSeconds };
    };
    // Act
    const outcome = await run(asl, { trigger: 'manual', waitSeconds: 7 }, { ApplyBatch: applyBatch });
    // Assess
    expect(outcome.error).toBeUndefined();
    for (const [, state] of allStates(childAsl)) if (state['Type'] === 'Wait') waits.push(state);
    expect(waits).toEqual([expect.objectContaining({ SecondsPath: '$.result.waitSeconds' })]);
    expect(eventsOf(outcome, 'ApplyBatch').map((event) => event['waitSeconds'])).toEqual([7, 7, 7]);
  });

  it(`a batch still pending after round ${MAX_APPLY_ROUNDS} fails its child with BatchDidNotSettle; the run reports it and finishes`, async () => {
    // Prepare
    const neverSettles: Stub = async (event) => {
      const { batch, round } = applyBatchEventSchema.parse(event);
      return { index: batch.index, round, pending: batch.index === 1, applied: 0, failed: 0, resultKey: 'k' };
    };
    // Act
    const outcome = await run(asl, { trigger: 'manual' }, { ApplyBatch: neverSettles });
    // Assess
    expect(outcome.error).toBeUndefined();
    const rounds = eventsOf(outcome, 'ApplyBatch').filter((event) => (event['batch'] as { index: number }).index === 1).map((event) => event['round']);
    expect(rounds).toEqual(Array.from({ length: MAX_APPLY_ROUNDS + 1 }, (_, round) => round));
    expect(eventsOf(outcome, 'Report')).toEqual([expect.objectContaining({ outcome: 'succeeded', batches: [expect.objectContaining({ index: 0 }), { index: 1, failed: true, error: 'BatchDidNotSettle' }] })]);
    expect(eventsOf(outcome, 'ReportFailure')).toEqual([]);
    expect(states(outcome).slice(-3)).toEqual(['Report', 'ReleaseLock', 'FindSeeds']);
  });

  it('a batch whose apply Lambda fails is reported with its error; the other batch is applied', async () => {
    // Act
    const outcome = await run(asl, { trigger: 'manual' }, {
      ApplyBatch: async (event) => {
        const { batch, round } = applyBatchEventSchema.parse(event);
        if (batch.index === 0) throw named('BoomError');
        return { index: batch.index, round, pending: false, applied: 1, failed: 0, resultKey: 'k', waitSeconds: 30 };
      },
    });
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(eventsOf(outcome, 'Report')[0]?.['batches']).toEqual([{ index: 0, failed: true, error: 'BoomError' }, { index: 1, rounds: 1, applied: 1 }]);
  });

  it.each<[TaskState, string]>([
    ['LoadDesiredState', 'LoadFailed'],
    ['PlanBatch', 'PlanFailed'],
    ['Gate', 'GateFailed'],
    ['Report', 'ReportFailed'],
  ])('%s throws: failure report, lock released, execution fails with %s', async (state, reason) => {
    // Act
    const outcome = await run(asl, { trigger: 'commit', revision: 'abc123' }, { [state]: async () => Promise.reject(named('BoomError')) });
    // Assess
    expect(outcome.error).toBe(reason);
    expect(eventsOf(outcome, 'ReportFailure')).toEqual([{ runId: 'run-1', trigger: 'commit', mode: 'apply', revision: 'abc123', outcome: 'failed', error: { Error: 'BoomError', Cause: expect.any(String) } }]);
    expect(eventsOf(outcome, 'ReleaseLockAfterFailure')).toEqual([{ action: 'release', owner: EXECUTION.Id }]);
    expect(states(outcome).slice(-2)).toEqual(['ReportFailure', 'ReleaseLockAfterFailure']);
  });

  it('ReleaseLock throws: the run keeps the report Report wrote (no failure report), and fails with ReleaseFailed', async () => {
    // Act
    const outcome = await run(asl, { trigger: 'commit', revision: 'abc123' }, { ReleaseLock: async () => Promise.reject(named('ProvisionedThroughputExceededException')) });
    // Assess: a failed release must not re-run the report (which would relabel converged tables as drift).
    expect(outcome.error).toBe('ReleaseFailed');
    expect((asl as { States: Record<string, unknown> }).States['ReleaseFailed']).toMatchObject({ Type: 'Fail', Error: 'ReleaseFailed', Cause: expect.stringMatching(/report\.json; that report stands/) });
    expect(eventsOf(outcome, 'Report')).toHaveLength(1);
    expect(eventsOf(outcome, 'ReportFailure')).toEqual([]);
    expect(eventsOf(outcome, 'ReleaseLockAfterFailure')).toEqual([]);
    expect(states(outcome).slice(-2)).toEqual(['Report', 'ReleaseLock']);
  });

  it('releases the lock even when the failure report fails', async () => {
    // Act
    const outcome = await run(
      asl,
      { trigger: 'manual' },
      { LoadDesiredState: async () => Promise.reject(named('BundleNotFound')), ReportFailure: async () => Promise.reject(named('AccessDenied')) },
    );
    // Assess
    expect(outcome.error).toBe('LoadFailed');
    expect(states(outcome)).toEqual(['AcquireLock', 'LoadDesiredState', 'ReportFailure', 'ReleaseLockAfterFailure']);
  });

  it('still fails with the stage reason when releasing after a failure fails too', async () => {
    // Act
    const outcome = await run(
      asl,
      { trigger: 'manual' },
      { Gate: async () => Promise.reject(named('InvalidEvent')), ReleaseLockAfterFailure: async () => Promise.reject(named('AccessDenied')) },
    );
    // Assess
    expect(outcome.error).toBe('GateFailed');
  });

  it('LockHeld: waits for the lock (6 retries), then fails touching nothing and releasing nothing', async () => {
    // Act
    const outcome = await run(asl, { trigger: 'schedule' }, { AcquireLock: async () => Promise.reject(named('LockHeld')) });
    // Assess
    expect(outcome.error).toBe('LockHeld');
    expect(states(outcome)).toEqual(Array(7).fill('AcquireLock'));
  });

  it('LockHeld then free: the run goes ahead once the other run releases the lock', async () => {
    // Prepare
    let attempts = 0;
    const busyThenFree: Stub = async (event) => {
      attempts += 1;
      if (attempts <= 2) throw named('LockHeld');
      return contractStubs().AcquireLock(event);
    };
    // Act
    const outcome = await run(asl, { trigger: 'commit', revision: 'abc' }, { AcquireLock: busyThenFree });
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(attempts).toBe(3);
  });

  it('any other lock error: LockFailed, nothing released', async () => {
    // Act
    const outcome = await run(asl, { trigger: 'schedule' }, { AcquireLock: async () => Promise.reject(named('ProvisionedThroughputExceededException')) });
    // Assess
    expect(outcome.error).toBe('LockFailed');
    expect(states(outcome)).toEqual(['AcquireLock']);
  });

  it('retries a throttled Lambda invocation instead of failing the run', async () => {
    // Prepare
    let attempts = 0;
    const flaky: Stub = async (event) => {
      attempts += 1;
      if (attempts === 1) throw named('Lambda.TooManyRequestsException');
      return contractStubs().Gate(event);
    };
    // Act
    const outcome = await run(asl, { trigger: 'manual' }, { Gate: flaky });
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(attempts).toBe(2);
  });

  it('a bundle event reconciles the revision named by the key', async () => {
    // Act
    const outcome = await run(asl, { trigger: 'commit', mode: 'apply', bundleKey: 'bundles/0123abcd.json' });
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(eventsOf(outcome, 'LoadDesiredState')[0]).toMatchObject({ revision: '0123abcd' });
    expect(eventsOf(outcome, 'Report')[0]).toMatchObject({ trigger: 'commit' });
  });

  it('ignores bundles/latest.json (publish writes the revision first, and that event already started the run)', async () => {
    // Act
    const outcome = await run(asl, { trigger: 'commit', mode: 'apply', bundleKey: 'bundles/latest.json' });
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(outcome.calls).toEqual([]);
  });

  it.each([
    ['an unknown mode', { trigger: 'manual', mode: 'destroy' }],
    ['no trigger', { mode: 'apply' }],
    ['a null mode', { trigger: 'manual', mode: null }],
    ['tables that are null', { trigger: 'manual', tables: null }],
    ['a wait too long', { trigger: 'manual', waitSeconds: 7200 }],
    ['a bundle key outside bundles/', { trigger: 'commit', mode: 'apply', bundleKey: 'other/abc.json' }],
    ['a bundle revision with a dot', { trigger: 'commit', mode: 'apply', bundleKey: 'bundles/v1.2.json' }],
    ['a nested bundle key', { trigger: 'commit', mode: 'apply', bundleKey: 'bundles/x/abc.json' }],
  ])('rejects %s as InvalidInput before taking the lock', async (_case, input) => {
    // Act
    const outcome = await run(asl, input);
    // Assess
    expect(outcome.error).toBe('InvalidInput');
    expect(outcome.calls).toEqual([]);
  });
});

describe('Reconcile, nightly AWS Config sweep', () => {
  it('schedule: SweepConfig after load, before planning; ReevaluateConfig after the lock is released, before seeding', async () => {
    // Act
    const outcome = await run(asl, { trigger: 'schedule', mode: 'apply' });
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(states(outcome)).toEqual(['AcquireLock', 'LoadDesiredState', 'SweepConfig', 'PlanBatch', 'PlanBatch', 'Gate', 'ApplyBatch', 'ApplyBatch', 'Report', 'ReleaseLock', 'ReevaluateConfig', 'FindSeeds']);
    expect(eventsOf(outcome, 'SweepConfig')).toEqual([{ action: 'sweep', runId: 'run-1' }]);
    expect(eventsOf(outcome, 'ReevaluateConfig')).toEqual([{ action: 'evaluate', runId: 'run-1' }]);
    expect(outcome.output).toMatchObject({ reportKey: 'runs/run-1/report.json', status: 'in-sync' });
  });

  it.each([
    ['commit', 'apply'],
    ['config', 'apply'],
    ['manual', 'apply'],
    ['schedule', 'plan'],
  ])('trigger %s, mode %s: no re-evaluation (and a sweep only on schedule)', async (trigger, mode) => {
    // Act
    const outcome = await run(asl, { trigger, mode, ...(trigger === 'config' ? { tables: ['Orders'] } : {}) });
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(states(outcome)).not.toContain('ReevaluateConfig');
    expect(states(outcome).includes('SweepConfig')).toBe(trigger === 'schedule');
  });

  it('a sweep that fails does not stop the run: it plans, applies and reports as usual', async () => {
    // Act
    const outcome = await run(asl, { trigger: 'schedule' }, { SweepConfig: async () => Promise.reject(named('AccessDeniedException')) });
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(states(outcome)).toEqual(['AcquireLock', 'LoadDesiredState', 'SweepConfig', 'PlanBatch', 'PlanBatch', 'Gate', 'ApplyBatch', 'ApplyBatch', 'Report', 'ReleaseLock', 'ReevaluateConfig', 'FindSeeds']);
    expect(eventsOf(outcome, 'Report')[0]).toMatchObject({ outcome: 'succeeded' });
  });

  it('a re-evaluation that fails does not fail a run that converged: seeding still runs, the output is the report', async () => {
    // Act
    const outcome = await run(asl, { trigger: 'schedule' }, { ReevaluateConfig: async () => Promise.reject(named('ThrottlingException')) });
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(states(outcome).slice(-3)).toEqual(['ReleaseLock', 'ReevaluateConfig', 'FindSeeds']);
    expect(outcome.output).toMatchObject({ reportKey: 'runs/run-1/report.json', status: 'in-sync' });
  });
});

describe('maxDisruptivePercent ceiling', () => {
  let capped: Record<string, unknown>;
  const outdir = mkdtempSync(join(tmpdir(), 'tablewarden-asl-test-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  beforeAll(() => {
    // Prepare: the definition alone, with placeholder functions (no bundling needed).
    const stack = new Stack(new App({ outdir }), 'Ceiling');
    const fn = (id: string) => new LambdaFunction(stack, id, { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('export const handler = async () => ({})'), timeout: Duration.seconds(10) });
    new ReconcileStateMachine(stack, 'Reconcile', {
      functions: { lock: fn('Lock'), 'load-desired-state': fn('Load'), 'plan-batch': fn('Plan'), gate: fn('Gate'), 'apply-batch': fn('Apply'), report: fn('Report'), 'config-sweep': fn('ConfigSweep') },
      maxDisruptivePercent: 10,
    });
    capped = reconcileAslFromTemplate(Template.fromStack(stack).toJSON());
  });

  it.each([
    [50, 10],
    [5, 5],
  ])('policy.yaml allows %i percent, the ceiling is 10: the gate uses %i percent', async (policy, expected) => {
    // Prepare
    const load: Stub = async (event) => ({ ...(await contractStubs().LoadDesiredState(event) as LoadResult), maxDisruptivePercent: policy });
    // Act
    const outcome = await run(capped, { trigger: 'manual' }, { LoadDesiredState: load });
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(eventsOf(outcome, 'Gate')[0]).toMatchObject({ maxDisruptivePercent: expected });
  });
});
