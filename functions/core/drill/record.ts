/**
 * A drill's outcome as it is reported and kept: the report the CLI prints and the state machine returns, and the
 * history item in the operator's state table (pk `DRILL#<table>`, sk = the drill's start time), so "when did this
 * table's backup last restore, and how long did it take" is one Query. Pure.
 */
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
  /** Each declared check and what the copy answered. */
  checks: Array<{ key: string; expect: 'present' | 'absent'; found: 'present' | 'absent' | 'unreadable'; passed: boolean }>;
}

/** Keys listed per kind in {@link DrillDetails} (the counts carry the totals). */
export const MAX_DETAIL_KEYS = 20;

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
