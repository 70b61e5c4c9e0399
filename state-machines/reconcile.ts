/**
 * The Reconcile workflow: lock → load the desired state (and the account index, once) → (nightly: sweep AWS
 * Config's NON_COMPLIANT findings) → plan every batch → blast-radius gate → apply every batch, each as one child
 * execution of ApplyBatchRounds that runs the batch's approved plan in rounds (waiting in the state machine while
 * DynamoDB settles) → report → unlock → (nightly: ask Config to evaluate its rules again).
 *
 * Why it looks like this:
 * - JSONPath only, INLINE Maps only, no `Assign`, no task tokens: the synthesized ASL is also run locally by
 *   aws-local-stepfunctions 3.0.0, which supports none of those (a guard test in test/infra checks the ASL).
 * - Handlers get and return small objects (S3 keys, counts): Step Functions passes at most 256 KiB.
 * - Every Lambda task retries transient Lambda errors and catches everything else with a stage-specific reason.
 *   Once the lock is held, every path (success, blocked, plan-only, failure) releases it; executions that end
 *   FAILED, ABORTED or TIMED_OUT are also released by an EventBridge rule in the TableWarden construct (owner-
 *   conditional, so a late release never frees another run's lock), which covers errors no Catch can see.
 * - A ReleaseLock that fails after the report was written ends the run with `ReleaseFailed` and leaves the report
 *   as it is: re-reporting would relabel a converged run as failed and its changed tables as drift.
 *
 * Input: `{ trigger, mode?, tables?, revision?, waitSeconds? }`, or an S3 bundle event turned into
 * `{ trigger: 'commit', mode, bundleKey: 'bundles/<revision>.json' }` (EventBridge input transformers cannot cut
 * a string, so the revision is cut out of the key here, with intrinsic functions).
 *
 * Context object fields used: `$$.Execution.Id` (lock owner) and `$$.Execution.Name` (run id): a local runner
 * must pass both in its context.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  IntegrationPattern,
  JitterType,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  Result,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
  type CatchProps,
  type IChainable,
  type IStateMachine,
  type RetryProps,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, StepFunctionsStartExecution } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DEFAULT_BATCH_SIZE, RECONCILE_INPUT_DEFAULTS } from '../functions/run/core/input.ts';
import type { HandlerName, HandlersOf } from '../functions/handlers/registry.ts';

/** Defaults filled in for fields the input leaves out: one home, functions/run/core/input.ts. */
export { RECONCILE_INPUT_DEFAULTS };

/**
 * Apply rounds per batch: round 0 … MAX; a batch still pending after round MAX fails its child execution with
 * `BatchDidNotSettle` (reported; the other batches finish).
 */
export const MAX_APPLY_ROUNDS = 40;

/** Batches planned or applied side by side (inline Map; Step Functions runs at most 40 at a time anyway). */
export const BATCH_CONCURRENCY = 10;

/**
 * Task state name → handler file (functions/handlers/<name>.ts). A local runner overrides Task states by name
 * (aws-local-stepfunctions `taskResourceLocalHandlers`), so these names are part of the contract.
 */
export const RECONCILE_TASK_STATES = {
  AcquireLock: 'lock',
  LoadDesiredState: 'load-desired-state',
  PlanBatch: 'plan-batch',
  Gate: 'gate',
  ApplyBatch: 'apply-batch',
  Report: 'report',
  ReleaseLock: 'lock',
  ReportFailure: 'report',
  ReleaseLockAfterFailure: 'lock',
  // The nightly run's AWS Config sweep (trigger 'schedule'): findings after load, re-evaluation after unlock.
  SweepConfig: 'config-sweep',
  ReevaluateConfig: 'config-sweep',
  // The seeding step (present when the stack wires seeding in: TableWarden does).
  FindSeeds: 'seed-triggers',
} as const satisfies Record<string, HandlerName>;

/**
 * The execution's error name when it fails, by cause. `LockHeld`/`LockFailed`/`InvalidInput` happen before the
 * lock is ours; `ReleaseFailed` after the run's own report (which stands); every other one is raised after the
 * failure report and the lock release.
 */
