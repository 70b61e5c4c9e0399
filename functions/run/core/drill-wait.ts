/**
 * How long the Drill state machine waits between looks at a restore (and at a copy still being created when cleanup
 * comes), as pure arithmetic the drill-check and drill-cleanup handlers return to the machine's Wait states
 * (`SecondsPath`). Why here and not in ASL: JSONPath has no multiply or min, and a computed wait keeps each round to
 * three states (Wait, Task, Choice), which bounds the execution's history (local/workflow/budget.ts).
 *
 * The backoff starts at {@link FIRST_WAIT_SECONDS} and doubles up to a cap that scales with the drill's
 * `maxRestoreMinutes` (a twentieth of it, between 15 s and 10 min): the RTO is measured to within ~5% of its budget,
 * and the number of rounds until the deadline (twice maxRestoreMinutes, at least 10 minutes) stays near 40 for any
 * budget, at most {@link MAX_CHECK_ROUNDS} at the schema's 24 hours.
 */

/** The first wait after the restore starts. */
export const FIRST_WAIT_SECONDS = 15;

/** The longest single wait (Step Functions bills and records nothing while waiting; the RTO resolution suffers). */
export const MAX_WAIT_SECONDS = 600;

/**
 * Checks before the machine gives up on its own (a backstop: checkRestore already fails the drill at its deadline).
 * 24-hour budget: deadline 48 h at a 600 s cap is 288 rounds, plus the doubling rounds.
 */
export const MAX_CHECK_ROUNDS = 300;

/** Cleanup rounds while the copy is still being created (~6 h at the cap); a copy left after that is the sweep's. */
export const MAX_CLEANUP_ROUNDS = 40;

/** The loop state the machine carries between rounds. */
export interface DrillWait {
  /** The next Wait state's seconds. */
  seconds: number;
  /** Checks made so far. */
  round: number;
  /** Cleanup attempts made so far. */
  cleanupRounds: number;
}

/** The loop state before the first check. */
export const FIRST_WAIT: DrillWait = { seconds: FIRST_WAIT_SECONDS, round: 0, cleanupRounds: 0 };

/** The cap of the wait for a drill whose restore budget is `maxRestoreMinutes`. */
export function waitCapSeconds(maxRestoreMinutes: number): number {
  return Math.min(MAX_WAIT_SECONDS, Math.max(FIRST_WAIT_SECONDS, Math.round((maxRestoreMinutes * 60) / 20)));
}

/**
 * The loop state after one more check (`kind: 'check'`) or cleanup attempt (`kind: 'cleanup'`). Cleanup waits for a
 * copy still being created however long its restore takes, so its waits grow to {@link MAX_WAIT_SECONDS} whatever
 * the restore budget.
 */
export function nextWait(previous: DrillWait | undefined, maxRestoreMinutes: number, kind: 'check' | 'cleanup'): DrillWait {
  const last = previous ?? FIRST_WAIT;
  const cap = kind === 'check' ? waitCapSeconds(maxRestoreMinutes) : MAX_WAIT_SECONDS;
  const seconds = Math.min(cap, Math.max(FIRST_WAIT_SECONDS, last.seconds * 2));
  return kind === 'check' ? { seconds, round: last.round + 1, cleanupRounds: last.cleanupRounds } : { seconds, round: last.round, cleanupRounds: last.cleanupRounds + 1 };
}
