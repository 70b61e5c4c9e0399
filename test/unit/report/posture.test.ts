/**
 * The posture report's model: cell states after a run (fixed, failed, refused, waived, unknown), waivers active and
 * expired, backup freshness, the latest drill ("no drill yet"), Config disagreements, and the account-only status.
 */
import { describe, expect, it } from 'vitest';
import { parseDesiredState } from '../../../functions/core/desired/parse.ts';
import { buildPostureReport, type CellState, type PostureReport } from '../../../functions/core/report/posture.ts';
import { plan } from '../../../functions/core/plan/planner.ts';
import { accountWith, bareTable } from '../../support/scenario.ts';
import { knownStatesInput, knownStatesReport, REPORT_NOW } from '../../support/posture-fixtures.ts';

const cell = (report: PostureReport, table: string, control: string): CellState | undefined =>
  report.tables.find((row) => row.name === table)?.cells.find((entry) => entry.control === control)?.state;

describe('buildPostureReport', () => {
  it('marks each cell with what the run did: fixed, failed, still drifting, refused, waived, unknown', () => {
    // Prepare
    const input = knownStatesInput();

    // Act
    const report = buildPostureReport(input);

    // Assess
    expect(cell(report, 'Orders <x>', 'TW-PITR')).toBe('FIXED');
    expect(cell(report, 'Orders <x>', 'TW-SSE')).toBe('COMPLIANT');
    expect(cell(report, 'Orders <x>', 'TW-TTL')).toBe('NOT_APPLICABLE');
    expect(cell(report, 'Orders <x>', 'TW-GSI')).toBe('NOT_APPLICABLE');
    expect(cell(report, 'Ledger', 'TW-DELETION-PROTECTION')).toBe('FAILED');
    expect(cell(report, 'Ledger', 'TW-TAGS')).toBe('NON_COMPLIANT');
    expect(cell(report, 'Legacy', 'TW-GSI')).toBe('REFUSED');
    expect(cell(report, 'Customers', 'TW-PITR')).toBe('WAIVED');
    expect(report.tables.find((row) => row.name === 'Broken')?.cells.every((entry) => entry.state === 'UNKNOWN')).toBe(true);
    expect(report.unmanaged).toEqual(['Scratch']);
    expect(report.tables.map((row) => row.name)).toEqual(['Broken', 'Customers', 'Ledger', 'Legacy', 'Orders <x>']);
    expect(report.actionsApplied).toEqual([{ table: 'Orders <x>', control: 'TW-PITR', type: 'UpdatePointInTimeRecovery', risk: 'safe', reason: 'fix TW-PITR on Orders <x>' }]);
    expect(report.failures).toEqual([
      { table: 'Broken', error: 'invalid desired state: spec.billing: required' },
      { table: 'Ledger', error: 'ApplyFailed: AccessDenied' },
    ]);
    expect(report.counts).toMatchObject({ FIXED: 1, FAILED: 1, NON_COMPLIANT: 1, REFUSED: 1, WAIVED: 1, tables: 5, failedTables: 2 });
  });

  it('a plan-only run fixes nothing: drift stays NON_COMPLIANT', () => {
    // Prepare
    const input = knownStatesInput();
    const planOnly = { ...input, run: { facts: { ...input.run!.facts, mode: 'plan' as const }, results: { 'Orders <x>': { outcome: 'drift' as const, applied: [], appliedCount: 0, unfinished: ['TW-PITR' as const] } } } };

    // Act
    const report = buildPostureReport(planOnly);

    // Assess
    expect(cell(report, 'Orders <x>', 'TW-PITR')).toBe('NON_COMPLIANT');
    expect(report.actionsApplied).toEqual([]);
  });

  it('lists active waivers with days left and expired ones as expired, their cells showing the enforced state', () => {
    // Act
    const report = knownStatesReport();

    // Assess
    expect(report.waivers).toEqual([
      { table: 'Customers', control: 'TW-PITR', owner: 'team-<b>payments</b>', reason: 'migrating | "soon" & <script>alert(1)</script>', expires: '2026-12-08', state: 'active', days: 10 },
      { table: 'Customers', control: 'TW-SSE', owner: 'sec@example.com', reason: 'key rollout', expires: '2026-11-25', state: 'expired', days: -3 },
    ]);
    const sse = report.tables.find((row) => row.name === 'Customers')?.cells.find((entry) => entry.control === 'TW-SSE');
    expect(sse).toMatchObject({ state: 'COMPLIANT', waiverExpired: '2026-11-25' });
    expect(report.counts.expiredWaivers).toBe(1);
  });

  it('judges backup freshness against maxRecoveryPointAgeHours, and says "none" for a drill that never ran', () => {
    // Act
    const report = knownStatesReport();

    // Assess
    expect(report.backups).toEqual([
      { table: 'Customers', plan: 'daily', state: 'no-recovery-point' },
      { table: 'Ledger', plan: 'daily', maxRecoveryPointAgeHours: 24, latestRecoveryPointAt: '2026-11-27T06:00:00.000Z', ageHours: 30, state: 'stale' },
      { table: 'Orders <x>', plan: 'daily', maxRecoveryPointAgeHours: 24, latestRecoveryPointAt: '2026-11-28T07:00:00.000Z', ageHours: 5, state: 'fresh' },
    ]);
    expect(report.drills).toEqual([
      { table: 'Ledger', verdict: 'none', maxRestoreMinutes: 30, reasons: [] },
      { table: 'Orders <x>', verdict: 'passed', when: '2026-11-26T11:00:00.000Z', restoreMinutes: 25, maxRestoreMinutes: 30, overTarget: false, reasons: [] },
    ]);
    expect(report.counts.staleBackups).toBe(2);
  });

  it('keeps Config disagreements with both reasons', () => {
    // Act
    const report = knownStatesReport();

    // Assess
    expect(report.disagreements).toEqual([
      { table: 'Customers', control: 'TW-SSE', configRule: 'tablewarden-dynamodb-table-encrypted-kms', configSays: 'key <k> not in kmsKeyArns', planSays: 'SSE uses alias/customers as declared' },
    ]);
  });

  it('from the account alone (no run): status from the matrix, nothing fixed, a drill over target counted as failing', () => {
    // Prepare
    const { run: _run, ...input } = knownStatesInput();
    const drills = { 'Orders <x>': { table: 'Orders <x>', verdict: 'passed' as const, startedAt: '2026-11-20T00:00:00Z', rtoSeconds: 3600, maxRestoreMinutes: 30, reasons: [] } };

    // Act
    const report = buildPostureReport({ ...input, drills });

    // Assess
    expect(report.source).toEqual({ kind: 'account' });
    expect(report.status).toBe('failed');
    expect(cell(report, 'Orders <x>', 'TW-PITR')).toBe('NON_COMPLIANT');
    expect(report.drills.find((drill) => drill.table === 'Orders <x>')).toMatchObject({ restoreMinutes: 60, overTarget: true });
    expect(report.counts.failedDrills).toBe(1);
  });

  it('an expired waiver in a table file is kept by validation and its control is planned again', () => {
    // Prepare: a waiver that expired yesterday, on PITR, for a table with PITR off.
    const yesterday = new Date(REPORT_NOW.getTime() - 86_400_000).toISOString().slice(0, 10);
    const file = [
      'apiVersion: tablewarden.io/v1',
      'kind: Table',
      'metadata: { name: Orders }',
      'spec:',
      '  keySchema: { partitionKey: { name: pk, type: S } }',
      '  pointInTimeRecovery: { enabled: true }',
      '  waivers:',
      `    - { control: TW-PITR, owner: alice, reason: migration, expires: "${yesterday}" }`,
    ].join('\n');
    const validation = parseDesiredState([{ path: 'tables/orders.yaml', text: file }], { now: REPORT_NOW });

    // Act
    const planned = plan({ desired: validation.state, observed: accountWith([bareTable('Orders')]), now: REPORT_NOW });
    const report = buildPostureReport({ now: REPORT_NOW, plans: planned.tables, desired: validation.state.tables });

    // Assess
    expect(validation.state.tables[0]?.waivers).toEqual([]);
    expect(validation.state.tables[0]?.expiredWaivers).toEqual([{ control: 'TW-PITR', owner: 'alice', reason: 'migration', expires: yesterday }]);
    expect(cell(report, 'Orders', 'TW-PITR')).toBe('NON_COMPLIANT');
    expect(report.waivers).toEqual([{ table: 'Orders', control: 'TW-PITR', owner: 'alice', reason: 'migration', expires: yesterday, state: 'expired', days: -1 }]);
  });
});
