/**
 * The posture report: one document that joins what git wants (the desired state and its waivers), what the account
 * has (the plan's findings), what a run did about it (actions applied, refusals, failures), what AWS Config says
 * (disagreements), and what backups and drills prove (recovery-point freshness, the latest drill per table).
 *
 * Pure: the report step (functions/run/report.ts) and `tablewarden report` (functions/cli/commands/report.ts) read
 * their inputs and call {@link buildPostureReport}; every renderer (render-md, render-html, render-json, render-text)
 * is a pure function of the {@link PostureReport}, so the four formats can never tell different stories.
 */
import type { Disagreement } from '../config/disagreements.ts';
import type { Waiver } from '../desired/schema.ts';
import type { DesiredTable } from '../model/desired.ts';
import type { Action, ControlId, TablePlan } from '../model/plan.ts';

/** The report's schema version (render-json writes it; readers check it before trusting the shape). */
export const POSTURE_API_VERSION = 'tablewarden.io/report/v1';

/**
 * A cell of the tables × controls matrix. The planner's four finding states, plus what a run did about a
 * NON_COMPLIANT finding (FIXED: every action for the control ran; FAILED: its action failed; REFUSED: DynamoDB
 * can't make the change in place), and UNKNOWN for a table that could not be planned (invalid file, observation
 * error), which has no findings at all.
 */
export type CellState = 'COMPLIANT' | 'NON_COMPLIANT' | 'FIXED' | 'FAILED' | 'REFUSED' | 'WAIVED' | 'NOT_APPLICABLE' | 'UNKNOWN';

/** Every cell state, in legend order (worst first after the good ones, so the legend reads as a scale). */
export const CELL_STATES: readonly CellState[] = ['COMPLIANT', 'FIXED', 'NON_COMPLIANT', 'FAILED', 'REFUSED', 'WAIVED', 'NOT_APPLICABLE', 'UNKNOWN'];

/** What each state means, for legends (the same words in every format). */
export const CELL_MEANING: Record<CellState, string> = {
  COMPLIANT: 'compliant',
  FIXED: 'was non-compliant, fixed by this run',
  NON_COMPLIANT: 'non-compliant (drift)',
  FAILED: 'non-compliant, the fix failed',
  REFUSED: 'non-compliant, DynamoDB cannot change it in place',
  WAIVED: 'waived (see waivers)',
  NOT_APPLICABLE: 'not applicable',
  UNKNOWN: 'unknown (the table could not be planned)',
};

/** One character per state, for the terminal and as the no-colour cue in every format. */
export const CELL_SYMBOL: Record<CellState, string> = {
  COMPLIANT: '✓',
  FIXED: '+',
  NON_COMPLIANT: '✗',
  FAILED: '!',
  REFUSED: 'R',
  WAIVED: 'W',
  NOT_APPLICABLE: '·',
  UNKNOWN: '?',
};

/** A short word per state, printed in the HTML and Markdown cells (the state is readable without colour). */
export const CELL_LABEL: Record<CellState, string> = {
  COMPLIANT: 'ok',
  FIXED: 'fixed',
  NON_COMPLIANT: 'drift',
  FAILED: 'failed',
  REFUSED: 'refused',
  WAIVED: 'waived',
  NOT_APPLICABLE: 'n/a',
  UNKNOWN: 'unknown',
};

/** Column headings short enough for a terminal; legends spell them out. */
export const CONTROL_HEADING: Record<ControlId, string> = {
  'TW-TABLE-EXISTS': 'EXISTS',
  'TW-SSE': 'SSE',
  'TW-KMS-ROTATION': 'ROTATE',
  'TW-PITR': 'PITR',
  'TW-DELETION-PROTECTION': 'DELPROT',
  'TW-BACKUP-COVERAGE': 'BACKUP',
  'TW-TAGS': 'TAGS',
  'TW-TTL': 'TTL',
  'TW-STREAM': 'STREAM',
  'TW-BILLING': 'BILLING',
  'TW-TABLE-CLASS': 'CLASS',
  'TW-CONTRIBUTOR-INSIGHTS': 'INSIGHT',
  'TW-GSI': 'GSI',
};

