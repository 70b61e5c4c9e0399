/**
 * Run a state machine locally with aws-local-stepfunctions 3.0.0, every Lambda task routed to a real handler
 * called in-process, with the result and error shapes Step Functions and Lambda really produce. That is what makes
 * a local run meaningful: CDK's `payloadResponseOnly`, `outputPath: '$.Payload'`, `resultSelector`, and
 * `Retry`/`Catch` on `LockHeld` or `Lambda.ServiceException` behave as they would in AWS.
 *
 * Lambda routing. Every Task state gets a local override (the library never calls AWS):
 *  - `arn:aws:states:::lambda:invoke` (CDK's default LambdaInvoke): the function is `Parameters.FunctionName`
 *    (ARN, partial ARN or name, optionally qualified) and the event is `Parameters.Payload`. The task result is the
 *    Lambda Invoke response as Step Functions returns it: `{ ExecutedVersion, Payload, SdkHttpMetadata,
 *    SdkResponseMetadata, StatusCode: 200 }` with the handler's JSON result as `Payload`.
 *  - a Lambda function ARN as `Resource` (CDK `payloadResponseOnly: true`): the event is the state's effective
 *    input and the task result is the handler's JSON result itself.
 *  - `arn:aws:states:::states:startExecution.sync:2` (or `.sync`): the state machine named by
 *    `Parameters.StateMachineArn` (one of `options.stateMachines`, e.g. every machine extracted from the same
 *    template) runs as a CHILD execution with the same lambdas, overrides and onEvent, its own history and its own
 *    history-event count (the quota is per execution). The task result is the DescribeExecution response as the
 *    optimized integration returns it: `ExecutionArn, Input, InputDetails, Name, Output, OutputDetails, RedriveCount,
 *    RedriveStatus, RedriveStatusReason, StartDate, StateMachineArn, Status, StopDate`, with `Input`/`Output` parsed
 *    JSON for `.sync:2` and JSON strings for `.sync`; a child that does not succeed fails the task with
 *    `States.TaskFailed` and that response (with the child's `Error` and `Cause`) as JSON Cause. Sources: the
 *    "Start a new state machine from a running execution" page (connect-stepfunctions) and the DescribeExecution API;
 *    LocalStack's parser (vendored in moto 5.2.1, snapshot-tested against AWS) behaves the same, and records
 *    `TaskSubmitted` after `TaskStarted` for `.sync` tasks, as the runner does.
 *  - `arn:aws:states:::states:startExecution` (fire-and-forget): the machine starts as a detached execution and the
 *    task result is `{ ExecutionArn, StartDate }` at once; the execution runs on after its starter ends (as in AWS)
 *    and is listed in `result.startedExecutions` with a promise of its result. Execution names are unique per state
 *    machine within the run family: the same name and input while it runs is idempotent, anything else fails with
 *    `StepFunctions.ExecutionAlreadyExistsException` (StartExecution API reference).
 *  - any other resource: `overrides.tasks[stateName]`, else the run fails with `Local.NoTaskHandler`.
 * `lambdas` is keyed by function ARN, function name or logical id (pass the extractor's `lambdaFunctions` so a
 * logical id also matches a function that has an explicit FunctionName). Events and results cross a JSON
 * round-trip, as they do through Lambda (so `undefined` becomes `null`, Dates become strings).
 *
 * History quota. An execution whose history would pass 25,000 events ({@link HISTORY_EVENT_QUOTA};
 * `overrides.historyEventQuota` for tests) stops and fails with `States.Runtime` and AWS's cause text, its last event
 * being the 25,000th; handlers already running are not interrupted (their results are dropped).
 *
 * Errors. A handler that throws fails the task with Error = the error's `name` (Lambda's `errorType`) and Cause =
 * the JSON the Node.js Lambda runtime reports, `{"errorType":…,"errorMessage":…,"trace":[…stack lines]}`
 * (thrown non-errors: `errorType` is `typeof` the value, `trace` is empty). A function nobody registered fails with
 * `Lambda.ResourceNotFoundException` and AWS's cause text. `overrides.transientLambdaFailures` makes the first N
 * invocations of a function fail with `Lambda.ServiceException` (or another Lambda service error) before the
 * handler runs, to exercise Retry.
 *
 * Library defects the runner works around: `Promise.withResolvers` is polyfilled (Node 20); a Task without
 * TimeoutSeconds would time out after 60 s, so it gets ~24.8 days (AWS: no task timeout; the Lambda's own applies);
 * nested Map/Parallel events that the library would drop when handlers return at once are kept by a hidden
 * pass-through state after each Map/Parallel (see `prepareDefinition`).
 *
 * Divergences from AWS that remain (library behaviour, not worked around):
 *  - a state input that is a falsy JSON value (0, false, "", null) makes any `$` path fail with States.Runtime,
 *    so a handler returning null/false/0 into `payloadResponseOnly` breaks the next state's paths;
 *  - a Pass `Result` that is falsy is ignored (the input passes through);
 *  - `$$.State.*` and `$$.Task.*` are not in the context object (a path to them fails with States.Runtime);
 *    inside a Map iteration `$$.Execution.Input` is the item, not the execution input;
 *  - when a Map iteration fails, queued iterations may still start (side effects AWS would not have), and the
 *    aborted siblings' events are not reported;
 *  - string results of intrinsics lose every backslash (States.Format, States.JsonToString of escaped text);
 *    `States.JsonMerge` deep merge (`true`) fails with States.Runtime;
 *  - HeartbeatSeconds, the Lambda function's own Timeout and memory are not enforced.
 */
