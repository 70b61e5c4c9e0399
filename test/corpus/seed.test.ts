/**
 * The seed bad-input corpus: every file in test/corpus/seed/ is read by the real streaming reader, in small and in
 * large chunks, and must give exactly the report entries in its `.expected.json`: the rejections (index, line,
 * reason text), the number of valid items, warnings, and the fatal error (kind and message naming byte and line),
 * if any. No case may crash with anything but a SeedReadError, or hang (vitest's timeout).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SeedKeySchema } from '../../functions/core/seed/attribute-value.ts';
import { SeedReadError } from '../../functions/core/seed/errors.ts';
import { readSeed } from '../../functions/core/seed/read-seed.ts';
import type { SeedFormat, SeedRejection } from '../../functions/core/seed/read-seed.ts';

const DIR = join(import.meta.dirname, 'seed');

interface Expected {
  file: string;
  keySchema?: SeedKeySchema;
  format?: SeedFormat;
  items: number;
  itemsAtLeast?: number;
  /** Corrupt deflate data can decode to garbage before zlib notices (at the latest, the CRC at the end). */
  rejectionsMayVary?: boolean;
  rejections: { index: number; line: number; reason: string }[];
  warnings?: string[];
  fatal?: { failure: string; message?: string; messageStartsWith?: string };
}

const CASES = readdirSync(DIR).filter((name) => name.endsWith('.expected.json')).sort();

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function run(expected: Expected, chunkSize: number) {
  const bytes = readFileSync(join(DIR, expected.file));
  const reader = readSeed(chunked(bytes, chunkSize), { keySchema: expected.keySchema ?? { partitionKey: { name: 'id', type: 'S' } }, format: expected.format });
  const rejections: Pick<SeedRejection, 'index' | 'line' | 'reason'>[] = [];
  let items = 0;
  let fatal: unknown;
  try {
    for await (const record of reader) {
      if (record.kind === 'item') items++;
      else rejections.push({ index: record.index, line: record.line, reason: record.reason });
    }
  } catch (error) {
    fatal = error;
  }
  return { items, rejections, fatal, summary: reader.summary };
}

describe('the seed bad-input corpus', () => {
  it('has at least 20 cases, each with a file', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });

  describe.each(CASES)('%s', (name) => {
    const expected = JSON.parse(readFileSync(join(DIR, name), 'utf8')) as Expected;

    it.each([7, 65_536])('gives exactly the expected report entries (chunks of %i bytes)', async (chunkSize) => {
      // Prepare / Act
      const result = await run(expected, chunkSize);

      // Assess
      if (expected.rejectionsMayVary !== true) expect(result.rejections).toEqual(expected.rejections);
      if (expected.itemsAtLeast === undefined) expect(result.items).toBe(expected.items);
      else expect(result.items).toBeGreaterThanOrEqual(expected.itemsAtLeast);
      expect(result.summary.warnings).toEqual(expected.warnings ?? []);
      if (expected.fatal === undefined) {
        expect(result.fatal).toBeUndefined();
        expect(result.summary.complete).toBe(true);
        expect(result.summary.sha256).toMatch(/^[0-9a-f]{64}$/);
      } else {
        expect(result.fatal).toBeInstanceOf(SeedReadError);
        const error = result.fatal as SeedReadError;
        expect(error.failure).toBe(expected.fatal.failure);
        if (expected.fatal.message !== undefined) expect(error.message).toBe(expected.fatal.message);
        if (expected.fatal.messageStartsWith !== undefined) expect(error.message.startsWith(expected.fatal.messageStartsWith)).toBe(true);
        expect(result.summary.complete).toBe(false);
      }
      expect(result.summary.records).toBe(result.items + result.rejections.length);
    });
  });
});
