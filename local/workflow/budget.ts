/**
 * Static worst case of one execution's history, computed from an ASL definition (the synthesized one), so a
 * workflow can be proven to stay under Step Functions' 25,000-events-per-execution quota
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html) before it meets a large account.
 *
 * Per-state event costs, from the event sequences Step Functions records (HistoryEventType in the
 * GetExecutionHistory API reference, https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html,
 * and the same counting rule as history.ts, which the runner implements and the tests check against it):
 *  - execution: `ExecutionStarted` + one terminal event = 2;
 *  - Pass, Wait, Choice, Succeed: `<Type>StateEntered` + `<Type>StateExited` = 2; Fail: `FailStateEntered` = 1;
 *  - Task: `TaskStateEntered` + per attempt (`TaskScheduled`, `TaskStarted`, `TaskSucceeded | TaskFailed |
 *    TaskTimedOut`: 3; a Lambda function ARN as Resource records the `LambdaFunction*` equivalents, also 3; a
 *    `.sync` integration adds `TaskSubmitted`: 4) + `TaskStateExited` when it completes or is caught;
 *  - Map: `MapStateEntered`, then per attempt `MapStateStarted` + per item (`MapIterationStarted` + the
 *    iteration + `MapIterationSucceeded | MapIterationFailed`) + `MapStateSucceeded | MapStateFailed`, then
 *    `MapStateExited` when it completes or is caught;
 *  - Parallel: `ParallelStateEntered`, per attempt `ParallelStateStarted` + every branch +
 *    `ParallelStateSucceeded | ParallelStateFailed`, then `ParallelStateExited` when completed or caught.
 * Worst case means: every retrier exhausted (attempts = 1 + the sum of every retrier's MaxAttempts, default 3 each,
 * since each retrier counts on its own), every Map at its largest item count, every path taken (Next, each Catch,
 * and failing uncaught), and every state on a loop run at most `loopIterations` times (the calculator does not
 * solve Choice conditions: the caller states the bound, e.g. MAX_APPLY_ROUNDS + 1 runs of the round Task).
 * A child execution (`startExecution.sync[:2]`) has its own history: compute it separately.
 */
import { asAslDefinition, childDefinitions, type AslDefinition, type AslState } from './asl.ts';

/** The inputs the worst case depends on. */
export interface HistoryBudgetOptions {
  /** Items of each Map state, by state name; {@link defaultMapItems} for the others. */
  mapItems?: Record<string, number>;
  /** Items of a Map state not in `mapItems`. Default 1. */
  defaultMapItems?: number;
  /** How often any one state may run in one execution (the loop bound). Default 1 (no loop taken). */
  loopIterations?: number;
}

/** The worst case of one execution. */
export interface HistoryBudget {
  /** History events of the worst execution, both execution events included. */
  events: number;
  /** The states of that worst path, in order (top level; a Map or Parallel counts its content inside). */
  path: string[];
}

/** Default MaxAttempts of a retrier (States Language spec). */
const DEFAULT_MAX_ATTEMPTS = 3;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Attempts of a state in the worst case: the first, plus every retrier's MaxAttempts. */
function attempts(state: AslState): number {
  if (!Array.isArray(state.Retry)) return 1;
  return 1 + state.Retry.reduce((sum: number, retrier) => sum + (isRecord(retrier) && typeof retrier.MaxAttempts === 'number' ? retrier.MaxAttempts : DEFAULT_MAX_ATTEMPTS), 0);
}

/** Events per Task attempt: 3, or 4 for a `.sync` / `.sync:2` integration (TaskSubmitted). */
function eventsPerAttempt(state: AslState): number {
  return typeof state.Resource === 'string' && /\.sync(:\d+)?$/.test(state.Resource) ? 4 : 3;
}

function catchTargets(state: AslState): string[] {
  return Array.isArray(state.Catch) ? state.Catch.filter(isRecord).map((catcher) => String(catcher.Next)) : [];
}

/** Where control can go after a state; `null` ends the (sub-)execution. Each with the events of that way out. */
interface Exit {
  next: string | null;
  /** Events this state records on this way out (its whole cost, content included). */
  events: number;
}

class Calculator {
  /** Worst events of each Map iteration / Parallel branch set, by state name (they do not depend on the path). */
  private readonly content = new Map<string, number>();
  constructor(private readonly options: Required<HistoryBudgetOptions>) {}

  private contentOf(name: string, compute: () => number): number {
    const known = this.content.get(name);
    if (known !== undefined) return known;
    const events = compute();
    this.content.set(name, events);
    return events;
  }

  private items(name: string): number {
    return this.options.mapItems[name] ?? this.options.defaultMapItems;
  }

  /** Worst events of a whole (sub-)definition run from StartAt to its end, success or failure. */
  definition(definition: AslDefinition): HistoryBudget {
    const visits = new Map<string, number>();
    const best = this.walk(definition, definition.StartAt, visits);
    if (best === undefined) throw new Error(`no path from ${definition.StartAt} ends within ${this.options.loopIterations} runs of each state`);
    return best;
  }

