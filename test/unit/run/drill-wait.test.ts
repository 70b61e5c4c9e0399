/**
 * The Drill machine's waits (functions/run/core/drill-wait.ts): the backoff from the first wait, its cap by the
 * restore budget (checks) or the fixed ceiling (cleanup), which round counter each kind advances, and that the round
 * limits cover what they are meant to (the longest deadline the schema allows; about six hours of cleanup).
 */
import { describe, expect, it } from 'vitest';
import { FIRST_WAIT, FIRST_WAIT_SECONDS, MAX_CHECK_ROUNDS, MAX_CLEANUP_ROUNDS, MAX_WAIT_SECONDS, nextWait, waitCapSeconds, type DrillWait } from '../../../functions/run/core/drill-wait.ts';
import { restoreDeadline } from '../../../functions/core/drill/verdict.ts';

/** The first `rounds` waits of one kind, from the start. */
function waits(maxRestoreMinutes: number, kind: 'check' | 'cleanup', rounds: number): DrillWait[] {
  const out: DrillWait[] = [];
  let wait: DrillWait | undefined;
  for (let i = 0; i < rounds; i++) {
    wait = nextWait(wait, maxRestoreMinutes, kind);
    out.push(wait);
  }
  return out;
}

describe('waitCapSeconds', () => {
  it.each([
    // A twentieth of the budget, between the first wait and the ceiling.
    [1, FIRST_WAIT_SECONDS],
    [5, FIRST_WAIT_SECONDS],
    [6, 18],
    [30, 90],
    [60, 180],
    [200, 600],
    [201, MAX_WAIT_SECONDS],
    [24 * 60, MAX_WAIT_SECONDS],
  ])('maxRestoreMinutes %i caps the check wait at %i s', (minutes, cap) => {
    // Assess
    expect(waitCapSeconds(minutes)).toBe(cap);
  });
});

describe('nextWait', () => {
  it('starts at the first wait and doubles up to the budget\'s cap (checks)', () => {
    // Act
    const sequence = waits(60, 'check', 7).map((wait) => wait.seconds);
    // Assess
    expect(FIRST_WAIT).toEqual({ seconds: FIRST_WAIT_SECONDS, round: 0, cleanupRounds: 0 });
    expect(sequence).toEqual([30, 60, 120, 180, 180, 180, 180]);
  });

  it('never waits less than the first wait, even for the smallest budget', () => {
    // Act
    const sequence = waits(1, 'check', 5).map((wait) => wait.seconds);
    // Assess
    expect(sequence).toEqual([15, 15, 15, 15, 15]);
  });

  it('cleanup waits grow to the ceiling whatever the restore budget', () => {
    // Act
    const sequence = waits(1, 'cleanup', 8).map((wait) => wait.seconds);
    // Assess
    expect(sequence).toEqual([30, 60, 120, 240, 480, 600, 600, 600]);
  });

  it('a check advances `round` only, a cleanup attempt `cleanupRounds` only', () => {
    // Prepare
    const afterChecks = waits(60, 'check', 3).at(-1)!;
    // Act
    const afterCleanup = nextWait(afterChecks, 60, 'cleanup');
    // Assess
    expect(afterChecks).toMatchObject({ round: 3, cleanupRounds: 0 });
    expect(afterCleanup).toMatchObject({ round: 3, cleanupRounds: 1 });
    // Cleanup doubles from the last check's wait: the backoff carries over.
    expect(afterCleanup.seconds).toBe(Math.min(MAX_WAIT_SECONDS, afterChecks.seconds * 2));
  });

  it('a wait of 0 (TagDrillCopy: the next cleanup comes at once) restarts the backoff at the first wait', () => {
    // Act
    const next = nextWait({ seconds: 0, round: 4, cleanupRounds: 2 }, 60, 'cleanup');
    // Assess
    expect(next).toEqual({ seconds: FIRST_WAIT_SECONDS, round: 4, cleanupRounds: 3 });
  });
});

describe('round limits', () => {
  it.each([1, 10, 60, 600, 24 * 60])('the checks of a %i-minute budget reach its deadline before MAX_CHECK_ROUNDS', (minutes) => {
    // Prepare: the first check comes after FIRST_WAIT_SECONDS; each later one after the wait the previous returned.
    const start = new Date('2026-12-01T00:00:00.000Z');
    const deadlineSeconds = (restoreDeadline(start, minutes).getTime() - start.getTime()) / 1000;
    // Act
    let waited = FIRST_WAIT_SECONDS;
    let wait: DrillWait | undefined;
    let rounds = 1;
    while (waited <= deadlineSeconds) {
      wait = nextWait(wait, minutes, 'check');
      waited += wait.seconds;
      rounds += 1;
    }
    // Assess
    expect(rounds).toBeLessThan(MAX_CHECK_ROUNDS);
  });

  it('MAX_CLEANUP_ROUNDS waits about six hours for a copy still being created', () => {
    // Act
    const total = waits(24 * 60, 'cleanup', MAX_CLEANUP_ROUNDS).reduce((sum, wait) => sum + wait.seconds, 0);
    // Assess
    expect(total / 3600).toBeGreaterThan(5.5);
    expect(total / 3600).toBeLessThan(7);
  });
});
