/**
 * The seed progress renderer: pure formatting (counts, bytes, rates, ETA from the stored size) and when it writes
 * (terminal: a redrawn line at most every redrawMs; logs: a plain line every intervalMs and a final one), all on an
 * injected clock: no test waits for real time.
 */
import { describe, expect, it } from 'vitest';
import {
  etaMs,
  formatBytes,
  formatDuration,
  fractionRead,
  itemsPerSecond,
  plainLine,
  progressBar,
  ProgressRenderer,
  terminalLine,
  type SeedProgressSnapshot,
} from '../../functions/cli/seed-progress.ts';

const snapshot = (overrides: Partial<SeedProgressSnapshot> = {}): SeedProgressSnapshot => ({
  recordsRead: 12_345,
  written: 12_000,
  rejected: 3,
  skipped: 0,
  retried: 15,
  bytesRead: 5_100_000,
  sizeBytes: 12_000_000,
  elapsedMs: 4_000,
  ...overrides,
});

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, write: (text: string) => writes.push(text) };
}

describe('seed progress formatting', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1_500, '1.50 KB'],
    [12_300_000, '12.3 MB'],
    [1_020_000_000, '1.02 GB'],
    [256_000_000, '256 MB'],
  ])('formatBytes(%d) = %s', (bytes, text) => {
    // Act + Assess
    expect(formatBytes(bytes)).toBe(text);
  });

  it.each([
    [800, '0.8 s'],
    [42_000, '42 s'],
    [187_000, '3m07s'],
    [3_720_000, '1h02m'],
  ])('formatDuration(%d) = %s', (ms, text) => {
    // Act + Assess
    expect(formatDuration(ms)).toBe(text);
  });

  it('computes the rate from the run\'s elapsed time and the ETA from the bytes left at the byte rate so far', () => {
    // Prepare: 5.1 MB of 12 MB in 4 s → 6.9 MB left at 1.275 MB/s
    const progress = snapshot();
    // Act + Assess
    expect(itemsPerSecond(progress)).toBeCloseTo(3_086.25, 2);
    expect(fractionRead(progress)).toBeCloseTo(0.425, 5);
    expect(etaMs(progress)).toBeCloseTo((4_000 * 6_900_000) / 5_100_000, 5);
  });

  it.each([
    ['no size known', { sizeBytes: undefined }],
    ['an empty object', { sizeBytes: 0 }],
    ['nothing read yet', { bytesRead: 0 }],
    ['no time passed', { elapsedMs: 0 }],
  ])('has no ETA with %s', (_case, overrides) => {
    // Act + Assess
    expect(etaMs(snapshot(overrides))).toBeUndefined();
  });

  it('never reports more than 100% nor an ETA once every stored byte is read', () => {
    // Act + Assess
    expect(fractionRead(snapshot({ bytesRead: 13_000_000 }))).toBe(1);
    expect(etaMs(snapshot({ bytesRead: 13_000_000 }))).toBeUndefined();
    expect(etaMs(snapshot({ bytesRead: 12_000_000 }))).toBeUndefined(); // all read: no "ETA 0.0 s"
    expect(etaMs(snapshot({ bytesRead: 11_999_999 }))).toBeGreaterThan(0);
  });

  it('draws the bar in proportion, clamped', () => {
    // Act + Assess
    expect(progressBar(0.425, 20)).toBe('[########............]');
    expect(progressBar(1.7, 4)).toBe('[####]');
    expect(progressBar(-1, 4)).toBe('[....]');
  });

  it('renders the terminal line with bar, percent, items, items/s, bytes, ETA and counts', () => {
    // Act
    const line = terminalLine(snapshot(), 200);
    // Assess
    expect(line).toBe('[########............]  42%  12,345 items  3,086 items/s  5.10 MB/12.0 MB  ETA 5.4 s  (12,000 written, 3 rejected, 15 retried)');
  });

  it('cuts the terminal line to the width so it never wraps', () => {
    // Act
    const line = terminalLine(snapshot(), 40);
    // Assess
    expect(line).toHaveLength(40);
    expect(line.endsWith('…')).toBe(true);
  });

  it('shows bytes read instead of a bar when the size is unknown', () => {
    // Act + Assess
    expect(terminalLine(snapshot({ sizeBytes: undefined }), 200)).toBe('5.10 MB  12,345 items  3,086 items/s  (12,000 written, 3 rejected, 15 retried)');
  });

  it('renders the plain line for logs', () => {
    // Act + Assess
    expect(plainLine(snapshot())).toBe('seed: 12,345 items read (3,086/s), 5.10 MB of 12.0 MB (42%), ETA 5.4 s; 12,000 written, 3 rejected, 15 retried');
    expect(plainLine(snapshot({ rejected: 0, retried: 0, elapsedMs: 0 }))).toBe('seed: 12,345 items read, 5.10 MB of 12.0 MB (42%); 12,000 written');
  });
});

