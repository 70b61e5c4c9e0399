/**
 * The reconcile run's pure decisions (functions/run/core and the fingerprint): batching, the gate and the
 * re-gate, a round's work, outcome classification and the report rules.
 */
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../../functions/core/plan/fingerprint.ts';
import { declaredTableNames, unmanagedTableNames } from '../../../functions/core/plan/declared.ts';
import { unsettledReason } from '../../../functions/core/plan/settled.ts';
import { plan } from '../../../functions/core/plan/planner.ts';
import { splitIntoBatches, batchTableNames } from '../../../functions/run/core/batches.ts';
import { gateRun, regateTable } from '../../../functions/run/core/gate.ts';
import { mergeRoundResult, pickRoundWork, roundOutcome, startProgress } from '../../../functions/run/core/round.ts';
import { buildReport } from '../../../functions/run/core/report.ts';
import type { PlanDocument } from '../../../functions/run/core/documents.ts';
import type { Action, TablePlan } from '../../../functions/core/model/plan.ts';
import { accountWith, bareTable, NOW, sampleDesiredState } from '../../support/scenario.ts';

const action = (table: string, risk: 'safe' | 'disruptive' = 'safe'): Action => ({ type: 'UpdateDeletionProtection', enabled: true, table, control: 'TW-DELETION-PROTECTION', risk, reason: 'r' });

describe('fingerprint', () => {
  it.each<[string, Parameters<typeof bareTable>[1], boolean]>([
    ['status only (settling)', { status: 'UPDATING' }, true],
    ['a newer recovery point', { backup: { planNames: [], latestRecoveryPointAt: '2026-11-28T03:00:00Z' } }, true],
    ['PITR switched off', { pointInTimeRecovery: { enabled: true } }, false],
    ['a tag changed', { tags: { team: 'x' } }, false],
  ])('%s: same fingerprint = %s', (_case, overrides, same) => {
    // Prepare
    const before = bareTable('T');
    // Act
    const after = bareTable('T', overrides);
    // Assess
    expect(fingerprint(before) === fingerprint(after)).toBe(same);
  });

  it('is stable across key order and distinguishes an absent table', () => {
    const table = bareTable('T', { tags: { a: '1', b: '2' } });
    const reordered = { ...bareTable('T'), tags: { b: '2', a: '1' } };
    expect(fingerprint(reordered)).toBe(fingerprint(table));
    expect(fingerprint(undefined)).toBe('absent');
  });
});

describe('settled (one rule for the workflow and the CLI wait)', () => {
  it.each([
    [{ status: 'ACTIVE', indexes: [], sseStatus: undefined }, undefined],
    [{ status: 'UPDATING', indexes: [], sseStatus: undefined }, 'table is UPDATING'],
    [{ status: 'ACTIVE', indexes: [{ name: 'g', status: 'ACTIVE', backfilling: true }], sseStatus: undefined }, 'index g is backfilling'],
    [{ status: 'ACTIVE', indexes: [{ name: 'g', status: 'CREATING' }], sseStatus: undefined }, 'index g is CREATING'],
    [{ status: 'ACTIVE', indexes: [], sseStatus: 'UPDATING' }, 'encryption is UPDATING'],
    [{ status: 'ACTIVE', indexes: [], sseStatus: 'ENABLED' }, undefined],
  ])('%o → %s', (facts, reason) => {
    expect(unsettledReason(facts)).toBe(reason);
  });
});

describe('declared and unmanaged, decided once', () => {
  it('declares valid and invalid tables; unmanaged leaves out drills, the operator table and claimed tables', () => {
    // Prepare
    const desired = { ...sampleDesiredState(), invalidTables: [{ name: 'Broken', file: 'tables/broken.yaml', errors: ['x'], claims: { names: ['Broken'], stem: 'legacyorders' } }] };
    // Act
    const declared = declaredTableNames(desired);
    const unmanaged = unmanagedTableNames(desired, ['Customers', 'Broken', 'legacy-orders', 'tw-drill-x', 'state', 'other'], (name) => (name === 'state' ? { 'tablewarden:role': 'operator' } : undefined));
    // Assess
    expect(declared).toEqual(['Broken', 'Customers', 'Orders', 'terraform-state-lock']);
    expect(unmanaged).toEqual(['other']);
  });
});

