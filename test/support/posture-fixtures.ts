/**
 * Posture-report fixtures: plans with known findings, a run's results, waivers (active and expired), a Config
 * disagreement, backup points and drills, all dated relative to one `now`. Used by the unit tests of the report and by
 * the headless-Chromium test, which checks that the cells it renders are the states built here.
 */
import type { DesiredTable } from '../../functions/core/model/desired.ts';
import type { Action, ControlId, Finding, FindingStatus, TablePlan } from '../../functions/core/model/plan.ts';
import { buildPostureReport, type PostureInput, type PostureReport } from '../../functions/core/report/posture.ts';

/** The fixtures' clock. */
export const REPORT_NOW = new Date('2026-11-28T12:00:00Z');

const daysFrom = (days: number) => new Date(REPORT_NOW.getTime() + days * 86_400_000).toISOString().slice(0, 10);
const hoursAgo = (hours: number) => new Date(REPORT_NOW.getTime() - hours * 3_600_000).toISOString();

/** A finding per control (NOT_APPLICABLE for the rest). */
export function findings(statuses: Partial<Record<ControlId, FindingStatus>>): Finding[] {
  return Object.entries(statuses).map(([control, status]) => ({ control: control as ControlId, status, reason: `${control} is ${status}` }));
}

/** An action for a control. */
export function action(table: string, control: ControlId, type: Action['type'] = 'UpdatePointInTimeRecovery'): Action {
  // Only the fields the report reads; the action's own parameters don't matter to it.
  return { type, table, control, risk: 'safe', reason: `fix ${control} on ${table}` } as Action;
}

/** A table plan. */
export function tablePlan(name: string, statuses: Partial<Record<ControlId, FindingStatus>>, extra: Partial<TablePlan> = {}): TablePlan {
  return { name, managed: true, status: 'update', findings: findings(statuses), actions: [], refusals: [], ...extra };
}

/** A desired table (only what the report reads). */
export function desiredTable(name: string, extra: Partial<DesiredTable> = {}): DesiredTable {
  return { name, managed: true, spec: { keySchema: { partitionKey: { name: 'pk', type: 'S' } } }, waivers: [], ...extra };
}

/**
 * An apply run over five tables with every cell state:
 * - `Orders <x>`: PITR fixed by the run (name with markup, to prove escaping), SSE compliant;
 * - `Ledger`: deletion protection's fix failed; TAGS still drifting (its action never ran);
 * - `Legacy`: a refused GSI change;
 * - `Customers`: PITR waived (active), SSE's waiver expired (enforced again, compliant), in sync;
 * - `Broken`: could not be planned (invalid file): UNKNOWN cells.
 */
export function knownStatesInput(): PostureInput {
  const ordersPitr = action('Orders <x>', 'TW-PITR');
  const ledgerDel = action('Ledger', 'TW-DELETION-PROTECTION', 'UpdateDeletionProtection');
  const ledgerTags = action('Ledger', 'TW-TAGS', 'TagResource');
  const plans: TablePlan[] = [
    tablePlan('Orders <x>', { 'TW-TABLE-EXISTS': 'COMPLIANT', 'TW-SSE': 'COMPLIANT', 'TW-PITR': 'NON_COMPLIANT', 'TW-TTL': 'NOT_APPLICABLE' }, { actions: [ordersPitr] }),
    tablePlan('Ledger', { 'TW-TABLE-EXISTS': 'COMPLIANT', 'TW-DELETION-PROTECTION': 'NON_COMPLIANT', 'TW-TAGS': 'NON_COMPLIANT' }, { actions: [ledgerDel, ledgerTags] }),
    tablePlan('Legacy', { 'TW-TABLE-EXISTS': 'COMPLIANT', 'TW-GSI': 'NON_COMPLIANT' }, { status: 'refused', refusals: [{ control: 'TW-GSI', reason: 'key schema of index byDate cannot change in place' }] }),
    tablePlan('Customers', { 'TW-TABLE-EXISTS': 'COMPLIANT', 'TW-SSE': 'COMPLIANT', 'TW-PITR': 'WAIVED' }, { status: 'in-sync' }),
    { name: 'Broken', managed: true, status: 'error', findings: [], actions: [], refusals: [], error: 'invalid desired state: spec.billing: required' },
    { name: 'Scratch', managed: false, status: 'unmanaged', findings: [], actions: [], refusals: [] },
  ];
  return {
    now: REPORT_NOW,
    plans,
    desired: [
      desiredTable('Orders <x>', { spec: { keySchema: { partitionKey: { name: 'pk', type: 'S' } }, backup: { plan: 'daily', maxRecoveryPointAgeHours: 24 }, restoreDrill: { source: 'pitr', maxRestoreMinutes: 30 } } as DesiredTable['spec'] }),
      desiredTable('Ledger', { spec: { keySchema: { partitionKey: { name: 'pk', type: 'S' } }, backup: { plan: 'daily', maxRecoveryPointAgeHours: 24 }, restoreDrill: { source: 'pitr', maxRestoreMinutes: 30 } } as DesiredTable['spec'] }),
      desiredTable('Legacy'),
      desiredTable('Customers', {
        waivers: [{ control: 'TW-PITR', owner: 'team-<b>payments</b>', reason: 'migrating | "soon" & <script>alert(1)</script>', expires: daysFrom(10) }],
        expiredWaivers: [{ control: 'TW-SSE', owner: 'sec@example.com', reason: 'key rollout', expires: daysFrom(-3) }],
        spec: { keySchema: { partitionKey: { name: 'pk', type: 'S' } }, backup: { plan: 'daily' } } as DesiredTable['spec'],
      }),
    ],
    run: {
      facts: { runId: 'nightly-1', mode: 'apply', trigger: 'schedule', revision: 'abc123', outcome: 'succeeded', status: 'failed', finishedAt: REPORT_NOW.toISOString() },
      results: {
        'Orders <x>': { outcome: 'changed', applied: [ordersPitr], appliedCount: 1, unfinished: [] },
        Ledger: { outcome: 'failed', applied: [], appliedCount: 0, unfinished: ['TW-DELETION-PROTECTION', 'TW-TAGS'], failedAction: ledgerDel, error: 'ApplyFailed: AccessDenied' },
        Legacy: { outcome: 'refused', applied: [], appliedCount: 0, unfinished: [] },
        Customers: { outcome: 'in-sync', applied: [], appliedCount: 0, unfinished: [] },
      },
    },
    disagreements: [{ table: 'Customers', control: 'TW-SSE', configRule: 'tablewarden-dynamodb-table-encrypted-kms', configSays: 'key <k> not in kmsKeyArns', planSays: 'SSE uses alias/customers as declared' }],
    latestRecoveryPoints: { 'Orders <x>': hoursAgo(5), Ledger: hoursAgo(30) },
    drills: { 'Orders <x>': { table: 'Orders <x>', verdict: 'passed', startedAt: hoursAgo(50), finishedAt: hoursAgo(49), rtoSeconds: 1500, maxRestoreMinutes: 30, reasons: [] } },
  };
}

/** The report of {@link knownStatesInput}. */
export function knownStatesReport(): PostureReport {
  return buildPostureReport(knownStatesInput());
}