export const RECONCILE_FAILURES = {
  InvalidInput: 'the input does not match the contract (or a bundle key is not bundles/<revision>.json)',
  LockHeld: 'another reconcile holds the lock',
  LockFailed: 'the lock could not be acquired',
  LoadFailed: 'loading the desired-state bundle failed',
  PlanFailed: 'planning a batch failed',
  GateFailed: 'the blast-radius gate failed',
  ApplyFailed: 'applying a batch failed',
  BatchDidNotSettle: `a batch still had pending changes after ${MAX_APPLY_ROUNDS} rounds`,
  ReportFailed: 'writing the run report failed',
  ReleaseFailed: "releasing the lock failed after the run's report was written: the report stands; the release rule or the lock's expiry frees it",
} as const;
/** A reason the Reconcile execution fails. */
export type ReconcileFailure = keyof typeof RECONCILE_FAILURES;

/** Lambda errors worth retrying: the service, throttling, the SDK, or a task that timed out. */
export const TRANSIENT_LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  'States.Timeout',
];

/** How every Lambda task of the operator's workflows retries {@link TRANSIENT_LAMBDA_ERRORS}: full jitter, up to a minute. */
export const TRANSIENT_RETRY: RetryProps = {
  errors: TRANSIENT_LAMBDA_ERRORS,
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 6,
  maxDelay: Duration.seconds(60),
  jitterStrategy: JitterType.FULL,
};

/** The Lambda functions the workflow calls, by handler name (functions/handlers/registry.ts, the one list). */
export type ReconcileFunctions = Record<HandlersOf<'reconcile'>, IFunction>;

/** Knobs of the Reconcile definition. */
export interface ReconcileDefinitionProps {
  functions: ReconcileFunctions;
  /** Tables per batch, passed to load-desired-state. Default 50. */
  batchSize?: number;
  /**
   * A ceiling on policy.yaml's `blastRadius.maxDisruptivePercent`: the gate uses the lower of the two, so a
   * commit to git cannot loosen what the platform team deployed. Default: none (policy.yaml decides).
   */
  maxDisruptivePercent?: number;
  /** How long the lock is held before it expires on its own, in seconds. Default 21,600 (the execution timeout). */
  lockTtlSeconds?: number;
  /** Per-task timeouts (a Lambda's own timeout plus a margin). Defaults: lock 1 min, others 16 min. */
  taskTimeouts?: Partial<Record<keyof ReconcileFunctions, Duration>>;
  /**
   * Seeding (`spec.seed`, issue 10): after a successful apply run has released the lock, the seed-triggers function
   * decides which tables to seed now and one Seed execution is started for each, fire-and-forget (a seed can take
   * hours and must not hold the lock). Absent: no seeding states.
   */
  seeding?: ReconcileSeeding;
}

/** What the Reconcile run's seeding step needs: the seed-triggers function and the Seed state machine. */
export interface ReconcileSeeding {
  triggers: IFunction;
  seed: IStateMachine;
  /** FindSeeds' task timeout. Default 6 minutes. */
  taskTimeout?: Duration;
}

/** Seed executions the StartSeeds Map starts side by side. */
export const SEED_START_CONCURRENCY = 10;

/** The states every Lambda task is built with: payload in, the handler's result out, transient errors retried. */
function lambdaTasks(scope: Construct, props: Pick<ReconcileDefinitionProps, 'functions' | 'taskTimeouts'>) {
  const timeout = (fn: keyof ReconcileFunctions): Duration => props.taskTimeouts?.[fn] ?? (fn === 'lock' || fn === 'gate' ? Duration.minutes(1) : Duration.minutes(16));
  // resultPath undefined: the result replaces the state (an explicit "$" is mishandled by aws-local-stepfunctions).
  return (id: keyof typeof RECONCILE_TASK_STATES, fn: keyof ReconcileFunctions, payload: Record<string, unknown>, resultPath: string | undefined, resultSelector?: Record<string, unknown>) =>
    new LambdaInvoke(scope, id, {
      lambdaFunction: props.functions[fn],
      payload: TaskInput.fromObject(payload),
      // The handler's return value *is* the state result: no Payload/StatusCode envelope, smaller state.
      payloadResponseOnly: true,
      // Replaced by TRANSIENT_RETRY below, which also covers throttling and task timeouts.
      retryOnServiceExceptions: false,
      ...(resultPath !== undefined ? { resultPath } : {}),
      ...(resultSelector ? { resultSelector } : {}),
      taskTimeout: Timeout.duration(timeout(fn)),
    }).addRetry(TRANSIENT_RETRY);
}

/** Knobs of the ApplyBatchRounds definition. */
export type ApplyBatchRoundsProps = Pick<ReconcileDefinitionProps, 'functions' | 'taskTimeouts'>;

