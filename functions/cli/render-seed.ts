/**
 * `tablewarden seed`'s summary and exit code, from the seed run's report (functions/run/seed.ts): a headline like
 * `terraform apply`'s, the counts, checksum and duration, then the rejected records (the first few on screen, every
 * one in the report file). Pure: a report in, text out, so the wording is tested without AWS.
 *
 * Exit codes (a contract for scripts, also in `--help` and the README):
 * - 0: every record was written, or skipped as the mode says (insert-only's existing keys), or the manifest shows
 *   this exact content was seeded already (`unchanged`);
 * - 1: an error, or the run failed part way (the report says how far writing got);
 * - 2: nothing was written because the table already has items and the mode is insert-if-empty: the seed's content
 *   is not applied, as plan's 2 means changes pending;
 * - 3: completed, but some records were rejected (each is listed with its index, line and reason).
 */
import type { SeedRejection } from '../core/seed/read-seed.ts';
import type { SeedRunReport } from '../run/seed.ts';
import { painter } from './render-plan.ts';
import { formatCount, formatDuration } from './seed-progress.ts';

/** Exit code of `tablewarden seed` for a report; see the module comment. */
export function seedExitCode(report: SeedRunReport): 0 | 1 | 2 | 3 {
  switch (report.status) {
    case 'unchanged':
      return 0;
    case 'completed':
      return report.counts.rejected > 0 ? 3 : 0;
    case 'refused-not-empty':
      return 2;
    default:
      return 1;
  }
}

/** How the summary is drawn. */
export interface SeedSummaryOptions {
  color?: boolean;
  /** Rejections listed on screen (default 20); the report file has them all. */
  maxRejections?: number;
  /** Where the full rejection list was written, to point at it. */
  rejectionsFile?: string;
}

const plural = (count: number, one: string, many = `${one}s`) => `${formatCount(count)} ${count === 1 ? one : many}`;

/** One rejection: `  #12  line 14  byte 2041  key customerID is missing`. */
export function rejectionLine(rejection: SeedRejection): string {
  return `  #${rejection.index}  line ${rejection.line}  byte ${rejection.offset}  ${rejection.reason}`;
}

/** The summary printed when a seed run ends. */
export function renderSeedSummary(report: SeedRunReport, options: SeedSummaryOptions = {}): string {
  const paint = painter(options.color ?? false);
  const max = options.maxRejections ?? 20;
  const { counts } = report;
  const lines: string[] = [];
  const where = `${report.table} from ${report.source} (${report.format}, mode ${report.mode})`;
  switch (report.status) {
    case 'completed':
      lines.push(counts.rejected > 0 ? paint('yellow', `Seed complete with ${plural(counts.rejected, 'rejected record')}: ${where}`) : paint('green', `Seed complete! ${where}`));
      break;
    case 'unchanged':
      lines.push(paint('green', `No changes. ${where}`));
      break;
    case 'refused-not-empty':
      lines.push(paint('yellow', `Seed not applied: ${where}`));
      break;
    case 'checkpointed':
      lines.push(paint('yellow', `Seed stopped at a checkpoint: ${where}`));
      break;
    case 'failed':
      lines.push(paint('red', `Seed failed: ${where}`));
      break;
  }
  if (report.reason !== undefined) lines.push(`  ${report.reason}`);
  lines.push('');
  lines.push(
    `  ${plural(counts.read, 'record')} read: ${formatCount(counts.written)} written, ${formatCount(counts.rejected)} rejected, ${formatCount(counts.skipped)} skipped, ${formatCount(counts.retried)} retried`,
  );
  if (report.checksum !== undefined) lines.push(`  checksum  sha256:${report.checksum}`);
  if (report.contentDrift === true) lines.push(`  content drift: the manifest recorded another checksum for ${report.table}; applied as mode ${report.mode} says`);
  const rate = report.durationMs > 0 && counts.read > 0 ? ` (${formatCount((counts.read * 1000) / report.durationMs)} records/s)` : '';
  lines.push(`  duration  ${formatDuration(report.durationMs)}${rate}`);
  if (report.checkpoint !== undefined) {
    const c = report.checkpoint;
    lines.push(`  checkpoint  ${formatCount(c.recordsDone)} records done, next at byte ${c.byteOffset}`);
  }
  const skippedKeys = report.skippedKeys ?? [];
  if (counts.skipped > 0 && skippedKeys.length > 0) {
    const shown = skippedKeys.slice(0, 5).map((key) => JSON.stringify(key));
    lines.push(`  skipped (key exists): ${shown.join(', ')}${counts.skipped > shown.length ? `, … (${formatCount(counts.skipped - shown.length)} more)` : ''}`);
  }
  if (report.rejections.length > 0) {
    const shown = report.rejections.slice(0, max);
    const rest = report.rejections.length - shown.length;
    const file = options.rejectionsFile === undefined ? '' : `; every one is in ${options.rejectionsFile}`;
    lines.push('');
    lines.push(`Rejected records (${formatCount(report.rejections.length)}${rest > 0 ? `, the first ${formatCount(shown.length)} shown` : ''}${file}):`);
    lines.push(...shown.map(rejectionLine));
    if (rest > 0) lines.push(`  … and ${formatCount(rest)} more${options.rejectionsFile === undefined ? ' (pass --report FILE to keep the full list)' : ''}`);
  }
  return lines.join('\n') + '\n';
}

/** The rejection list's file beside a report file: `report.json` → `report.rejections.jsonl`. */
export function rejectionsPath(reportPath: string): string {
  return reportPath.endsWith('.json') ? `${reportPath.slice(0, -'.json'.length)}.rejections.jsonl` : `${reportPath}.rejections.jsonl`;
}

/** The report file's JSON: the run report with the rejections moved to their own file (count and path kept). */
export function reportDocument(report: SeedRunReport, rejectionsFile: string): Record<string, unknown> {
  const { rejections, ...rest } = report;
  return { ...rest, exitCode: seedExitCode(report), rejections: { count: rejections.length, file: rejectionsFile } };
}

/** One line of the rejections file (JSON Lines): `{"index":12,"line":14,"offset":2041,"reason":"..."}`. */
export function rejectionJsonLine({ index, line, offset, reason }: SeedRejection): string {
  return JSON.stringify({ index, line, offset, reason }) + '\n';
}
