/**
 * Run the *synthesized* Drill and DrillSchedule state machines locally (state-machines/drill.ts), each Lambda task
 * calling the real handler module in-process, against a local AWS. `tablewarden drill` (without --remote), the
 * npm start drill and the workflow tests use it; nothing here is hand-written ASL.
 *
 * Time. A drill waits minutes between looks at a restore; locally nobody should. With `clock: 'local-aws'` (the
 * default) every Wait state takes no real time, and the time it would have taken is added to the local AWS's clock
 * (local/clock.ts advanceClock) before the step after it runs, so the emulated restore (CREATING for
 * TABLEWARDEN_RESTORE_SECONDS of emulator time) finishes after the waits it would need in AWS. Each drill step gets
 * the local AWS's time as its `now` (the handlers' contracts take it), so the drill's start, deadline and RTO are in
 * that same time: a restore slower than its deadline times out after a few emulated waits, not after minutes. With
 * `clock: 'real'` the waits are real and the steps use the real time (for a local AWS elsewhere).
 *
 * Which wait precedes a step: CheckRestore is entered only from WaitForRestore, which waited the `wait.seconds` the
 * check receives (TagDrillCopy, the same handler with `action: 'tag'`, follows no Wait); CleanupDrill is entered from
 * WaitBeforeCleanup exactly when `wait.cleanupRounds > 0` (after TagDrillCopy tagged the copy, `wait.seconds` is 0).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HANDLERS, handlersOf, type HandlerName } from '../../functions/handlers/registry.ts';
import { synthesizeOperator } from '../../infra/synth.ts';
import { REPO_ROOT } from '../../infra/table-warden.ts';
import { advanceClock } from '../clock.ts';
import { extractStateMachines, type CfnTemplate, type ExtractedStateMachine } from './extract.ts';
import { assertSupportedAsl } from './guard.ts';
import { runStateMachine, type LocalLambdaHandler, type RunEvent, type RunOverrides, type RunResult } from './run.ts';

/** The Drill machine's input (state-machines/drill.ts). */
export interface DrillWorkflowInput {
  table: string;
  /** The bundle revision to read the table's spec from; default `latest`. */
  revision?: string;
  source?: 'aws-backup' | 'dynamodb-backup' | 'pitr';
  /** PITR only: restore to this time (ISO-8601). */
  time?: string;
}

/** A hook around each drill task (tests): called with the handler's name and its event before the handler runs. */
export type BeforeDrillTask = (handler: HandlerName, event: Record<string, unknown>) => void | Promise<void>;

/** How a local drill run is hosted. */
export interface LocalDrillOptions {
  executionName?: string;
  onEvent?: (event: RunEvent) => void;
  overrides?: RunOverrides;
  /**
   * `local-aws` (default): waits take no real time and move the local AWS's clock instead, and each step runs at the
   * local AWS's time. `real`: real waits and real time.
   */
  clock?: 'local-aws' | 'real';
  /** The local AWS (for its clock); default `AWS_ENDPOINT_URL`. */
  endpoint?: string;
  /** Test hook: runs before each drill task's handler, e.g. to tamper with the copy before validation. */
  beforeTask?: BeforeDrillTask;
  /** Aborting it stops the execution. */
  signal?: AbortSignal;
}

/** The synthesized drill machines and the drill handlers, by logical id. */
export interface LocalDrillMachines {
  drill: ExtractedStateMachine;
  schedule: ExtractedStateMachine;
  /** Every state machine of the stack (the Drill is DrillSchedule's child). */
  stateMachines: ExtractedStateMachine[];
  /** Logical id → handler name, for the drill handlers. */
  handlers: Record<string, HandlerName>;
  /** Logical id → the real handler. */
  lambdas: Record<string, LocalLambdaHandler>;
}

let prepared: Promise<LocalDrillMachines> | undefined;

