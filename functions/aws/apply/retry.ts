/**
 * Retries for the errors the SDK does not retry on its own: DynamoDB's "not now" answers.
 *
 * The SDK's adaptive retry strategy already handles throttling, 5xx and timeouts. What it can't know is that
 * `ResourceInUseException` (the table is UPDATING), `LimitExceededException` (too many concurrent control-plane
 * operations) and `ContinuousBackupsUnavailableException` (backups still being enabled) mean "try again later".
 * Capped exponential backoff with full jitter, until a deadline.
 */
import { TableWardenError } from '../../core/errors.ts';

/** Errors that mean "the same call will work later". */
export const LATER_ERRORS = new Set(['ResourceInUseException', 'LimitExceededException', 'ContinuousBackupsUnavailableException']);

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
  /** Which errors to retry; default LATER_ERRORS. */
  retryOn?: ReadonlySet<string>;
  /** For messages. */
  what: string;
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
  const retryOn = options.retryOn ?? LATER_ERRORS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (!retryOn.has(name)) throw error;
      const delay = clock.random() * Math.min(cap, base * 2 ** attempt);
      if (clock.now() + delay > options.deadline) {
        throw new WaitTimeout(`${options.what}: still ${name} after ${attempt + 1} attempts; gave up at the deadline`, {
          ...(options.table ? { table: options.table } : {}),
          cause: error,
        });
      }
      await clock.sleep(delay);
    }
  }
}
