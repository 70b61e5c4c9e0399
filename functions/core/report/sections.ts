/**
 * The report's sections below the matrix, as plain rows of text: the one description the text, Markdown and HTML
 * renderers each lay out in their own syntax (and escape in their own way), so the formats say the same things.
 * Pure.
 */
import { CONTROL_HEADING, type PostureReport } from './posture.ts';

/** One section: a title, column headings, rows of plain (unescaped) text, and what to say when it is empty. */
export interface ReportSection {
  id: string;
  title: string;
  headers: string[];
  rows: string[][];
  empty: string;
}

const hours = (value: number | undefined) => (value === undefined ? '—' : `${value} h`);

/** The sections of a report, in reading order. */
export function reportSections(report: PostureReport): ReportSection[] {
  const lastRun = report.lastRun;
  const sections: ReportSection[] = [
    {
      id: 'drift',
      title: 'Drift found',
      headers: ['table', 'control', 'finding'],
      rows: report.drift.map((entry) => [entry.table, entry.control, entry.reason]),
      empty: 'No drift: every assessed control is compliant or waived.',
    },
    {
      id: 'actions',
      title: report.source.kind === 'run' ? 'Actions applied' : 'Actions applied by the last run',
      headers: ['table', 'control', 'action', 'risk', 'reason'],
      rows: [
        ...(report.source.kind === 'run' ? report.actionsApplied : (lastRun?.actionsApplied ?? [])).map((action) => [action.table, action.control, action.type, action.risk, action.reason]),
        ...report.actionsAppliedUncounted.map((entry) => [entry.table, '—', `${entry.count} action(s)`, '—', 'changed since approval: the re-plan ran']),
      ],
      empty: report.source.kind === 'run' ? (report.source.mode === 'plan' ? 'None: a plan-only run changes nothing.' : 'None.') : lastRun ? 'None.' : 'No run found in the operator bucket.',
    },
    {
      id: 'refusals',
      title: 'Refusals',
      headers: ['table', 'control', 'reason'],
      rows: report.refusals.map((entry) => [entry.table, entry.control, entry.reason]),
      empty: 'None.',
    },
    {
      id: 'failures',
      title: report.source.kind === 'run' || !lastRun ? 'Failures' : 'Failures (now, and in the last run)',
      headers: ['table', 'error'],
      rows: [...report.failures, ...(report.source.kind === 'account' ? (lastRun?.failures ?? []).map((failure) => ({ ...failure, error: `last run: ${failure.error}` })) : [])].map((entry) => [entry.table, entry.error]),
      empty: 'None.',
    },
    {
      id: 'waivers',
      title: 'Waivers',
      headers: ['table', 'control', 'state', 'owner', 'expires', 'reason'],
      rows: report.waivers.map((waiver) => [
        waiver.table,
        waiver.control,
        waiver.state === 'active' ? `active (${waiver.days} day(s) left)` : `EXPIRED ${-waiver.days} day(s) ago, enforced again`,
        waiver.owner,
        waiver.expires,
        waiver.reason,
      ]),
      empty: 'No waivers.',
    },
    {
      id: 'disagreements',
      title: 'AWS Config disagreements',
      headers: ['table', 'control', 'Config rule', 'Config says', 'plan says'],
      rows: report.disagreements.map((entry) => [entry.table, entry.control, entry.configRule, entry.configSays, entry.planSays]),
      empty: 'None: where AWS Config and the plan both judge a table, they agree (or no Config findings were read).',
    },
    {
      id: 'backups',
      title: 'Backup freshness',
      headers: ['table', 'backup plan', 'newest recovery point', 'age', 'max age', 'state'],
      rows: report.backups.map((backup) => [backup.table, backup.plan, backup.latestRecoveryPointAt ?? 'none', hours(backup.ageHours), hours(backup.maxRecoveryPointAgeHours), backup.state]),
      empty: 'No table declares spec.backup.',
    },
    {
      id: 'drills',
      title: 'Latest restore drill',
      headers: ['table', 'verdict', 'when', 'restore time / target', 'reasons'],
      rows: report.drills.map((drill) => [
        drill.table,
        drill.verdict === 'none' ? 'no drill yet' : drill.verdict,
        drill.when ?? '—',
        `${drill.restoreMinutes === undefined ? '—' : `${drill.restoreMinutes} min`} / ${drill.maxRestoreMinutes === undefined ? '—' : `${drill.maxRestoreMinutes} min`}${drill.overTarget ? ' (over target)' : ''}`,
        drill.reasons.join('; '),
      ]),
      empty: 'No table declares spec.restoreDrill.',
    },
  ];
  if (report.unmanaged.length > 0) {
    sections.push({ id: 'unmanaged', title: 'Unmanaged tables (reported only)', headers: ['table'], rows: report.unmanaged.map((name) => [name]), empty: '' });
  }
  return sections;
}

/** The one-line headline (the SNS subject and every format's first line use it). */
export function headline(report: PostureReport): string {
  const { counts } = report;
  const what = report.source.kind === 'run' ? `${report.source.mode} run ${report.source.runId}` : 'account';
  return `tablewarden ${what}: ${report.status}; ${counts.tables} table(s), ${report.drift.length} drift finding(s): ${counts.FIXED} fixed, ${counts.NON_COMPLIANT} open, ${counts.FAILED + counts.REFUSED} failed or refused; ${counts.WAIVED} waived`;
}

/** The control legend: short heading = control id. */
export function controlLegend(report: PostureReport): Array<[string, string]> {
  return report.controls.map((control) => [CONTROL_HEADING[control], control]);
}