describe('splitIntoBatches', () => {
  it.each<[string, string[], number, Array<[string[], string[]]>]>([
    ['full run: declared and unmanaged dealt in name order', [], 2, [[['Customers', 'Orders'], []], [[], ['a-unmanaged', 'b-unmanaged']], [['terraform-state-lock'], []]]],
    ['limited run: no unmanaged tables', ['Orders'], 2, [[['Orders'], []]]],
    ['one big batch', [], 50, [[['Customers', 'Orders', 'terraform-state-lock'], ['a-unmanaged', 'b-unmanaged']]]],
  ])('%s', (_case, requested, batchSize, expected) => {
    // Prepare
    const desired = sampleDesiredState();
    // Act
    const split = splitIntoBatches({ revision: 'r', desired, requested, tableNames: ['Customers', 'a-unmanaged', 'b-unmanaged', 'tw-drill-1'], tags: {}, batchSize });
    // Assess
    expect(split.batches.map((batch) => [batch.desired.tables.map((table) => table.name).sort(), batch.unmanaged])).toEqual(
      expected.map(([declared, unmanaged]) => [declared.sort(), unmanaged]),
    );
    expect(split.batches.flatMap(batchTableNames).length).toBe(expected.flatMap(([a, b]) => [...a, ...b]).length);
  });

  it('an empty full run still has one batch (it reports the unmanaged tables, here none)', () => {
    const desired = { ...sampleDesiredState(), tables: [] };
    expect(splitIntoBatches({ revision: 'r', desired, requested: [], tableNames: [], tags: {}, batchSize: 5 }).batches).toHaveLength(1);
  });
});

describe('gate and re-gate', () => {
  it.each([
    [[{ actions: 3, disruptiveTables: 1, population: 4 }], 25, true],
    [[{ actions: 3, disruptiveTables: 1, population: 2 }, { actions: 1, disruptiveTables: 1, population: 2 }], 25, false],
    [[], 0, true],
  ])('%o at %i%% → proceed %s', (summaries, max, proceed) => {
    expect(gateRun(summaries, { maxDisruptivePercent: max, maxDisruptiveTables: 0 }).proceed).toBe(proceed);
  });

  it.each<[string, Action[], Action[], number, boolean, number]>([
    ['safe re-plan', [action('T')], [action('T')], 0, true, 0],
    ['re-plan turns disruptive beyond the share', [action('T')], [action('T', 'disruptive')], 0, false, 1],
    ['already approved as disruptive', [action('T', 'disruptive')], [action('T', 'disruptive')], 0, true, 0],
    ['within the share', [action('T')], [action('T', 'disruptive')], 0, true, 1],
  ])('%s', (name, approved, replanned, added, allowed, addedDisruptive) => {
    const approval = { disruptiveTables: name === 'within the share' ? 0 : 1, population: 4, maxDisruptivePercent: 25, maxDisruptiveTables: 0 };
    const verdict = regateTable(approval, added, { actions: approved }, { name: 'T', actions: replanned });
    expect([verdict.allowed, verdict.addedDisruptive]).toEqual([allowed, addedDisruptive]);
  });

  it('fires only above both allowances, and lets a table allowed for the run through a re-gate', () => {
    // Prepare: 1 disruptive table of 3 is 33%, above 25%.
    const summaries = [{ actions: 2, disruptiveTables: 1, population: 3 }];
    const approval = { disruptiveTables: 0, population: 3, maxDisruptivePercent: 0, maxDisruptiveTables: 0 };
    // Act
    const oneTableAllowed = gateRun(summaries, { maxDisruptivePercent: 25, maxDisruptiveTables: 1 });
    const noTableAllowed = gateRun(summaries, { maxDisruptivePercent: 25, maxDisruptiveTables: 0 });
    // The re-plan is made with the run's allowDisruptive (['T']): T's is marked, U's is not.
    const regated = regateTable(approval, 0, { actions: [action('T')] }, { name: 'T', actions: [action('T', 'disruptive')], disruptiveAllowed: true });
    const other = regateTable(approval, 0, { actions: [action('U')] }, { name: 'U', actions: [action('U', 'disruptive')] });
    // Assess
    expect(oneTableAllowed.proceed).toBe(true);
    expect(noTableAllowed).toMatchObject({ proceed: false, approval: { maxDisruptiveTables: 0 } });
    expect(regated).toMatchObject({ allowed: true, addedDisruptive: 0 });
    expect(other).toMatchObject({ allowed: false, addedDisruptive: 1 });
  });
});

