/**
 * `tablewarden seed`'s progress: on a terminal one line that redraws itself (a bar of the bytes read, items, items/s,
 * bytes, ETA); anywhere else (CI logs, a pipe) a plain line every few seconds and a final one, since carriage returns
 * and escape codes make a log unreadable.
 *
 * Why this split: the formatting is pure (a progress snapshot in, text out) and tested with numbers; the renderer only
 * decides *when* to write, from an injected clock, so no test waits for real time. Rates and the ETA come from the
 * snapshot's own elapsed time (the seed run's clock), not from when the renderer happened to be called.
 * The ETA is from bytes: the stored size (S3 ContentLength, a file's size) is known before the first item, item
 * counts are not.
 */
import type { SeedProgress } from '../run/seed.ts';
import type { TextSink } from './io.ts';

/** What the renderer shows: the seed run's progress snapshot. */
export type SeedProgressSnapshot = SeedProgress;

const whole = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

/** `12,345`. */
export function formatCount(value: number): string {
  return whole.format(value);
}

/** `512 B`, `1.5 KB`, `12.3 MB`, `1.02 GB` (decimal units, as S3 and `ls -h --si` count). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${units[unit]}`;
}

/** `0.8 s`, `42 s`, `3m07s`, `1h02m`. */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Items read per second so far; undefined before any time has passed. */
export function itemsPerSecond(progress: SeedProgressSnapshot): number | undefined {
  return progress.elapsedMs > 0 ? (progress.recordsRead * 1000) / progress.elapsedMs : undefined;
}

/** Share of the stored bytes read (0..1); undefined when the size is unknown or zero. */
export function fractionRead(progress: SeedProgressSnapshot): number | undefined {
  if (progress.sizeBytes === undefined || progress.sizeBytes <= 0) return undefined;
  return Math.min(1, progress.bytesRead / progress.sizeBytes);
}

/** Milliseconds left at the byte rate so far; undefined when it can't be estimated yet. */
export function etaMs(progress: SeedProgressSnapshot): number | undefined {
  const fraction = fractionRead(progress);
  // Everything read: the writes still draining take what they take; an "ETA 0.0 s" would only mislead.
  if (fraction === undefined || fraction >= 1 || progress.bytesRead === 0 || progress.elapsedMs <= 0) return undefined;
  return (progress.elapsedMs * (progress.sizeBytes! - Math.min(progress.bytesRead, progress.sizeBytes!))) / progress.bytesRead;
}

