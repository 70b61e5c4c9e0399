/**
 * The Seed workflow (issue 10, items 5 and 6a): one table, one source, in parts. Each part is one invocation of the
 * `seed` Lambda (functions/handlers/seed.ts), which stops taking records well before its own timeout and returns
 * `checkpointed` with a checkpoint; the state machine then calls it again with that checkpoint, until the seed ends.
 *
 *   ApplySeedDefaults → MergeSeedDefaults → SeedInputComplete? → FirstPart → Seed → PartDone?
 *     checkpointed (and parts left) → NextPart → Seed …     completed | unchanged → SeedDone
 *     refused-not-empty → RefusedNotEmpty                     failed → SeedFailed     (the reason is the Cause)
 *
 * Why it looks like this:
 * - a loop of Lambda parts, not one long task: Lambda stops at 15 minutes, and a 1 GB file takes longer. Parts
 *   resume from a checkpoint that says how many records are done; nothing is written twice (functions/run/seed.ts).
 * - bounded: at most {@link MAX_SEED_PARTS} parts, so the worst-case history (every part retried to the limit) stays
 *   within half of Step Functions' 25,000 events per execution (test/workflow/seed-budget.test.ts computes it from
 *   the synthesized ASL with local/workflow/budget.ts). A seed still checkpointing after that fails `TooManyParts`.
 * - small state: the parts pass counts, a checkpoint and S3 keys; the report and the rejection list are in the run
 *   store under runs/seed/<execution name>/.
 * - JSONPath only, no Map, no `Assign`, no task tokens (aws-local-stepfunctions runs the synthesized ASL locally;
 *   a guard test in test/infra checks it). Transient Lambda errors are retried; the handler's typed errors are
 *   caught into stage-specific failures.
 *
 * Input: `{ table, source, format?: 'auto', mode?: 'insert-if-empty', force?: false, sourceVersion? }`
 * (`sourceVersion`: the object's ETag / version id as the Reconcile trigger saw it). Output: the last part's result
 * (status, counts, checksum, report key).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  JsonPath,
  LogLevel,
  Pass,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  type IChainable,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { SEED_INPUT_DEFAULTS } from '../functions/handlers/seed-contracts.ts';
import type { HandlerName } from '../functions/handlers/registry.ts';
import { TRANSIENT_RETRY } from './reconcile.ts';

/**
 * Parts one Seed execution runs at most. Worst case per part: the Task with 1 + 6 attempts (23 events), the Choice
 * (2) and NextPart (2); 400 parts ≈ 10,850 events, under the 12,500 budget. At ~12 minutes of records per part that
 * is ~80 hours of seeding, far beyond any file the reader handles in one pass.
 */
export const MAX_SEED_PARTS = 400;

/** Task state name → handler (a local runner routes Task states by name). */
export const SEED_TASK_STATES = { Seed: 'seed' } as const satisfies Record<string, HandlerName>;

/** The execution's error name when it fails, by cause. */
export const SEED_FAILURES = {
  InvalidInput: 'the input does not match the contract: { table, source, format?, mode?, force? }',
  TableMissing: 'the table does not exist (create it first); nothing was written',
  SourceUnavailable: 'the seed object is missing, outside the allowed seed sources, or unreadable; nothing was written',
  RefusedNotEmpty: 'mode insert-if-empty and the table already has items; nothing was written',
  SeedFailed: 'the seed stopped (the cause says why and how far it got; the report is in runs/seed/<execution name>/)',
  TooManyParts: `the seed was still checkpointing after ${MAX_SEED_PARTS} parts`,
  SeedTaskFailed: 'the seed Lambda failed (the cause is its error)',
} as const;
/** A reason the Seed execution fails. */
export type SeedFailure = keyof typeof SEED_FAILURES;

/** Knobs of the Seed definition. */
export interface SeedDefinitionProps {
  /** The `seed` handler's function. */
  seed: IFunction;
  /** The Seed task's timeout: the function's own plus a margin. Default 16 minutes. */
  taskTimeout?: Duration;
}