  /** Depth-first over every path, each state run at most `loopIterations` times; the heaviest complete path wins. */
  private walk(definition: AslDefinition, name: string, visits: Map<string, number>): HistoryBudget | undefined {
    const state = definition.States[name];
    if (!state) throw new Error(`state "${name}" does not exist`);
    const seen = visits.get(name) ?? 0;
    if (seen >= this.options.loopIterations) return undefined;
    visits.set(name, seen + 1);
    let best: HistoryBudget | undefined;
    for (const exit of this.exits(state, name)) {
      const rest = exit.next === null ? { events: 0, path: [] } : this.walk(definition, exit.next, visits);
      if (rest === undefined) continue;
      const total = exit.events + rest.events;
      if (!best || total > best.events) best = { events: total, path: [name, ...rest.path] };
    }
    visits.set(name, seen);
    return best;
  }

  /** Every way out of a state, with what it costs. */
  private exits(state: AslState, name: string): Exit[] {
    const next = typeof state.Next === 'string' ? state.Next : null;
    switch (state.Type) {
      case 'Pass':
      case 'Wait':
      case 'Succeed':
        return [{ next: state.Type === 'Succeed' ? null : next, events: 2 }];
      case 'Fail':
        return [{ next: null, events: 1 }];
      case 'Choice': {
        const targets = new Set<string>();
        if (Array.isArray(state.Choices)) for (const rule of state.Choices) if (isRecord(rule) && typeof rule.Next === 'string') targets.add(rule.Next);
        if (typeof state.Default === 'string') targets.add(state.Default);
        // No rule matching and no Default fails the execution with States.NoChoiceMatched: Entered only.
        return [...[...targets].map((target) => ({ next: target, events: 2 })), ...(typeof state.Default === 'string' ? [] : [{ next: null, events: 1 }])];
      }
      case 'Task': {
        const body = attempts(state) * eventsPerAttempt(state);
        return this.withCatch(state, next, 1 + body + 1, 1 + body);
      }
      case 'Map': {
        const [processor] = childDefinitions(state, name);
        if (!processor) throw new Error(`Map "${name}" has no ItemProcessor`);
        const iteration = this.contentOf(name, () => this.definition(processor.definition).events);
        const run = 1 + this.items(name) * (1 + iteration + 1) + 1;
        const body = 1 + attempts(state) * run;
        return this.withCatch(state, next, body + 1, body);
      }
      case 'Parallel': {
        const branches = this.contentOf(name, () => childDefinitions(state, name).reduce((sum, branch) => sum + this.definition(branch.definition).events, 0));
        const body = 1 + attempts(state) * (1 + branches + 1);
        return this.withCatch(state, next, body + 1, body);
      }
      default:
        throw new Error(`state "${name}" has an unknown Type ${state.Type}`);
    }
  }

  /** Completed (Next or End, with Exited), caught (each Catch, with Exited), or failed uncaught (no Exited). */
  private withCatch(state: AslState, next: string | null, completed: number, failed: number): Exit[] {
    return [{ next, events: completed }, ...catchTargets(state).map((target) => ({ next: target, events: completed })), { next: null, events: failed }];
  }
}

/**
 * The worst-case history events of one execution of `definition` (see the module comment for the rule), with the
 * path that produces it. Both execution events are included; a child execution is not (compute it on its own).
 */
export function worstCaseHistory(definition: unknown, options: HistoryBudgetOptions = {}): HistoryBudget {
  const calculator = new Calculator({ mapItems: options.mapItems ?? {}, defaultMapItems: options.defaultMapItems ?? 1, loopIterations: options.loopIterations ?? 1 });
  const body = calculator.definition(asAslDefinition(definition));
  return { events: 2 + body.events, path: body.path };
}

/** The state machine ARNs a definition starts as child executions (`startExecution.sync[:2]` Tasks), anywhere in it. */
export function childStateMachineArns(definition: unknown): string[] {
  const arns = new Set<string>();
  const visit = (sub: AslDefinition): void => {
    for (const [name, state] of Object.entries(sub.States)) {
      if (state.Type === 'Task' && typeof state.Resource === 'string' && /:states:::states:startExecution/.test(state.Resource)) {
        const parameters = isRecord(state.Parameters) ? state.Parameters : {};
        if (typeof parameters.StateMachineArn === 'string') arns.add(parameters.StateMachineArn);
      }
      for (const child of childDefinitions(state, name)) visit(child.definition);
    }
  };
  visit(asAslDefinition(definition));
  return [...arns];
}

/**
 * The largest JSON payload (UTF-8 bytes of `JSON.stringify`) found in a run's events: every state input and output,
 * execution input and output. Run the workflow with stand-in handlers returning their largest results (the
 * contracts' worst case) and hold this under a budget; the quota between states is 256 KiB.
 */
export function largestPayload(events: ReadonlyArray<{ input?: unknown; output?: unknown; type: string; state?: string }>): { bytes: number; where: string } {
  let largest = { bytes: 0, where: '' };
  for (const event of events) {
    for (const [field, value] of [['input', event.input], ['output', event.output]] as const) {
      if (value === undefined) continue;
      const bytes = Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
      if (bytes > largest.bytes) largest = { bytes, where: `${event.type}${event.state ? ` ${event.state}` : ''} ${field}` };
    }
  }
  return largest;
}
