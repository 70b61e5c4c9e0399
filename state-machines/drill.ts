/**
 * The restore-drill workflows:
 *
 * - **Drill** (one table): load the table's declared spec from the published bundle → start the restore into
 *   `tw-drill-<table>-<time>` → wait and check with capped backoff until the copy is ACTIVE or the deadline derived
 *   from `maxRestoreMinutes` passes → validate → clean up → record → succeed or fail by the verdict. Every state
 *   after the start is caught into CleanupDrill with the error at `$.error`, and RecordDrill then marks the drill
 *   failed with that reason; cleanup itself retries throttling with backoff and, while the copy is still being
 *   created, comes back after a wait. A copy of the drill's that is still untagged (it was CREATING whenever the
 *   start and the checks tried) is tagged by TagDrillCopy (drill-check's role: the cleanup role holds no
 *   TagResource), then cleaned up again. A drill that never started (unknown table, another drill of it running) is
 *   recorded as failed too, with nothing to clean.
 * - **DrillSchedule** (one cadence: daily | weekly | monthly): sweep drill copies older than a day that an aborted
 *   run left behind → list the tables declaring the cadence → run each table's Drill as a child execution
 *   (`startExecution.sync:2`, like Reconcile's ApplyBatchRounds) through an inline Map with {@link DRILL_CONCURRENCY}
 *   at a time, well below DynamoDB's 50 concurrent restores.
 *
 * Why it looks like this: JSONPath only, INLINE Maps only, no `Assign`, no task tokens (aws-local-stepfunctions 3.0.0
 * runs the synthesized ASL locally and supports none of those; a guard test in test/infra checks it). The waits are
 * computed by the handlers (functions/run/core/drill-wait.ts), so a round is three states, and the worst-case
 * history stays within half the 25,000-event quota (test/workflow/drill-budget.test.ts).
 *
 * Input of Drill: `{ table, revision?: 'latest', source?: 'aws-backup' | 'dynamodb-backup' | 'pitr', time?: ISO }`.
 * Output: the drill report (functions/core/drill/record.ts DrillReport plus `summary`), when it passed. It fails with
 * `DrillFailed`, `NoRecoveryPoint` or `DrillNotStarted`, the report's summary as the cause (and `InvalidInput`,
 * `RecordFailed`). Input of DrillSchedule: `{ cadence }`; output: the list and one verdict per table, in order.
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
  type IChainable,
  type IStateMachine,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, StepFunctionsStartExecution } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { HandlerName, HandlersOf } from '../functions/handlers/registry.ts';
import { FIRST_WAIT, MAX_CHECK_ROUNDS, MAX_CLEANUP_ROUNDS } from '../functions/run/core/drill-wait.ts';
import { TRANSIENT_RETRY } from './reconcile.ts';

/** Drills of one schedule run side by side: well below DynamoDB's 50 restores at once per account and region. */
export const DRILL_CONCURRENCY = 10;

/** The drill cadences, one EventBridge schedule each. */
export const DRILL_CADENCES = ['daily', 'weekly', 'monthly'] as const;

/**
 * Task state name → handler (functions/handlers/<name>.ts), for both machines. A local runner routes Task states by
 * name, so these names are part of the contract.
 */
export const DRILL_TASK_STATES = {
  LoadDrillTarget: 'drill-targets',
  StartDrill: 'drill-start',
  CheckRestore: 'drill-check',
  TagDrillCopy: 'drill-check',
  ValidateDrill: 'drill-validate',
  CleanupDrill: 'drill-cleanup',
  RecordDrill: 'drill-record',
  RecordNotStarted: 'drill-record',
  SweepDrillTables: 'drill-cleanup',
  ListDrillTables: 'drill-targets',
} as const satisfies Record<string, HandlerName>;

/** How a Drill execution fails, by cause. */
export const DRILL_FAILURES = {
  InvalidInput: 'the input has no table name',
  DrillNotStarted: 'the drill did not start (the table is not declared, the bundle could not be read, or another drill of the table is running); recorded as failed',
  NoRecoveryPoint: 'the table has no recovery point of the requested kind; recorded as no-recovery-point',
  DrillFailed: 'the drill failed (the restore, the validation or the cleanup); recorded as failed with the reasons',
  RecordFailed: 'writing the drill history failed; the copy was cleaned up before',
} as const;

/** The Lambda functions the drill workflows call, by handler name (functions/handlers/registry.ts). */
export type DrillFunctions = Record<HandlersOf<'drill'>, IFunction>;

/**
 * What cleanup retries beyond the Lambda's own transient errors: DynamoDB throttling and its limits, surfacing when
 * the SDK's attempts and the step's own retries (functions/aws/drill-data.ts) are spent. With backoff up to 2 minutes.
 */