/**
 * The child state machine that applies ONE batch, in rounds: ApplyBatch → BatchSettled? → WaitForDynamoDB →
 * NextRound → ApplyBatch … until nothing is pending (its output is the last round's result), or
 * `BatchDidNotSettle` after {@link MAX_APPLY_ROUNDS}. Input: `{ runId, batch, waitSeconds, approval }`.
 * One execution per batch keeps each history small (the 25,000-event quota is per execution) and lets one slow
 * or failed batch fail alone.
 */
export function applyBatchRoundsDefinition(scope: Construct, props: ApplyBatchRoundsProps): IChainable {
  const invoke = lambdaTasks(scope, props);
  const roundInput = (round: unknown) => ({
    runId: JsonPath.stringAt('$.runId'),
    batch: JsonPath.objectAt('$.batch'),
    waitSeconds: JsonPath.numberAt('$.waitSeconds'),
    approval: JsonPath.objectAt('$.approval'),
    round,
  });
  const firstRound = new Pass(scope, 'FirstRound', { parameters: roundInput(0) });
  const applyBatch = invoke('ApplyBatch', 'apply-batch', roundInput(JsonPath.numberAt('$.round')), '$.result');
  // The round says how long: the settle interval, or, when every table left waits for a step DynamoDB won't take
  // before a known time (TTL's step 2, an hour after step 1), until then in one Wait (history stays small).
  const waitForDynamoDB = new Wait(scope, 'WaitForDynamoDB', { time: WaitTime.secondsPath('$.result.waitSeconds') });
  const nextRound = new Pass(scope, 'NextRound', { parameters: roundInput(JsonPath.mathAdd(JsonPath.numberAt('$.round'), 1)) });
  const batchApplied = new Succeed(scope, 'BatchApplied', { outputPath: '$.result' });
  const batchDidNotSettle = new Fail(scope, 'BatchDidNotSettle', { error: 'BatchDidNotSettle', cause: RECONCILE_FAILURES.BatchDidNotSettle });
  const settled = new Choice(scope, 'BatchSettled?')
    .when(Condition.and(Condition.booleanEquals('$.result.pending', true), Condition.numberLessThan('$.round', MAX_APPLY_ROUNDS)), waitForDynamoDB)
    .when(Condition.booleanEquals('$.result.pending', true), batchDidNotSettle)
    .otherwise(batchApplied);
  firstRound.next(applyBatch).next(settled);
  waitForDynamoDB.next(nextRound).next(applyBatch);
  return firstRound;
}

/**
 * Build the Reconcile definition inside `scope` (states are constructs: their ids are the state names). The
 * failure targets come first (every Catch points at them); the main path is then built in execution order.
 *
 * @returns the start state, for `DefinitionBody.fromChainable`.
 */