describe('a round of the approved plan', () => {
  const desired = sampleDesiredState();
  const planned = bareTable('Customers', { keySchema: { partitionKey: { name: 'customerID', type: 'S' } }, deletionProtection: true, tags: { 'cost-center': 'payments', team: 'payments-core' } });
  const stored = (table = planned): PlanDocument => {
    const approved = plan({ desired, observed: accountWith([table]), now: NOW, only: ['Customers'] });
    return { revision: 'r', plan: approved, fingerprints: { Customers: fingerprint(table) } };
  };
  const approval = { disruptiveTables: 0, population: 3, maxDisruptivePercent: 25, maxDisruptiveTables: 0 };

  it('runs the stored actions when the table is as approved, and continues from where the last round stopped', () => {
    // Prepare
    const document = stored();
    const approvedActions = document.plan.tables[0]!.actions;
    // Act
    const first = pickRoundWork({ stored: document, previous: undefined, observed: accountWith([planned]), desired, approval, now: NOW });
    const progress = mergeRoundResult(first.progress, [{ table: 'Customers', status: 'deferred', applied: approvedActions.slice(0, 1), notApplied: approvedActions.slice(1) }]);
    const second = pickRoundWork({ stored: document, previous: { revision: 'r', round: 0, waiting: [], progress, addedDisruptive: 0 }, observed: accountWith([{ ...planned, tags: {} }]), desired, approval, now: NOW });
    // Assess: the same action objects, in order; round 1 does not compare fingerprints again (the table changes as we apply).
    expect(first.work.tables[0]!.actions).toEqual(approvedActions);
    expect(first.progress.Customers!.changedSinceApproval).toBeUndefined();
    expect(second.work.tables[0]!.actions).toEqual(approvedActions.slice(1));
    expect(second.progress.Customers!.applied).toBe(1);
  });

  it('re-plans a table that changed since approval, and never runs the stale actions', () => {
    // Prepare: approved while PITR was on; someone switched it off out of band.
    const approvedTable = { ...planned, pointInTimeRecovery: { enabled: true, recoveryPeriodDays: 35 } };
    const document = stored(approvedTable);
    // Act
    const round = pickRoundWork({ stored: document, previous: undefined, observed: accountWith([planned]), desired, approval, now: NOW });
    // Assess
    expect(round.progress.Customers!.changedSinceApproval).toMatchObject({ planned: fingerprint(approvedTable), observed: fingerprint(planned) });
    expect(round.work.tables[0]!.actions.map((a) => a.type)).toContain('UpdatePointInTimeRecovery');
    expect(document.plan.tables[0]!.actions.map((a) => a.type)).not.toContain('UpdatePointInTimeRecovery');
  });

  it('refuses a re-plan that needs disruptive changes beyond the approval (nothing runs on that table)', () => {
    // Prepare: the stream (NEW_AND_OLD_IMAGES) was changed out of band; the re-plan must turn it off and on again.
    const document = stored();
    const changed = { ...planned, billing: { mode: 'PROVISIONED' as const, readCapacity: 5, writeCapacity: 5 }, stream: { enabled: true, viewType: 'KEYS_ONLY' as const } };
    const replannedRisk = plan({ desired, observed: accountWith([changed]), now: NOW, only: ['Customers'] }).tables[0]!.actions.some((a) => a.risk === 'disruptive');
    // Act
    const round = pickRoundWork({ stored: document, previous: undefined, observed: accountWith([changed]), desired, approval: { disruptiveTables: 0, population: 3, maxDisruptivePercent: 0, maxDisruptiveTables: 0 }, now: NOW });
    // Assess
    expect(replannedRisk).toBe(true);
    expect(round.work.tables).toEqual([]);
    expect(round.progress.Customers!.blocked).toMatch(/changed since approval.*beyond the approved blast radius/);
    expect(roundOutcome(round.progress, round.waiting, NOW, 30)).toMatchObject({ pending: false, failed: 1 });
  });

  it('lets a re-plan with disruptive changes through when the run allowed that table (--allow-disruptive, recorded in the stored plan)', () => {
    // Prepare: as above, but the stored plan records allowDisruptive: ['Customers'].
    const document = stored();
    const allowed = { ...document, plan: { ...document.plan, allowDisruptive: ['Customers'] } };
    const changed = { ...planned, billing: { mode: 'PROVISIONED' as const, readCapacity: 5, writeCapacity: 5 }, stream: { enabled: true, viewType: 'KEYS_ONLY' as const } };
    const strict = { disruptiveTables: 0, population: 3, maxDisruptivePercent: 0, maxDisruptiveTables: 0 };
    // Act
    const round = pickRoundWork({ stored: allowed, previous: undefined, observed: accountWith([changed]), desired, approval: strict, now: NOW });
    const refused = pickRoundWork({ stored: document, previous: undefined, observed: accountWith([changed]), desired, approval: strict, now: NOW });
    // Assess
    expect(round.progress.Customers!.blocked).toBeUndefined();
    expect(round.work.tables.map((table) => table.name)).toEqual(['Customers']);
    expect(round.work.tables[0]!.actions.some((a) => a.risk === 'disruptive')).toBe(true);
    expect(refused.progress.Customers!.blocked).toMatch(/beyond the approved blast radius/);
  });

  it.each<[string, Parameters<typeof bareTable>[1], boolean, string[]]>([
    ['a settled table runs', {}, true, []],
    ['a settling table waits', { status: 'UPDATING' }, false, ['Customers']],
  ])('%s', (_case, overrides, runs, waiting) => {
    const round = pickRoundWork({ stored: stored(), previous: undefined, observed: accountWith([{ ...planned, ...overrides }]), desired, approval, now: NOW });
    expect(round.work.tables.length > 0).toBe(runs);
    expect(round.waiting).toEqual(waiting);
    expect(roundOutcome(round.progress, round.waiting, NOW, 30)).toMatchObject({ pending: true, waitSeconds: 30 });
  });

  it('startProgress leaves out refused, error and converged tables', () => {
    const tables: TablePlan[] = [
      { name: 'a', managed: true, status: 'refused', findings: [], actions: [action('a')], refusals: [] },
      { name: 'b', managed: true, status: 'in-sync', findings: [], actions: [], refusals: [] },
      { name: 'c', managed: true, status: 'update', findings: [], actions: [action('c')], refusals: [] },
    ];
    expect(Object.keys(startProgress({ tables, summary: stored().plan.summary }))).toEqual(['c']);
  });
});

