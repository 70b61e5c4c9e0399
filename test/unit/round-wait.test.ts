/**
 * The wait before a batch's next apply round: short while DynamoDB settles, one long wait until the earliest
 * pending step is due (TTL's step 2), a bounded guess when that time is unknown.
 */
import { describe, expect, it } from 'vitest';
import type { PendingStep } from '../../functions/core/model/plan.ts';
import { nextRoundWaitSeconds, UNKNOWN_PENDING_WAIT_SECONDS } from '../../functions/core/plan/round-wait.ts';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const step = (notBefore?: string): PendingStep => ({
  control: 'TW-TTL',
  description: 'step 2 of 2: enable TTL on expiresAt',
  action: { type: 'UpdateTimeToLive', enabled: true, attributeName: 'expiresAt', risk: 'disruptive', reason: 'step 2' },
  waitsFor: 'one TTL change per hour',
  ...(notBefore ? { notBefore } : {}),
});

describe('nextRoundWaitSeconds', () => {
  it.each([
    ['nothing pending: the settle interval', false, [], 30],
    ['a table still settling wins over a pending step', true, [step('2026-11-28T13:00:00.000Z')], 30],
    ['only a pending step: until it is due, in whole seconds', false, [step('2026-11-28T12:59:59.500Z')], 3600],
    ['the earliest of several', false, [step('2026-11-28T13:00:00.000Z'), step('2026-11-28T12:10:00.000Z')], 600],
    ['a time already past: never below the settle interval', false, [step('2026-11-28T11:00:00.000Z')], 30],
    ['unknown time: a bounded guess', false, [step()], UNKNOWN_PENDING_WAIT_SECONDS],
  ] as const)('%s', (_name, settling, pending, expected) => {
    // Prepare
    const leftovers = { settling, pending: [...pending] };
    // Act
    const seconds = nextRoundWaitSeconds(NOW, 30, leftovers);
    // Assess
    expect(seconds).toBe(expected);
    expect(Number.isInteger(seconds)).toBe(true);
  });
});
