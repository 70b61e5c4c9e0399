import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { plan } from '../../functions/core/plan/planner.ts';
import type { DesiredState } from '../../functions/core/model/desired.ts';
import { planToJson } from '../../functions/cli/render-plan.ts';
import { accountWith, bareTable, cmk, driftedAccount, NOW, sampleDesiredState } from '../support/scenario.ts';
import { applyToFakeAccount } from '../support/fake-account.ts';

const GOLDEN = 'test/unit/golden/plan-drifted-account.json';

function withPolicy(state: DesiredState, patch: Partial<DesiredState['policy']>): DesiredState {
  return { ...state, policy: { ...state.policy, ...patch } };
}

describe('planner', () => {
  it('plans the drifted sample account exactly as the golden file says', () => {
    // Prepare
    const desired = sampleDesiredState();
    // Act
    const result = JSON.stringify(planToJson(plan({ desired, observed: driftedAccount(), now: NOW })), null, 2) + '\n';
    // Assess
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, result);
    expect(result).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('orders actions: keys, then the table, then fast fields, then billing and class, then GSIs, then backup', () => {
    // Prepare
    const desired = sampleDesiredState();
    // Act
    const orders = plan({ desired, observed: driftedAccount(), now: NOW }).tables.find((table) => table.name === 'Orders');
    // Assess
    expect(orders?.status).toBe('create');
    expect(orders?.actions.map((action) => `${action.control}:${action.type}`)).toEqual([
      'TW-SSE:CreateKmsKey',
      'TW-TABLE-EXISTS:CreateTable',
      'TW-PITR:UpdatePointInTimeRecovery',
      'TW-TTL:UpdateTimeToLive',
      'TW-BACKUP-COVERAGE:AddToBackupPlan',
    ]);
  });

  it('is deterministic: the same inputs in another order give the same plan', () => {
    // Prepare
    const desired = sampleDesiredState();
    const shuffled: DesiredState = { ...desired, tables: [...desired.tables].reverse() };
    const observed = driftedAccount();
    const reordered = { ...observed, allTableNames: [...observed.allTableNames].reverse() };
    // Act
    const a = plan({ desired, observed, now: NOW });
    const b = plan({ desired: shuffled, observed: reordered, now: NOW });
    // Assess
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('plans zero actions for a converged account', () => {
    // Prepare
    const desired = sampleDesiredState();
    const first = plan({ desired, observed: driftedAccount(), now: NOW });
    const converged = applyToFakeAccount(driftedAccount(), first.tables.flatMap((table) => table.actions), NOW);
    // Act
    const second = plan({ desired, observed: converged, now: NOW });
    // Assess
    expect(second.summary.actions).toBe(0);
    expect(second.tables.filter((table) => table.managed).map((table) => table.status)).toEqual(['in-sync', 'in-sync', 'in-sync']);
  });

  it('honours a waiver: WAIVED finding, no action for that control', () => {
    // Prepare
    const desired = sampleDesiredState();
    const customers = desired.tables.find((table) => table.name === 'Customers')!;
    customers.waivers = [{ control: 'TW-PITR', reason: 'bulk reload this week', owner: 'alice', expires: '2026-12-05' }];
    // Act
    const planned = plan({ desired, observed: driftedAccount(), now: NOW }).tables.find((table) => table.name === 'Customers')!;
    // Assess
    expect(planned.findings.find((finding) => finding.control === 'TW-PITR')).toEqual({
      control: 'TW-PITR',
      status: 'WAIVED',
      reason: 'waived until 2026-12-05 by alice: bulk reload this week',
    });
    expect(planned.actions.some((action) => action.control === 'TW-PITR')).toBe(false);
  });

  it('turns a key-schema change into a refusal and applies nothing to that table', () => {
    // Prepare
    const desired = sampleDesiredState();
    const observed = driftedAccount();
    observed.tables.Customers!.keySchema = { partitionKey: { name: 'id', type: 'S' } };
    // Act
    const planned = plan({ desired, observed, now: NOW }).tables.find((table) => table.name === 'Customers')!;
    // Assess
    expect(planned.status).toBe('refused');
    expect(planned.actions).toEqual([]);
    expect(planned.refusals).toEqual([
      { control: 'TW-TABLE-EXISTS', reason: 'key schema is id (S), declared customerID (S): DynamoDB cannot change a key schema; migrate to a new table' },
    ]);
  });

  it('blocks the run only when disruptive changes touch more tables than both allowances of the policy', () => {
    // Prepare: the stream on terraform-state-lock is undeclared, so turning it off is disruptive (1 of 3 tables = 33%).
    const desired = sampleDesiredState();
    const observed = driftedAccount();
    observed.tables['terraform-state-lock']!.stream = { enabled: true, viewType: 'KEYS_ONLY' };
    // Act
    const strict = plan({ desired: withPolicy(desired, { blastRadius: { maxDisruptivePercent: 25, maxDisruptiveTables: 0 } }), observed, now: NOW });
    const lenient = plan({ desired: withPolicy(desired, { blastRadius: { maxDisruptivePercent: 50, maxDisruptiveTables: 0 } }), observed, now: NOW });
    const byDefault = plan({ desired, observed, now: NOW });
    // Assess: 33% is above 25%, and 1 table above 0; the default allowance of one table lets a small account through.
    expect(strict.blocked?.reason).toBe(
      'blast-radius guard: 1 of 3 tables (33%) would get disruptive changes, above both allowances of policy.yaml, 25% (blastRadius.maxDisruptivePercent) and 0 tables (blastRadius.maxDisruptiveTables): terraform-state-lock. Review them, then allow them for one run with --allow-disruptive TABLE..., or raise an allowance in policy.yaml',
    );
    expect(lenient.blocked).toBeUndefined();
    expect(desired.policy.blastRadius).toEqual({ maxDisruptivePercent: 25, maxDisruptiveTables: 1 });
    expect(byDefault.blocked).toBeUndefined();
  });

  it('does not count tables allowed for one run with --allow-disruptive, and records them in the plan', () => {
    // Prepare
    const desired = withPolicy(sampleDesiredState(), { blastRadius: { maxDisruptivePercent: 0, maxDisruptiveTables: 0 } });
    const observed = driftedAccount();
    observed.tables['terraform-state-lock']!.stream = { enabled: true, viewType: 'KEYS_ONLY' };
    // Act
    const allowed = plan({ desired, observed, now: NOW, allowDisruptive: ['terraform-state-lock', 'Orders'] });
    const otherAllowed = plan({ desired, observed, now: NOW, allowDisruptive: ['Orders'] });
    // Assess: only a table that has disruptive changes is marked; the override itself is recorded as given.
    expect(allowed.blocked).toBeUndefined();
    expect(allowed.allowDisruptive).toEqual(['Orders', 'terraform-state-lock']);
    expect(allowed.tables.filter((table) => table.disruptiveAllowed).map((table) => table.name)).toEqual(['terraform-state-lock']);
    expect(otherAllowed.blocked?.reason).toMatch(/^blast-radius guard: 1 of 3 tables/);
  });

  it('reports unmanaged tables, and remediates them with the baseline only when the policy says so', () => {
    // Prepare
    const desired = sampleDesiredState();
    // Act
    const report = plan({ desired, observed: driftedAccount(), now: NOW }).tables.find((table) => table.name === 'legacy-sessions')!;
    const remediate = plan({ desired: withPolicy(desired, { unmanagedTables: 'remediate', blastRadius: { maxDisruptivePercent: 100, maxDisruptiveTables: 0 } }), observed: driftedAccount(), now: NOW }).tables.find(
      (table) => table.name === 'legacy-sessions',
    )!;
    // Assess
    expect(report).toMatchObject({ status: 'unmanaged', managed: false, actions: [] });
    expect(report.findings.find((finding) => finding.control === 'TW-PITR')?.status).toBe('NON_COMPLIANT');
    expect(remediate.actions.map((action) => action.type)).toEqual(['UpdatePointInTimeRecovery', 'UpdateDeletionProtection', 'TagResource', 'AddToBackupPlan', 'StartBackupJob']);
    // The baseline declares no stream, TTL, key schema or indexes: those stay untouched on unmanaged tables.
    expect(remediate.findings.filter((finding) => finding.status === 'NOT_APPLICABLE').map((finding) => finding.control)).toEqual(
      expect.arrayContaining(['TW-TABLE-EXISTS', 'TW-STREAM', 'TW-TTL', 'TW-GSI']),
    );
  });

  it("never lists tablewarden's own (operator-tagged) tables as unmanaged", () => {
    // Prepare
    const observed = driftedAccount();
    observed.tables['tablewarden-state'] = bareTable('tablewarden-state', { tags: { 'tablewarden:role': 'operator' } });
    observed.allTableNames.push('tablewarden-state');
    // Act
    const planned = plan({ desired: sampleDesiredState(), observed, now: NOW });
    // Assess
    expect(planned.tables.map((table) => table.name)).not.toContain('tablewarden-state');
    expect(planned.tables.filter((table) => !table.managed).map((table) => table.name)).toEqual(['legacy-sessions']);
  });

  it('never lists drill tables as unmanaged', () => {
    const planned = plan({ desired: sampleDesiredState(), observed: driftedAccount(), now: NOW });
    expect(planned.tables.map((table) => table.name)).not.toContain('tw-drill-Customers-20261127');
  });

  it('reports invalid tables and observation errors as errors, and still plans the rest', () => {
    // Prepare
    const desired = sampleDesiredState();
    desired.invalidTables.push({ name: 'Broken', file: 'desired-state/tables/broken.yaml', errors: ['spec.biling: unknown key'] });
    const observed = driftedAccount();
    observed.errors.Customers = 'dynamodb:DescribeTable: AccessDeniedException';
    delete observed.tables.Customers;
    // Act
    const planned = plan({ desired, observed, now: NOW });
    // Assess
    expect(planned.tables.filter((table) => table.status === 'error').map((table) => [table.name, table.error])).toEqual([
      ['Broken', 'invalid desired state: spec.biling: unknown key'],
      ['Customers', 'dynamodb:DescribeTable: AccessDeniedException'],
    ]);
    expect(planned.tables.find((table) => table.name === 'Orders')?.status).toBe('create');
  });

  it('plans only the requested tables with --table, and lists no unmanaged ones', () => {
    const planned = plan({ desired: sampleDesiredState(), observed: driftedAccount(), now: NOW, only: ['Orders'] });
    expect(planned.tables.map((table) => table.name)).toEqual(['Orders']);
  });

  it('re-encrypts an existing table when its customer-managed key is another key than the alias names', () => {
    // Prepare
    const desired = sampleDesiredState();
    const other = cmk('alias/other', '33333333-3333-3333-3333-333333333333');
    const wanted = cmk('alias/tablewarden/platform', '22222222-2222-2222-2222-222222222222', 365);
    const observed = accountWith(
      [bareTable('terraform-state-lock', { keySchema: { partitionKey: { name: 'LockID', type: 'S' } }, sse: { type: 'CUSTOMER_MANAGED', kmsKeyArn: other.arn } })],
      [other, wanted],
    );
    // Act
    const planned = plan({ desired, observed, now: NOW, only: ['terraform-state-lock'] }).tables[0]!;
    // Assess
    expect(planned.actions.filter((action) => action.control === 'TW-SSE')).toEqual([
      {
        type: 'UpdateSse',
        encryption: { type: 'CUSTOMER_MANAGED', kmsKeyAlias: 'alias/tablewarden/platform', rotationPeriodDays: 365 },
        table: 'terraform-state-lock',
        control: 'TW-SSE',
        risk: 'safe',
        reason: 're-encrypt with alias/tablewarden/platform (online; about 4 key switches per 24 h)',
      },
    ]);
  });
});
