/**
 * `tablewarden seed`'s summary and exit codes from a run report: pure, one report per status.
 */
import { describe, expect, it } from 'vitest';
import { rejectionJsonLine, rejectionsPath, renderSeedSummary, reportDocument, seedExitCode } from '../../functions/cli/render-seed.ts';
import type { SeedRunReport } from '../../functions/run/seed.ts';

const report = (overrides: Partial<SeedRunReport> = {}): SeedRunReport => ({
  table: 'Customers',
  source: 's3://seeds/customers.json',
  format: 'json',
  mode: 'insert-if-empty',
  status: 'completed',
  counts: { read: 1_000, written: 1_000, rejected: 0, skipped: 0, retried: 12 },
  checksum: 'ab'.repeat(32),
  rejections: [],
  durationMs: 2_500,
  ...overrides,
});

const rejection = (index: number) => ({ kind: 'rejected' as const, index, line: index + 2, offset: index * 100, reason: `key customerID is missing (${index})` });

describe('seed exit codes', () => {
  it.each([
    ['completed, nothing rejected', report(), 0],
    ['completed, insert-only skipped existing keys', report({ mode: 'insert-only', counts: { read: 5, written: 2, rejected: 0, skipped: 3, retried: 0 } }), 0],
    ['unchanged (manifest)', report({ status: 'unchanged' }), 0],
    ['completed with rejected records', report({ counts: { read: 3, written: 2, rejected: 1, skipped: 0, retried: 0 }, rejections: [rejection(1)] }), 3],
    ['refused: table not empty', report({ status: 'refused-not-empty' }), 2],
    ['failed part way', report({ status: 'failed' }), 1],
    ['checkpointed (the CLI sets no deadline)', report({ status: 'checkpointed' }), 1],
  ])('%s → %d', (_case, input, code) => {
    // Act + Assess
    expect(seedExitCode(input)).toBe(code);
  });
});

describe('seed summary', () => {
  it('reads like terraform apply for a clean seed: headline, counts, checksum, duration with rate', () => {
    // Act
    const text = renderSeedSummary(report());
    // Assess
    expect(text).toBe(
      [
        'Seed complete! Customers from s3://seeds/customers.json (json, mode insert-if-empty)',
        '',
        '  1,000 records read: 1,000 written, 0 rejected, 0 skipped, 12 retried',
        `  checksum  sha256:${'ab'.repeat(32)}`,
        '  duration  2.5 s (400 records/s)',
        '',
      ].join('\n'),
    );
  });

  it('lists the first N rejections with index, line, byte and reason, and points at the file with all of them', () => {
    // Prepare
    const rejections = Array.from({ length: 7 }, (_, i) => rejection(i + 1));
    // Act
    const text = renderSeedSummary(report({ counts: { read: 1_000, written: 993, rejected: 7, skipped: 0, retried: 0 }, rejections }), { maxRejections: 3, rejectionsFile: 'r.rejections.jsonl' });
    // Assess
    expect(text).toContain('Seed complete with 7 rejected records: Customers');
    expect(text).toContain('Rejected records (7, the first 3 shown; every one is in r.rejections.jsonl):\n  #1  line 3  byte 100  key customerID is missing (1)\n  #2  line 4');
    expect(text).toContain('  … and 4 more\n');
    expect(text).not.toContain('#4 ');
  });

  it('without a report file, says how to keep the full list', () => {
    // Act
    const text = renderSeedSummary(report({ counts: { read: 3, written: 0, rejected: 3, skipped: 0, retried: 0 }, rejections: [rejection(0), rejection(1), rejection(2)] }), { maxRejections: 1 });
    // Assess
    expect(text).toContain('  … and 2 more (pass --report FILE to keep the full list)');
  });

  it.each([
    ['refused-not-empty', 'Seed not applied: Customers'],
    ['unchanged', 'No changes. Customers'],
    ['failed', 'Seed failed: Customers'],
    ['checkpointed', 'Seed stopped at a checkpoint: Customers'],
  ] as const)('gives %s its headline and reason', (status, headline) => {
    // Act
    const text = renderSeedSummary(report({ status, reason: 'what happened and what to do' }));
    // Assess
    expect(text.split('\n').slice(0, 2)).toEqual([expect.stringContaining(headline), '  what happened and what to do']);
  });

  it('reports content drift, the checkpoint and skipped keys when there are any', () => {
    // Act
    const text = renderSeedSummary(
      report({
        mode: 'insert-only',
        contentDrift: true,
        counts: { read: 10, written: 3, rejected: 0, skipped: 7, retried: 0 },
        skippedKeys: Array.from({ length: 7 }, (_, i) => ({ customerID: `c${i}` })),
        checkpoint: { recordsDone: 10, byteOffset: 420, written: 3, rejected: 0, skipped: 7, retried: 0 },
      }),
    );
    // Assess
    expect(text).toContain('content drift: the manifest recorded another checksum for Customers; applied as mode insert-only says');
    expect(text).toContain('checkpoint  10 records done, next at byte 420');
    expect(text).toContain('skipped (key exists): {"customerID":"c0"}, {"customerID":"c1"}, {"customerID":"c2"}, {"customerID":"c3"}, {"customerID":"c4"}, … (2 more)');
  });
});

describe('seed report files', () => {
  it.each([
    ['report.json', 'report.rejections.jsonl'],
    ['out/seed-report', 'out/seed-report.rejections.jsonl'],
  ])('puts the rejections of %s in %s', (path, expected) => {
    // Act + Assess
    expect(rejectionsPath(path)).toBe(expected);
  });

  it('keeps the report whole but the rejections, which go to their own file (count and path kept)', () => {
    // Act
    const document = reportDocument(report({ counts: { read: 2, written: 1, rejected: 1, skipped: 0, retried: 0 }, rejections: [rejection(1)] }), 'r.rejections.jsonl');
    // Assess
    expect(document).toMatchObject({ table: 'Customers', status: 'completed', exitCode: 3, counts: { rejected: 1 }, rejections: { count: 1, file: 'r.rejections.jsonl' } });
    expect(JSON.parse(rejectionJsonLine(rejection(1)))).toEqual({ index: 1, line: 3, offset: 100, reason: 'key customerID is missing (1)' });
  });
});
