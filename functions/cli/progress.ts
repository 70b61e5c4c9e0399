/**
 * The one live-progress mechanism of the CLI: a region of N lines at the bottom of a terminal, redrawn in place, with
 * permanent lines printed above it; and, when the sink is not a terminal (CI logs, a pipe, a file), no region at all:
 * only the permanent lines, one per change, never a redraw.
 *
 * Why one module: `apply` (a line per table in flight), `drill` and `restore` (one line) all need the same thing, and
 * cursor arithmetic is easy to get subtly wrong (a line wider than the terminal wraps and every later cursor-up is off
 * by one, so lines are cut to the width). Escape codes are written only on a terminal.
 *
 * Terminal sequences: the region is drawn from its first line's column 0 and the cursor is left at the end of its last
 * line (no trailing newline, so one line redraws as `\r…\x1b[K`); a redraw goes back with `\r` and `ESC[nA` (cursor
 * up n), rewrites each line followed by `ESC[K` (erase to end of line), and `ESC[J` (erase below) when it shrank.
 * Redraws are throttled (default at most every 250 ms, ~4 a second); {@link LiveRegion.tick} draws what was held back.
 * The clock is injected, so tests check exact bytes without waiting.
 */
import type { TextSink } from './io.ts';

const ERASE_LINE = '\x1b[K';
const ERASE_BELOW = '\x1b[J';
const up = (lines: number) => (lines > 0 ? `\x1b[${lines}A` : '');

/** How a live region writes; every field has a default for the real process. */
export interface LiveRegionOptions {
  /** A terminal: draw and redraw the region. Default: the sink's own `isTTY`. */
  tty?: boolean;
  /** Milliseconds, any monotonic origin. Default performance.now. */
  now?: () => number;
  /** At most one redraw per this many ms (default 250). Permanent lines are never held back. */
  redrawMs?: number;
  /** Terminal width (default the sink's `columns`, else 100); region lines are cut to fit. */
  columns?: number;
}

/** A region of live lines (terminal only) under permanent lines (everywhere). See the module comment. */
export class LiveRegion {
  /** True on a terminal: the region is drawn; elsewhere only {@link log} writes. */
  readonly live: boolean;
  /** The injected clock, for renderers built on the region (elapsed times). */
  readonly now: () => number;
  private readonly redrawMs: number;
  private readonly columns: number;
  private lines: readonly string[] = [];
  private drawnLines = 0;
  private drawnText: string | undefined;
  private lastDraw: number | undefined;

  constructor(
    private readonly sink: TextSink & { columns?: number },
    options: LiveRegionOptions = {},
  ) {
    this.live = options.tty ?? Boolean(sink.isTTY);
    this.now = options.now ?? (() => performance.now());
    this.redrawMs = options.redrawMs ?? 250;
    // A pseudo-terminal without a size says 0 columns: fall back rather than cut every line to nothing.
    this.columns = options.columns ?? (sink.columns || 100);
  }

  /** New content for the region: drawn now, or at the next {@link tick} when the last redraw was too recent. */
  set(lines: readonly string[]): void {
    this.lines = lines;
    this.tick();
  }

  /** Redraw if the content changed (or the caller's lines carry a clock) and the throttle allows. */
  tick(): void {
    if (!this.live) return;
    const now = this.now();
    if (this.lastDraw !== undefined && now - this.lastDraw < this.redrawMs) return;
    this.draw(this.lines);
  }

  /**
   * A permanent line (no newline needed): above the region on a terminal, a plain line elsewhere. `lines`: the
   * region's new content, drawn under it (what the line reports has usually changed the region too).
   */
  log(line: string, lines: readonly string[] = this.lines): void {
    this.lines = lines;
    if (!this.live) {
      this.sink.write(line + '\n');
      return;
    }
    this.erase();
    this.sink.write(line + '\n');
    this.draw(this.lines);
  }

  /**
   * The work ended. `keep`: leave the region's last lines on screen and end them with a newline (the drill's final
   * line); otherwise erase the region, so what follows starts where it was.
   */
  finish(options: { keep?: boolean } = {}): void {
    if (!this.live) return;
    if (options.keep && this.drawnLines > 0) {
      this.draw(this.lines);
      this.sink.write('\n');
      this.drawnLines = 0;
      this.drawnText = undefined;
    } else this.erase();
    this.lines = [];
  }

  /** Erase the region now (before an error message, so it does not land inside it); {@link set} draws again. */
  clear(): void {
    if (this.live) this.erase();
  }

  private fit(line: string): string {
    const room = this.columns - 1;
    return line.length > room ? line.slice(0, Math.max(0, room - 1)) + '…' : line;
  }

  private erase(): void {
    if (this.drawnLines === 0) return;
    // One line: erase just it (the single-line renderers' `\r…ESC[K`); more: go to the first and erase below.
    this.sink.write(this.drawnLines === 1 ? `\r${ERASE_LINE}` : `\r${up(this.drawnLines - 1)}${ERASE_BELOW}`);
    this.drawnLines = 0;
    this.drawnText = undefined;
  }

  private draw(lines: readonly string[]): void {
    const fitted = lines.map((line) => this.fit(line));
    const text = fitted.join('\n');
    if (text === this.drawnText && fitted.length === this.drawnLines) return;
    if (fitted.length === 0) {
      this.erase();
    } else {
      const shrank = fitted.length < this.drawnLines ? ERASE_BELOW : '';
      this.sink.write(`\r${up(this.drawnLines - 1)}${fitted.map((line) => line + ERASE_LINE).join('\n')}${shrank}`);
      this.drawnLines = fitted.length;
      this.drawnText = text;
    }
    this.lastDraw = this.now();
  }
}
