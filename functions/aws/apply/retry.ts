/**
 * Retries for the errors the SDK does not retry on its own: DynamoDB's "not now" answers.
 *
 * The SDK's adaptive retry strategy already handles throttling, 5xx and timeouts. What it can't know is that
 * `ResourceInUseException` (the table is UPDATING), `ContinuousBackupsUnavailableException` (backups still being
 * enabled) and one kind of `LimitExceededException` mean "try again later". Capped exponential backoff with full
 * jitter, until a deadline.
 *
 * `LimitExceededException` is two different things. DynamoDB uses it for the concurrent control-plane operations
 * limit ("Subscriber limit exceeded: Only 10 tables can be created, updated, or deleted simultaneously", "Only 1
 * online index can be created or deleted simultaneously per table"; the API reference describes it as "Too many
 * operations for a given subscriber"), which lifts within minutes. It uses the same code for limits that waiting
 * minutes will not lift: provisioned → on-demand at most 4 times in a rolling 24 h, two table-class changes in 30
 * days, the account's table quota. Those are told apart by the message: only the concurrent-operations wording is
 * retried; anything else (an unknown or empty message included) is reported at once as a failure of that table.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html#API_UpdateTable_Errors,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/switching.capacitymode.html
 */
import { TableWardenError } from '../../core/errors.ts';

/** Error codes that mean "the same call will work later", whatever the message. */
export const LATER_ERRORS = new Set(['ResourceInUseException', 'ContinuousBackupsUnavailableException']);

/** The wording of the one LimitExceededException that lifts within minutes: too many operations at once. */
const CONCURRENT_OPERATIONS = /simultaneous|concurrent|too many operations/i;

/**
 * Does this error mean "the same call will work later"? Yes for {@link LATER_ERRORS}, and for
 * `LimitExceededException` only when its message is about concurrent operations.
 */
export function isLaterError(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  if (typeof name !== 'string') return false;
  if (LATER_ERRORS.has(name)) return true;
  if (name !== 'LimitExceededException') return false;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && CONCURRENT_OPERATIONS.test(message);
}

/** Clock and randomness, injectable so tests run in virtual time. */
export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

/** The real clock. */
export const realClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/** Backoff settings. */
export interface RetryOptions {
  /** Absolute time (clock.now()) after which no new attempt starts. */
  deadline: number;
  baseMs?: number;
  capMs?: number;
  clock?: RetryClock;
  /** Which errors to retry; default {@link isLaterError}. */
  retryIf?: (error: unknown) => boolean;
  /** For messages. */
  what: string;
  /** Called before each wait for a retry, with the error's name (apply shows what it is waiting for). */
  onRetry?: (errorName: string) => void;
  table?: string;
}

/** The call timed out waiting for DynamoDB to accept it. */
export class WaitTimeout extends TableWardenError {
  constructor(message: string, options: { table?: string; cause?: unknown } = {}) {
    super('WaitTimeout', message, options);
  }
}

/** Run `fn`, retrying "not now" errors with capped exponential backoff and full jitter until the deadline. */
export async function retryLater<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const clock = options.clock ?? realClock;
  const base = options.baseMs ?? 1_000;
  const cap = options.capMs ?? 20_000;
  const retryIf = options.retryIf ?? isLaterError;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!retryIf(error)) throw error;
      const name = (error as { name?: string }).name ?? 'Error';
      const delay = clock.random() * Math.min(cap, base * 2 ** attempt);
      if (clock.now() + delay > options.deadline) {
        throw new WaitTimeout(`${options.what}: still ${name} after ${attempt + 1} attempts; gave up at the deadline`, {
          ...(options.table ? { table: options.table } : {}),
          cause: error,
        });
      }
      options.onRetry?.(name);
      await clock.sleep(delay);
    }
  }
}

/** A LimitExceededException that waiting minutes won't lift (not the concurrent-operations one). */
export function isLastingLimit(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'LimitExceededException' && !isLaterError(error);
}

/** The parts of the SDK's retry strategy (v2) that {@link withoutRetryingLastingLimits} wraps. */
interface RetryStrategyV2Like {
  acquireInitialRetryToken(scope: string): Promise<unknown>;
  refreshRetryTokenForRetry(token: unknown, errorInfo: { error?: unknown }): Promise<unknown>;
  recordSuccess(token: unknown): void;
  mode?: string;
}

/** The slice of an SDK client whose retry strategy provider is wrapped. */
export interface RetryConfigurable {
  config: { retryStrategy: () => Promise<unknown> };
}

/**
 * Stop the SDK retrying a LimitExceededException that won't lift in minutes. The SDK counts every
 * LimitExceededException as throttling and retries it with backoff (about 30 s at 8 attempts), which only delays
 * the clear failure apply reports; the concurrent-operations limit is still retried as before.
 */
export function withoutRetryingLastingLimits<T extends RetryConfigurable>(client: T): T {
  const provide = client.config.retryStrategy;
  client.config.retryStrategy = async () => {
    const strategy = (await provide()) as RetryStrategyV2Like;
    if (typeof strategy?.refreshRetryTokenForRetry !== 'function') return strategy;
    return {
      ...(strategy.mode !== undefined ? { mode: strategy.mode } : {}),
      acquireInitialRetryToken: (scope: string) => strategy.acquireInitialRetryToken(scope),
      refreshRetryTokenForRetry: async (token: unknown, errorInfo: { error?: unknown }) => {
        // Throwing here makes the SDK give up and surface the original error at once.
        if (isLastingLimit(errorInfo.error)) throw errorInfo.error;
        return strategy.refreshRetryTokenForRetry(token, errorInfo);
      },
      recordSuccess: (token: unknown) => strategy.recordSuccess(token),
    };
  };
  return client;
}