describe('ProgressRenderer', () => {
  it('on a terminal redraws one line at most every redrawMs, then ends it on finish', () => {
    // Prepare
    let now = 0;
    const out = sink(true);
    const renderer = new ProgressRenderer(out, { now: () => now, redrawMs: 100, columns: 200 });
    // Act
    renderer.update(snapshot({ recordsRead: 1 }));
    now = 50;
    renderer.update(snapshot({ recordsRead: 2 })); // too soon: kept, not drawn
    now = 150;
    renderer.update(snapshot({ recordsRead: 3 }));
    renderer.finish();
    // Assess
    expect(out.writes).toHaveLength(4);
    expect(out.writes.slice(0, 3).every((write) => write.startsWith('\r') && write.endsWith('\x1b[K'))).toBe(true);
    expect(out.writes[0]).toContain(' 1 items');
    expect(out.writes[1]).toContain(' 3 items');
    expect(out.writes[2]).toContain(' 3 items'); // finish redraws the latest
    expect(out.writes[3]).toBe('\n');
  });

  it('in a log writes a plain line every intervalMs (none in the first interval) and a final line', () => {
    // Prepare
    let now = 1_000;
    const out = sink(false);
    const renderer = new ProgressRenderer(out, { now: () => now, intervalMs: 5_000 });
    // Act
    for (let i = 1; i <= 12; i++) {
      renderer.update(snapshot({ recordsRead: i * 100 }));
      now += 1_000;
    }
    renderer.finish(snapshot({ recordsRead: 1_250 }));
    // Assess
    expect(out.writes.every((write) => !write.includes('\r') && !write.includes('\x1b') && write.endsWith('\n'))).toBe(true);
    expect(out.writes.map((write) => write.split(' items')[0])).toEqual(['seed: 600', 'seed: 1,100', 'seed: done: 1,250']);
  });

  it('writes only the final line for a seed that ends within one interval', () => {
    // Prepare
    const out = sink(false);
    const renderer = new ProgressRenderer(out, { now: () => 0 });
    // Act
    renderer.update(snapshot({ recordsRead: 5 }));
    renderer.finish();
    // Assess
    expect(out.writes).toEqual([expect.stringMatching(/^seed: done: 5 items read/)]);
  });

  it('clears a drawn terminal line (before an error is printed), and writes nothing for a log', () => {
    // Prepare
    const tty = sink(true);
    const log = sink(false);
    const onTty = new ProgressRenderer(tty, { now: () => 0 });
    const onLog = new ProgressRenderer(log, { now: () => 0 });
    onTty.update(snapshot());
    onLog.update(snapshot());
    // Act
    onTty.clear();
    onLog.clear();
    // Assess
    expect(tty.writes.at(-1)).toBe('\r\x1b[K');
    expect(log.writes).toEqual([]);
  });

  it('writes nothing on finish when no progress was ever reported', () => {
    // Prepare
    const out = sink(true);
    // Act
    new ProgressRenderer(out, { now: () => 0 }).finish();
    // Assess
    expect(out.writes).toEqual([]);
  });
});
