/**
 * `tablewarden drill`'s output: the progress line while the drill runs (restoring, validating, cleaning up, with
 * the elapsed time) and the drill report at the end, read like `terraform output`: where the copy came from, how
 * long the restore took against the table's RTO target, what was counted and compared (with the keys that differ),
 * the declared checks, the shape and encryption checks, what a real restore would have to re-apply, whether the copy
 * is gone, and the verdict.
 *
 * Why pure and separate: the report is a contract people and scripts read (the exit code above all), so it is tested
 * with report values, without a local AWS; the renderer only decides *when* to write, on an injected clock.
 *
 * Exit codes ({@link drillExitCode}, also in `--help` and the README):
 *   0  the drill passed
 *   1  the drill could not run: a bad flag, a table not declared or invalid, no restoreDrill and no --source,
 *      another drill of the table running, no operator state table, an AWS error before the restore started, a
 *      `--remote` execution that ended without a report
 *   2  the drill ran and failed: the restore failed or timed out, validation found a difference, RTO over target
 *   3  no recovery point to restore from
 *   4  the drill copy could not be deleted (the report names it; the nightly sweep retries)
 */
import type { DrillReport } from '../core/drill/record.ts';
import type { TextSink } from './io.ts';
import { LiveRegion } from './progress.ts';
import { painter } from './render-plan.ts';
import { formatCount, formatDuration } from './seed-progress.ts';

/** Exit codes of `tablewarden drill`, for `--help`. */
export const DRILL_EXIT_CODES_HELP = `
Exit codes:
  0  the drill passed
  1  the drill could not run: bad flag, table not declared or invalid, no restoreDrill and no --source,
     another drill of the table running, no operator state table, an AWS error before the restore started,
     a --remote execution that ended without a report
  2  the drill ran and failed (restore failed or timed out, items missing or changed, a check failed,
     wrong key schema, indexes or encryption, RTO over maxRestoreMinutes)
  3  no recovery point to restore from (no backup, recovery point or PITR window)
  4  the drill copy could not be deleted (its name is in the report; the nightly sweep deletes it later)
`;

/** The exit code of a finished drill (1 is for drills that never ran: the command returns it itself). */
export function drillExitCode(report: Pick<DrillReport, 'verdict' | 'cleanup'>): 0 | 2 | 3 | 4 {
  if (report.cleanup && report.cleanup.outcome !== 'deleted' && report.cleanup.outcome !== 'gone') return 4;
  if (report.verdict === 'passed') return 0;
  if (report.verdict === 'no-recovery-point') return 3;
  return 2;
}

/** The phases a drill goes through, as the progress line names them. */
export type DrillPhase = 'starting' | 'restoring' | 'validating' | 'cleaning-up' | 'recording' | 'running';

const PHASE_TEXT: Record<DrillPhase, string> = {
  starting: 'starting',
  restoring: 'restoring',
  validating: 'validating',
  'cleaning-up': 'cleaning up',
  recording: 'recording',
  running: 'running',
};

/** One progress event: the phase, and what the drill is waiting for (the copy's status, the execution's). */
export interface DrillProgressEvent {
  phase: DrillPhase;
  /** The copy's name, once there is one. */
  copyTable?: string;
  detail?: string;
}

/**
 * `drill Customers: restoring tw-drill-Customers-… (12 s): table CREATING (restore in progress)`; `label` is what
 * runs (`drill Customers`, `restore Customers`).
 */
export function drillProgressLine(label: string, event: DrillProgressEvent, elapsedMs: number): string {
  const copy = event.copyTable ? ` ${event.copyTable}` : '';
  const detail = event.detail ? `: ${event.detail}` : '';
  return `${label}: ${PHASE_TEXT[event.phase]}${copy} (${formatDuration(elapsedMs)})${detail}`;
}

/** How the progress renderer writes; every field has a default for the real process. */
export interface DrillProgressOptions {
  /** A terminal: one line redrawn in place. Default: the sink's own `isTTY`. */
  tty?: boolean;
  /** Milliseconds, any monotonic origin. Default performance.now. */
  now?: () => number;
  /** Plain mode: repeat an unchanged line at most this often (default 30,000 ms). */
  repeatMs?: number;
  /** Terminal width (default the sink's `columns`, else 100). */
  columns?: number;
}

/**
 * Writes drill progress to a sink. On a terminal, one line redrawn in place ({@link tick} redraws it with the
 * elapsed time, the command calls it every second); elsewhere a plain line whenever the phase or detail changes,
 * and an unchanged one again at most every `repeatMs`, since carriage returns make a CI log unreadable.
 */
export class DrillProgressRenderer {
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly repeatMs: number;
  private readonly columns: number;
  private readonly started: number;
  private latest: DrillProgressEvent | undefined;
  private lastText: string | undefined;
  private lastAt = 0;
  /** The CLI's one live-progress mechanism (progress.ts), here a region of one line, never held back. */
  private readonly region: LiveRegion;

