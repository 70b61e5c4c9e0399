/**
 * Run events, named after the Step Functions execution history event types (HistoryEventType in the
 * GetExecutionHistory API), so a local run can be printed state by state and its history length compared with
 * the 25,000-events-per-execution quota before a workflow ships.
 *
 * Counting rule (what {@link countHistoryEvents} counts, and what the runner emits), following the event sequences
 * Step Functions records:
 *  - Execution: `ExecutionStarted` + one of `ExecutionSucceeded | ExecutionFailed | ExecutionAborted | ExecutionTimedOut`.
 *  - Pass, Wait, Choice, Succeed: `<Type>StateEntered` + `<Type>StateExited` (2).
 *  - Fail: `FailStateEntered` only (1); the execution then fails.
 *  - Task, per state: `TaskStateEntered`, then per attempt `TaskScheduled`, `TaskStarted`, and `TaskSucceeded`
 *    or `TaskFailed` (`TaskTimedOut` on a States.Timeout), then `TaskStateExited` if the state completed or its
 *    error was caught. A Task whose Resource is a Lambda function ARN (CDK `payloadResponseOnly: true`) records
 *    `LambdaFunctionScheduled`, `LambdaFunctionStarted`, `LambdaFunctionSucceeded | LambdaFunctionFailed |
 *    LambdaFunctionTimedOut` instead; the count is the same. A retry adds no event of its own: it is the next
 *    attempt's three events. So a Task that succeeds first time is 5 events, and each retry adds 3.
 *  - A `.sync` / `.sync:2` Task (e.g. `states:startExecution.sync:2`) also records `TaskSubmitted` after
 *    `TaskStarted` (the StartExecution response), so it is 6 events, and each retry adds 4. The child execution's
 *    own events are in the child's history, not the parent's.
 *  - Map: `MapStateEntered`, `MapStateStarted`, per item `MapIterationStarted` + the iteration's own state events
 *    + `MapIterationSucceeded | MapIterationFailed`, then `MapStateSucceeded | MapStateFailed`, then
 *    `MapStateExited` if the Map completed or was caught. A Map over n items whose iteration is one Task is
 *    4 + 7n events.
 *  - Parallel: `ParallelStateEntered`, `ParallelStateStarted`, the branches' state events, `ParallelStateSucceeded |
 *    ParallelStateFailed`, `ParallelStateExited` if completed or caught. (No per-branch events.)
 * Local-only events (`StateFailed`, `StateRetried`, `StateCaught`) help printing and are not counted.
 * Not modelled: `MapIterationAborted`/`TaskStateAborted` for iterations cut short when a sibling fails (the
 * library drops their events), activity and callback (`.waitForTaskToken`) events.
 */

/** Step Functions history event types the runner emits (a subset of HistoryEventType). */
export const HISTORY_EVENT_TYPES = [
  'ExecutionStarted',
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionAborted',
  'ExecutionTimedOut',
  'TaskStateEntered',
  'TaskScheduled',
  'TaskStarted',
  'TaskSubmitted',
  'TaskSucceeded',
  'TaskFailed',
  'TaskTimedOut',
  'TaskStateExited',
  'LambdaFunctionScheduled',
  'LambdaFunctionStarted',
  'LambdaFunctionSucceeded',
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'PassStateEntered',
  'PassStateExited',
  'WaitStateEntered',
  'WaitStateExited',
  'ChoiceStateEntered',
  'ChoiceStateExited',
  'SucceedStateEntered',
  'SucceedStateExited',
  'FailStateEntered',
  'MapStateEntered',
  'MapStateStarted',
  'MapIterationStarted',
  'MapIterationSucceeded',
  'MapIterationFailed',
  'MapStateSucceeded',
  'MapStateFailed',
  'MapStateExited',
  'ParallelStateEntered',
  'ParallelStateStarted',
  'ParallelStateSucceeded',
  'ParallelStateFailed',
  'ParallelStateExited',
] as const;

/** A Step Functions history event type the runner emits. */
export type HistoryEventType = (typeof HISTORY_EVENT_TYPES)[number];

/** Local-only progress events: not part of a Step Functions history, never counted. */
export type LocalEventType = 'StateFailed' | 'StateRetried' | 'StateCaught';

/** One step of a local run. Fields are filled where they apply to the type. */
export interface RunEvent {
  /** 1-based position in the run's event list. */
  seq: number;
  type: HistoryEventType | LocalEventType;
  /** Epoch milliseconds when it happened. */
  timestamp: number;
  /** The state's name (for Map iteration events: the Map's name). */
  state?: string;
  /** ASL Type of that state. */
  stateType?: string;
  /**
   * Index of the Map iteration: exact on MapIteration* events. On state and task events inside a Map it is the
   * index of the outermost enclosing Map's iteration, best effort (the library forwards nested events that way,
   * and concurrent iterations of one state are paired with their task events first-finished-first).
   */
  mapIndex?: number;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  /** Task events: the state's Resource. */
  resource?: string;
  /** Lambda task events: the invoked function ARN (unqualified). */
  functionArn?: string;
  /** StateRetried: the retry number (1 for the first retry). */
  attempt?: number;
  /** StateCaught: the state the Catch goes to. */
  next?: string;
  /** Set on the events of a child execution (`startExecution.sync[:2]`): 1 for a child, 2 for a grandchild, … */
  depth?: number;
  /** Set on the events of a child execution: that child's execution ARN. */
  executionArn?: string;
}

const HISTORY_TYPES = new Set<string>(HISTORY_EVENT_TYPES);

/** Whether an event is one Step Functions would record in the execution history. */
export function isHistoryEvent(event: Pick<RunEvent, 'type'>): boolean {
  return HISTORY_TYPES.has(event.type);
}

/**
 * The number of execution history events Step Functions would record for this run, by the rule in the module
 * comment. Use it to keep a workflow well under the 25,000-events quota at the largest expected input.
 */
export function countHistoryEvents(events: readonly Pick<RunEvent, 'type'>[]): number {
  return events.filter(isHistoryEvent).length;
}

/** A one-line rendering for progress output, e.g. `#3 TaskSucceeded Plan [1] {"ok":true}`. */
export function describeEvent(event: RunEvent): string {
  const parts = [`${'  '.repeat(event.depth ?? 0)}#${event.seq}`, event.type];
  if (event.state) parts.push(event.state);
  if (event.mapIndex !== undefined) parts.push(`[${event.mapIndex}]`);
  if (event.error) parts.push(`${event.error}${event.cause ? `: ${event.cause.slice(0, 200)}` : ''}`);
  if (event.next) parts.push(`-> ${event.next}`);
  if (event.attempt !== undefined) parts.push(`retry ${event.attempt}`);
  return parts.join(' ');
}
