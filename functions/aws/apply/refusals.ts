/**
 * DynamoDB refusals that waiting will not fix, turned into typed errors that say what happened and what to do.
 *
 * Why: a refusal that is retried as "not now" keeps a table busy for the whole deadline (30 minutes) and then
 * reports a WaitTimeout that hides the cause. These are reported at once as a failure of that table only.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html#API_CreateTable_Errors,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/switching.capacitymode.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.TableClasses.html
 */
import { TableWardenError } from '../../core/errors.ts';
import type { Action } from '../../core/model/plan.ts';
import { isLaterError } from './retry.ts';

/** DynamoDB refused a change for a reason that minutes of waiting will not lift; the table's apply stops. */
export class ChangeRefused extends TableWardenError {
  /** The AWS error code, e.g. LimitExceededException. */
  readonly code: string;

  constructor(message: string, options: { table: string; code: string; cause?: unknown }) {
    super('ApplyFailed', message, options);
    this.code = options.code;
  }
}

/** The API an action calls, for messages. */
function apiOf(action: Action): string {
  switch (action.type) {
    case 'CreateTable':
      return 'CreateTable';
    case 'UpdateTimeToLive':
      return 'UpdateTimeToLive';
    case 'UpdateContributorInsights':
      return 'UpdateContributorInsights';
    case 'UpdatePointInTimeRecovery':
      return 'UpdateContinuousBackups';
    case 'TagResource':
      return 'TagResource';
    default:
      return 'UpdateTable';
  }
}

/** Which long-lived limit an action most likely ran into, in words a person can act on. */
function limitFor(action: Action): string {
  if (action.type === 'UpdateBilling' && action.mode === 'PAY_PER_REQUEST') {
    return 'DynamoDB allows switching a table from provisioned to on-demand at most 4 times in a rolling 24 hours';
  }
  if (action.type === 'UpdateTableClass') return 'DynamoDB allows 2 table-class changes per table in 30 days';
  if (action.type === 'CreateTable') return 'the account has reached a DynamoDB quota (tables per account and region, or indexes)';
  return 'a DynamoDB limit that is not about concurrent operations was reached';
}

/**
 * The typed error for an AWS error that must not be retried, or undefined when `error` is something else (a "not
 * now" answer the caller retries or defers, or an error the caller reports as it is).
 */
export function explainRefusal(table: string, action: Action, error: unknown): ChangeRefused | undefined {
  if (error instanceof ChangeRefused) return error;
  const name = (error as { name?: unknown } | undefined)?.name;
  const message = String((error as { message?: unknown } | undefined)?.message ?? '');
  if (name === 'LimitExceededException' && !isLaterError(error)) {
    return new ChangeRefused(
      `${table}: ${apiOf(action)} refused with LimitExceededException: ${message || '(no message)'} — ${limitFor(action)}; waiting minutes will not lift this limit, so it was not retried.`,
      { table, code: name, cause: error },
    );
  }
  if (name === 'ResourceInUseException' && action.type === 'CreateTable') {
    return new ChangeRefused(
      `${table}: CreateTable refused with ResourceInUseException (${message || 'no message'}): the table exists now, although it did not when the plan was made. Nothing was changed; plan again to see what this table needs.`,
      { table, code: name, cause: error },
    );
  }
  return undefined;
}
