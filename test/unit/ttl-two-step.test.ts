/**
 * Moving TTL to another attribute is two steps an hour apart (DynamoDB accepts one UpdateTimeToLive per table per
 * hour): the plan has step 1 as an action and step 2 as a pending step with its earliest time, prints both like
 * `terraform plan` would, and exits 2 (changes pending) while only the pending step is left.
 */
import { describe, expect, it } from 'vitest';
import { planExitCode, planToJson, renderPlanText } from '../../functions/cli/render-plan.ts';
import type { ObservedAccount } from '../../functions/core/model/observed.ts';
import { plan } from '../../functions/core/plan/planner.ts';
import { applyToFakeAccount, observeFakeAccount } from '../support/fake-account.ts';
import { driftedAccount, NOW, sampleDesiredState } from '../support/scenario.ts';

const HOUR = 3600_000;

/** The sample account converged, then Orders' TTL moved to another attribute by hand. */
function ordersTtlOn(attributeName: string, status: 'ENABLED' | 'ENABLING' | 'DISABLING' = 'ENABLED'): ObservedAccount {
  const desired = sampleDesiredState();
  const first = plan({ desired, observed: driftedAccount(), now: NOW });
  const converged = observeFakeAccount(applyToFakeAccount(driftedAccount(), first.tables.flatMap((table) => table.actions), NOW), new Date(NOW.getTime() + HOUR));
  converged.tables.Orders!.timeToLive = { status, attributeName };
  // The hand-made change is long past: only the fake's own record of the convergence run's TTL change goes.
  delete (converged as { ttlChangedAt?: unknown }).ttlChangedAt;
  return converged;
}

describe('TTL attribute change: two steps an hour apart', () => {
  it('plans step 1 now and step 2 pending, not before an hour later', () => {
    // Prepare
    const observed = ordersTtlOn('ttl');
    // Act
    const planned = plan({ desired: sampleDesiredState(), observed, now: NOW, only: ['Orders'] });
    // Assess
    const [orders] = planned.tables;
    expect(orders!.status).toBe('update');
    expect(orders!.actions.map(({ type, control, reason }) => [type, control, reason])).toEqual([
      ['UpdateTimeToLive', 'TW-TTL', 'step 1 of 2: disable TTL on ttl (items stop expiring until step 2 enables expiresAt)'],
    ]);
    expect(orders!.pending).toEqual([
      expect.objectContaining({ control: 'TW-TTL', description: 'step 2 of 2: enable TTL on expiresAt', notBefore: '2026-11-28T13:00:00.000Z', afterOwnActionsSeconds: 3600 }),
    ]);
  });

  it('prints step 1 as a change and step 2 as pending with its earliest time; exit 2', () => {
    // Prepare
    const planned = plan({ desired: sampleDesiredState(), observed: ordersTtlOn('ttl'), now: NOW, only: ['Orders'] });
    // Act
    const text = renderPlanText(planned, { color: false });
    // Assess
    expect(text).toContain('  # Orders will be updated in place  (desired-state/tables/orders.yaml:4)\n');
    expect(text).toContain('  ! TW-TTL  step 1 of 2: disable TTL on ttl (items stop expiring until step 2 enables expiresAt) (disruptive)\n');
    expect(text).toContain(
      '  … TW-TTL  step 2 of 2: enable TTL on expiresAt — pending, not before 2026-11-28T13:00:00Z (DynamoDB accepts one TTL change per table per hour: step 2 can run an hour after step 1)\n',
    );
    expect(text).toContain('; 1 action (1 disruptive); 1 step pending for a later run (…).');
    expect(planExitCode(planned)).toBe(2);
  });

  it('while TTL is DISABLING: no action, step 2 pending until DISABLING ends; exit 2, never "No changes"', () => {
    // Prepare
    const planned = plan({ desired: sampleDesiredState(), observed: ordersTtlOn('ttl', 'DISABLING'), now: NOW, only: ['Orders'] });
    // Act
    const text = renderPlanText(planned, { color: false });
    const json = planToJson(planned) as { tables: Array<{ status: string; actions: unknown[]; pending?: unknown[] }> };
    // Assess
    expect(planned.summary.actions).toBe(0);
    expect(text).toContain('  … TW-TTL  enable TTL on expiresAt — pending, waits for TTL to finish DISABLING (at most an hour after it was disabled)\n');
    expect(text).not.toContain('No changes');
    expect(json.tables[0]).toMatchObject({ status: 'update', actions: [], pending: [{ control: 'TW-TTL', description: 'enable TTL on expiresAt' }] });
    expect(planExitCode(planned)).toBe(2);
  });

  it('an hour after step 1, step 2 is an ordinary action and the table then converges', () => {
    // Prepare
    const desired = sampleDesiredState();
    const observed = ordersTtlOn('ttl');
    const step1 = plan({ desired, observed, now: NOW, only: ['Orders'] });
    const afterStep1 = applyToFakeAccount(observed, step1.tables.flatMap((table) => table.actions), NOW);
    const later = new Date(NOW.getTime() + HOUR);
    // Act
    const step2 = plan({ desired, observed: observeFakeAccount(afterStep1, later), now: later, only: ['Orders'] });
    const afterStep2 = applyToFakeAccount(observeFakeAccount(afterStep1, later), step2.tables.flatMap((table) => table.actions), later);
    const final = plan({ desired, observed: observeFakeAccount(afterStep2, later), now: later, only: ['Orders'] });
    // Assess
    expect(step2.tables[0]!.actions).toEqual([expect.objectContaining({ type: 'UpdateTimeToLive', enabled: true, attributeName: 'expiresAt' })]);
    expect(step2.tables[0]!.pending).toBeUndefined();
    expect(final.tables[0]!.status).toBe('in-sync');
  });

  it('the fake account refuses a second TTL change within the hour, as DynamoDB does', () => {
    // Prepare
    const observed = ordersTtlOn('ttl');
    const step1 = plan({ desired: sampleDesiredState(), observed, now: NOW, only: ['Orders'] });
    const afterStep1 = applyToFakeAccount(observed, step1.tables.flatMap((table) => table.actions), NOW);
    const enable = { ...step1.tables[0]!.actions[0]!, type: 'UpdateTimeToLive' as const, enabled: true, attributeName: 'expiresAt' };
    // Act / Assess
    expect(() => applyToFakeAccount(afterStep1, [enable], new Date(NOW.getTime() + HOUR - 1000))).toThrow(
      'ValidationException: Time to live has been modified multiple times within a fixed interval',
    );
  });
});
