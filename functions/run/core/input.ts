/**
 * The defaults of a reconcile's input, in one place: the handlers' contract (functions/handlers/contracts.ts), the
 * state machine's ApplyInputDefaults state and local runners all read them from here.
 */

/** Fields a reconcile input may leave out, and what they become. */
export const RECONCILE_INPUT_DEFAULTS = { mode: 'apply', tables: [] as string[], revision: 'latest', waitSeconds: 30, allowDisruptive: [] as string[] } as const;

/**
 * At most this many tables in one run's `allowDisruptive`: an override is for a few reviewed tables, and the list
 * stays in the execution's state (the input), whose payloads must stay small at 10,000 tables. The gate and the
 * apply rounds don't carry it: the planner marks the allowed tables in the stored plans.
 */
export const MAX_ALLOW_DISRUPTIVE = 25;

/** Tables per batch unless the stack says otherwise. */
export const DEFAULT_BATCH_SIZE = 50;