/** `[#########...........]`, `width` cells between the brackets. */
export function progressBar(fraction: number, width: number): string {
  const filled = Math.floor(Math.max(0, Math.min(1, fraction)) * width); // full only when done, like the floored percent
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

function counts(progress: SeedProgressSnapshot): string {
  const parts = [`${formatCount(progress.written)} written`];
  if (progress.rejected > 0) parts.push(`${formatCount(progress.rejected)} rejected`);
  if (progress.skipped > 0) parts.push(`${formatCount(progress.skipped)} skipped`);
  if (progress.retried > 0) parts.push(`${formatCount(progress.retried)} retried`);
  return parts.join(', ');
}

/**
 * The terminal line: `[####......]  42%  12,345 items  3,210 items/s  5.10 MB/12.0 MB  ETA 7.0 s  (12,000 written, ...)`,
 * cut to `columns` so it never wraps (a wrapped line can't be redrawn with a carriage return).
 */
export function terminalLine(progress: SeedProgressSnapshot, columns = 100): string {
  const fraction = fractionRead(progress);
  const rate = itemsPerSecond(progress);
  const eta = etaMs(progress);
  const parts = [
    fraction === undefined ? formatBytes(progress.bytesRead) : `${progressBar(fraction, 20)} ${String(Math.floor(fraction * 100)).padStart(3)}%`,
    `${formatCount(progress.recordsRead)} items`,
    rate === undefined ? undefined : `${formatCount(rate)} items/s`,
    fraction === undefined ? undefined : `${formatBytes(progress.bytesRead)}/${formatBytes(progress.sizeBytes!)}`,
    eta === undefined ? undefined : `ETA ${formatDuration(eta)}`,
    `(${counts(progress)})`,
  ];
  const line = parts.filter((part) => part !== undefined).join('  ');
  return line.length > columns ? line.slice(0, Math.max(0, columns - 1)) + '…' : line;
}

/** The plain line for logs: `seed: 12,345 items read (3,210/s), 5.10 MB of 12.0 MB (42%), ETA 7.0 s; 12,000 written`. */
export function plainLine(progress: SeedProgressSnapshot): string {
  const fraction = fractionRead(progress);
  const rate = itemsPerSecond(progress);
  const eta = etaMs(progress);
  const bytes = fraction === undefined ? `${formatBytes(progress.bytesRead)} read` : `${formatBytes(progress.bytesRead)} of ${formatBytes(progress.sizeBytes!)} (${Math.floor(fraction * 100)}%)`;
  return `seed: ${formatCount(progress.recordsRead)} items read${rate === undefined ? '' : ` (${formatCount(rate)}/s)`}, ${bytes}${eta === undefined ? '' : `, ETA ${formatDuration(eta)}`}; ${counts(progress)}`;
}

/** How the renderer writes; every field has a default for the real process. */
export interface ProgressRendererOptions {
  /** A terminal: redraw one line. Default: the sink's own `isTTY`. */
  tty?: boolean;
  /** Milliseconds, any monotonic origin. Default performance.now. */
  now?: () => number;
  /** Plain mode: at most one line per this many ms (default 5,000). */
  intervalMs?: number;
  /** Terminal mode: at most one redraw per this many ms (default 100). */
  redrawMs?: number;
  /** Terminal width (default the sink's `columns`, else 100). */
  columns?: number;
}

/** Writes progress to a sink: see the module comment. Call `update` as often as you like, and `finish` once. */
export class ProgressRenderer {
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly redrawMs: number;
  private readonly columns: number;
  private last: number | undefined;
  private latest: SeedProgressSnapshot | undefined;
  private drawn = false;

  constructor(
    private readonly sink: TextSink & { columns?: number },
    options: ProgressRendererOptions = {},
  ) {
    this.tty = options.tty ?? Boolean(sink.isTTY);
    this.now = options.now ?? (() => performance.now());
    this.intervalMs = options.intervalMs ?? 5_000;
    this.redrawMs = options.redrawMs ?? 100;
    this.columns = options.columns ?? sink.columns ?? 100;
  }

  /** A new snapshot: written now if enough time passed since the last write, else kept for later. */
  update(progress: SeedProgressSnapshot): void {
    this.latest = progress;
    const now = this.now();
    if (this.tty) {
      if (this.last !== undefined && now - this.last < this.redrawMs) return;
      this.draw(progress);
    } else {
      // The first plain line only after one interval: a seed done in a second prints just the final line.
      if (this.last === undefined) this.last = now;
      if (now - this.last < this.intervalMs) return;
      this.sink.write(plainLine(progress) + '\n');
    }
    this.last = now;
  }

  /** The last state, always written (terminal: redrawn, then the line is ended; plain: a final line). */
  finish(progress: SeedProgressSnapshot | undefined = this.latest): void {
    if (progress === undefined) return;
    if (this.tty) {
      this.draw(progress);
      this.sink.write('\n');
    } else this.sink.write(plainLine(progress).replace(/^seed: /, 'seed: done: ') + '\n');
    this.drawn = false;
  }

  /** Terminal only: clears the line (before an error message, so it does not land mid-line). */
  clear(): void {
    if (this.tty && this.drawn) this.sink.write('\r\x1b[K');
    this.drawn = false;
  }

  private draw(progress: SeedProgressSnapshot): void {
    this.sink.write(`\r${terminalLine(progress, this.columns - 1)}\x1b[K`);
    this.drawn = true;
  }
}
