/**
 * Durations as people type them on a command line (`30m`, `90s`, `2h`, `1h30m`, `500ms`), the way Go's
 * time.ParseDuration and Terraform's `-lock-timeout` read them, and back.
 *
 * Why here (core, pure): apply's per-table deadline is parsed by the CLI and named in apply's own timeout message,
 * so both sides say the same `30m`.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;

/**
 * `30m` → 1,800,000. One or more number+unit parts (`h`, `m`, `s`, `ms`), no sign, no spaces; the total must be
 * above zero. Throws an Error saying what a duration looks like.
 */
export function parseDuration(text: string): number {
  const value = text.trim();
  const hint = `expected a duration such as 90s, 30m, 2h or 1h30m`;
  if (value === '') throw new Error(`empty; ${hint}`);
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(value); match; match = PART.exec(value)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    consumed = PART.lastIndex;
  }
  if (consumed !== value.length) throw new Error(`'${text}' is not a duration; ${hint}`);
  // Whole milliseconds: a value that rounds to 0 (`0.4ms`) would be no deadline at all.
  if (!(Math.round(total) > 0) || !Number.isFinite(total)) throw new Error(`'${text}' must be more than zero; ${hint}`);
  return Math.round(total);
}

/** 1,800,000 → `30m`; 5,400,000 → `1h30m`; 90,000 → `1m30s`; 1,500 → `1.5s`; 250 → `250ms` (the inverse of parseDuration). */
export function formatDurationShort(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

/** Elapsed time for a live view: `04:07`, `1:02:03` past an hour. */
export function formatClock(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(seconds / 3600);
  return h > 0 ? `${h}:${two(Math.floor((seconds % 3600) / 60))}:${two(seconds % 60)}` : `${two(Math.floor(seconds / 60))}:${two(seconds % 60)}`;
}