/** The control columns in catalog order (kept here, not imported from the controls, to keep the report Lambda small). */
export const REPORT_CONTROLS = Object.keys(CONTROL_HEADING) as ControlId[];

/**
 * A Config rule's verdict that the plan does not share (functions/core/config/disagreements.ts makes them, in the
 * nightly sweep): both reasons are kept, so a disagreement is explained, never silently dropped.
 */
export type ReportDisagreement = Disagreement;

/** The latest restore drill of a table (from its history item in the state table). */
export interface DrillSummary {
  table: string;
  verdict: 'passed' | 'failed' | 'no-recovery-point';
  startedAt: string;
  finishedAt?: string;
  /** Seconds from the restore's start to the copy becoming ACTIVE. */
  rtoSeconds?: number;
  maxRestoreMinutes: number;
  reasons: string[];
}

/** What a run did to one table (absent for reports made from the account alone). */
export interface TableRunResult {
  /** The run report's outcome (functions/run/core/report.ts). */
  outcome: 'in-sync' | 'changed' | 'drift' | 'failed' | 'refused' | 'error' | 'unmanaged' | 'blocked';
  /** The actions that ran, when they are known one by one (a re-planned table only has a count). */
  applied: Action[];
  appliedCount: number;
  /** Controls with work left (actions not run, steps pending). */
  unfinished: ControlId[];
  /** The action that failed. */
  failedAction?: Action;
  error?: string;
  /** The table changed after approval and was re-planned: its applied actions are not the approved ones. */
  changedSinceApproval?: boolean;
}

/** Which run a report is about. */
export interface RunFacts {
  runId: string;
  mode: 'apply' | 'plan';
  trigger: string;
  revision: string;
  outcome: 'succeeded' | 'failed' | 'blocked';
  status: 'in-sync' | 'drift' | 'failed' | 'blocked';
  finishedAt: string;
  /** Where the report documents are (e.g. `s3://bucket/reports/<runId>/`). */
  location?: string;
}

/** Inputs to {@link buildPostureReport}. */
export interface PostureInput {
  now: Date;
  /** The planned tables (a run's approved plans, all batches; or the CLI's plan of the account now). */
  plans: readonly TablePlan[];
  /** The desired tables the plans came from: waivers (active and expired), backup and drill targets. */
  desired: readonly Pick<DesiredTable, 'name' | 'managed' | 'waivers' | 'expiredWaivers' | 'spec'>[];
  /** A run's facts and its per-table results; absent when the report is made from the account alone. */
  run?: { facts: RunFacts; results: Readonly<Record<string, TableRunResult>> };
  /** The last run, when the report is made from the account (what it applied and what failed). */
  lastRun?: LastRun;
  disagreements?: readonly ReportDisagreement[];
  /** Newest completed recovery point per table (ISO-8601), by table name. */
  latestRecoveryPoints?: Readonly<Record<string, string | undefined>>;
  /** The latest drill per table, by table name. */
  drills?: Readonly<Record<string, DrillSummary | undefined>>;
}

/** One cell. */
export interface PostureCell {
  control: ControlId;
  state: CellState;
  reason: string;
  /** The table's waiver for this control expired on this date: the control is enforced again. */
  waiverExpired?: string;
}

/** One row of the matrix. */
export interface PostureRow {
  name: string;
  managed: boolean;
  /** The plan's status, or the run's outcome when the report is about a run. */
  status: string;
  cells: PostureCell[];
  error?: string;
}

/** A waiver as reported. */
export interface WaiverEntry {
  table: string;
  control: string;
  owner: string;
  reason: string;
  expires: string;
  /** active: the control is not enforced; expired: it is enforced again (its cell shows the real state). */
  state: 'active' | 'expired';
  /** Whole days until it expires (active) or since it expired (expired, negative). */
  days: number;
}

