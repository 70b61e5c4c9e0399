/**
 * The one list of the operator's Lambda handlers.
 *
 * Why one list: the stack (one Lambda function each, bundled by infra/handler-bundle.ts), IAM
 * (infra/permissions.ts), the local workflow runner (state machine task → handler module) and the tests all need to
 * know which handlers exist, under which module and which construct id. Each used to keep its own copy, in three spellings; a handler added to one and not the
 * others synthesized fine and failed at run time. Everything now derives from {@link HANDLERS}.
 *
 * Pure data with no imports: infra, local tooling and tests import it freely, and no Lambda bundle pulls it in
 * unless a handler imports it (none does).
 */

/** What the repository knows about one handler. */
export interface HandlerEntry {
  /** Its module, relative to the repository root; it exports `handler`. */
  readonly file: `functions/handlers/${string}.ts`;
  /** Its construct id in the stack (`<functionId>` → logical id `Warden<functionId>…`, alarms `<functionId>ErrorsAlarm`). */
  readonly functionId: string;
  /**
   * The state machines that invoke it: Reconcile (and its ApplyBatchRounds child), Drill and DrillSchedule, or the
   * seeding feature (Seed; and seed-triggers, the seeding step Reconcile runs when the stack wires seeding in), or
   * AWS Config remediation (`config`: invoked by an SQS event source mapping, not by a state machine; it starts
   * Reconcile).
   */
  readonly workflow: 'reconcile' | 'drill' | 'seed' | 'config';
}

/**
 * Every handler, by name (the module's file name and the `tablewarden:handler` metadata on its function), in
 * workflow order. The order is the stack's creation order, so it must not change without reason (logical ids
 * don't depend on it, but template diffs do).
 */
export const HANDLERS = {
  lock: { file: 'functions/handlers/lock.ts', functionId: 'Lock', workflow: 'reconcile' },
  'load-desired-state': { file: 'functions/handlers/load-desired-state.ts', functionId: 'LoadDesiredState', workflow: 'reconcile' },
  'plan-batch': { file: 'functions/handlers/plan-batch.ts', functionId: 'PlanBatch', workflow: 'reconcile' },
  gate: { file: 'functions/handlers/gate.ts', functionId: 'Gate', workflow: 'reconcile' },
  'apply-batch': { file: 'functions/handlers/apply-batch.ts', functionId: 'ApplyBatch', workflow: 'reconcile' },
  report: { file: 'functions/handlers/report.ts', functionId: 'Report', workflow: 'reconcile' },
  // The nightly run's AWS Config sweep (issue 11): NON_COMPLIANT resources after load, re-evaluation after unlock.
  'config-sweep': { file: 'functions/handlers/config-sweep.ts', functionId: 'ConfigSweep', workflow: 'reconcile' },
  // Restore drills (state-machines/drill.ts). Split by what each may touch (infra/permissions.ts): only drill-cleanup
  // may delete a table, and only a drill copy.
  'drill-targets': { file: 'functions/handlers/drill-targets.ts', functionId: 'DrillTargets', workflow: 'drill' },
  'drill-start': { file: 'functions/handlers/drill-start.ts', functionId: 'DrillStart', workflow: 'drill' },
  'drill-check': { file: 'functions/handlers/drill-check.ts', functionId: 'DrillCheck', workflow: 'drill' },
  'drill-validate': { file: 'functions/handlers/drill-validate.ts', functionId: 'DrillValidate', workflow: 'drill' },
  'drill-cleanup': { file: 'functions/handlers/drill-cleanup.ts', functionId: 'DrillCleanup', workflow: 'drill' },
  'drill-record': { file: 'functions/handlers/drill-record.ts', functionId: 'DrillRecord', workflow: 'drill' },
  // Seeding (issue 10): the Reconcile run's trigger step (which tables to seed now), and one part of a seed, called
  // in a loop by the Seed state machine (state-machines/seed.ts).
  'seed-triggers': { file: 'functions/handlers/seed-triggers.ts', functionId: 'SeedTriggers', workflow: 'seed' },
  seed: { file: 'functions/handlers/seed.ts', functionId: 'Seed', workflow: 'seed' },
  // AWS Config remediation (issue 11): a batch of "Config Rules Compliance Change" events from the SQS queue the
  // EventBridge rule feeds (infra/config-remediation.ts) → one Reconcile of their tables.
  'config-events': { file: 'functions/handlers/config-events.ts', functionId: 'ConfigEvents', workflow: 'config' },
} as const satisfies Record<string, HandlerEntry>;

/** One Lambda handler (`lock`, `load-desired-state`, ..., `drill-record`). */
export type HandlerName = keyof typeof HANDLERS;

/** The handlers of one workflow, as a type (`HandlersOf<'reconcile'>`: lock … report). */
export type HandlersOf<W extends HandlerEntry['workflow']> = { [K in HandlerName]: (typeof HANDLERS)[K]['workflow'] extends W ? K : never }[HandlerName];

/** A handler's construct id (`Lock`, `LoadDesiredState`, ...). */
export type HandlerFunctionId = (typeof HANDLERS)[HandlerName]['functionId'];

/** The handler names in {@link HANDLERS} order, for loops and `it.each`. */
export const HANDLER_NAMES = Object.keys(HANDLERS) as readonly HandlerName[];

/** The handlers of one workflow, in {@link HANDLERS} order. */
export function handlersOf(workflow: HandlerEntry['workflow']): HandlerName[] {
  return HANDLER_NAMES.filter((name) => HANDLERS[name].workflow === workflow);
}

/** The handler whose construct id is `functionId` (e.g. a state machine's task resource), or undefined. */
export function handlerByFunctionId(functionId: string): HandlerName | undefined {
  return HANDLER_NAMES.find((name) => HANDLERS[name].functionId === functionId);
}