export const CLEANUP_RETRY_ERRORS = ['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'LimitExceededException', 'ResourceInUseException', 'WaitTimeout'];

/** Knobs of the drill definitions. */
export interface DrillDefinitionProps {
  functions: DrillFunctions;
  /** Per-task timeouts (a Lambda's own timeout plus a margin). Default 16 minutes. */
  taskTimeouts?: Partial<Record<HandlerName, Duration>>;
}

function lambdaTask(scope: Construct, props: DrillDefinitionProps) {
  // resultPath undefined: the result replaces the state (an explicit "$" is mishandled by aws-local-stepfunctions).
  return (id: keyof typeof DRILL_TASK_STATES, payload: Record<string, unknown>, resultPath: string | undefined, resultSelector?: Record<string, unknown>) => {
    const handler = DRILL_TASK_STATES[id];
    return new LambdaInvoke(scope, id, {
      lambdaFunction: props.functions[handler],
      payload: TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      ...(resultPath !== undefined ? { resultPath } : {}),
      ...(resultSelector ? { resultSelector } : {}),
      taskTimeout: Timeout.duration(props.taskTimeouts?.[handler] ?? Duration.minutes(16)),
    }).addRetry(TRANSIENT_RETRY);
  };
}

/** Build the Drill definition inside `scope` (state names are the construct ids). @returns the start state. */
export function drillDefinition(scope: Construct, props: DrillDefinitionProps): IChainable {
  const invoke = lambdaTask(scope, props);
  const caught = { errors: ['States.ALL'], resultPath: '$.error' };

  // ==== Ends ====
  const recordFailed = new Fail(scope, 'RecordFailed', { error: 'RecordFailed', cause: DRILL_FAILURES.RecordFailed });
  const drillPassed = new Succeed(scope, 'DrillPassed', { outputPath: '$.report' });
  const drillFailed = new Fail(scope, 'DrillFailed', { error: 'DrillFailed', causePath: '$.report.summary' });
  const noRecoveryPoint = new Fail(scope, 'NoRecoveryPoint', { error: 'NoRecoveryPoint', causePath: '$.report.summary' });
  const drillNotStarted = new Fail(scope, 'DrillNotStarted', { error: 'DrillNotStarted', causePath: '$.report.summary' });
  const invalidInput = new Fail(scope, 'InvalidInput', { error: 'InvalidInput', cause: DRILL_FAILURES.InvalidInput });

  // ==== Record (the verdict decides how the execution ends) ====
  // The report replaces the state (`{ report }`): it holds everything the drill found, so nothing else is carried.
  const asReport = { report: JsonPath.objectAt('$') };
  const record = invoke('RecordDrill', { table: JsonPath.stringAt('$.run.drill.table'), drill: JsonPath.objectAt('$.run.drill'), error: JsonPath.objectAt('$.error') }, undefined, asReport);
  record.addCatch(recordFailed, { errors: ['States.ALL'], resultPath: '$.recordError' });
  record.next(
    new Choice(scope, 'Verdict?')
      .when(Condition.stringEquals('$.report.verdict', 'passed'), drillPassed)
      .when(Condition.stringEquals('$.report.verdict', 'no-recovery-point'), noRecoveryPoint)
      .otherwise(drillFailed),
  );
  const recordNotStarted = invoke('RecordNotStarted', { table: JsonPath.stringAt('$.input.table'), error: JsonPath.objectAt('$.error') }, undefined, asReport);
  recordNotStarted.addCatch(recordFailed, { errors: ['States.ALL'], resultPath: '$.recordError' });
  recordNotStarted.next(drillNotStarted);

  // ==== Cleanup: always, after the start; retried on throttling; waits while the copy is still being created ====
  const cleanup = invoke(
    'CleanupDrill',
    { action: 'cleanup', drill: JsonPath.objectAt('$.run.drill'), wait: JsonPath.objectAt('$.run.wait'), error: JsonPath.objectAt('$.error') },
    '$.run',
  );
  cleanup.addRetry({ errors: CLEANUP_RETRY_ERRORS, interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 6, maxDelay: Duration.minutes(2), jitterStrategy: JitterType.FULL });
  // Cleanup that still fails: the report says so (the copy is left to the nightly sweep), the drill is failed.
  const cleanupFailed = new Pass(scope, 'CleanupFailed', {
    parameters: { outcome: 'waiting', reason: JsonPath.format('cleanup failed: {}; the nightly sweep deletes the copy', JsonPath.stringAt('$.cleanupError.Error')) },
    resultPath: '$.run.drill.cleanup',
  }).next(record);
  cleanup.addCatch(cleanupFailed, { errors: ['States.ALL'], resultPath: '$.cleanupError' });
  const waitBeforeCleanup = new Wait(scope, 'WaitBeforeCleanup', { time: WaitTime.secondsPath('$.run.wait.seconds') }).next(cleanup);
  // The copy is this drill's by name but untagged (it was still being created when the start and the checks tried):
  // drill-check's role tags it, since the cleanup role must not hold TagResource (with it and DeleteTable it could
  // delete any tw-drill-* table); then cleanup again, at once when tagged, after a wait when not yet taggable.
  const tagCopy = invoke('TagDrillCopy', { action: 'tag', drill: JsonPath.objectAt('$.run.drill'), wait: JsonPath.objectAt('$.run.wait') }, '$.run');
  tagCopy.addCatch(cleanupFailed, { errors: ['States.ALL'], resultPath: '$.cleanupError' });
  tagCopy.next(
    new Choice(scope, 'CopyTagged?')
      .when(Condition.and(Condition.isPresent('$.run.drill.tagged'), Condition.booleanEquals('$.run.drill.tagged', true)), cleanup)
      .otherwise(waitBeforeCleanup),
  );
  const cleanupRoundsLeft = Condition.numberLessThan('$.run.wait.cleanupRounds', MAX_CLEANUP_ROUNDS);
  cleanup.next(
    new Choice(scope, 'CleanedUp?')
      .when(Condition.and(Condition.stringEquals('$.run.drill.cleanup.outcome', 'waiting'), cleanupRoundsLeft), waitBeforeCleanup)
      .when(Condition.and(Condition.stringEquals('$.run.drill.cleanup.outcome', 'untagged'), cleanupRoundsLeft), tagCopy)
      .otherwise(record),
  );

  // ==== Main path ====
  const applyDefaults = new Pass(scope, 'ApplyDrillDefaults', {
    comment: 'Fill in the defaults (revision: latest); fields present in the input win. $.error starts empty: no error.',
    parameters: { defaults: { revision: 'latest' }, input: JsonPath.objectAt('$') },
  });
  const mergeDefaults = new Pass(scope, 'MergeDrillDefaults', {
    parameters: { input: JsonPath.jsonMerge(JsonPath.objectAt('$.defaults'), JsonPath.objectAt('$.input')), error: {} },
  });
  const loadTarget = invoke('LoadDrillTarget', { action: 'get', table: JsonPath.stringAt('$.input.table'), revision: JsonPath.stringAt('$.input.revision') }, '$.target');
  loadTarget.addCatch(recordNotStarted, caught);
  const start = invoke('StartDrill', { target: JsonPath.objectAt('$.target'), request: JsonPath.objectAt('$.input') }, '$.run', { drill: JsonPath.objectAt('$'), wait: { ...FIRST_WAIT } });
  start.addCatch(recordNotStarted, caught);
  const waitForRestore = new Wait(scope, 'WaitForRestore', { time: WaitTime.secondsPath('$.run.wait.seconds') });
  const check = invoke('CheckRestore', { drill: JsonPath.objectAt('$.run.drill'), wait: JsonPath.objectAt('$.run.wait') }, '$.run');
  check.addCatch(cleanup, caught);
  // ValidateDrill is the target's last reader: the validated drill takes the target's place, so no state holds both
  // the declared spec and the findings (test/workflow/drill-budget.test.ts), and KeepFindings moves it into $.run.
  const validate = invoke('ValidateDrill', { target: JsonPath.objectAt('$.target'), drill: JsonPath.objectAt('$.run.drill') }, '$.target');
  validate.addCatch(cleanup, caught);
  validate
    .next(
      new Pass(scope, 'KeepFindings', {
        parameters: { input: JsonPath.objectAt('$.input'), error: JsonPath.objectAt('$.error'), run: { drill: JsonPath.objectAt('$.target'), wait: JsonPath.objectAt('$.run.wait') } },
      }),
    )
    .next(cleanup);
  // A backstop: checkRestore fails the drill at its deadline long before this many rounds.
  const roundsExhausted = new Pass(scope, 'RestoreRoundsExhausted', {
    result: Result.fromObject({ Error: 'RestoreTimedOut', Cause: `the copy was not ready after ${MAX_CHECK_ROUNDS} checks` }),
    resultPath: '$.error',
  }).next(cleanup);
  const restoring = Condition.stringEquals('$.run.drill.restore', 'restoring');
  waitForRestore.next(check).next(
    new Choice(scope, 'RestoreReady?')
      .when(Condition.stringEquals('$.run.drill.restore', 'active'), validate)
      .when(Condition.and(restoring, Condition.numberLessThan('$.run.wait.round', MAX_CHECK_ROUNDS)), waitForRestore)
      .when(restoring, roundsExhausted)
      .otherwise(cleanup),
  );
  applyDefaults.next(mergeDefaults).next(
    new Choice(scope, 'HasTable?').when(Condition.and(Condition.isPresent('$.input.table'), Condition.isString('$.input.table')), loadTarget).otherwise(invalidInput),
  );
  // Nothing to wait for (no recovery point, or the restore failed to start): cleanup releases the lock, if any.
  loadTarget.next(start).next(new Choice(scope, 'Restoring?').when(restoring, waitForRestore).otherwise(cleanup));
  return applyDefaults;
}

/** Build the DrillSchedule definition inside `scope`. @returns the start state. */
export function drillScheduleDefinition(scope: Construct, props: DrillDefinitionProps & { drill: IStateMachine }): IChainable {
  const invoke = lambdaTask(scope, props);
  const sweep = invoke('SweepDrillTables', { action: 'sweep' }, '$.sweep', { deleted: JsonPath.numberAt('$.deleted'), left: JsonPath.numberAt('$.left') });
  // A failed sweep does not stop the drills; the next run sweeps again.
  const list = invoke('ListDrillTables', { action: 'list', cadence: JsonPath.stringAt('$.cadence'), revision: 'latest' }, '$.list');
  sweep.addCatch(list, { errors: ['States.ALL'], resultPath: '$.sweepError' });
  list.addCatch(new Fail(scope, 'ListFailed', { error: 'ListFailed', cause: 'listing the tables of the cadence failed (bundle missing or not authentic, or the policy is invalid)' }), {
    errors: ['States.ALL'],
    resultPath: '$.error',
  });

  // One child execution per table. The result is the verdict only (the table is the list entry at the same index),
  // so 200 tables stay a few KB: `passed`, or the child's error name (DrillFailed, NoRecoveryPoint, ...).
  const runDrill = new StepFunctionsStartExecution(scope, 'RunDrill', {
    stateMachine: props.drill,
    integrationPattern: IntegrationPattern.RUN_JOB,
    input: TaskInput.fromObject({ table: JsonPath.stringAt('$.table'), revision: JsonPath.stringAt('$.revision') }),
    resultSelector: { verdict: JsonPath.stringAt('$.Output.verdict') },
  });
  const childFailure = new Pass(scope, 'ReadDrillFailure', { parameters: { execution: JsonPath.stringToJson(JsonPath.stringAt('$.error.Cause')) }, resultPath: '$.child' });
  childFailure.next(new Pass(scope, 'DrillVerdict', { parameters: { verdict: JsonPath.stringAt('$.child.execution.Error') } }));
  runDrill.addCatch(
    new Choice(scope, 'DrillChildFailed?')
      .when(Condition.and(Condition.stringEquals('$.error.Error', 'States.TaskFailed'), Condition.isPresent('$.error.Cause')), childFailure)
      .otherwise(new Pass(scope, 'DrillNotRun', { parameters: { verdict: JsonPath.stringAt('$.error.Error') } })),
    { errors: ['States.ALL'], resultPath: '$.error' },
  );
  const each = new MapState(scope, 'DrillEachTable', {
    itemsPath: '$.list.tables',
    itemSelector: { table: JsonPath.stringAt('$$.Map.Item.Value'), revision: JsonPath.stringAt('$.list.revision') },
    maxConcurrency: DRILL_CONCURRENCY,
    resultPath: '$.drills',
  }).itemProcessor(runDrill);
  sweep.next(list).next(each).next(new Succeed(scope, 'DrillsDone'));
  return sweep;
}

/** Props of {@link DrillStateMachines}. */
export interface DrillStateMachinesProps extends DrillDefinitionProps {
  /** Execution log destination. Default: a new log group kept for 90 days. */
  logGroup?: ILogGroup;
}

/** The Drill and DrillSchedule state machines: Standard type, every event logged, X-Ray tracing on. */
export class DrillStateMachines extends Construct {
  /** One table's drill. */
  readonly drill: StateMachine;
  /** One cadence's drills, each a child execution of {@link drill}. */
  readonly schedule: StateMachine;
  readonly logGroup: ILogGroup;

  constructor(scope: Construct, id: string, props: DrillStateMachinesProps) {
    super(scope, id);
    this.logGroup = props.logGroup ?? new LogGroup(this, 'Logs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN });
    const logs = { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true };
    this.drill = new StateMachine(this, 'Drill', {
      comment: 'tablewarden Drill: restore one table into a tw-drill- copy, validate it, clean it up, record the verdict',
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(drillDefinition(new Construct(this, 'DrillStates'), props)),
      // The longest drill: a 24-hour restore budget waits 48 h, cleanup up to ~7 h more.
      timeout: Duration.hours(60),
      tracingEnabled: true,
      logs,
    });
    this.schedule = new StateMachine(this, 'DrillSchedule', {
      comment: 'tablewarden DrillSchedule: sweep stale drill copies, then drill every table declaring the cadence, 10 at a time',
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(drillScheduleDefinition(new Construct(this, 'ScheduleStates'), { ...props, drill: this.drill })),
      timeout: Duration.days(7),
      tracingEnabled: true,
      logs,
    });
  }
}
