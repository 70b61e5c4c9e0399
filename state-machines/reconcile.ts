/**
 * The Reconcile workflow: lock → load the desired state → plan every batch → blast-radius gate → apply every
 * batch in rounds (waiting in the state machine while DynamoDB settles) → report → unlock.
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
  type RetryProps,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DEFAULT_BATCH_SIZE, RECONCILE_INPUT_DEFAULTS } from '../functions/run/core/input.ts';
import type { HandlerName } from '../functions/handlers/registry.ts';

/** Defaults filled in for fields the input leaves out: one home, functions/run/core/input.ts. */
export { RECONCILE_INPUT_DEFAULTS };

/** Apply rounds per batch: round 0 … MAX; a batch still pending after round MAX fails with `BatchDidNotSettle`. */
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

const TRANSIENT_RETRY: RetryProps = {
  errors: TRANSIENT_LAMBDA_ERRORS,
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 6,
  maxDelay: Duration.seconds(60),
  jitterStrategy: JitterType.FULL,
};

/** The Lambda functions the workflow calls. */
export interface ReconcileFunctions {
  lock: IFunction;
  loadDesiredState: IFunction;
  planBatch: IFunction;
  gate: IFunction;
  applyBatch: IFunction;
  report: IFunction;
}

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
}

/**
 * Build the Reconcile definition inside `scope` (states are constructs: their ids are the state names).
 *
 * @returns the start state, for `DefinitionBody.fromChainable`.
 */