import './polyfill.ts';
import { createHash, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { allStates, asAslDefinition, childDefinitions, type AslDefinition, type AslState } from './asl.ts';
import type { ExtractedStateMachine } from './extract.ts';
import { assertSupportedAsl } from './guard.ts';
import { countHistoryEvents, isHistoryEvent, type HistoryEventType, type RunEvent } from './history.ts';

export { countHistoryEvents, describeEvent, HISTORY_EVENT_TYPES, isHistoryEvent } from './history.ts';
export type { HistoryEventType, LocalEventType, RunEvent } from './history.ts';

/** A Lambda handler called in-process: the real module's `handler`, or a test double. */
export type LocalLambdaHandler = (event: unknown, context: Context) => unknown;

/** Lambda service errors Step Functions reports as `Lambda.<Code>` (the ones CDK's default Retry covers, and throttling). */
export type LambdaServiceErrorName =
  | 'Lambda.ServiceException'
  | 'Lambda.AWSLambdaException'
  | 'Lambda.SdkClientException'
  | 'Lambda.ClientExecutionTimeoutException'
  | 'Lambda.TooManyRequestsException';

/** Make the first `count` invocations of a function fail with a Lambda service error instead of running it. */
export interface TransientLambdaFailure {
  count: number;
  /** Default `Lambda.ServiceException`. */
  error?: LambdaServiceErrorName;
  /** Default: the SDK-style message Step Functions reports for that error. */
  cause?: string;
}

/** Ways to bend a run: shorter waits and retries, injected Lambda faults, stubs for non-Lambda tasks. */
export interface RunOverrides {
  /**
   * Wait states: `'skip'` waits 0 ms everywhere; a number waits that many ms at every Wait state; a record sets
   * ms per Wait state name (others wait for real, as the library honours Wait in real time).
   */
  waits?: 'skip' | number | Record<string, number>;
  /**
   * Pause before a retry, in ms, instead of IntervalSeconds × BackoffRate^n (CDK's Lambda retry waits 2, 4, 8… s).
   * A number applies to every state with Retry; a record is per state name (a number, or one per retrier).
   */
  retryIntervals?: number | Record<string, number | number[]>;
  /** Keyed like `lambdas` (ARN, name or logical id): a count, or the error to fail with. */
  transientLambdaFailures?: Record<string, number | TransientLambdaFailure>;
  /** Handlers for Task states whose Resource is not Lambda (e.g. `arn:aws:states:::sns:publish`), by state name. */
  tasks?: Record<string, (input: unknown) => unknown>;
  /** History events per execution before it fails with States.Runtime; default {@link HISTORY_EVENT_QUOTA} (AWS's quota). */
  historyEventQuota?: number;
}

/** Everything `runStateMachine` needs; an `ExtractedStateMachine` can be spread in (`definition`, `arn`, `lambdaFunctions`). */
export interface RunStateMachineOptions {
  definition: AslDefinition | Record<string, unknown>;
  /** Execution input; default `{}`. */
  input?: unknown;
  /** Function ARN, function name or logical id → handler. */
  lambdas: Record<string, LocalLambdaHandler>;
  /** The extractor's map of function ARN → logical id, so logical-id keys in `lambdas` always match. */
  lambdaFunctions?: Record<string, string>;
  /** Called for every event as the run progresses. */
  onEvent?: (event: RunEvent) => void;
  overrides?: RunOverrides;
  /** State machine ARN for `$$.StateMachine.Id` and the execution ARN; default a fake one. */
  arn?: string;
  /** Execution name for `$$.Execution.Name`; default a random UUID. */
  executionName?: string;
  /** Extra context object fields (merged over the defaults); see the Step Functions context object. */
  context?: Record<string, unknown>;
  /** Aborting it stops the execution (status ABORTED), and with it every child execution it is waiting for. */
  signal?: AbortSignal;
  /**
   * State machines a `states:startExecution.sync` / `.sync:2` Task may start, each run as a CHILD execution with
   * the same `lambdas`, `overrides` and `onEvent` (its events carry `executionArn` and `depth`), its own history
   * and its own history-event count. Pass the extractor's state machines (`extractStateMachines(...).stateMachines`):
   * a Task's `StateMachineArn` matches by ARN. A Task naming a machine not listed fails with
   * `StepFunctions.StateMachineDoesNotExistException`, as AWS would answer StartExecution.
   */
  stateMachines?: ReadonlyArray<Pick<ExtractedStateMachine, 'arn' | 'definition'> & Partial<Pick<ExtractedStateMachine, 'lambdaFunctions' | 'name'>>>;
}

/** How a run ended. */
export interface RunResult {
  /** `TIMED_OUT` when the definition's top-level TimeoutSeconds elapsed. */
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  output?: unknown;
  error?: string;
  cause?: string;
  executionArn: string;
  events: RunEvent[];
  /** `countHistoryEvents(events)`, for convenience. */
  historyEventCount: number;
  /** Child executions started by `startExecution.sync[:2]` Tasks, in start order (each with its own events and count). */
  childExecutions: RunResult[];
  /**
   * Executions started fire-and-forget (`states:startExecution` without `.sync`), by this execution or any execution
   * of its family, in start order. They run on after the starter ends, as in AWS: await `result` to see them finish.
   */
  startedExecutions: StartedExecution[];
}

/** An execution a `states:startExecution` Task started without waiting for it. */
export interface StartedExecution {
  name: string;
  executionArn: string;
  stateMachineArn: string;
  input: unknown;
  /** How it ends (never rejects for a failed execution: that is `status`). */
  result: Promise<RunResult>;
}

/** The runner itself was misused (unsupported ASL, a bad option); distinct from a failed execution. */
export class LocalRunnerError extends Error {
  override name = 'LocalRunnerError';
}

/** Step Functions' payload quota between states: 256 KiB. */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;
/**
 * Step Functions' quota on one execution's history: 25,000 events ("Maximum execution history size", Step Functions
 * service quotas, https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). A child execution has
 * its own history, counted separately. An execution that reaches it fails with `States.Runtime`.
 */
export const HISTORY_EVENT_QUOTA = 25_000;
/**
 * The Cause Step Functions reports when an execution reaches the history quota (recorded from AWS in
 * https://github.com/loads/ardere/issues/86: `{"error": "States.Runtime", "cause": "The execution reached the maximum
 * number of history events (25000)."}`).
 */
export const HISTORY_QUOTA_CAUSE = `The execution reached the maximum number of history events (${HISTORY_EVENT_QUOTA}).`;
/** Node's setTimeout limit, in seconds: longer timeouts would fire at once, so the runner clamps to it. */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** An error as the library needs it: `name` is the States Error, `message` the Cause; flags steer Retry/Catch. */
class StatesError extends Error {
  constructor(
    name: string,
    cause: string,
    private readonly retryable = true,
    private readonly catchable = true,
  ) {
    super(cause);
    this.name = name;
  }
  get isRetryable(): boolean {
    return this.retryable;
  }
  get isCatchable(): boolean {
    return this.catchable;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
}

function jsonClone(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value) ?? 'null');
}

// ---------------------------------------------------------------------------------------------------------------
// Lambda function references and routing

interface FunctionRef {
  /** Unqualified function ARN. */
  arn: string;
  name: string;
  qualifier?: string;
}

interface ArnDefaults {
  partition: string;
  region: string;
  account: string;
}

const FUNCTION_PATTERN =
  /^(?:arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:|(\d{12}):function:)?([A-Za-z0-9_-]{1,140})(?::(\$LATEST|[A-Za-z0-9_-]+))?$/;

