/**
 * How long the Reconcile workflow waits before a batch's next apply round.
 *
 * Two kinds of waiting: DynamoDB settling after a change (seconds to minutes: the input's `waitSeconds`, polled in
 * short rounds), and a step DynamoDB won't take before a known time (TTL's second step, an hour after the first).
 * Polling an hour away in 30-second rounds would cost ~120 rounds of history events and hit the round limit, so
 * when every table left is waiting for a time, the workflow waits once, until the earliest of those times.
 */
import type { PendingStep } from '../model/plan.ts';

/**
 * The wait when a pending step's time is unknown (TTL still ENABLING/DISABLING, or DynamoDB said "too soon"
 * without saying until when): a quarter of TTL's one-hour window, so at most four extra rounds per hour.
 */
export const UNKNOWN_PENDING_WAIT_SECONDS = 900;

/** What one round left behind. */
export interface RoundLeftovers {
  /** Some table still has changes to make as soon as DynamoDB has settled. */
  settling: boolean;
  /** Steps DynamoDB won't take yet, across the batch. */
  pending: readonly PendingStep[];
}

/**
 * Seconds to wait before the next round (a whole number, as a Wait state's SecondsPath requires): the settle
 * interval while anything is settling; otherwise until the earliest pending step is due (at least the settle
 * interval, so a clock skew never makes a busy loop).
 */
export function nextRoundWaitSeconds(now: Date, settleSeconds: number, leftovers: RoundLeftovers): number {
  if (leftovers.settling || leftovers.pending.length === 0) return settleSeconds;
  const due = leftovers.pending.map((step) =>
    step.notBefore ? Math.ceil((Date.parse(step.notBefore) - now.getTime()) / 1000) : UNKNOWN_PENDING_WAIT_SECONDS,
  );
  return Math.max(settleSeconds, Math.min(...due));
}