/** Backup freshness of a table that declares `spec.backup`. */
export interface BackupFreshness {
  table: string;
  plan: string;
  maxRecoveryPointAgeHours?: number;
  latestRecoveryPointAt?: string;
  ageHours?: number;
  /** fresh / stale against the declared maximum; `no-recovery-point`; `unchecked` when no maximum is declared. */
  state: 'fresh' | 'stale' | 'no-recovery-point' | 'unchecked';
}

/** The latest drill of a table that declares `spec.restoreDrill` (or has a drill on record). */
export interface DrillEntry {
  table: string;
  /** `none`: no drill yet. */
  verdict: DrillSummary['verdict'] | 'none';
  when?: string;
  restoreMinutes?: number;
  maxRestoreMinutes?: number;
  /** The restore took longer than the target. */
  overTarget?: boolean;
  reasons: string[];
}

/** The last run, as the CLI finds it in the operator bucket. */
export interface LastRun {
  runId: string;
  status: string;
  finishedAt: string;
  location: string;
  actionsApplied: AppliedEntry[];
  failures: Array<{ table: string; error: string }>;
}

/** An action that ran. */
export interface AppliedEntry {
  table: string;
  control: ControlId;
  type: Action['type'];
  risk: Action['risk'];
  reason: string;
}

/** The posture report. */
export interface PostureReport {
  apiVersion: typeof POSTURE_API_VERSION;
  kind: 'PostureReport';
  generatedAt: string;
  /** What the matrix was computed from: a run's approved plans and results, or the account now. */
  source: ({ kind: 'run' } & RunFacts) | { kind: 'account' };
  status: 'in-sync' | 'drift' | 'failed' | 'blocked';
  controls: ControlId[];
  tables: PostureRow[];
  /** Tables that are not declared and have no baseline findings: only listed. */
  unmanaged: string[];
  drift: Array<{ table: string; control: ControlId; reason: string }>;
  actionsApplied: AppliedEntry[];
  /** Applied actions known only by count (re-planned tables). */
  actionsAppliedUncounted: Array<{ table: string; count: number }>;
  refusals: Array<{ table: string; control: ControlId; reason: string }>;
  failures: Array<{ table: string; error: string }>;
  waivers: WaiverEntry[];
  disagreements: ReportDisagreement[];
  backups: BackupFreshness[];
  drills: DrillEntry[];
  lastRun?: LastRun;
  counts: Record<CellState, number> & { tables: number; driftedTables: number; failedTables: number; disagreements: number; staleBackups: number; failedDrills: number; expiredWaivers: number };
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const FAILED_OUTCOMES = new Set(['failed', 'refused', 'error', 'blocked']);

const byName = <T extends { table: string }>(a: T, b: T) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0);

function cellFor(table: TablePlan, control: ControlId, result: TableRunResult | undefined, expired: Waiver | undefined): PostureCell {
  const finding = table.findings.find((candidate) => candidate.control === control);
  const withExpiry = (cell: PostureCell): PostureCell => (expired ? { ...cell, waiverExpired: expired.expires } : cell);
  if (!finding) return { control, state: table.findings.length === 0 ? 'UNKNOWN' : 'NOT_APPLICABLE', reason: table.error ?? 'not assessed' };
  const refusal = table.refusals.find((candidate) => candidate.control === control);
  if (refusal) return withExpiry({ control, state: 'REFUSED', reason: refusal.reason });
  if (finding.status !== 'NON_COMPLIANT' || !result) return withExpiry({ control, state: finding.status, reason: finding.reason });
  if (result.failedAction?.control === control) return withExpiry({ control, state: 'FAILED', reason: `${finding.reason}; fix failed: ${result.error ?? 'unknown error'}` });
  const ran = result.changedSinceApproval ? result.outcome === 'changed' : result.applied.some((action) => action.control === control);
  const fixed = ran && !result.unfinished.includes(control) && !FAILED_OUTCOMES.has(result.outcome);
  return withExpiry(fixed ? { control, state: 'FIXED', reason: `${finding.reason}; fixed by this run` } : { control, state: 'NON_COMPLIANT', reason: finding.reason });
}