/** Parse a FunctionName in any form Lambda accepts (name, partial ARN, ARN; optionally qualified). */
function parseFunction(text: string, defaults: ArnDefaults): FunctionRef | undefined {
  const match = FUNCTION_PATTERN.exec(text);
  if (!match) return undefined;
  const [, partition, region, account, partialAccount, name, qualifier] = match;
  if (!name) return undefined;
  const arn = `arn:${partition ?? defaults.partition}:lambda:${region ?? defaults.region}:${account ?? partialAccount ?? defaults.account}:function:${name}`;
  return { arn, name, ...(qualifier ? { qualifier } : {}) };
}

function isArnLike(text: string): boolean {
  return text.startsWith('arn:') || /^\d{12}:function:/.test(text);
}

/** Looks a function up by every key form a caller may have used. */
class KeyedByFunction<T> {
  private readonly entries = new Map<string, T>();
  constructor(
    source: Record<string, T>,
    defaults: ArnDefaults,
    private readonly logicalIds: Record<string, string>,
  ) {
    for (const [key, value] of Object.entries(source)) {
      const ref = isArnLike(key) ? parseFunction(key, defaults) : undefined;
      this.entries.set(ref ? (ref.qualifier ? `${ref.arn}:${ref.qualifier}` : ref.arn) : key, value);
    }
  }
  /** The entry for a function, trying qualified ARN, ARN, name, then logical id. */
  get(ref: FunctionRef): { key: string; value: T } | undefined {
    const logicalId = this.logicalIds[ref.arn];
    const candidates = [ref.qualifier ? `${ref.arn}:${ref.qualifier}` : undefined, ref.arn, ref.name, logicalId];
    for (const key of candidates) {
      if (key !== undefined && this.entries.has(key)) return { key, value: this.entries.get(key) as T };
    }
    return undefined;
  }
}

function requestId(): string {
  return randomUUID();
}

function traceId(): string {
  const seconds = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  const random = createHash('sha1').update(randomUUID()).digest('hex');
  return `Root=1-${seconds}-${random.slice(0, 24)};Parent=${random.slice(24, 40)};Sampled=0`;
}

/** The Lambda Invoke response as Step Functions' optimized integration returns it (Payload parsed from JSON). */
function invokeResponse(payload: unknown, id: string, executedVersion: string): Record<string, unknown> {
  const length = String(byteLength(payload));
  const date = new Date().toUTCString();
  const trace = traceId();
  const headers: Record<string, string> = {
    Connection: 'keep-alive',
    'Content-Length': length,
    'Content-Type': 'application/json',
    Date: date,
    'X-Amz-Executed-Version': executedVersion,
    'x-amzn-Remapped-Content-Length': '0',
    'x-amzn-RequestId': id,
    'X-Amzn-Trace-Id': trace,
  };
  return {
    ExecutedVersion: executedVersion,
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
      HttpHeaders: headers,
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: id },
    StatusCode: 200,
  };
}