describe('report rules', () => {
  const table = (name: string, overrides: Partial<TablePlan> = {}): TablePlan => ({ name, managed: true, status: 'update', findings: [], actions: [action(name)], refusals: [], ...overrides });
  it.each<[string, Parameters<typeof buildReport>[0], string, string[]]>([
    ['converged apply', { mode: 'apply', outcome: 'succeeded', plans: [{ index: 0, tables: [table('a')] }], progress: new Map([[0, { a: { remaining: [], pending: [], applied: 1, verified: true } }]]), failedBatches: [] }, 'in-sync', ['changed']],
    ['plan mode with drift', { mode: 'plan', outcome: 'succeeded', plans: [{ index: 0, tables: [table('a'), table('b', { actions: [], status: 'in-sync' })] }], progress: new Map(), failedBatches: [] }, 'drift', ['drift', 'in-sync']],
    [
      'a failed batch fails its unfinished tables; the other batch is unaffected',
      { mode: 'apply', outcome: 'succeeded', plans: [{ index: 0, tables: [table('a')] }, { index: 1, tables: [table('b')] }], progress: new Map([[0, { a: { remaining: [], pending: [], applied: 1, verified: true } }]]), failedBatches: [{ index: 1, error: 'BatchDidNotSettle' }] },
      'failed',
      ['changed', 'failed'],
    ],
    ['a blocked re-plan', { mode: 'apply', outcome: 'succeeded', plans: [{ index: 0, tables: [table('a')] }], progress: new Map([[0, { a: { remaining: [], pending: [], applied: 0, verified: true, blocked: 'changed since approval' } }]]), failedBatches: [] }, 'failed', ['blocked']],
  ])('%s', (_case, input, status, outcomes) => {
    const report = buildReport(input);
    expect(report.status).toBe(status);
    expect(report.tables.map((t) => t.outcome)).toEqual(outcomes);
  });
});
