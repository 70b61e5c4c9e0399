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
}

/**
 * Every handler, by name (the module's file name and the `tablewarden:handler` metadata on its function), in
 * workflow order. The order is the stack's creation order, so it must not change without reason (logical ids
 * don't depend on it, but template diffs do).
 */
export const HANDLERS = {
  lock: { file: 'functions/handlers/lock.ts', functionId: 'Lock' },
  'load-desired-state': { file: 'functions/handlers/load-desired-state.ts', functionId: 'LoadDesiredState' },
  'plan-batch': { file: 'functions/handlers/plan-batch.ts', functionId: 'PlanBatch' },
  gate: { file: 'functions/handlers/gate.ts', functionId: 'Gate' },
  'apply-batch': { file: 'functions/handlers/apply-batch.ts', functionId: 'ApplyBatch' },
  report: { file: 'functions/handlers/report.ts', functionId: 'Report' },
} as const satisfies Record<string, HandlerEntry>;

/** One Lambda handler (`lock`, `load-desired-state`, `plan-batch`, `gate`, `apply-batch`, `report`). */
export type HandlerName = keyof typeof HANDLERS;

/** A handler's construct id (`Lock`, `LoadDesiredState`, ...). */
export type HandlerFunctionId = (typeof HANDLERS)[HandlerName]['functionId'];

/** The handler names in {@link HANDLERS} order, for loops and `it.each`. */
export const HANDLER_NAMES = Object.keys(HANDLERS) as readonly HandlerName[];

/** The handler whose construct id is `functionId` (e.g. a state machine's task resource), or undefined. */
export function handlerByFunctionId(functionId: string): HandlerName | undefined {
  return HANDLER_NAMES.find((name) => HANDLERS[name].functionId === functionId);
}