/** The JSON the Node.js Lambda runtime reports for a thrown value (its error response body). */
function lambdaErrorBody(thrown: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  const looksLikeError =
    thrown instanceof Error ||
    (isRecord(thrown) && typeof thrown.name === 'string' && typeof thrown.message === 'string' && typeof thrown.stack === 'string');
  if (looksLikeError) {
    const error = thrown as Error;
    return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { errorType: typeof thrown, errorMessage: String(thrown), trace: [] };
}

const SERVICE_ERRORS: Record<LambdaServiceErrorName, (id: string) => string> = {
  'Lambda.ServiceException': (id) =>
    `An error occurred and the request cannot be processed. (Service: AWSLambda; Status Code: 500; Error Code: ServiceException; Request ID: ${id}; Proxy: null)`,
  'Lambda.AWSLambdaException': (id) =>
    `An error occurred and the request cannot be processed. (Service: AWSLambda; Status Code: 500; Error Code: AWSLambdaException; Request ID: ${id}; Proxy: null)`,
  'Lambda.TooManyRequestsException': (id) =>
    `Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; Request ID: ${id}; Proxy: null)`,
  'Lambda.SdkClientException': () => 'Unable to execute HTTP request: Connection reset',
  'Lambda.ClientExecutionTimeoutException': () => 'Client execution did not complete before the specified timeout configuration.',
};

function lambdaContext(ref: FunctionRef, id: string, qualifier: string | undefined): Context {
  const deadline = Date.now() + 900_000;
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const unsupported = (): never => {
    throw new Error('context.done/fail/succeed are not supported by the local runner: return or throw from an async handler');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: ref.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: qualifier ? `${ref.arn}:${qualifier}` : ref.arn,
    memoryLimitInMB: '128',
    awsRequestId: id,
    logGroupName: `/aws/lambda/${ref.name}`,
    logStreamName: `${day}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The run

type TaskKind = 'invoke' | 'function' | 'startExecution' | 'custom' | 'unsupported';

interface Invocation {
  order: number;
  pending: Array<Omit<RunEvent, 'seq'>>;
  finished: boolean;
}

const TASK_EVENT_NAMES = {
  lambda: { scheduled: 'LambdaFunctionScheduled', started: 'LambdaFunctionStarted', succeeded: 'LambdaFunctionSucceeded', failed: 'LambdaFunctionFailed', timedOut: 'LambdaFunctionTimedOut' },
  task: { scheduled: 'TaskScheduled', started: 'TaskStarted', succeeded: 'TaskSucceeded', failed: 'TaskFailed', timedOut: 'TaskTimedOut' },
} as const satisfies Record<string, Record<string, HistoryEventType>>;

const STATE_EVENT_NAMES: Record<string, { entered: HistoryEventType; exited?: HistoryEventType }> = {
  Task: { entered: 'TaskStateEntered', exited: 'TaskStateExited' },
  Pass: { entered: 'PassStateEntered', exited: 'PassStateExited' },
  Wait: { entered: 'WaitStateEntered', exited: 'WaitStateExited' },
  Choice: { entered: 'ChoiceStateEntered', exited: 'ChoiceStateExited' },
  Succeed: { entered: 'SucceedStateEntered', exited: 'SucceedStateExited' },
  Fail: { entered: 'FailStateEntered' },
  Map: { entered: 'MapStateEntered', exited: 'MapStateExited' },
  Parallel: { entered: 'ParallelStateEntered', exited: 'ParallelStateExited' },
};

/** `states:startExecution` optimized integration; group 1 is the pattern suffix (`.sync`, `.sync:2`) if any. */
const START_EXECUTION_PATTERN = /^arn:aws[a-z-]*:states:::states:startExecution(\.sync(?::2)?|\.waitForTaskToken)?$/;

function taskKind(resource: unknown, partitionLambdaArn: RegExp): TaskKind {
  if (typeof resource !== 'string') return 'unsupported';
  if (/^arn:aws[a-z-]*:states:::lambda:invoke$/.test(resource)) return 'invoke';
  if (START_EXECUTION_PATTERN.test(resource)) return 'startExecution';
  if (partitionLambdaArn.test(resource)) return 'function';
  return 'custom';
}

/** Resource of the hidden pass-through Task states the runner inserts (never reported). */
const DRAIN_RESOURCE = 'arn:aws:states:::local:drain';
const DRAIN_PREFIX = '~drain';

/** Where a hidden drain state sits: after Map/Parallel `owner` completes (`next`), or on one of its Catch paths. */
interface Drain {
  owner: string;
  kind: 'next' | 'catch';
  /** The state the drain hands over to (what the owner's Next or the Catch's Next was), if any. */
  next?: string;
}

/**
 * A copy of the definition the library can run as AWS would:
 *  - Task timeouts: the library defaults a Task to 60 s; AWS has none (a Lambda stops at its own timeout), and
 *    Node timers overflow past ~24.8 days, so missing or longer timeouts become that maximum.
 *  - Drains: the library forwards a Map iteration's (or Parallel branch's) events to the parent execution
 *    through async generators, and a parent that finishes on microtasks alone closes its event log before they
 *    arrive, silently dropping them (seen with synchronous handlers and nested Maps). After every Map/Parallel
 *    state, and on each of its Catch paths, a hidden pass-through Task waits one macrotask so the forwarders
 *    drain; its events are not reported and its output is its input.
 */
function prepareDefinition(definition: AslDefinition): { definition: AslDefinition; drains: Map<string, Drain> } {
  const copy = structuredClone(definition);
  const drains = new Map<string, Drain>();
  if (typeof copy.TimeoutSeconds === 'number' && copy.TimeoutSeconds > MAX_TIMER_SECONDS) copy.TimeoutSeconds = MAX_TIMER_SECONDS;
  const visit = (sub: AslDefinition): void => {
    for (const [name, state] of Object.entries(sub.States)) {
      if (state.Type === 'Task') {
        if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) state.TimeoutSeconds = MAX_TIMER_SECONDS;
        else if (typeof state.TimeoutSeconds === 'number' && state.TimeoutSeconds > MAX_TIMER_SECONDS) state.TimeoutSeconds = MAX_TIMER_SECONDS;
      }
      if (state.Type !== 'Map' && state.Type !== 'Parallel') continue;
      for (const child of childDefinitions(state, name)) visit(child.definition);
      const addDrain = (kind: Drain['kind'], next: unknown): string => {
        const drainName = `${DRAIN_PREFIX}${drains.size + 1}`;
        const drain: Drain = { owner: name, kind, ...(typeof next === 'string' ? { next } : {}) };
        drains.set(drainName, drain);
        sub.States[drainName] = {
          Type: 'Task',
          Resource: DRAIN_RESOURCE,
          TimeoutSeconds: MAX_TIMER_SECONDS,
          ...(drain.next !== undefined ? { Next: drain.next } : { End: true }),
        };
        return drainName;
      };
      if (state.End === true) {
        delete state.End;
        state.Next = addDrain('next', undefined);
      } else if (typeof state.Next === 'string') {
        state.Next = addDrain('next', state.Next);
      }
      if (Array.isArray(state.Catch)) {
        for (const catcher of state.Catch) {
          if (isRecord(catcher) && typeof catcher.Next === 'string') catcher.Next = addDrain('catch', catcher.Next);
        }
      }
    }
  };
  visit(copy);
  return { definition: copy, drains };
}

function defaultsFrom(arn: string | undefined): ArnDefaults {
  const match = arn ? /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):/.exec(arn) : null;
  return { partition: match?.[1] ?? 'aws', region: match?.[2] ?? 'us-east-1', account: match?.[3] ?? '123456789012' };
}

/**
 * Run a state machine definition locally and report how it ended, with every event. Never throws for a failed
 * execution (that is `status: 'FAILED'`); throws {@link LocalRunnerError} or {@link UnsupportedAslError} when the
 * definition cannot be run faithfully. See the module comment for routing, error shapes and divergences.
 */
export async function runStateMachine(options: RunStateMachineOptions): Promise<RunResult> {
  // Override names may belong to any machine of the family (the parent or a child it starts).
  const known = new Set<string>();
  for (const machine of [options, ...(options.stateMachines ?? [])]) for (const { name } of allStates(asAslDefinition(machine.definition))) known.add(name);
  const overrides = options.overrides ?? {};
  for (const name of [...Object.keys(typeof overrides.waits === 'object' ? overrides.waits : {}), ...Object.keys(overrides.tasks ?? {})]) {
    if (!known.has(name)) throw new LocalRunnerError(`override for unknown state "${name}"`);
  }
  return runExecution(options, { depth: 0, faultsUsed: new Map(), started: [], names: new Map() });
}

/** What a child execution shares with its parent (and what tells them apart). */
interface ExecutionScope {
  /** 0 for the execution the caller started, 1 for its children, … */
  depth: number;
  /** `transientLambdaFailures` count invocations across the whole family, as the faults are per function. */
  faultsUsed: Map<string, number>;
  /** Fire-and-forget executions of the family, in start order. */
  started: StartedExecution[];
  /** Their names per state machine (`<machine arn>|<name>`): Step Functions refuses a name twice (see startChildExecution). */
  names: Map<string, { input: string; running: boolean; response: Record<string, unknown> }>;
}

/** The `DescribeExecution` response a `.sync` / `.sync:2` task returns (keys as Step Functions writes them). */
function describeChildExecution(child: RunResult, stateMachineArn: string, name: string, input: unknown, version: '.sync' | '.sync:2'): Record<string, unknown> {
  const asData = (value: unknown): unknown => (version === '.sync:2' ? value : JSON.stringify(value));
  const first = child.events[0]?.timestamp ?? Date.now();
  const last = child.events.at(-1)?.timestamp ?? first;
  return {
    ...(child.cause !== undefined ? { Cause: child.cause } : {}),
    ...(child.error !== undefined ? { Error: child.error } : {}),
    ExecutionArn: child.executionArn,
    Input: asData(input),
    InputDetails: { Included: true },
    Name: name,
    ...(child.status === 'SUCCEEDED' ? { Output: asData(child.output), OutputDetails: { Included: true } } : {}),
    RedriveCount: 0,
    ...(child.status === 'SUCCEEDED'
      ? { RedriveStatus: 'NOT_REDRIVABLE', RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven' }
      : { RedriveStatus: 'REDRIVABLE' }),
    StartDate: new Date(first).toISOString(),
    StateMachineArn: stateMachineArn,
    Status: child.status,
    StopDate: new Date(last).toISOString(),
  };
}

const TERMINAL_TYPES = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

async function runExecution(options: RunStateMachineOptions, scope: ExecutionScope): Promise<RunResult> {
  const definition = asAslDefinition(options.definition);
  assertSupportedAsl(definition);
  const overrides = options.overrides ?? {};
  const input = options.input === undefined ? {} : options.input;
  if (byteLength(input) > PAYLOAD_LIMIT_BYTES) {
    throw new LocalRunnerError(`execution input is ${byteLength(input)} bytes; StartExecution accepts at most ${PAYLOAD_LIMIT_BYTES}`);
  }

  const defaults = defaultsFrom(options.arn);
  const stateMachineArn = options.arn ?? `arn:${defaults.partition}:states:${defaults.region}:${defaults.account}:stateMachine:LocalStateMachine`;
  const stateMachineName = stateMachineArn.split(':').at(-1) ?? 'LocalStateMachine';
  const executionName = options.executionName ?? randomUUID();
  const executionArn = `arn:${defaults.partition}:states:${defaults.region}:${defaults.account}:execution:${stateMachineName}:${executionName}`;

  const states = allStates(definition);
  const stateByName = new Map<string, AslState>();
  for (const { name, state, path } of states) {
    if (name.startsWith(DRAIN_PREFIX)) throw new LocalRunnerError(`state name "${name}" is reserved by the local runner (prefix ${DRAIN_PREFIX})`);
    if (stateByName.has(name)) {
      throw new LocalRunnerError(`state name "${name}" is used twice (${path}); Step Functions requires unique state names`);
    }
    stateByName.set(name, state);
  }

  const logicalIds = options.lambdaFunctions ?? {};
  const handlers = new KeyedByFunction(options.lambdas, defaults, logicalIds);
  const faults = new KeyedByFunction(overrides.transientLambdaFailures ?? {}, defaults, logicalIds);
  const faultsUsed = scope.faultsUsed;
  const quota = overrides.historyEventQuota ?? HISTORY_EVENT_QUOTA;
  /** Stops the library's execution and every child it waits for (caller's abort, or the history quota). */
  const stop = new AbortController();
  const childExecutions: RunResult[] = [];

  // ---- events
  const events: RunEvent[] = [];
  let historyEvents = 0;
  /** Set when the next event would take the history past the quota: the execution then fails with States.Runtime. */
  let quotaReached = false;
  const record = (event: Omit<RunEvent, 'seq'>): void => {
    const full: RunEvent = { seq: events.length + 1, ...event, ...(scope.depth > 0 ? { depth: scope.depth, executionArn } : {}) };
    events.push(full);
    options.onEvent?.(full);
  };
  const emit = (event: Omit<RunEvent, 'seq'>): void => {
    if (quotaReached) return;
    if (isHistoryEvent(event)) {
      // Keep the last slot for the ExecutionFailed that ends the run, so the history never exceeds the quota.
      if (historyEvents >= quota - 1 && !TERMINAL_TYPES.has(event.type)) {
        quotaReached = true;
        stop.abort();
        return;
      }
      historyEvents++;
    }
    record(event);
  };
  const queues = new Map<string, Invocation[]>();
  let invocationOrder = 0;

  // ---- invoking one Lambda function, as Lambda and the Step Functions integration would
  const invokeFunction = async (functionName: unknown, payload: unknown, qualifierParam: unknown): Promise<{ result: unknown; ref: FunctionRef; executedVersion: string }> => {
    if (typeof functionName !== 'string') {
      throw new StatesError('States.Runtime', `FunctionName must be a string, got ${JSON.stringify(functionName)}`, false, false);
    }
    const ref = parseFunction(functionName, defaults);
    if (!ref) {
      throw new StatesError(
        'Lambda.AWSLambdaException',
        `1 validation error detected: Value '${functionName}' at 'functionName' failed to satisfy constraint (Service: AWSLambda; Status Code: 400; Error Code: ValidationException; Request ID: ${requestId()}; Proxy: null)`,
      );
    }
    const qualifier = typeof qualifierParam === 'string' ? qualifierParam : ref.qualifier;
    const fault = faults.get(ref);
    if (fault) {
      const spec = typeof fault.value === 'number' ? { count: fault.value } : fault.value;
      const used = faultsUsed.get(fault.key) ?? 0;
      if (used < spec.count) {
        faultsUsed.set(fault.key, used + 1);
        const error = spec.error ?? 'Lambda.ServiceException';
        throw new StatesError(error, spec.cause ?? SERVICE_ERRORS[error](requestId()));
      }
    }
    const handler = handlers.get(ref);
    const id = requestId();
    if (!handler) {
      throw new StatesError(
        'Lambda.ResourceNotFoundException',
        `Function not found: ${qualifier ? `${ref.arn}:${qualifier}` : ref.arn} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ${id}; Proxy: null)`,
      );
    }
    let value: unknown;
    try {
      value = await handler.value(jsonClone(payload), lambdaContext(ref, id, qualifier));
    } catch (thrown) {
      const body = lambdaErrorBody(thrown);
      throw new StatesError(body.errorType, JSON.stringify(body));
    }
    let result: unknown;
    try {
      result = jsonClone(value === undefined ? null : value);
    } catch (error) {
      const body = { errorType: 'Runtime.MarshalError', errorMessage: `Unable to stringify response body: ${(error as Error).message}`, trace: [] };
      throw new StatesError(body.errorType, JSON.stringify(body));
    }
    const executedVersion = qualifier && /^\d+$/.test(qualifier) ? qualifier : '$LATEST';
    return { result, ref, executedVersion };
  };

  // ---- starting a child execution (states:startExecution.sync / .sync:2), as the optimized integration does
  const machinesByArn = new Map((options.stateMachines ?? []).map((machine) => [machine.arn, machine]));
  const startChildExecution = async (resource: string, taskInput: unknown, submitted: (output: unknown) => void): Promise<unknown> => {
    const version = START_EXECUTION_PATTERN.exec(resource)?.[1];
    if (version !== undefined && version !== '.sync' && version !== '.sync:2') {
      throw new StatesError('Local.Unsupported', `${resource}: the local runner runs child executions with .sync, .sync:2 or fire-and-forget, not ${version}`, false, false);
    }
    if (!isRecord(taskInput) || typeof taskInput.StateMachineArn !== 'string') {
      throw new StatesError('States.Runtime', 'states:startExecution Parameters must be an object with a StateMachineArn string', false, false);
    }
    const target = machinesByArn.get(taskInput.StateMachineArn);
    if (!target) {
      throw new StatesError(
        'StepFunctions.StateMachineDoesNotExistException',
        `State Machine Does Not Exist: '${taskInput.StateMachineArn}' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist; Request ID: ${requestId()}; Proxy: null)`,
      );
    }
    let childInput: unknown = taskInput.Input ?? {};
    if (typeof childInput === 'string') {
      try {
        childInput = JSON.parse(childInput);
      } catch {
        throw new StatesError(
          'StepFunctions.InvalidExecutionInputException',
          `Invalid State Machine Execution Input: 'Input is not valid JSON' (Service: AWSStepFunctions; Status Code: 400; Error Code: InvalidExecutionInput; Request ID: ${requestId()}; Proxy: null)`,
        );
      }
    }
    if (byteLength(childInput) > PAYLOAD_LIMIT_BYTES) {
      throw new StatesError('States.DataLimitExceeded', `The input of the execution started by ${resource} exceeds ${PAYLOAD_LIMIT_BYTES} bytes.`, false, false);
    }
    const name = typeof taskInput.Name === 'string' ? taskInput.Name : randomUUID();
    const childDefaults = defaultsFrom(target.arn);
    const childArn = `arn:${childDefaults.partition}:states:${childDefaults.region}:${childDefaults.account}:execution:${target.arn.split(':').at(-1)}:${name}`;
    if (version === undefined) return startDetached(target, name, childArn, childInput);
    submitted({ ExecutionArn: childArn, StartDate: new Date().toISOString() });
    const child = await runExecution({ ...childRunOptions(target, name, childInput), signal: stop.signal }, { ...scope, depth: scope.depth + 1, faultsUsed });
    childExecutions.push(child);
    const described = describeChildExecution(child, target.arn, name, childInput, version);
    // A child that did not succeed fails the task with States.TaskFailed and the DescribeExecution JSON as Cause.
    if (child.status !== 'SUCCEEDED') throw new StatesError('States.TaskFailed', JSON.stringify(described));
    return described;
  };

  /** How a child execution of `target` runs: the parent's handlers, overrides and listeners (sync and fire-and-forget alike). */
  const childRunOptions = (target: NonNullable<RunStateMachineOptions['stateMachines']>[number], name: string, childInput: unknown) => ({
    definition: target.definition,
    arn: target.arn,
    input: childInput,
    executionName: name,
    lambdas: options.lambdas,
    lambdaFunctions: { ...logicalIds, ...target.lambdaFunctions },
    overrides,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.stateMachines ? { stateMachines: options.stateMachines } : {}),
  });

  /**
   * Fire-and-forget StartExecution (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html):
   * the task result is `{ ExecutionArn, StartDate }` and the execution runs on its own. A name is unique per state
   * machine: the same name with the same input while that execution runs returns the original response (idempotent);
   * a different input, or an execution that has ended, fails with ExecutionAlreadyExists. Names are checked within
   * the family of one `runStateMachine` call (AWS keeps them for 90 days per account and region).
   */
  const startDetached = (target: NonNullable<RunStateMachineOptions['stateMachines']>[number], name: string, childArn: string, childInput: unknown): Record<string, unknown> => {
    // eslint-disable-next-line no-control-regex -- StartExecution refuses control characters in a name (API reference)
    if (name.length < 1 || name.length > 80 || /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/.test(name)) {
      throw new StatesError('StepFunctions.InvalidNameException', `Invalid Name: '${name}' (Service: AWSStepFunctions; Status Code: 400; Error Code: InvalidName; Request ID: ${requestId()}; Proxy: null)`);
    }
    const key = `${target.arn}|${name}`;
    const inputText = JSON.stringify(childInput);
    const known = scope.names.get(key);
    if (known !== undefined) {
      if (known.running && known.input === inputText) return known.response;
      throw new StatesError(
        'StepFunctions.ExecutionAlreadyExistsException',
        `Execution Already Exists: '${childArn}' (Service: AWSStepFunctions; Status Code: 400; Error Code: ExecutionAlreadyExists; Request ID: ${requestId()}; Proxy: null)`,
      );
    }
    const response = { ExecutionArn: childArn, StartDate: new Date().toISOString() };
    const entry = { input: inputText, running: true, response };
    scope.names.set(key, entry);
    const result = runExecution(childRunOptions(target, name, childInput), { ...scope, depth: scope.depth + 1 }).finally(() => {
      entry.running = false;
    });
    // Not the starter's to await; a runner error still surfaces through `result`.
    result.catch(() => undefined);
    scope.started.push({ name, executionArn: childArn, stateMachineArn: target.arn, input: childInput, result });
    return response;
  };

  // ---- one override per Task state
  const lambdaArnPattern = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(?::[$A-Za-z0-9_-]+)?$/;
  const taskResourceLocalHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, state] of stateByName) {
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource);
    let kind = taskKind(state.Resource, lambdaArnPattern);
    if (kind === 'custom' && !overrides.tasks?.[name]) kind = 'unsupported';
    const names = kind === 'function' ? TASK_EVENT_NAMES.lambda : TASK_EVENT_NAMES.task;
    taskResourceLocalHandlers[name] = async (taskInput: unknown): Promise<unknown> => {
      const invocation: Invocation = { order: invocationOrder++, pending: [], finished: false };
      const queue = queues.get(name) ?? [];
      queue.push(invocation);
      queues.set(name, queue);
      let functionArn: string | undefined;
      if (kind === 'invoke' && isRecord(taskInput) && typeof taskInput.FunctionName === 'string') functionArn = parseFunction(taskInput.FunctionName, defaults)?.arn;
      if (kind === 'function') functionArn = parseFunction(resource, defaults)?.arn;
      const base = { state: name, stateType: 'Task', resource, ...(functionArn ? { functionArn } : {}) };
      invocation.pending.push({ ...base, type: names.scheduled, timestamp: Date.now(), input: taskInput });
      invocation.pending.push({ ...base, type: names.started, timestamp: Date.now() });
      try {
        let result: unknown;
        if (kind === 'invoke') {
          if (!isRecord(taskInput)) throw new StatesError('States.Runtime', 'lambda:invoke Parameters must be an object', false, false);
          const invocationType = taskInput.InvocationType ?? 'RequestResponse';
          if (invocationType !== 'RequestResponse') {
            throw new StatesError('Local.Unsupported', `InvocationType ${String(invocationType)} is not supported by the local runner`, false, false);
          }
          const payload = 'Payload' in taskInput ? taskInput.Payload : {};
          const invoked = await invokeFunction(taskInput.FunctionName, payload, taskInput.Qualifier);
          result = invokeResponse(invoked.result, requestId(), invoked.executedVersion);
        } else if (kind === 'function') {
          result = (await invokeFunction(resource, taskInput, undefined)).result;
        } else if (kind === 'startExecution') {
          result = await startChildExecution(resource, taskInput, (submitted) => invocation.pending.push({ ...base, type: 'TaskSubmitted', timestamp: Date.now(), output: submitted }));
        } else if (kind === 'custom') {
          try {
            result = jsonClone(await overrides.tasks?.[name]?.(jsonClone(taskInput)));
          } catch (thrown) {
            // A stub throws what the service integration would report: Error = name, Cause = message.
            const { errorType, errorMessage } = lambdaErrorBody(thrown);
            throw new StatesError(errorType, errorMessage);
          }
        } else {
          throw new StatesError(
            'Local.NoTaskHandler',
            `Task "${name}" calls ${resource}; the local runner only runs Lambda tasks: pass overrides.tasks["${name}"]`,
            false,
            false,
          );
        }
        const size = byteLength(result);
        if (size > PAYLOAD_LIMIT_BYTES) {
          throw new StatesError('States.DataLimitExceeded', `The state/task '${name}' returned a result with a size exceeding the maximum number of bytes service limit.`, false, false);
        }
        invocation.pending.push({ ...base, type: names.succeeded, timestamp: Date.now(), output: result });
        return result;
      } catch (thrown) {
        const error = thrown instanceof StatesError ? thrown : new StatesError('Local.RunnerError', String(thrown), false, false);
        invocation.pending.push({ ...base, type: names.failed, timestamp: Date.now(), error: error.name, cause: error.message });
        throw error;
      } finally {
        invocation.finished = true;
      }
    };
  }

  const prepared = prepareDefinition(definition);
  for (const drainName of prepared.drains.keys()) {
    taskResourceLocalHandlers[drainName] = async (drainInput: unknown): Promise<unknown> => {
      await new Promise((resolve) => setImmediate(resolve));
      return drainInput;
    };
  }

  // ---- waits and retries
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number | number[]> = {};
  for (const [name, state] of stateByName) {
    if (state.Type === 'Wait' && overrides.waits !== undefined) {
      if (overrides.waits === 'skip') waitTimeOverrides[name] = 0;
      else if (typeof overrides.waits === 'number') waitTimeOverrides[name] = overrides.waits;
      else if (overrides.waits[name] !== undefined) waitTimeOverrides[name] = overrides.waits[name];
    }
    if (Array.isArray(state.Retry) && overrides.retryIntervals !== undefined) {
      if (typeof overrides.retryIntervals === 'number') retryIntervalOverrides[name] = overrides.retryIntervals;
      else if (overrides.retryIntervals[name] !== undefined) retryIntervalOverrides[name] = overrides.retryIntervals[name];
    }
  }
  // ---- the library's events → history-shaped events
  const failedAttempt = new Set<string>();
  /** The drain that follows each Map/Parallel state on success, and the Catch drain a caught one goes to. */
  const drainAfter = new Map<string, string>();
  for (const [drainName, drain] of prepared.drains) if (drain.kind === 'next') drainAfter.set(drain.owner, drainName);
  const pendingDrain = new Map<string, string>();
  /** Failures raised by Fail states, by Error and Cause as the library reports them. */
  const failStateErrors = new Map<string, AslState>();
  const errorKey = (error: string, cause: string): string => `${error}\u0000${cause}`;
  const attemptKey = (name: string, index: number | undefined): string => `${name}|${index ?? ''}`;
  const flush = (invocation: Invocation, mapIndex: number | undefined): void => {
    for (const pending of invocation.pending) emit({ ...pending, ...(mapIndex !== undefined ? { mapIndex } : {}) });
    invocation.pending = [];
  };
  const takeInvocation = (name: string, predicate: (invocation: Invocation) => boolean): Invocation | undefined => {
    const queue = queues.get(name) ?? [];
    const index = queue.findIndex(predicate);
    return index < 0 ? undefined : queue.splice(index, 1)[0];
  };
  /** Map/Parallel exit events held until the drain after them ends (so iteration events come first). */
  const deferredExits = new Map<string, Array<Array<Omit<RunEvent, 'seq'>>>>();
  const flushLeftovers = (): void => {
    const leftovers = [...queues.values()].flat().sort((a, b) => a.order - b.order);
    queues.clear();
    for (const invocation of leftovers) flush(invocation, undefined);
    for (const held of deferredExits.values()) for (const group of held) for (const pending of group) emit(pending);
    deferredExits.clear();
  };
  /** A Fail state without Error/Cause fails the execution with neither (the library invents defaults). */
  const failStateOutcome = (error: string, cause: string): { error?: string; cause?: string } => {
    const state = failStateErrors.get(errorKey(error, cause));
    if (!state) return { error, cause };
    return {
      ...(state.Error !== undefined || state.ErrorPath !== undefined ? { error } : {}),
      ...(state.Cause !== undefined || state.CausePath !== undefined ? { cause } : {}),
    };
  };

  type LibraryEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
  const handleEvent = (event: LibraryEvent): void => {
    const timestamp = event.timestamp;
    if (quotaReached && (event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed' || event.type === 'ExecutionAborted' || event.type === 'ExecutionTimeout')) {
      record({ type: 'ExecutionFailed', timestamp, error: 'States.Runtime', cause: HISTORY_QUOTA_CAUSE.replace(String(HISTORY_EVENT_QUOTA), String(quota)) });
      return;
    }
    switch (event.type) {
      case 'ExecutionStarted':
        emit({ type: 'ExecutionStarted', timestamp, input: event.input });
        return;
      case 'ExecutionSucceeded':
        flushLeftovers();
        emit({ type: 'ExecutionSucceeded', timestamp, output: event.output });
        return;
      case 'ExecutionFailed': {
        flushLeftovers();
        const outcome = failStateOutcome(event.Error, typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause));
        emit({ type: 'ExecutionFailed', timestamp, ...outcome });
        return;
      }
      case 'ExecutionAborted':
        flushLeftovers();
        emit({ type: 'ExecutionAborted', timestamp });
        return;
      case 'ExecutionTimeout':
        flushLeftovers();
        emit({ type: 'ExecutionTimedOut', timestamp, error: 'States.Timeout' });
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
        emit({ type: event.type, timestamp, state: event.parentState.name, stateType: 'Map', mapIndex: event.index });
        return;
      case 'MapIterationFailed':
        emit({
          type: 'MapIterationFailed',
          timestamp,
          state: event.parentState.name,
          stateType: 'Map',
          mapIndex: event.index,
          ...failStateOutcome(event.Error, typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause)),
        });
        return;
      case 'ParallelBranchStarted':
      case 'ParallelBranchSucceeded':
      case 'ParallelBranchFailed':
        return; // Step Functions records no per-branch events.
    }
    const { name, type } = event.state;
    const index = event.index;
    const drain = prepared.drains.get(name);
    if (drain) {
      // Hidden state: release the owner's exit once the forwarded iteration events are in.
      if (event.type === 'StateExited' || event.type === 'StateFailed') {
        const held = deferredExits.get(name);
        const group = held?.shift();
        if (group) for (const pending of group) emit(pending);
      }
      return;
    }
    const where = { state: name, stateType: type, ...(index !== undefined ? { mapIndex: index } : {}) };
    const key = attemptKey(name, index);
    const names = STATE_EVENT_NAMES[type];
    switch (event.type) {
      case 'StateEntered':
        failedAttempt.delete(key);
        if (names) emit({ type: names.entered, timestamp, ...where, input: event.state.input });
        if (type === 'Map') emit({ type: 'MapStateStarted', timestamp, ...where });
        if (type === 'Parallel') emit({ type: 'ParallelStateStarted', timestamp, ...where });
        return;
      case 'StateExited': {
        const caught = failedAttempt.has(key);
        failedAttempt.delete(key);
        if (type === 'Task' && !caught) {
          const invocation = takeInvocation(name, (candidate) => candidate.finished);
          if (invocation) flush(invocation, index);
        }
        const exit: Array<Omit<RunEvent, 'seq'>> = [];
        if (type === 'Map' && !caught) exit.push({ type: 'MapStateSucceeded', timestamp, ...where });
        if (type === 'Parallel' && !caught) exit.push({ type: 'ParallelStateSucceeded', timestamp, ...where });
        if (names?.exited) exit.push({ type: names.exited, timestamp, ...where, output: event.state.output });
        const drainName = (type === 'Map' || type === 'Parallel') ? pendingDrain.get(key) ?? drainAfter.get(name) : undefined;
        pendingDrain.delete(key);
        if (drainName) {
          const held = deferredExits.get(drainName) ?? [];
          held.push(exit);
          deferredExits.set(drainName, held);
        } else {
          for (const pending of exit) emit(pending);
        }
        return;
      }
      case 'StateFailed': {
        const cause = typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause);
        if (type === 'Task') {
          const finished = takeInvocation(name, (candidate) => candidate.finished);
          if (finished) flush(finished, index);
          else if (event.Error === 'States.Timeout') {
            const running = takeInvocation(name, () => true);
            if (running) {
              const timedOut = running.pending[0]?.type === 'LambdaFunctionScheduled' ? 'LambdaFunctionTimedOut' : 'TaskTimedOut';
              running.pending.push({ ...where, type: timedOut, timestamp, error: 'States.Timeout', resource: running.pending[0]?.resource });
              flush(running, index);
            }
          }
        }
        if (type === 'Map') emit({ type: 'MapStateFailed', timestamp, ...where, ...failStateOutcome(event.Error, cause) });
        if (type === 'Parallel') emit({ type: 'ParallelStateFailed', timestamp, ...where, ...failStateOutcome(event.Error, cause) });
        failedAttempt.add(key);
        const failState = stateByName.get(name);
        if (type === 'Fail' && failState) failStateErrors.set(errorKey(event.Error, cause), failState);
        emit({ type: 'StateFailed', timestamp, ...where, ...failStateOutcome(event.Error, cause) });
        return;
      }
      case 'StateRetried':
        failedAttempt.delete(key);
        emit({ type: 'StateRetried', timestamp, ...where, attempt: event.retry.attempt });
        if (type === 'Map') emit({ type: 'MapStateStarted', timestamp, ...where });
        if (type === 'Parallel') emit({ type: 'ParallelStateStarted', timestamp, ...where });
        return;
      case 'StateCaught': {
        const catchDrain = prepared.drains.get(event.catch.catcher.Next);
        if (catchDrain) pendingDrain.set(key, event.catch.catcher.Next);
        emit({ type: 'StateCaught', timestamp, ...where, next: catchDrain ? catchDrain.next : event.catch.catcher.Next });
        return;
      }
    }
  };

  // ---- go
  const machine = new StateMachine(prepared.definition as unknown as StateMachineDefinition);
  const runOptions: RunOptions = {
    overrides: {
      taskResourceLocalHandlers: taskResourceLocalHandlers as NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>,
      waitTimeOverrides,
      retryIntervalOverrides,
    },
    context: {
      ...options.context,
      Execution: {
        Id: executionArn,
        Name: executionName,
        RoleArn: `arn:${defaults.partition}:iam::${defaults.account}:role/${stateMachineName}Role`,
        RedriveCount: 0,
        ...(isRecord(options.context?.Execution) ? options.context.Execution : {}),
      },
      StateMachine: { Id: stateMachineArn, Name: stateMachineName, ...(isRecord(options.context?.StateMachine) ? options.context.StateMachine : {}) },
    },
  };
  const execution = machine.run(input as Parameters<StateMachine['run']>[0], runOptions);
  stop.signal.addEventListener('abort', () => execution.abort(), { once: true });
  const onAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();

  const pump = (async () => {
    for await (const event of execution.eventLogs) handleEvent(event);
  })();

  let status: RunResult['status'];
  let output: unknown;
  try {
    output = await execution.result;
    status = 'SUCCEEDED';
  } catch (error) {
    if (error instanceof ExecutionAbortedError) status = 'ABORTED';
    else if (error instanceof ExecutionTimeoutError) status = 'TIMED_OUT';
    else if (error instanceof ExecutionError) status = 'FAILED';
    else throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  await pump;
  if (quotaReached) status = 'FAILED';

  const terminal = events.at(-1);
  const result: RunResult = { status, executionArn, events, historyEventCount: countHistoryEvents(events), childExecutions, startedExecutions: scope.started };
  if (status === 'SUCCEEDED') result.output = output;
  if (terminal?.error !== undefined) result.error = terminal.error;
  if (terminal?.cause !== undefined && status !== 'TIMED_OUT') result.cause = terminal.cause;
  return result;
}