export function reconcileDefinition(scope: Construct, props: ReconcileDefinitionProps & { applyBatchRounds: IStateMachine }): IChainable {
  const invoke = lambdaTasks(scope, props);
  const runId = JsonPath.stringAt('$$.Execution.Name');
  const owner = JsonPath.stringAt('$$.Execution.Id');
  const lockTtl = props.lockTtlSeconds ?? 21_600;

  // ==== Failure targets ====
  // After the lock is ours: report (failed) → release the lock → fail with the stage's reason.
  const reconcileFailed = new Fail(scope, 'ReconcileFailed', {
    errorPath: '$.failedStage',
    cause: 'The run failed after the lock was taken; the failure report (runs/<execution name>/report.json) and $.error in the execution history say why.',
  });
  const releaseAfterFailure = invoke('ReleaseLockAfterFailure', 'lock', { action: 'release', owner }, '$.release');
  releaseAfterFailure.addCatch(reconcileFailed, { errors: ['States.ALL'], resultPath: '$.releaseError' });
  releaseAfterFailure.next(reconcileFailed);
  const reportFailure = invoke(
    'ReportFailure',
    'report',
    { runId, trigger: JsonPath.stringAt('$.trigger'), mode: JsonPath.stringAt('$.mode'), revision: JsonPath.stringAt('$.revision'), outcome: 'failed', error: JsonPath.objectAt('$.error') },
    '$.report',
  );
  reportFailure.addCatch(releaseAfterFailure, { errors: ['States.ALL'], resultPath: '$.reportError' });
  reportFailure.next(releaseAfterFailure);
  const failedAt = (stage: ReconcileFailure) => new Pass(scope, `On${stage}`, { result: Result.fromString(stage), resultPath: '$.failedStage' }).next(reportFailure);
  const onLoadFailed = failedAt('LoadFailed');
  const onPlanFailed = failedAt('PlanFailed');
  const onGateFailed = failedAt('GateFailed');
  const onApplyFailed = failedAt('ApplyFailed');
  const onReportFailed = failedAt('ReportFailed');
  // Not failedAt(): the report is written and final. Reporting again as a failure would overwrite it and label the
  // tables this run converged as drift. The execution fails (alarm), and the release rule retries the release.
  const onReleaseFailed = new Fail(scope, 'ReleaseFailed', {
    error: 'ReleaseFailed',
    cause: "ReleaseLock failed after the Report state wrote runs/<execution name>/report.json; that report stands. The lock is released by the ReleaseLockOfStoppedRun rule on this FAILED status, or expires on its own.",
  });
  // Before the lock is ours: nothing to release.
  const invalidInput = new Fail(scope, 'InvalidInput', { error: 'InvalidInput', cause: RECONCILE_FAILURES.InvalidInput });
  const lockHeld = new Fail(scope, 'LockHeld', { error: 'LockHeld', cause: RECONCILE_FAILURES.LockHeld });
  const lockFailed = new Fail(scope, 'LockFailed', { error: 'LockFailed', cause: RECONCILE_FAILURES.LockFailed });
  const catchInto = (state: { addCatch(handler: IChainable, props?: CatchProps): unknown }, handler: IChainable) =>
    state.addCatch(handler, { errors: ['States.ALL'], resultPath: '$.error' });

  // ==== Main path, in execution order ====
  // 1. Input: defaults (reconcileInputSchema's, from functions/run/core/input.ts), then either a bundle event's
  //    revision or the input as given, then validation.
  const inputDefaults = new Pass(scope, 'ApplyInputDefaults', {
    comment: 'Fill in the defaults of reconcileInputSchema; fields present in the input win (States.JsonMerge is shallow).',
    parameters: { defaults: { ...RECONCILE_INPUT_DEFAULTS, tables: [], allowDisruptive: [] }, input: JsonPath.objectAt('$') },
  });
  const mergeDefaults = new Pass(scope, 'MergeInputDefaults', {
    parameters: { merged: JsonPath.jsonMerge(JsonPath.objectAt('$.defaults'), JsonPath.objectAt('$.input')) },
    outputPath: '$.merged',
  });
  const fileName = JsonPath.arrayGetItem(JsonPath.stringSplit(JsonPath.stringAt('$.bundleKey'), '/'), 1);
  const splitBundleKey = new Pass(scope, 'SplitBundleKey', {
    parameters: {
      pathParts: JsonPath.stringSplit(JsonPath.stringAt('$.bundleKey'), '/'),
      pathDepth: JsonPath.arrayLength(JsonPath.stringSplit(JsonPath.stringAt('$.bundleKey'), '/')),
      nameParts: JsonPath.stringSplit(fileName, '.'),
      nameDepth: JsonPath.arrayLength(JsonPath.stringSplit(fileName, '.')),
    },
    resultPath: '$.bundle',
  });
  const useBundleRevision = new Pass(scope, 'UseBundleRevision', {
    parameters: {
      trigger: JsonPath.stringAt('$.trigger'),
      mode: JsonPath.stringAt('$.mode'),
      tables: JsonPath.listAt('$.tables'),
      waitSeconds: JsonPath.numberAt('$.waitSeconds'),
      allowDisruptive: JsonPath.listAt('$.allowDisruptive'),
      revision: JsonPath.stringAt('$.bundle.nameParts[0]'),
    },
  });
  // publish writes bundles/<sha>.json, then bundles/latest.json: the first event already started this revision.
  const latestPointer = new Succeed(scope, 'IgnoreLatestPointer', { comment: 'bundles/latest.json is a copy of a revision whose own upload started a run' });
  const validateInput = new Choice(scope, 'ValidateInput');
  // A Choice rule on a missing path is a runtime error (States.Runtime), so presence is checked first.
  const inputComplete = new Choice(scope, 'InputComplete?')
    .when(Condition.and(...['$.trigger', '$.mode', '$.revision', '$.tables', '$.waitSeconds', '$.allowDisruptive'].map((path) => Condition.isPresent(path))), validateInput)
    .otherwise(invalidInput);
  inputDefaults.next(mergeDefaults).next(
    new Choice(scope, 'FromBundleEvent?')
      .when(Condition.and(Condition.isPresent('$.bundleKey'), Condition.isString('$.bundleKey')), splitBundleKey)
      .otherwise(inputComplete),
  );
  splitBundleKey.next(
    new Choice(scope, 'IsBundleKey?')
      .when(
        Condition.and(
          Condition.numberEquals('$.bundle.pathDepth', 2),
          Condition.stringEquals('$.bundle.pathParts[0]', 'bundles'),
          Condition.numberEquals('$.bundle.nameDepth', 2),
          Condition.stringEquals('$.bundle.nameParts[1]', 'json'),
        ),
        useBundleRevision,
      )
      .otherwise(invalidInput),
  );
  useBundleRevision.next(new Choice(scope, 'LatestPointer?').when(Condition.stringEquals('$.revision', 'latest'), latestPointer).otherwise(inputComplete));

  // 2. Lock. A commit that lands while another run holds it must not be lost until the next nightly run: wait for
  //    the lock (1 + 2 + 4 + 8 + 16 + 32 minutes, about an hour) before giving up with LockHeld.
  const acquireLock = invoke('AcquireLock', 'lock', { action: 'acquire', owner, ttlSeconds: lockTtl }, '$.lock');
  acquireLock.addRetry({ errors: ['LockHeld'], interval: Duration.minutes(1), backoffRate: 2, maxAttempts: 6 });
  acquireLock.addCatch(lockHeld, { errors: ['LockHeld'], resultPath: '$.error' });
  acquireLock.addCatch(lockFailed, { errors: ['States.ALL'], resultPath: '$.error' });
  validateInput
    .when(
      Condition.and(
        Condition.isString('$.trigger'),
        Condition.or(Condition.stringEquals('$.mode', 'apply'), Condition.stringEquals('$.mode', 'plan')),
        Condition.isString('$.revision'),
        // No IsArray in ASL: a non-array `tables` is left to load-desired-state's contract check.
        Condition.not(Condition.isNull('$.tables')),
        Condition.isNumeric('$.waitSeconds'),
        Condition.numberGreaterThanEquals('$.waitSeconds', 0),
        Condition.numberLessThanEquals('$.waitSeconds', 3600),
      ),
      acquireLock,
    )
    .otherwise(invalidInput);

  // 3. Load: the bundle, the account index (once per run), the batches.
  const load = invoke(
    'LoadDesiredState',
    'load-desired-state',
    { runId, revision: JsonPath.stringAt('$.revision'), tables: JsonPath.listAt('$.tables'), allowDisruptive: JsonPath.listAt('$.allowDisruptive'), batchSize: props.batchSize ?? DEFAULT_BATCH_SIZE },
    '$.load',
  );
  catchInto(load, onLoadFailed);

  // 3b. The nightly run sweeps AWS Config: every rule's NON_COMPLIANT resources, all pages, into the run store (the
  //     report compares them with the plans). Nothing else changes: the nightly run is a full run, so every table
  //     Config lists that exists is already in its batches. A sweep that fails leaves the run as it is (the report
  //     then has no Config section, and the config-sweep alarm fires): Config's view must never stop a reconcile.
  const sweepConfig = invoke('SweepConfig', 'config-sweep', { action: 'sweep', runId }, '$.config');
  const configNotSwept = new Pass(scope, 'ConfigNotSwept', { comment: 'The sweep failed; the run goes on without Config findings.', parameters: { failed: true }, resultPath: '$.config' });
  sweepConfig.addCatch(configNotSwept, { errors: ['States.ALL'], resultPath: '$.config' });
  const nightlySweep = new Choice(scope, 'NightlySweep?').when(Condition.stringEquals('$.trigger', 'schedule'), sweepConfig);

  // 4. Plan every batch side by side; each result is cut to what the gate adds up (200 batches stay a few KiB).
  const planBatch = invoke('PlanBatch', 'plan-batch', { runId: JsonPath.stringAt('$.runId'), batch: JsonPath.objectAt('$.batch') }, undefined, {
    index: JsonPath.numberAt('$.index'),
    actions: JsonPath.numberAt('$.actions'),
    disruptiveTables: JsonPath.numberAt('$.disruptiveTables'),
    population: JsonPath.numberAt('$.population'),
  });
  const planBatches = new MapState(scope, 'PlanBatches', {
    itemsPath: '$.load.batches',
    itemSelector: { runId, batch: JsonPath.objectAt('$$.Map.Item.Value') },
    maxConcurrency: BATCH_CONCURRENCY,
    resultPath: '$.plans',
  }).itemProcessor(planBatch);
  catchInto(planBatches, onPlanFailed);

  // 5. Gate: the account-wide blast-radius guard, before any batch applies anything. A deployed ceiling on
  //    policy.yaml's percentage wins when lower.
  const gate = invoke(
    'Gate',
    'gate',
    {
      runId,
      tables: JsonPath.numberAt('$.load.tables'),
      maxDisruptivePercent: JsonPath.numberAt('$.load.maxDisruptivePercent'),
      maxDisruptiveTables: JsonPath.numberAt('$.load.maxDisruptiveTables'),
      plans: JsonPath.listAt('$.plans'),
    },
    '$.gate',
  );
  catchInto(gate, onGateFailed);
  let beforeGate: IChainable = gate;
  if (props.maxDisruptivePercent !== undefined) {
    const ceiling = props.maxDisruptivePercent;
    const applyCeiling = new Pass(scope, 'ApplyDisruptiveCeiling', { result: Result.fromNumber(ceiling), resultPath: '$.load.maxDisruptivePercent' }).next(gate);
    beforeGate = new Choice(scope, 'AboveDisruptiveCeiling?').when(Condition.numberGreaterThan('$.load.maxDisruptivePercent', ceiling), applyCeiling).otherwise(gate);
  }

  // 6. Apply: one child execution per batch (ApplyBatchRounds). A batch that fails or outlasts its child's timeout
  //    is caught into `{ index, failed: true, error }` (the child's error name) and reported; the others finish.
  const startBatch = new StepFunctionsStartExecution(scope, 'StartApplyBatchRounds', {
    stateMachine: props.applyBatchRounds,
    integrationPattern: IntegrationPattern.RUN_JOB,
    input: TaskInput.fromObject({
      runId: JsonPath.stringAt('$.runId'),
      batch: JsonPath.objectAt('$.batch'),
      waitSeconds: JsonPath.numberAt('$.waitSeconds'),
      approval: JsonPath.objectAt('$.approval'),
    }),
    // The child's output is its last round; keep a few numbers (the report reads the rounds themselves from S3).
    resultSelector: {
      index: JsonPath.numberAt('$.Output.index'),
      rounds: JsonPath.mathAdd(JsonPath.numberAt('$.Output.round'), 1),
      applied: JsonPath.numberAt('$.Output.applied'),
    },
  });
  // A child that did not succeed fails the task with States.TaskFailed and its DescribeExecution as JSON Cause: the
  // child's own error name is in it. Anything else (a timeout, StartExecution refused) is named by the task error.
  const childFailure = new Pass(scope, 'ReadChildFailure', { parameters: { execution: JsonPath.stringToJson(JsonPath.stringAt('$.error.Cause')) }, resultPath: '$.child' });
  const batchFailed = new Pass(scope, 'BatchFailed', { parameters: { index: JsonPath.numberAt('$.batch.index'), failed: true, error: JsonPath.stringAt('$.child.execution.Error') } });
  const batchNotRun = new Pass(scope, 'BatchNotRun', { parameters: { index: JsonPath.numberAt('$.batch.index'), failed: true, error: JsonPath.stringAt('$.error.Error') } });
  childFailure.next(batchFailed);
  startBatch.addCatch(
    new Choice(scope, 'ChildFailed?')
      .when(Condition.and(Condition.stringEquals('$.error.Error', 'States.TaskFailed'), Condition.isPresent('$.error.Cause')), childFailure)
      .otherwise(batchNotRun),
    { errors: ['States.ALL'], resultPath: '$.error' },
  );
  const applyBatches = new MapState(scope, 'ApplyBatches', {
    itemsPath: '$.load.batches',
    itemSelector: { runId, batch: JsonPath.objectAt('$$.Map.Item.Value'), waitSeconds: JsonPath.numberAt('$.waitSeconds'), approval: JsonPath.objectAt('$.gate.approval') },
    maxConcurrency: BATCH_CONCURRENCY,
    resultPath: '$.apply',
  }).itemProcessor(startBatch);
  catchInto(applyBatches, onApplyFailed);
  // Plan mode and a blocked run apply nothing: the report still gets an (empty) list of batch results.
  const nothingApplied = (id: string) => new Pass(scope, id, { result: Result.fromArray([]), resultPath: '$.apply' });

  // 7. Report → release → done (the execution's output is the report summary).
  const report = invoke(
    'Report',
    'report',
    { runId, trigger: JsonPath.stringAt('$.trigger'), mode: JsonPath.stringAt('$.mode'), revision: JsonPath.stringAt('$.load.revision'), outcome: JsonPath.stringAt('$.outcome'), batches: JsonPath.listAt('$.apply') },
    '$.report',
  );
  catchInto(report, onReportFailed);
  const releaseLock = invoke('ReleaseLock', 'lock', { action: 'release', owner }, '$.release');
  catchInto(releaseLock, onReleaseFailed);
  const markSucceeded = new Pass(scope, 'MarkSucceeded', { result: Result.fromString('succeeded'), resultPath: '$.outcome' });
  const done = new Succeed(scope, 'Done', { outputPath: '$.report' });
  const afterRun = props.seeding ? seedingStates(scope, props.seeding, done) : done;
  // 8. Nightly, after an apply run that was not blocked released its lock: ask Config to evaluate its rules again, so the tables the run
  //    remediated turn COMPLIANT there without waiting for Config's own schedule. After the release (it needs no
  //    lock); a failure is caught and the run stands (the next night asks again).
  const reevaluateConfig = invoke('ReevaluateConfig', 'config-sweep', { action: 'evaluate', runId }, '$.configEvaluation');
  const configNotReevaluated = new Pass(scope, 'ConfigNotReevaluated', { comment: 'StartConfigRulesEvaluation failed; the run stands.', parameters: { failed: true }, resultPath: '$.configEvaluation' });
  reevaluateConfig.addCatch(configNotReevaluated, { errors: ['States.ALL'], resultPath: '$.configEvaluation' });
  reevaluateConfig.next(afterRun);
  configNotReevaluated.next(afterRun);
  const afterRelease = new Choice(scope, 'ReevaluateConfig?')
    .when(Condition.and(Condition.stringEquals('$.trigger', 'schedule'), Condition.stringEquals('$.mode', 'apply'), Condition.stringEquals('$.outcome', 'succeeded')), reevaluateConfig)
    .otherwise(afterRun);
  markSucceeded.next(report).next(releaseLock).next(afterRelease);
  const markBlocked = new Pass(scope, 'MarkBlocked', { result: Result.fromString('blocked'), resultPath: '$.outcome' }).next(report);

  acquireLock.next(load).next(nightlySweep.otherwise(planBatches));
  sweepConfig.next(planBatches);
  configNotSwept.next(planBatches);
  planBatches.next(beforeGate);
  gate.next(
    new Choice(scope, 'GateDecision')
      .when(Condition.stringEquals('$.mode', 'plan'), nothingApplied('PlanOnly').next(markSucceeded))
      .when(Condition.booleanEquals('$.gate.proceed', false), nothingApplied('Blocked').next(markBlocked))
      .otherwise(applyBatches),
  );
  applyBatches.next(markSucceeded);
  return inputDefaults;
}