  constructor(
    private readonly sink: TextSink & { columns?: number },
    /** What runs, as the line starts: `drill Customers`, `restore Customers`. */
    private readonly label: string,
    options: DrillProgressOptions = {},
  ) {
    this.tty = options.tty ?? Boolean(sink.isTTY);
    this.now = options.now ?? (() => performance.now());
    this.repeatMs = options.repeatMs ?? 30_000;
    this.columns = options.columns ?? sink.columns ?? 100;
    this.started = this.now();
    this.region = new LiveRegion(sink, { tty: this.tty, now: this.now, redrawMs: 0, columns: this.columns });
  }

  /** True when this renderer redraws one line (the command then ticks it every second). */
  get live(): boolean {
    return this.tty;
  }

  /** A new event from the drill. */
  update(event: DrillProgressEvent): void {
    const elapsed = this.now() - this.started;
    // The copy's name stays once known; the detail is the latest event's own (a new phase starts without one).
    const copyTable = event.copyTable ?? this.latest?.copyTable;
    this.latest = { phase: event.phase, ...(copyTable ? { copyTable } : {}), ...(event.detail ? { detail: event.detail } : {}) };
    if (this.tty) return this.draw(elapsed);
    const key = `${this.latest.phase}|${this.latest.copyTable ?? ''}|${this.latest.detail ?? ''}`;
    if (key === this.lastText && this.now() - this.lastAt < this.repeatMs) return;
    this.region.log(drillProgressLine(this.label, this.latest, elapsed));
    this.lastText = key;
    this.lastAt = this.now();
  }

  /** Terminal: redraw the line with the current elapsed time. */
  tick(): void {
    if (this.tty && this.latest) this.draw(this.now() - this.started);
  }

  /** The drill ended: end the live line (terminal) so the report starts on its own line. */
  finish(): void {
    this.region.finish({ keep: true });
  }

  /** Terminal only: clears the line (before an error message, so it does not land mid-line). */
  clear(): void {
    this.region.clear();
  }

  private draw(elapsed: number): void {
    if (this.latest) this.region.set([drillProgressLine(this.label, this.latest, elapsed)]);
  }
}

/** How the report is drawn. */
export interface DrillReportOptions {
  color: boolean;
}

const SOURCE_TEXT: Record<string, string> = {
  'aws-backup': 'AWS Backup recovery point',
  'dynamodb-backup': 'DynamoDB on-demand backup',
  pitr: 'point-in-time recovery',
};

const VERDICT_TEXT: Record<DrillReport['verdict'], string> = { passed: 'PASSED', failed: 'FAILED', 'no-recovery-point': 'NO RECOVERY POINT' };

/** `1.5 min`, `45 s`: RTO and its target side by side. */
function minutes(seconds: number): string {
  return seconds < 120 ? `${seconds} s` : `${Math.round((seconds / 60) * 10) / 10} min`;
}

/** A PITR source id: `latest:<time>` (the latest restorable time) or the requested time. */
function sourceDetail(report: DrillReport): string {
  const source = report.source;
  if (!source) return 'none';
  const kind = SOURCE_TEXT[source.kind] ?? source.kind;
  if (source.kind === 'pitr') {
    return source.id.startsWith('latest:') ? `${kind}, the latest restorable time (${source.id.slice('latest:'.length)})` : `${kind} to ${source.id}`;
  }
  return `${kind} ${source.id}`;
}

const KEY_KINDS = [
  ['missingInCopy', 'missing from the copy'],
  ['changed', 'changed since the backup'],
  ['missingInSource', 'no longer in the source'],
  ['unreadable', 'could not be read'],
] as const;

/**
 * The drill report. Every line is a fact the drill measured; a field the drill did not reach (no copy, never
 * validated) says so instead of showing a zero.
 */