function freshness(table: PostureInput['desired'][number], latest: string | undefined, now: Date): BackupFreshness | undefined {
  const backup = table.spec.backup;
  if (!backup) return undefined;
  const max = backup.maxRecoveryPointAgeHours;
  const ageHours = latest ? Math.max(0, Math.floor((now.getTime() - Date.parse(latest)) / HOUR_MS)) : undefined;
  const state: BackupFreshness['state'] = !latest ? 'no-recovery-point' : max === undefined ? 'unchecked' : now.getTime() - Date.parse(latest) > max * HOUR_MS ? 'stale' : 'fresh';
  return {
    table: table.name,
    plan: backup.plan,
    ...(max !== undefined ? { maxRecoveryPointAgeHours: max } : {}),
    ...(latest ? { latestRecoveryPointAt: latest, ageHours } : {}),
    state,
  };
}

function drillEntry(table: string, drill: DrillSummary | undefined, target: number | undefined): DrillEntry {
  if (!drill) return { table, verdict: 'none', ...(target !== undefined ? { maxRestoreMinutes: target } : {}), reasons: [] };
  const restoreMinutes = drill.rtoSeconds === undefined ? undefined : Math.round((drill.rtoSeconds / 60) * 10) / 10;
  return {
    table,
    verdict: drill.verdict,
    when: drill.finishedAt ?? drill.startedAt,
    ...(restoreMinutes !== undefined ? { restoreMinutes } : {}),
    maxRestoreMinutes: drill.maxRestoreMinutes,
    ...(restoreMinutes !== undefined ? { overTarget: restoreMinutes > drill.maxRestoreMinutes } : {}),
    reasons: [...drill.reasons],
  };
}

/** The run's status from the matrix alone (a report made from the account has no run to take it from). */
function accountStatus(rows: readonly PostureRow[]): PostureReport['status'] {
  if (rows.some((row) => row.status === 'error' || row.status === 'refused' || row.cells.some((cell) => cell.state === 'FAILED' || cell.state === 'REFUSED'))) return 'failed';
  return rows.some((row) => row.cells.some((cell) => cell.state === 'NON_COMPLIANT')) ? 'drift' : 'in-sync';
}

