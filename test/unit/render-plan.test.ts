import { describe, expect, it } from 'vitest';
import { plan } from '../../functions/core/plan/planner.ts';
import { planExitCode, renderPlanText } from '../../functions/cli/render-plan.ts';
import { applyToFakeAccount } from '../support/fake-account.ts';
import { driftedAccount, NOW, sampleDesiredState } from '../support/scenario.ts';

describe('plan text output', () => {
  it('reads like terraform plan: a header per table, +/~/! lines with control and reason, a summary', () => {
    // Prepare
    const planned = plan({ desired: sampleDesiredState(), observed: driftedAccount(), now: NOW });
    // Act
    const text = renderPlanText(planned, { color: false });
    // Assess
    expect(text).toContain('  # Orders will be created  (desired-state/tables/orders.yaml:4)');
    expect(text).toContain('  + TW-TABLE-EXISTS     create table with key customerID (S) + orderID (S)');
    expect(text).toContain('  ~ TW-PITR             enable PITR with a 35-day recovery period');
    expect(text).toContain('  # legacy-sessions is not declared in desired-state/ (unmanaged; checked against the policy baseline)');
    expect(text).toContain('    TW-PITR: non-compliant — PITR is off');
    expect(text).toMatch(/Plan: 1 to create, 2 to update, 0 in sync, 0 refused, 0 with errors, 1 unmanaged; 12 actions \(0 disruptive\)\.\n$/);
    expect(text).not.toContain('\u001b[');
  });

  it('marks disruptive actions and refusals with !', () => {
    // Prepare
    const observed = driftedAccount();
    observed.tables['terraform-state-lock']!.stream = { enabled: true, viewType: 'KEYS_ONLY' };
    observed.tables.Customers!.keySchema = { partitionKey: { name: 'id', type: 'S' } };
    const desired = sampleDesiredState();
    const strict = { ...desired, policy: { ...desired.policy, blastRadius: { maxDisruptivePercent: 25, maxDisruptiveTables: 0 } } };
    // Act
    const text = renderPlanText(plan({ desired: strict, observed, now: NOW }), { color: false });
    const allowed = renderPlanText(plan({ desired: strict, observed, now: NOW, allowDisruptive: ['terraform-state-lock'] }), { color: false });
    // Assess
    expect(text).toContain('  ! TW-STREAM           disable the stream (its consumers stop receiving changes) (disruptive)');
    expect(text).toContain('  # Customers has changes DynamoDB cannot make (nothing will be applied)');
    expect(text).toContain('  ! TW-TABLE-EXISTS     key schema is id (S), declared customerID (S)');
    expect(text).toMatch(/Blocked: blast-radius guard/);
    expect(allowed).not.toMatch(/Blocked/);
    expect(allowed).toContain('Allowed for this run by --allow-disruptive: terraform-state-lock (disruptive changes to terraform-state-lock not counted by the blast-radius guard).');
  });

  it('says "No changes" for a converged account and uses exit code 0; 2 when changes are pending; 1 on refusals', () => {
    // Prepare
    const desired = sampleDesiredState();
    const drifted = plan({ desired, observed: driftedAccount(), now: NOW });
    const converged = plan({ desired, observed: applyToFakeAccount(driftedAccount(), drifted.tables.flatMap((table) => table.actions), NOW), now: NOW });
    const refusedAccount = driftedAccount();
    refusedAccount.tables.Customers!.keySchema = { partitionKey: { name: 'id', type: 'S' } };
    // Act / Assess
    expect(renderPlanText(converged, { color: false })).toContain('No changes. The account matches the desired state.');
    expect(planExitCode(converged)).toBe(0);
    expect(planExitCode(drifted)).toBe(2);
    expect(planExitCode(plan({ desired, observed: refusedAccount, now: NOW }))).toBe(1);
  });
});