export function renderDrillReport(report: DrillReport, options: DrillReportOptions): string {
  const paint = painter(options.color);
  const ok = (passed: boolean) => (passed ? paint('green', '✓') : paint('red', '✗'));
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(12)}${value}`);
  const more = (value: string) => lines.push(`  ${''.padEnd(12)}${value}`);
  const verdictColor = report.verdict === 'passed' ? 'green' : 'red';
  lines.push(paint('bold', `Restore drill of ${report.table}: ${paint(verdictColor, VERDICT_TEXT[report.verdict])}`), '');

  row('source', sourceDetail(report));
  row('copy', report.copyTable ?? 'none (nothing was restored)');
  const target = report.maxRestoreMinutes * 60;
  if (report.rtoSeconds !== undefined) {
    row('RTO', `${ok(report.rtoSeconds <= target)} ${minutes(report.rtoSeconds)} from the restore's start to the copy ACTIVE (target ${report.maxRestoreMinutes} min)`);
  } else row('RTO', `not measured: the copy never became ACTIVE (target ${report.maxRestoreMinutes} min)`);

  const counts = report.counts;
  const validated = report.details !== undefined || counts.copyItems !== undefined;
  if (!validated) {
    row('validation', 'not reached');
  } else {
    const approximate = counts.sourceItemsApproximate === undefined ? 'unknown' : `≈ ${formatCount(counts.sourceItemsApproximate)}`;
    row('items', `${formatCount(counts.copyItems ?? 0)} in the copy (exact, Scan COUNT); source ${approximate} (ItemCount, refreshed about every 6 hours)`);
    const differing = (counts.changed ?? 0) + (counts.missingInCopy ?? 0) + (counts.missingInSource ?? 0);
    row(
      'sample',
      `${ok(differing === 0 && (counts.unreadable ?? 0) === 0)} ${formatCount(counts.compared ?? 0)} compared by checksum: ${formatCount(counts.matched ?? 0)} matched, ` +
        `${formatCount(counts.changed ?? 0)} changed, ${formatCount(counts.missingInCopy ?? 0)} missing from the copy, ` +
        `${formatCount(counts.missingInSource ?? 0)} no longer in the source, ${formatCount(counts.unreadable ?? 0)} unreadable (${counts.changedPercent ?? 0}% differ)`,
    );
    const details = report.details;
    for (const [field, label] of KEY_KINDS) {
      const keys = details?.[field] ?? [];
      const total = counts[field] ?? keys.length;
      if (keys.length > 0) more(`${label}: ${keys.join('; ')}${total > keys.length ? ` and ${formatCount(total - keys.length)} more` : ''}`);
    }
    const checks = details?.checks ?? [];
    if ((counts.checks ?? checks.length) === 0) row('checks', 'none declared (restoreDrill.checks)');
    else {
      row('checks', `${ok((counts.checksFailed ?? 0) === 0)} ${counts.checks ?? checks.length} declared, ${counts.checksFailed ?? checks.filter((check) => !check.passed).length} failed`);
      for (const check of checks) more(`${ok(check.passed)} ${check.key} expected ${check.expect}, ${check.found} in the copy`);
    }
    if (details) {
      const encryption = details.shape.filter((reason) => reason.startsWith('encryption'));
      const structure = details.shape.filter((reason) => !reason.startsWith('encryption'));
      row('key schema', structure.length === 0 ? `${ok(true)} key schema and indexes match the source` : `${ok(false)} ${structure[0]}`);
      for (const reason of structure.slice(1)) more(`${ok(false)} ${reason}`);
      const declared = details.expectedSse ? `${details.expectedSse.type}${details.expectedSse.kmsKeyArn ? ` ${details.expectedSse.kmsKeyArn}` : ''}` : 'the source’s';
      row('encryption', encryption.length === 0 ? `${ok(true)} ${declared}, as declared` : `${ok(false)} ${encryption.join('; ')}`);
    }
  }
  const cleanup = report.cleanup;
  if (!cleanup) row('cleanup', report.copyTable ? paint('red', `not run: ${report.copyTable} may still exist`) : 'nothing to clean up');
  else if (cleanup.outcome === 'deleted') row('cleanup', `${ok(true)} ${report.copyTable ?? 'the copy'} deleted`);
  else if (cleanup.outcome === 'gone') row('cleanup', `${ok(true)} nothing left (${cleanup.reason})`);
  else row('cleanup', `${ok(false)} ${paint('red', `${report.copyTable ?? 'the copy'} NOT deleted`)}: ${cleanup.reason}`);
  if (report.awsBackupValidation) row('AWS Backup', `restore validation result ${report.awsBackupValidation}`);

  if (report.dropped.length > 0) {
    lines.push('', `A real restore of ${report.table} comes back without these; re-apply them (tablewarden restore does):`);
    for (const setting of report.dropped) {
      const mark = setting.pending ? '…' : setting.risk === 'disruptive' ? '!' : '~';
      lines.push(`  ${mark} ${setting.control.padEnd(24)}${setting.reason}${setting.pending ? ' (pending: a later step)' : ''}`);
    }
  } else if (validated) lines.push('', 'A real restore would need nothing re-applied: the copy already matches the declared posture.');

  lines.push('');
  if (report.verdict === 'passed') lines.push(paint('bold', `Verdict: ${paint('green', 'PASSED')}`) + ` (${formatDuration(new Date(report.finishedAt).getTime() - new Date(report.startedAt).getTime())})`);
  else {
    lines.push(paint('bold', `Verdict: ${paint('red', VERDICT_TEXT[report.verdict])}`));
    for (const reason of report.reasons) lines.push(`  - ${reason}`);
  }
  return lines.join('\n') + '\n';
}