/** Synthesize the operator stack (no bundling: the handlers run from source) and wire its drill machines (once per process). */
export function prepareLocalDrill(): Promise<LocalDrillMachines> {
  prepared ??= (async () => {
    const operator = synthesizeOperator({ bundle: false });
    const { stateMachines } = extractStateMachines(operator.template as CfnTemplate);
    for (const each of stateMachines) assertSupportedAsl(each.definition);
    // Logical ids end in the construct path's ids and an 8-digit hash: `…DrillsDrill<hash>`, `…DrillsDrillSchedule<hash>`.
    const byPath = (suffix: string): ExtractedStateMachine => {
      const found = stateMachines.filter((machine) => new RegExp(`${suffix}[0-9A-F]{8}$`).test(machine.logicalId));
      if (found.length !== 1) throw new Error(`local drill: expected one state machine whose logical id ends in ${suffix}<hash>, found ${found.length}`);
      return found[0] as ExtractedStateMachine;
    };
    const handlers: Record<string, HandlerName> = {};
    const lambdas: Record<string, LocalLambdaHandler> = {};
    for (const handler of handlersOf('drill')) {
      const logicalId = operator.lambdaLogicalIds[handler];
      const module = (await import(pathToFileURL(join(REPO_ROOT, HANDLERS[handler].file)).href)) as { handler: LocalLambdaHandler };
      handlers[logicalId] = handler;
      lambdas[logicalId] = module.handler;
    }
    return { drill: byPath('DrillsDrill'), schedule: byPath('DrillsDrillSchedule'), stateMachines, handlers, lambdas };
  })();
  return prepared;
}

/** Seconds of the Wait state that ran right before this step (see the module comment), or 0. */
function waitedBefore(handler: HandlerName, event: Record<string, unknown>): number {
  const wait = event.wait as { seconds?: number; cleanupRounds?: number } | undefined;
  // TagDrillCopy (drill-check's `tag` action) is entered from a Choice, never after a Wait.
  if (handler === 'drill-check') return event.action === 'tag' ? 0 : (wait?.seconds ?? 0);
  if (handler === 'drill-cleanup' && event.action === 'cleanup' && (wait?.cleanupRounds ?? 0) > 0) return wait?.seconds ?? 0;
  return 0;
}

/** The drill handlers wrapped for local time and the test hook. */
function hostedLambdas(machines: LocalDrillMachines, options: LocalDrillOptions): Record<string, LocalLambdaHandler> {
  const localClock = (options.clock ?? 'local-aws') === 'local-aws';
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL;
  if (localClock && !endpoint) throw new Error('local drill: clock "local-aws" needs the local AWS endpoint (options.endpoint or AWS_ENDPOINT_URL)');
  return Object.fromEntries(
    Object.entries(machines.lambdas).map(([logicalId, handler]) => {
      const name = machines.handlers[logicalId] as HandlerName;
      const hosted: LocalLambdaHandler = async (event, context) => {
        let input = (event ?? {}) as Record<string, unknown>;
        if (localClock) {
          const now = await advanceClock(endpoint as string, waitedBefore(name, input));
          // drill-targets takes no time; every other drill step runs at the local AWS's time.
          if (name !== 'drill-targets') input = { ...input, now: now.toISOString() };
        }
        await options.beforeTask?.(name, input);
        return handler(input, context);
      };
      return [logicalId, hosted];
    }),
  );
}

/**
 * Run one Drill execution of the synthesized machine, locally, with the real handlers. The result's `output` is the
 * drill report when it passed; otherwise `error` is DrillFailed, NoRecoveryPoint, DrillNotStarted (or InvalidInput,
 * RecordFailed) and `cause` the report's summary.
 */
export async function runDrillWorkflowLocally(input: DrillWorkflowInput, options: LocalDrillOptions = {}): Promise<RunResult> {
  const machines = await prepareLocalDrill();
  return runMachine(machines, machines.drill, input, options);
}

/** Run one DrillSchedule execution (sweep, list the cadence's tables, one Drill child per table), locally. */
export async function runDrillScheduleLocally(input: { cadence: 'daily' | 'weekly' | 'monthly' }, options: LocalDrillOptions = {}): Promise<RunResult> {
  const machines = await prepareLocalDrill();
  return runMachine(machines, machines.schedule, input, options);
}

function runMachine(machines: LocalDrillMachines, machine: ExtractedStateMachine, input: unknown, options: LocalDrillOptions): Promise<RunResult> {
  const localClock = (options.clock ?? 'local-aws') === 'local-aws';
  return runStateMachine({
    ...machine,
    stateMachines: machines.stateMachines,
    input,
    lambdas: hostedLambdas(machines, options),
    ...(options.executionName ? { executionName: options.executionName } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    overrides: { retryIntervals: localClock ? 0 : undefined, ...(localClock ? { waits: 'skip' as const } : {}), ...options.overrides } as RunOverrides,
  });
}