/**
 * The seeding step, after the lock is released (so it only ever runs once the run's report stands): for an apply
 * run that succeeded, FindSeeds (seed-triggers) returns the Seed executions to start, bounded in count and bytes
 * (functions/run/core/seed-trigger.ts), and StartSeeds starts each one fire-and-forget, named after the table and
 * the object version: Step Functions refuses a name twice (ExecutionAlreadyExists), which is how a seed already
 * started for that object is not started again. The state is first cut to the report and the batch list, so the
 * start requests never sit beside the run's plans and results (payload budget). A seeding failure does not fail
 * the run: the apply already stands, the trigger Lambda's error alarm fires, and the next run tries again.
 */
function seedingStates(scope: Construct, seeding: ReconcileSeeding, done: IChainable): IChainable {
  const findSeeds = new LambdaInvoke(scope, 'FindSeeds', {
    lambdaFunction: seeding.triggers,
    payload: TaskInput.fromObject({ runId: JsonPath.stringAt('$$.Execution.Name'), batches: JsonPath.listAt('$.batches') }),
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    resultPath: '$.seeds',
    taskTimeout: Timeout.duration(seeding.taskTimeout ?? Duration.minutes(6)),
  }).addRetry(TRANSIENT_RETRY);
  const startSeed = new StepFunctionsStartExecution(scope, 'StartSeed', {
    stateMachine: seeding.seed,
    integrationPattern: IntegrationPattern.REQUEST_RESPONSE,
    name: JsonPath.stringAt('$.name'),
    input: TaskInput.fromJsonPathAt('$.input'),
    resultSelector: { executionArn: JsonPath.stringAt('$.ExecutionArn') },
  });
  startSeed.addRetry({ errors: ['StepFunctions.ExecutionLimitExceededException', 'StepFunctions.SdkClientException'], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 3, jitterStrategy: JitterType.FULL });
  startSeed.addCatch(new Pass(scope, 'SeedAlreadyStarted', { comment: 'A Seed of this table and object version was started before (running, or ended).' }), {
    errors: ['StepFunctions.ExecutionAlreadyExistsException'],
    resultPath: '$.error',
  });
  startSeed.addCatch(new Pass(scope, 'SeedNotStarted'), { errors: ['States.ALL'], resultPath: '$.error' });
  const startSeeds = new MapState(scope, 'StartSeeds', { itemsPath: '$.seeds.starts', maxConcurrency: SEED_START_CONCURRENCY, resultPath: JsonPath.DISCARD }).itemProcessor(startSeed);
  const seedsStarted = new Pass(scope, 'SeedsStarted', { parameters: { counts: JsonPath.objectAt('$.seeds.counts') }, resultPath: '$.seeds' });
  const seedingFailed = new Pass(scope, 'SeedingFailed', { comment: 'The run stands; the seed-triggers alarm and the execution history say why.', resultPath: JsonPath.DISCARD });
  findSeeds.addCatch(seedingFailed, { errors: ['States.ALL'], resultPath: '$.seedingError' });
  startSeeds.addCatch(seedingFailed, { errors: ['States.ALL'], resultPath: '$.seedingError' });
  const seedingInput = new Pass(scope, 'SeedingInput', { parameters: { report: JsonPath.objectAt('$.report'), batches: JsonPath.listAt('$.load.batches') } });
  findSeeds.next(startSeeds).next(seedsStarted).next(done);
  seedingFailed.next(done);
  return new Choice(scope, 'SeedAfterApply?')
    .when(Condition.and(Condition.stringEquals('$.mode', 'apply'), Condition.stringEquals('$.outcome', 'succeeded')), seedingInput.next(findSeeds))
    .otherwise(done);
}

