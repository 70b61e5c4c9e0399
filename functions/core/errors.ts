/**
 * Typed errors that carry the stage at which a run failed, so reports, exit codes and workflow Catch clauses can
 * tell "could not read the account" from "could not change it" without parsing messages.
 */

/** The stage of a run at which something went wrong. */
export type StageReason = 'ObserveFailed' | 'PlanFailed' | 'ApplyFailed' | 'WaitTimeout' | 'Throttled' | 'InvalidDesiredState';

/** Base class for every error tablewarden raises on purpose. */
export class TableWardenError extends Error {
  /** Why the run stopped, machine-readable. */
  readonly reason: StageReason;
  /** The table concerned, when there is one. */
  readonly table: string | undefined;

  constructor(reason: StageReason, message: string, options: { table?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = reason;
    this.reason = reason;
    this.table = options.table;
  }
}

/** Reading the account failed (after the SDK's own retries). */
export class ObserveFailed extends TableWardenError {
  constructor(message: string, options: { table?: string; cause?: unknown } = {}) {
    super('ObserveFailed', message, options);
  }
}

/** The planner could not produce a plan (for example the blast-radius guard tripped). */
export class PlanFailed extends TableWardenError {
  constructor(message: string, options: { table?: string; cause?: unknown } = {}) {
    super('PlanFailed', message, options);
  }
}

/** The desired state could not be read or is invalid. */
export class InvalidDesiredState extends TableWardenError {
  constructor(message: string, options: { table?: string; cause?: unknown } = {}) {
    super('InvalidDesiredState', message, options);
  }
}
