/**
 * A drill's history item (functions/core/drill/record.ts `drillHistoryItem`, in the operator's state table) read back
 * as the report's {@link DrillSummary}. Pure; the attribute values are DynamoDB's wire shape as plain JSON.
 */
import type { DrillSummary } from './posture.ts';

/** The attribute values a history item uses. */
type Value = { S?: string; N?: string; L?: Value[] };

const VERDICTS = new Set<DrillSummary['verdict']>(['passed', 'failed', 'no-recovery-point']);

/** The summary of one history item; undefined when the item is not a drill record this code wrote. */
export function drillSummaryFromItem(table: string, item: Readonly<Record<string, Value>> | undefined): DrillSummary | undefined {
  const verdict = item?.verdict?.S;
  const startedAt = item?.sk?.S;
  if (!item || !verdict || !VERDICTS.has(verdict as DrillSummary['verdict']) || !startedAt) return undefined;
  const number = (value: Value | undefined) => (value?.N === undefined ? undefined : Number(value.N));
  const rtoSeconds = number(item.rtoSeconds);
  return {
    table,
    verdict: verdict as DrillSummary['verdict'],
    startedAt,
    ...(item.finishedAt?.S ? { finishedAt: item.finishedAt.S } : {}),
    ...(rtoSeconds !== undefined && Number.isFinite(rtoSeconds) ? { rtoSeconds } : {}),
    maxRestoreMinutes: number(item.maxRestoreMinutes) ?? 0,
    reasons: (item.reasons?.L ?? []).flatMap((reason) => (reason.S === undefined ? [] : [reason.S])),
  };
}
