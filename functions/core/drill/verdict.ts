/**
 * The drill's verdict and its timing rules: RTO from the restore's start to the copy becoming ACTIVE, the wait's
 * deadline, how a sample spreads over scan segments, and the reasons a drill fails. Pure.
 *
 * A drill fails when (each gives a reason):
 * - the copy's key schema, indexes or encryption differ from the source's / the declared ones;
 * - any sampled item can't be read (a backup we can't read is not proven);
 * - the share of sampled items that differ exceeds `maxChangedPercent` (items missing from the copy are named);
 * - a declared check fails;
 * - the RTO exceeds `maxRestoreMinutes`.
 */
import type { CheckResult, SampleComparison } from './compare.ts';

/** How many keys a reason lists before "and N more" (reports and history stay small). */
export const MAX_NAMED_KEYS = 10;

/** Seconds from the restore's start to the copy becoming ACTIVE. */
export function rtoSeconds(startedAt: string | Date, activeAt: string | Date): number {
  return Math.max(0, Math.round((new Date(activeAt).getTime() - new Date(startedAt).getTime()) / 1000));
}

/**
 * How long the wait for the copy may last: twice `maxRestoreMinutes` (so a restore that overruns its RTO still
 * completes and is measured, and the drill reports "RTO exceeded" instead of "timed out"), at least 10 minutes.
 */
export function restoreDeadline(startedAt: Date, maxRestoreMinutes: number): Date {
  return new Date(startedAt.getTime() + Math.max(10, 2 * maxRestoreMinutes) * 60_000);
}

/** Spread `sampleSize` items over `segments` scan segments as evenly as possible (earlier segments take the rest). */
export function segmentQuotas(sampleSize: number, segments: number): number[] {
  const count = Math.max(1, Math.floor(segments));
  const size = Math.max(0, Math.floor(sampleSize));
  return Array.from({ length: count }, (_, i) => Math.floor(size / count) + (i < size % count ? 1 : 0));
}

/** Scan segments for a sample or count: about one per 25 sampled items, 1 to 16. */
export function scanSegments(sampleSize: number): number {
  return Math.min(16, Math.max(1, Math.ceil(sampleSize / 25)));
}

/** What the verdict is computed from. */
export interface DrillFindings {
  /** Shape differences (compareShape), each a reason. */
  shape: readonly string[];
  comparison?: SampleComparison | undefined;
  maxChangedPercent: number;
  checks: readonly CheckResult[];
  rtoSeconds?: number | undefined;
  maxRestoreMinutes: number;
}

/** The verdict: passed or failed, with every reason. */
export interface DrillVerdict {
  passed: boolean;
  reasons: string[];
}

/** `a, b, c and 4 more`. */
export function nameSome(labels: readonly string[], max = MAX_NAMED_KEYS): string {
  const shown = labels.slice(0, max).join('; ');
  return labels.length > max ? `${shown} and ${labels.length - max} more` : shown;
}

const percent = (value: number): string => `${Math.round(value * 100) / 100}%`;

/** Judge a drill. */
export function drillVerdict(findings: DrillFindings): DrillVerdict {
  const reasons: string[] = [...findings.shape];
  const comparison = findings.comparison;
  if (comparison) {
    if (comparison.unreadable.length > 0) reasons.push(`${comparison.unreadable.length} sampled item(s) could not be read: ${nameSome(comparison.unreadable)}`);
    if (comparison.changedPercent > findings.maxChangedPercent) {
      const differing = comparison.changed.length + comparison.missingInSource.length + comparison.missingInCopy.length;
      const parts = [
        comparison.missingInCopy.length > 0 ? `missing from the copy: ${nameSome(comparison.missingInCopy)}` : '',
        comparison.changed.length > 0 ? `changed: ${nameSome(comparison.changed)}` : '',
        comparison.missingInSource.length > 0 ? `no longer in the source: ${nameSome(comparison.missingInSource)}` : '',
      ].filter(Boolean);
      reasons.push(
        `${differing} of ${comparison.compared} sampled items differ (${percent(comparison.changedPercent)} > maxChangedPercent ${percent(findings.maxChangedPercent)}); ${parts.join('; ')}`,
      );
    }
  }
  for (const check of findings.checks) {
    if (!check.passed) reasons.push(`check failed: item ${check.key} expected ${check.expect}, ${check.found === 'unreadable' ? 'could not be read' : `is ${check.found}`} in the copy`);
  }
  if (findings.rtoSeconds !== undefined && findings.rtoSeconds > findings.maxRestoreMinutes * 60) {
    reasons.push(`restore took ${Math.round((findings.rtoSeconds / 60) * 10) / 10} min, over maxRestoreMinutes ${findings.maxRestoreMinutes}`);
  }
  return { passed: reasons.length === 0, reasons };
}

/** At most this many reasons travel in a drill's state (the first ones; the count of the rest is kept). */
export const MAX_STATE_REASONS = 8;
/** Each reason in a drill's state is cut to this many characters. */
export const MAX_STATE_REASON_CHARS = 300;

/**
 * The reasons as they travel between state machine steps: the first {@link MAX_STATE_REASONS}, each cut to
 * {@link MAX_STATE_REASON_CHARS}, plus one line counting the rest. Keeps a drill's state a few KB whatever fails.
 */
export function compactReasons(reasons: readonly string[]): string[] {
  const cut = (text: string) => (text.length > MAX_STATE_REASON_CHARS ? `${text.slice(0, MAX_STATE_REASON_CHARS - 1)}…` : text);
  const kept = reasons.slice(0, MAX_STATE_REASONS).map(cut);
  return reasons.length > MAX_STATE_REASONS ? [...kept, `and ${reasons.length - MAX_STATE_REASONS} more reasons`] : kept;
}
