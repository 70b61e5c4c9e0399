/**
 * A drill's outcome as it is reported and kept: the report the CLI prints and the state machine returns, and the
 * history item in the operator's state table (pk `DRILL#<table>`, sk = the drill's start time), so "when did this
 * table's backup last restore, and how long did it take" is one Query. Pure.
 */
import type { CheckResult, ExpectedSse, SampleComparison } from './compare.ts';
import type { DroppedSetting } from './dropped-settings.ts';

/** passed / failed, or no recovery point to restore from at all. */
export type DrillVerdictName = 'passed' | 'failed' | 'no-recovery-point';

/** Counts the drill measured (absent when it did not get that far). */
export interface DrillCounts {
  /** Exact item count of the copy (parallel Scan, Select COUNT). */
  copyItems?: number;
  /** The source's ItemCount (DynamoDB updates it about every six hours: approximate). */
  sourceItemsApproximate?: number;
  /** Distinct keys compared by checksum. */
  compared?: number;
  matched?: number;
  changed?: number;
  missingInCopy?: number;
  missingInSource?: number;
  unreadable?: number;
  changedPercent?: number;
  checks?: number;
  checksFailed?: number;
}

/** One drill, as reported and recorded. */
export interface DrillReport {
  table: string;
  verdict: DrillVerdictName;
  /** Every reason it failed (empty when it passed). */
  reasons: string[];
  startedAt: string;
  finishedAt: string;
  source?: { kind: string; id: string };
  copyTable?: string;
  /** Seconds from the restore's start to the copy becoming ACTIVE. */
  rtoSeconds?: number;
  maxRestoreMinutes: number;
  counts: DrillCounts;
  /** What a real restore would have to re-apply (the planner's actions for the copy). */
  dropped: DroppedSetting[];
  /** What cleanup did with the copy. */
  cleanup?: { outcome: string; reason: string };
  /** AWS Backup restores: whether PutRestoreValidationResult reached AWS Backup (`sent`, or why not). */
  awsBackupValidation?: string;
  /** What validation found, by name (the CLI's report lists it); absent when the copy was never validated. */
  details?: DrillDetails;
}

/**
 * The validation's findings by name, for the report people read: which keys differ, which checks ran, and the
 * shape check. Not kept in the history item (its counts are); key lists are cut to {@link MAX_DETAIL_KEYS}.
 */
export interface DrillDetails {
  /** Shape differences (key schema, indexes, encryption); empty when the copy matches. */
  shape: string[];
  /** The encryption the copy was checked against (the declared one, the key resolved to its ARN). */
  expectedSse?: { type: string; kmsKeyArn?: string };
  changed: string[];
  missingInCopy: string[];
  missingInSource: string[];
  unreadable: string[];
  /**
   * The declared checks that failed, and what the copy answered (at most {@link MAX_DETAIL_KEYS}; the rest counted in
   * {@link checksNotListed}). Passed checks are only counted ({@link checksPassed}).
   */
  checks: Array<{ key: string; expect: 'present' | 'absent'; found: 'present' | 'absent' | 'unreadable'; passed: boolean }>;
  /** How many declared checks passed (not listed). */
  checksPassed?: number;
  /** Failed checks past the listed ones. */
  checksNotListed?: number;
}

/**
 * Keys listed per kind in {@link DrillDetails}; a list past it ends with `and N more` (the counts carry the totals).
 * With labels of at most MAX_KEY_LABEL characters, the details stay ~25 KB at the schema's limits.
 */
export const MAX_DETAIL_KEYS = 20;

/** Shape differences listed, each cut to {@link MAX_DETAIL_TEXT} characters (index names alone reach 255). */
const MAX_DETAIL_SHAPE = 20;
const MAX_DETAIL_TEXT = 300;

/** The first `max` of a list, and `and N more` for the rest. */
export function listSome(items: readonly string[], max = MAX_DETAIL_KEYS): string[] {
  return items.length > max ? [...items.slice(0, max), `and ${items.length - max} more`] : [...items];
}

/** What validation found, as {@link drillDetails} names it. */
export interface DetailFindings {
  shape: readonly string[];
  expectedSse?: ExpectedSse;
  comparison: Pick<SampleComparison, 'changed' | 'missingInCopy' | 'missingInSource' | 'unreadable'>;
  checks: readonly CheckResult[];
}

/** The findings by name, as they travel in the drill's state and the report. */
export function drillDetails(findings: DetailFindings): DrillDetails {
  const named = (keys: readonly string[]) => listSome(keys);
  const { comparison, expectedSse } = findings;
  const cut = (text: string) => (text.length > MAX_DETAIL_TEXT ? `${text.slice(0, MAX_DETAIL_TEXT - 1)}…` : text);
  const failed = findings.checks.filter((check) => !check.passed);
  const listedChecks = failed.slice(0, MAX_DETAIL_KEYS).map((check) => ({ ...check }));
  return {
    shape: listSome(findings.shape.map(cut), MAX_DETAIL_SHAPE),
    ...(expectedSse ? { expectedSse: { type: expectedSse.type, ...(expectedSse.kmsKeyArn ? { kmsKeyArn: expectedSse.kmsKeyArn } : {}) } } : {}),
    changed: named(comparison.changed),
    missingInCopy: named(comparison.missingInCopy),
    missingInSource: named(comparison.missingInSource),
    unreadable: named(comparison.unreadable),
    checks: listedChecks,
    checksPassed: findings.checks.length - failed.length,
    ...(failed.length > MAX_DETAIL_KEYS ? { checksNotListed: failed.length - MAX_DETAIL_KEYS } : {}),
  };
}

/** Text attributes are cut so one history item stays far below DynamoDB's 400 KB. */
const MAX_REASON = 1_000;
const MAX_REASONS = 20;

type Value = { S: string } | { N: string } | { L: Value[] };

/** The history item of a drill (DynamoDB attribute values). */
export function drillHistoryItem(report: DrillReport): Record<string, Value> {
  const item: Record<string, Value> = {
    pk: { S: `DRILL#${report.table}` },
    sk: { S: report.startedAt },
    verdict: { S: report.verdict },
    finishedAt: { S: report.finishedAt },
    maxRestoreMinutes: { N: String(report.maxRestoreMinutes) },
    reasons: { L: report.reasons.slice(0, MAX_REASONS).map((reason) => ({ S: reason.slice(0, MAX_REASON) })) },
  };
  if (report.rtoSeconds !== undefined) item.rtoSeconds = { N: String(report.rtoSeconds) };
  if (report.copyTable) item.copyTable = { S: report.copyTable };
  if (report.source) {
    item.sourceKind = { S: report.source.kind };
    item.sourceId = { S: report.source.id.slice(0, MAX_REASON) };
  }
  for (const [name, value] of Object.entries(report.counts)) {
    if (typeof value === 'number' && Number.isFinite(value)) item[name] = { N: String(Math.round(value * 100) / 100) };
  }
  if (report.dropped.length > 0) item.dropped = { L: report.dropped.slice(0, MAX_REASONS).map((setting) => ({ S: `${setting.control} ${setting.action}: ${setting.reason}`.slice(0, MAX_REASON) })) };
  if (report.cleanup) item.cleanup = { S: report.cleanup.outcome };
  return item;
}