/** Build the Seed definition inside `scope` (state ids are the state names). Returns the start state. */
export function seedDefinition(scope: Construct, props: SeedDefinitionProps): IChainable {
  // ==== Failure targets
  const fail = (id: SeedFailure, causePath?: string) => new Fail(scope, id, { error: id, ...(causePath ? { causePath } : { cause: SEED_FAILURES[id] }) });
  const invalidInput = fail('InvalidInput');
  const tooManyParts = fail('TooManyParts');
  const refused = fail('RefusedNotEmpty', '$.result.reason');
  const failed = fail('SeedFailed', '$.result.reason');

  // ==== Input: defaults (the contract's), merged under the input; then presence and types.
  const defaults = new Pass(scope, 'ApplySeedDefaults', {
    comment: 'Fill in the defaults of seedEventSchema; fields present in the input win (States.JsonMerge is shallow).',
    parameters: { defaults: { ...SEED_INPUT_DEFAULTS, sourceVersion: {} }, input: JsonPath.objectAt('$') },
  });
  const merge = new Pass(scope, 'MergeSeedDefaults', { parameters: { merged: JsonPath.jsonMerge(JsonPath.objectAt('$.defaults'), JsonPath.objectAt('$.input')) }, outputPath: '$.merged' });
  const part = (iteration: unknown, resume: unknown, sourceVersion: unknown) => ({
    table: JsonPath.stringAt('$.table'),
    source: JsonPath.stringAt('$.source'),
    format: JsonPath.stringAt('$.format'),
    mode: JsonPath.stringAt('$.mode'),
    force: JsonPath.objectAt('$.force'),
    iteration,
    resume,
    sourceVersion,
  });
  // No resume for the first part: an empty checkpoint field is not expressible in JSONPath, so `resume` starts as
  // an empty object, which the contract reads as "none" (see seedEventSchema).
  const firstPart = new Pass(scope, 'FirstPart', { parameters: part(0, {}, JsonPath.objectAt('$.sourceVersion')) });
  const complete = new Choice(scope, 'SeedInputComplete?')
    .when(
      Condition.and(
        ...['$.table', '$.source', '$.format', '$.mode', '$.force', '$.sourceVersion'].map((path) => Condition.isPresent(path)),
        Condition.isString('$.table'),
        Condition.isString('$.source'),
        Condition.isString('$.format'),
        Condition.isString('$.mode'),
        Condition.isBoolean('$.force'),
      ),
      firstPart,
    )
    .otherwise(invalidInput);

  // ==== The part, and the loop.
  const seed = new LambdaInvoke(scope, 'Seed', {
    lambdaFunction: props.seed,
    payload: TaskInput.fromObject({
      executionName: JsonPath.stringAt('$$.Execution.Name'),
      ...part(JsonPath.numberAt('$.iteration'), JsonPath.objectAt('$.resume'), JsonPath.objectAt('$.sourceVersion')),
    }),
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    resultPath: '$.result',
    taskTimeout: Timeout.duration(props.taskTimeout ?? Duration.minutes(16)),
  }).addRetry(TRANSIENT_RETRY);
  // The handler's typed errors, each a stage of its own; the Lambda error JSON is the cause.
  seed.addCatch(fail('TableMissing', '$.error.Cause'), { errors: ['SeedTableMissing'], resultPath: '$.error' });
  seed.addCatch(fail('SourceUnavailable', '$.error.Cause'), { errors: ['SeedSourceError'], resultPath: '$.error' });
  seed.addCatch(new Fail(scope, 'InvalidSeedEvent', { error: 'InvalidInput', causePath: '$.error.Cause' }), { errors: ['InvalidEvent'], resultPath: '$.error' });
  seed.addCatch(fail('SeedTaskFailed', '$.error.Cause'), { errors: ['States.ALL'], resultPath: '$.error' });
  const nextPart = new Pass(scope, 'NextPart', {
    parameters: part(JsonPath.mathAdd(JsonPath.numberAt('$.iteration'), 1), JsonPath.objectAt('$.result.checkpoint'), JsonPath.objectAt('$.result.sourceVersion')),
  });
  const done = new Succeed(scope, 'SeedDone', { outputPath: '$.result' });
  const partDone = new Choice(scope, 'PartDone?')
    .when(Condition.and(Condition.stringEquals('$.result.status', 'checkpointed'), Condition.numberLessThan('$.iteration', MAX_SEED_PARTS - 1)), nextPart)
    .when(Condition.stringEquals('$.result.status', 'checkpointed'), tooManyParts)
    .when(Condition.or(Condition.stringEquals('$.result.status', 'completed'), Condition.stringEquals('$.result.status', 'unchanged')), done)
    .when(Condition.stringEquals('$.result.status', 'refused-not-empty'), refused)
    .otherwise(failed);

  defaults.next(merge).next(complete);
  firstPart.next(seed).next(partDone);
  nextPart.next(seed);
  return defaults;
}

/** Props of {@link SeedStateMachine}. */
export interface SeedStateMachineProps extends SeedDefinitionProps {
  /** Execution log destination. Default: a new log group kept for 90 days. */
  logGroup?: ILogGroup;
  /** How long an execution may run. Default: every part at its task timeout (400 × 16 minutes ≈ 4.5 days). */
  timeout?: Duration;
}

/** The Seed state machine: Standard type, every event logged, X-Ray tracing on. */
export class SeedStateMachine extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: ILogGroup;

  constructor(scope: Construct, id: string, props: SeedStateMachineProps) {
    super(scope, id);
    this.logGroup = props.logGroup ?? new LogGroup(this, 'Logs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN });
    const taskTimeout = props.taskTimeout ?? Duration.minutes(16);
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      comment: 'tablewarden Seed: stream one seed file into one table, in Lambda parts that resume from a checkpoint',
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(seedDefinition(this, props)),
      timeout: props.timeout ?? Duration.minutes(MAX_SEED_PARTS * taskTimeout.toMinutes()),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });
  }
}
