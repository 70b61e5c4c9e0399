/**
 * apply's closing report and exit code when DynamoDB won't take a table's next step yet (TTL's step 2): the step
 * is reported pending with its earliest time, and the exit code is 2 (not converged, nothing failed).
 */
import { describe, expect, it } from 'vitest';
import type { ApplyResult } from '../../functions/aws/apply/apply-plan.ts';
import { applyExitCode, renderApplyReport } from '../../functions/cli/render-apply.ts';
import type { Action, PendingStep, Plan, TablePlan } from '../../functions/core/model/plan.ts';

const step1: Action = { table: 'Orders', control: 'TW-TTL', type: 'UpdateTimeToLive', enabled: false, attributeName: 'ttl', risk: 'disruptive', reason: 'step 1 of 2: disable TTL on ttl' };
const enable: Action = { ...step1, enabled: true, attributeName: 'expiresAt', reason: 'enable TTL on attribute expiresAt' };
const step2: PendingStep = {
  control: 'TW-TTL',
  description: 'step 2 of 2: enable TTL on expiresAt',
  action: { type: 'UpdateTimeToLive', enabled: true, attributeName: 'expiresAt', risk: 'disruptive', reason: 'step 2 of 2: enable TTL on expiresAt' },
  notBefore: '2026-11-28T13:05:00.000Z',
  afterOwnActionsSeconds: 3600,
  waitsFor: 'DynamoDB accepts one TTL change per table per hour: step 2 can run an hour after step 1',
};

function after(...tables: Array<Partial<TablePlan> & { name: string }>): Plan {
  return {
    tables: tables.map((table) => ({ managed: true, status: 'in-sync', findings: [], actions: [], refusals: [], ...table })),
    summary: { create: 0, update: 0, inSync: 0, refused: 0, error: 0, unmanaged: 0, actions: 0, disruptiveActions: 0 },
  };
}

const applied: ApplyResult = { tables: [{ table: 'Orders', status: 'applied', applied: [step1], notApplied: [], pending: [step2] }] };

describe('apply report with a pending step', () => {
  it('reports step 2 pending with the time step 1 allows, and exits 2', () => {
    // Prepare: the re-plan sees TTL DISABLED already and proposes the enable (DynamoDB would still refuse it).
    const replanned = after({ name: 'Orders', status: 'update', actions: [enable] }, { name: 'Customers' });
    // Act
    const text = renderApplyReport(applied, replanned, { color: false });
    const code = applyExitCode(applied, replanned, false);
    // Assess
    expect(text).toContain("  … Orders: not yet in sync (1 change applied); DynamoDB won't take the next step yet\n");
    expect(text).toContain(
      '      pending: TW-TTL step 2 of 2: enable TTL on expiresAt — pending, not before 2026-11-28T13:05:00Z (DynamoDB accepts one TTL change per table per hour: step 2 can run an hour after step 1)\n',
    );
    expect(text).toContain("Apply done for now: 1 change applied; 1 of 2 managed tables have steps DynamoDB won't take yet; run apply again after 2026-11-28T13:05:00Z.");
    expect(code).toBe(2);
  });

  it('exits 1 when a table also has an error, 0 when everything is in sync', () => {
    // Prepare
    const failed: ApplyResult = { tables: [{ ...applied.tables[0]!, status: 'failed', notApplied: [step1], error: { reason: 'ApplyFailed', message: 'boom', action: step1 } }] };
    const replanned = after({ name: 'Orders', status: 'update', actions: [enable], pending: [step2] });
    // Act / Assess
    expect(applyExitCode(failed, replanned, false)).toBe(1);
    expect(applyExitCode(applied, after({ name: 'Orders', status: 'update', actions: [{ ...enable, control: 'TW-PITR' }] }), false)).toBe(1);
    expect(applyExitCode(applied, after({ name: 'Orders' }), false)).toBe(0);
    expect(applyExitCode(applied, after({ name: 'Orders', status: 'update', pending: [step2] }), true)).toBe(1);
  });
});
