/**
 * The defaults of a reconcile's input, in one place: the handlers' contract (functions/handlers/contracts.ts), the
 * state machine's ApplyInputDefaults state and local runners all read them from here.
 */

/** Fields a reconcile input may leave out, and what they become. */
export const RECONCILE_INPUT_DEFAULTS = { mode: 'apply', tables: [] as string[], revision: 'latest', waitSeconds: 30, allowDisruptive: [] as string[] } as const;

/** Tables per batch unless the stack says otherwise. */
export const DEFAULT_BATCH_SIZE = 50;