/** Build the report. Deterministic: tables and every list sorted by table name, then control. */
export function buildPostureReport(input: PostureInput): PostureReport {
  const { now } = input;
  const today = now.toISOString().slice(0, 10);
  const desiredByName = new Map(input.desired.map((table) => [table.name, table]));
  const results = input.run?.results ?? {};
  const plans = [...input.plans].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const rows: PostureRow[] = [];
  const unmanaged: string[] = [];
  const drift: PostureReport['drift'] = [];
  const refusals: PostureReport['refusals'] = [];
  const failures: PostureReport['failures'] = [];
  const actionsApplied: AppliedEntry[] = [];
  const uncounted: PostureReport['actionsAppliedUncounted'] = [];
  for (const table of plans) {
    const result = results[table.name];
    if (table.findings.length === 0 && table.status === 'unmanaged') {
      unmanaged.push(table.name);
      continue;
    }
    const expired = desiredByName.get(table.name)?.expiredWaivers ?? [];
    const cells = REPORT_CONTROLS.map((control) => cellFor(table, control, result, expired.find((waiver) => waiver.control === control)));
    const error = result?.error ?? table.error;
    rows.push({ name: table.name, managed: table.managed, status: result?.outcome ?? table.status, cells, ...(error ? { error } : {}) });
    for (const finding of table.findings) if (finding.status === 'NON_COMPLIANT') drift.push({ table: table.name, control: finding.control, reason: finding.reason });
    for (const refusal of table.refusals) refusals.push({ table: table.name, control: refusal.control, reason: refusal.reason });
    if (error && (result ? FAILED_OUTCOMES.has(result.outcome) : true)) failures.push({ table: table.name, error });
    if (result) {
      for (const action of result.applied) actionsApplied.push({ table: table.name, control: action.control, type: action.type, risk: action.risk, reason: action.reason });
      if (result.applied.length < result.appliedCount) uncounted.push({ table: table.name, count: result.appliedCount - result.applied.length });
    }
  }

  const waivers: WaiverEntry[] = input.desired.flatMap((table) => [
    ...table.waivers.map((waiver) => ({ table: table.name, ...waiver, state: 'active' as const })),
    ...(table.expiredWaivers ?? []).map((waiver) => ({ table: table.name, ...waiver, state: 'expired' as const })),
  ]).map((waiver) => ({
    table: waiver.table,
    control: waiver.control,
    owner: waiver.owner,
    reason: waiver.reason,
    expires: waiver.expires,
    state: waiver.state,
    days: Math.round((Date.parse(`${waiver.expires}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS),
  }));
  waivers.sort((a, b) => byName(a, b) || (a.control < b.control ? -1 : a.control > b.control ? 1 : 0));

  const backups = input.desired.flatMap((table) => freshness(table, input.latestRecoveryPoints?.[table.name], now) ?? []).sort(byName);
  const drillTables = new Set([...input.desired.filter((table) => table.managed && table.spec.restoreDrill).map((table) => table.name), ...Object.keys(input.drills ?? {}).filter((name) => input.drills?.[name])]);
  const drills = [...drillTables].map((name) => drillEntry(name, input.drills?.[name], desiredByName.get(name)?.spec.restoreDrill?.maxRestoreMinutes)).sort(byName);
  const disagreements = [...(input.disagreements ?? [])].sort((a, b) => byName(a, b) || (a.control < b.control ? -1 : a.control > b.control ? 1 : 0));

  const counts = Object.fromEntries(CELL_STATES.map((state) => [state, 0])) as Record<CellState, number>;
  for (const row of rows) for (const cell of row.cells) counts[cell.state] += 1;
  const facts = input.run?.facts;
  return {
    apiVersion: POSTURE_API_VERSION,
    kind: 'PostureReport',
    generatedAt: now.toISOString(),
    source: facts ? { kind: 'run', ...facts } : { kind: 'account' },
    status: facts?.status ?? accountStatus(rows),
    controls: [...REPORT_CONTROLS],
    tables: rows,
    unmanaged,
    drift,
    actionsApplied,
    actionsAppliedUncounted: uncounted,
    refusals,
    failures,
    waivers,
    disagreements,
    backups,
    drills,
    ...(input.lastRun ? { lastRun: input.lastRun } : {}),
    counts: {
      ...counts,
      tables: rows.length,
      driftedTables: rows.filter((row) => row.cells.some((cell) => cell.state === 'NON_COMPLIANT' || cell.state === 'FIXED' || cell.state === 'FAILED' || cell.state === 'REFUSED')).length,
      failedTables: new Set(failures.map((failure) => failure.table)).size,
      disagreements: disagreements.length,
      staleBackups: backups.filter((backup) => backup.state === 'stale' || backup.state === 'no-recovery-point').length,
      failedDrills: drills.filter((drill) => drill.verdict === 'failed' || drill.verdict === 'no-recovery-point' || drill.overTarget === true).length,
      expiredWaivers: waivers.filter((waiver) => waiver.state === 'expired').length,
    },
  };
}

/** Is this document a posture report this code can read (the CLI checks a stored report before using it)? */
export function isPostureReport(value: unknown): value is PostureReport {
  return typeof value === 'object' && value !== null && (value as { apiVersion?: unknown }).apiVersion === POSTURE_API_VERSION && (value as { kind?: unknown }).kind === 'PostureReport';
}