export function reconcileDefinition(scope: Construct, props: ReconcileDefinitionProps): IChainable {
  const { functions } = props;
  const timeout = (fn: keyof ReconcileFunctions): Duration => props.taskTimeouts?.[fn] ?? (fn === 'lock' || fn === 'gate' ? Duration.minutes(1) : Duration.minutes(16));
  // resultPath undefined: the result replaces the state (an explicit "$" is mishandled by aws-local-stepfunctions).
  const invoke = (
    id: keyof typeof RECONCILE_TASK_STATES,
    fn: keyof ReconcileFunctions,
    payload: Record<string, unknown>,
    resultPath: string | undefined,
    resultSelector?: Record<string, unknown>,
  ) =>
    new LambdaInvoke(scope, id, {
      ...(resultSelector ? { resultSelector } : {}),
      lambdaFunction: functions[fn],
      payload: TaskInput.fromObject(payload),
      // The handler's return value *is* the state result: no Payload/StatusCode envelope, smaller state.
      payloadResponseOnly: true,
      // Replaced by TRANSIENT_RETRY below, which also covers throttling and task timeouts.
      retryOnServiceExceptions: false,
      ...(resultPath !== undefined ? { resultPath } : {}),
      taskTimeout: Timeout.duration(timeout(fn)),
    }).addRetry(TRANSIENT_RETRY);

  const runId = JsonPath.stringAt('$$.Execution.Name');
  const owner = JsonPath.stringAt('$$.Execution.Id');
  const lockTtl = props.lockTtlSeconds ?? 21_600;

  // ---- Failure path: report (failed) → release the lock → fail with the stage's reason.
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
    {
      runId,
      trigger: JsonPath.stringAt('$.trigger'),
      mode: JsonPath.stringAt('$.mode'),
      revision: JsonPath.stringAt('$.revision'),
      outcome: 'failed',
      error: JsonPath.objectAt('$.error'),
    },
    '$.report',
  );
  reportFailure.addCatch(releaseAfterFailure, { errors: ['States.ALL'], resultPath: '$.reportError' });
  reportFailure.next(releaseAfterFailure);
  const failedAt = (stage: ReconcileFailure) =>
    new Pass(scope, `On${stage}`, { result: Result.fromString(stage), resultPath: '$.failedStage' }).next(reportFailure);
  const onLoadFailed = failedAt('LoadFailed');
  const onPlanFailed = failedAt('PlanFailed');
  const onGateFailed = failedAt('GateFailed');
  const onApplyFailed = failedAt('ApplyFailed');
  const onBatchDidNotSettle = failedAt('BatchDidNotSettle');
  const onReportFailed = failedAt('ReportFailed');
  // Not failedAt(): the report is written and final. Reporting again as a failure would overwrite it and label the
  // tables this run converged as drift. The execution fails (alarm), and the release rule retries the release.
  const onReleaseFailed = new Fail(scope, 'ReleaseFailed', {
    error: 'ReleaseFailed',
    cause: "ReleaseLock failed after the Report state wrote runs/<execution name>/report.json; that report stands. The lock is released by the ReleaseLockOfStoppedRun rule on this FAILED status, or expires on its own.",
  });
  const catchInto = (state: { addCatch(handler: IChainable, props?: CatchProps): unknown }, handler: IChainable) =>
    state.addCatch(handler, { errors: ['States.ALL'], resultPath: '$.error' });

  // ---- Success path tail: report → release → done (the execution's output is the report summary).
  const done = new Succeed(scope, 'Done', { outputPath: '$.report' });
  const releaseLock = invoke('ReleaseLock', 'lock', { action: 'release', owner }, '$.release');
  catchInto(releaseLock, onReleaseFailed);
  releaseLock.next(done);
  const report = invoke(
    'Report',
    'report',
    {
      runId,
      trigger: JsonPath.stringAt('$.trigger'),
      mode: JsonPath.stringAt('$.mode'),
      revision: JsonPath.stringAt('$.load.revision'),
      outcome: JsonPath.stringAt('$.outcome'),
    },
    '$.report',
  );
  catchInto(report, onReportFailed);
  report.next(releaseLock);
  const markSucceeded = new Pass(scope, 'MarkSucceeded', { result: Result.fromString('succeeded'), resultPath: '$.outcome' }).next(report);
  const markBlocked = new Pass(scope, 'MarkBlocked', { result: Result.fromString('blocked'), resultPath: '$.outcome' }).next(report);

  // ---- Apply: every batch in rounds; the state machine waits between rounds, never the Lambda.
  const applyBatch = invoke(
    'ApplyBatch',
    'applyBatch',
    {
      runId: JsonPath.stringAt('$.runId'),
      batch: JsonPath.objectAt('$.batch'),
      round: JsonPath.numberAt('$.round'),
      waitSeconds: JsonPath.numberAt('$.waitSeconds'),
      approval: JsonPath.objectAt('$.approval'),
    },
    '$.result',
  );
  // The round says how long: the settle interval, or, when every table left waits for a step DynamoDB won't take
  // before a known time (TTL's step 2, an hour after step 1), until then in one Wait (history stays small).
  const waitForDynamoDB = new Wait(scope, 'WaitForDynamoDB', { time: WaitTime.secondsPath('$.result.waitSeconds') });
  const nextRound = new Pass(scope, 'NextRound', {
    parameters: {
      runId: JsonPath.stringAt('$.runId'),
      batch: JsonPath.objectAt('$.batch'),
      waitSeconds: JsonPath.numberAt('$.waitSeconds'),
      approval: JsonPath.objectAt('$.approval'),
      round: JsonPath.mathAdd(JsonPath.numberAt('$.round'), 1),
    },
  });
  waitForDynamoDB.next(nextRound);
  nextRound.next(applyBatch);
  const batchApplied = new Pass(scope, 'BatchApplied', { outputPath: '$.result' });
  const batchDidNotSettle = new Fail(scope, 'BatchDidNotSettle', { error: 'BatchDidNotSettle', cause: RECONCILE_FAILURES.BatchDidNotSettle });
  applyBatch.next(
    new Choice(scope, 'BatchSettled?')
      .when(Condition.and(Condition.booleanEquals('$.result.pending', true), Condition.numberLessThan('$.round', MAX_APPLY_ROUNDS)), waitForDynamoDB)
      .when(Condition.booleanEquals('$.result.pending', true), batchDidNotSettle)
      .otherwise(batchApplied),
  );
  const applyBatches = new MapState(scope, 'ApplyBatches', {
    itemsPath: '$.load.batches',
    itemSelector: {
      runId,
      batch: JsonPath.objectAt('$$.Map.Item.Value'),
      round: 0,
      waitSeconds: JsonPath.numberAt('$.waitSeconds'),
      approval: JsonPath.objectAt('$.gate.approval'),
    },
    maxConcurrency: BATCH_CONCURRENCY,
    resultPath: '$.apply',
  }).itemProcessor(applyBatch);
  applyBatches.addCatch(onBatchDidNotSettle, { errors: ['BatchDidNotSettle'], resultPath: '$.error' });
  catchInto(applyBatches, onApplyFailed);
  applyBatches.next(markSucceeded);

  // ---- Gate: the account-wide blast-radius guard, before any batch applies anything.
  const gate = invoke(
    'Gate',
    'gate',
    {
      runId,
      tables: JsonPath.numberAt('$.load.tables'),
      maxDisruptivePercent: JsonPath.numberAt('$.load.maxDisruptivePercent'),
      plans: JsonPath.listAt('$.plans'),
    },
    '$.gate',
  );
  catchInto(gate, onGateFailed);
  gate.next(
    new Choice(scope, 'GateDecision')
      .when(Condition.stringEquals('$.mode', 'plan'), markSucceeded)
      .when(Condition.booleanEquals('$.gate.proceed', false), markBlocked)
      .otherwise(applyBatches),
  );
  let beforeGate: IChainable = gate;
  if (props.maxDisruptivePercent !== undefined) {
    const ceiling = props.maxDisruptivePercent;
    const applyCeiling = new Pass(scope, 'ApplyDisruptiveCeiling', { result: Result.fromNumber(ceiling), resultPath: '$.load.maxDisruptivePercent' }).next(gate);
    beforeGate = new Choice(scope, 'AboveDisruptiveCeiling?')
      .when(Condition.numberGreaterThan('$.load.maxDisruptivePercent', ceiling), applyCeiling)
      .otherwise(gate);
  }

  // ---- Plan: every batch side by side.
  // Each batch's result is cut to what the gate adds up: 200 batches stay a few KiB (the plans are in S3).
  const planBatch = invoke('PlanBatch', 'planBatch', { runId: JsonPath.stringAt('$.runId'), batch: JsonPath.objectAt('$.batch') }, undefined, {
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
  planBatches.next(beforeGate);

  // ---- Load.
  const load = invoke(
    'LoadDesiredState',
    'loadDesiredState',
    { runId, revision: JsonPath.stringAt('$.revision'), tables: JsonPath.listAt('$.tables'), batchSize: props.batchSize ?? DEFAULT_BATCH_SIZE },
    '$.load',
  );
  catchInto(load, onLoadFailed);
  load.next(planBatches);

  // ---- Lock: nothing to release when it was never ours.
  const acquireLock = invoke('AcquireLock', 'lock', { action: 'acquire', owner, ttlSeconds: lockTtl }, '$.lock');
  // A commit that lands while another run holds the lock must not be lost until the next nightly run: wait for
  // the lock (1 + 2 + 4 + 8 + 16 + 32 minutes, about an hour) before giving up with LockHeld.
  acquireLock.addRetry({ errors: ['LockHeld'], interval: Duration.minutes(1), backoffRate: 2, maxAttempts: 6 });
  acquireLock.addCatch(new Fail(scope, 'LockHeld', { error: 'LockHeld', cause: RECONCILE_FAILURES.LockHeld }), { errors: ['LockHeld'], resultPath: '$.error' });
  acquireLock.addCatch(new Fail(scope, 'LockFailed', { error: 'LockFailed', cause: RECONCILE_FAILURES.LockFailed }), { errors: ['States.ALL'], resultPath: '$.error' });
  acquireLock.next(load);

  // ---- Input: defaults, the revision of a bundle event, validation.
  const invalidInput = new Fail(scope, 'InvalidInput', { error: 'InvalidInput', cause: RECONCILE_FAILURES.InvalidInput });
  const validateInput = new Choice(scope, 'ValidateInput')
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
  // A Choice rule on a missing path is a runtime error (States.Runtime), so presence is checked first.
  const inputComplete = new Choice(scope, 'InputComplete?')
    .when(
      Condition.and(...['$.trigger', '$.mode', '$.revision', '$.tables', '$.waitSeconds'].map((path) => Condition.isPresent(path))),
      validateInput,
    )
    .otherwise(invalidInput);
  const useBundleRevision = new Pass(scope, 'UseBundleRevision', {
    parameters: {
      trigger: JsonPath.stringAt('$.trigger'),
      mode: JsonPath.stringAt('$.mode'),
      tables: JsonPath.listAt('$.tables'),
      waitSeconds: JsonPath.numberAt('$.waitSeconds'),
      revision: JsonPath.stringAt('$.bundle.nameParts[0]'),
    },
  });
  // publish writes bundles/<sha>.json, then bundles/latest.json: the first event already started this revision.
  const latestPointer = new Succeed(scope, 'IgnoreLatestPointer', { comment: 'bundles/latest.json is a copy of a revision whose own upload started a run' });
  useBundleRevision.next(new Choice(scope, 'LatestPointer?').when(Condition.stringEquals('$.revision', 'latest'), latestPointer).otherwise(inputComplete));
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
  const fromBundleEvent = new Choice(scope, 'FromBundleEvent?')
    .when(Condition.and(Condition.isPresent('$.bundleKey'), Condition.isString('$.bundleKey')), splitBundleKey)
    .otherwise(inputComplete);
  const mergeDefaults = new Pass(scope, 'MergeInputDefaults', {
    parameters: { merged: JsonPath.jsonMerge(JsonPath.objectAt('$.defaults'), JsonPath.objectAt('$.input')) },
    outputPath: '$.merged',
  });
  mergeDefaults.next(fromBundleEvent);
  const inputDefaults = new Pass(scope, 'ApplyInputDefaults', {
    comment: 'Fill in the defaults of reconcileInputSchema; fields present in the input win (States.JsonMerge is shallow).',
    parameters: { defaults: { ...RECONCILE_INPUT_DEFAULTS, tables: [] }, input: JsonPath.objectAt('$') },
  });
  inputDefaults.next(mergeDefaults);
  return inputDefaults;
}

/** Props of {@link ReconcileStateMachine}. */
export interface ReconcileStateMachineProps extends ReconcileDefinitionProps {
  /** Execution log destination. Default: a new log group kept for 90 days. */
  logGroup?: ILogGroup;
  /** How long an execution may run. Default 6 hours (40 apply rounds at the default 30 s wait take 20 minutes). */
  timeout?: Duration;
}

/** The Reconcile state machine: Standard type, every event logged, X-Ray tracing on. */
export class ReconcileStateMachine extends Construct {
  /** The state machine. */
  readonly stateMachine: StateMachine;
  /** Where executions log (level ALL, with execution data). */
  readonly logGroup: ILogGroup;

  constructor(scope: Construct, id: string, props: ReconcileStateMachineProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.hours(6);
    this.logGroup = props.logGroup ?? new LogGroup(this, 'Logs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      comment: 'tablewarden Reconcile: lock, load, plan, gate, apply in rounds, report, unlock',
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(
        reconcileDefinition(this, { ...props, lockTtlSeconds: props.lockTtlSeconds ?? Math.min(86_400, Math.max(60, timeout.toSeconds())) }),
      ),
      timeout,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });
  }
}