/** Props of {@link ReconcileStateMachine}. */
export interface ReconcileStateMachineProps extends ReconcileDefinitionProps {
  /** Execution log destination. Default: a new log group kept for 90 days. */
  logGroup?: ILogGroup;
  /** How long an execution may run. Default 6 hours (40 apply rounds at the default 30 s wait take 20 minutes). */
  timeout?: Duration;
}

/** The Reconcile state machine and its child ApplyBatchRounds: Standard type, every event logged, X-Ray tracing on. */
export class ReconcileStateMachine extends Construct {
  /** The state machine. */
  readonly stateMachine: StateMachine;
  /** The child that applies one batch in rounds (one execution per batch). */
  readonly applyBatchRounds: StateMachine;
  /** Where executions log (level ALL, with execution data). */
  readonly logGroup: ILogGroup;

  constructor(scope: Construct, id: string, props: ReconcileStateMachineProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.hours(6);
    this.logGroup = props.logGroup ?? new LogGroup(this, 'Logs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN });
    const logs = { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true };
    // The child's states live in their own scope: state names are unique per state machine, ids per scope.
    const rounds = new Construct(this, 'Rounds');
    this.applyBatchRounds = new StateMachine(this, 'ApplyBatchRounds', {
      comment: 'tablewarden ApplyBatchRounds: apply one batch of a reconcile run in rounds, waiting while DynamoDB settles',
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(applyBatchRoundsDefinition(rounds, props)),
      // Within the parent's: a batch that outlasts it is stopped with the parent (sync:2 stops its children).
      timeout,
      tracingEnabled: true,
      logs,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      comment: 'tablewarden Reconcile: lock, load, plan, gate, apply each batch in a child execution, report, unlock',
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(
        reconcileDefinition(this, { ...props, applyBatchRounds: this.applyBatchRounds, lockTtlSeconds: props.lockTtlSeconds ?? Math.min(86_400, Math.max(60, timeout.toSeconds())) }),
      ),
      timeout,
      tracingEnabled: true,
      logs,
    });
  }
}
