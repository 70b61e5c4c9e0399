/**
 * The streaming seed reader: formats, exact numbers, DynamoDB's size accounting at the 400 KB boundary, and bounded
 * memory on a 200 MB stream. The bad-input cases are in test/corpus/seed.test.ts.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ITEM_BYTES, itemSize, utf8Length, utf8LengthByEncoder } from '../../../functions/core/seed/attribute-value.ts';
import type { SeedKeySchema } from '../../../functions/core/seed/attribute-value.ts';
import { readSeed } from '../../../functions/core/seed/read-seed.ts';
import type { ReadSeedOptions, SeedRecord } from '../../../functions/core/seed/read-seed.ts';
import { DuplicateKeys } from '../../../functions/core/seed/validate.ts';

const KEY: SeedKeySchema = { partitionKey: { name: 'customerID', type: 'S' } };

async function* chunks(bytes: Buffer, size = 5): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function readAll(input: string | Buffer, options: Partial<ReadSeedOptions> = {}) {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  const reader = readSeed(chunks(bytes), { keySchema: KEY, ...options });
  const records: SeedRecord[] = [];
  for await (const record of reader) records.push(record);
  return { records, summary: reader.summary };
}

const EXPECTED_ITEMS = [
  { customerID: { S: 'c1' }, age: { N: '42' }, vip: { BOOL: true }, note: { NULL: true }, tags: { L: [{ S: 'a' }, { N: '1.50' }] }, address: { M: { city: { S: 'Oslo' } } } },
  { customerID: { S: 'c2' } },
];

describe('seed formats', () => {
  const plainArray = '[{"customerID":"c1","age":42,"vip":true,"note":null,"tags":["a",1.50],"address":{"city":"Oslo"}},\n {"customerID":"c2"}]';
  const plainLines = '{"customerID":"c1","age":42,"vip":true,"note":null,"tags":["a",1.50],"address":{"city":"Oslo"}}\r\n\n{"customerID":"c2"}';
  const typed = '{"customerID":{"S":"c1"},"age":{"N":"42"},"vip":{"BOOL":true},"note":{"NULL":true},"tags":{"L":[{"S":"a"},{"N":"1.50"}]},"address":{"M":{"city":{"S":"Oslo"}}}}';
  const typedArray = `[${typed},{"customerID":{"S":"c2"}}]`;
  const exportLines = `{"Item":${typed}}\n{"Item":{"customerID":{"S":"c2"}}}\n`;

  it.each([
    ['a JSON array of plain items', plainArray, 'array', 'plain', false],
    ['JSON Lines of plain items (CRLF, a blank line, no final newline)', plainLines, 'lines', 'plain', false],
    ['a JSON array of DynamoDB-JSON items', typedArray, 'array', 'dynamodb-json', false],
    ['DynamoDB export-to-S3 lines ({"Item": ...})', exportLines, 'lines', 'dynamodb-json', true],
  ])('reads %s, plain and gzipped, to the same items', async (_name, text, container, encoding, wrapper) => {
    for (const bytes of [Buffer.from(text), gzipSync(text)]) {
      // Act
      const { records, summary } = await readAll(bytes);

      // Assess
      expect(records.map((record) => record.kind === 'item' && { ...record.item })).toEqual(EXPECTED_ITEMS);
      expect(summary).toMatchObject({ complete: true, container, encoding, exportWrapper: wrapper, items: 2, rejected: 0, rawBytes: bytes.length });
      expect(summary.gzip).toBe(bytes[0] === 0x1f);
    }
  });

  it('gives each record its index, line and byte offset', async () => {
    // Prepare
    const text = '\n{"customerID":"a"}\n\n  {"customerID":"b"}\n';

    // Act
    const { records } = await readAll(text);

    // Assess
    expect(records.map(({ index, line, offset }) => ({ index, line, offset }))).toEqual([
      { index: 0, line: 2, offset: 1 },
      { index: 1, line: 4, offset: 23 },
    ]);
    expect(text.slice(23, 24)).toBe('{');
  });

  it('takes the encoding from the format option: plain JSON that looks typed stays plain', async () => {
    // Prepare
    const text = '{"customerID":"c1","x":{"S":"not a descriptor"}}\n';

    // Act
    const auto = await readAll(`{"customerID":{"S":"c1"}}\n`);
    const forced = await readAll(text, { format: 'jsonl' });

    // Assess
    expect(auto.summary.encoding).toBe('dynamodb-json');
    expect(forced.records[0]).toMatchObject({ kind: 'item', item: { x: { M: { S: { S: 'not a descriptor' } } } } });
  });

  it('decodes binary and sets from DynamoDB-JSON', async () => {
    // Act
    const { records } = await readAll('{"customerID":{"S":"c"},"b":{"B":"aGk="},"ss":{"SS":["x","y"]},"ns":{"NS":["1","2.5"]},"bs":{"BS":["AA==","AQ=="]}}');

    // Assess
    expect(records[0]).toMatchObject({ kind: 'item', item: { b: { B: new Uint8Array([104, 105]) }, ss: { SS: ['x', 'y'] }, ns: { NS: ['1', '2.5'] }, bs: { BS: [new Uint8Array([0]), new Uint8Array([1])] } } });
  });

  it('computes the sha256 of the raw (compressed) bytes as they stream', async () => {
    // Prepare
    const gz = gzipSync('{"customerID":"a"}\n');

    // Act
    const { summary } = await readAll(gz);

    // Assess
    expect(summary.sha256).toBe(createHash('sha256').update(gz).digest('hex'));
  });
});

describe('numbers keep full precision', () => {
  const digits23 = '12345678901234567890123';

  it.each([
    ['plain JSON', `{"customerID":"c","n":${digits23},"m":-0.000${digits23}e-5,"l":[${digits23}]}`],
    ['DynamoDB-JSON', `{"customerID":{"S":"c"},"n":{"N":"${digits23}"},"m":{"N":"-0.000${digits23}e-5"},"l":{"L":[{"N":"${digits23}"}]}}`],
  ])('a 23-digit number in %s is the same 23-digit N', async (_name, text) => {
    // Act
    const { records } = await readAll(text);

    // Assess
    expect(records[0]).toMatchObject({ kind: 'item', item: { n: { N: digits23 }, m: { N: `-0.000${digits23}e-5` }, l: { L: [{ N: digits23 }] } } });
    expect(String(Number(digits23))).not.toBe(digits23); // a JS number would have lost digits
  });

  it('keeps a 38-digit numeric key', async () => {
    // Prepare
    const n38 = '-'.padEnd(39, '9');

    // Act
    const { records } = await readAll(`{"id":${n38}}`, { keySchema: { partitionKey: { name: 'id', type: 'N' } } });

    // Assess
    expect(records[0]).toMatchObject({ kind: 'item', item: { id: { N: n38 } } });
  });
});

describe("DynamoDB's size accounting", () => {
  it('counts names, strings, numbers, lists and maps as the "Item sizes and formats" page says', () => {
    // Prepare: customerID(10)+"a"(1); l(1)+3+[N "1" = 2, +1]+[S "ab" = 2, +1]; m(1)+3+[k(1)+BOOL 1, +1]; n(1)+N 12345 (5 digits → 3+1)
    const item = {
      customerID: { S: 'a' },
      l: { L: [{ N: '1' }, { S: 'ab' }] },
      m: { M: { k: { BOOL: true } } },
      n: { N: '0012345.000' },
    };

    // Act / Assess
    expect(itemSize(item)).toBe(11 + (1 + 3 + 3 + 3) + (1 + 3 + 3) + (1 + 4));
  });

  it.each([
    [MAX_ITEM_BYTES, 'item'],
    [MAX_ITEM_BYTES + 1, 'rejected'],
  ])('an item of %i bytes is %s', async (size, kind) => {
    // Prepare: customerID (10) + "k" (1) + v (1) + the string, with 2-byte characters so UTF-8 counting matters
    const text = JSON.stringify({ customerID: 'k', v: 'é'.repeat(Math.floor((size - 12) / 2)) + 'x'.repeat((size - 12) % 2) });

    // Act
    const { records } = await readAll(text);

    // Assess
    expect(records[0]!.kind).toBe(kind);
    if (records[0]!.kind === 'rejected') expect(records[0]!.reason).toBe(`item is ${MAX_ITEM_BYTES + 1} bytes in DynamoDB's size accounting; the limit is 409600 (400 KB)`);
  });

  it('counts UTF-8 bytes like TextEncoder for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => utf8Length(text) === utf8LengthByEncoder(text)));
  });
});

describe('duplicate keys', () => {
  it('remembers every key across table growth, with the first index', () => {
    // Prepare
    const keys = new DuplicateKeys(16);
    for (let i = 0; i < 100_000; i++) expect(keys.add(`S${i}`, i)).toBeUndefined();

    // Act
    const again = [0, 17, 65_535, 99_999].map((i) => keys.add(`S${i}`, 200_000 + i));

    // Assess
    expect(again).toEqual([0, 17, 65_535, 99_999]);
    expect(keys.size).toBe(100_000);
    expect(keys.bytes).toBeLessThanOrEqual(100_000 * 32);
  });
});

describe('memory', () => {
  it('streams a generated 200 MB JSONL with peak RSS growth under 128 MB', async () => {
    // Prepare: ~200-byte lines made on the fly; never a file, never the whole text
    const target = 200 * 1024 * 1024;
    const line = (i: number) => `{"customerID":"cust-${i}","name":"Customer number ${i}","balance":${i}.25,"vip":${i % 2 === 0},"tags":["retail","n${i % 97}"],"address":{"city":"City ${i % 1000}","zip":"${10000 + (i % 89999)}"}}\n`;
    let produced = 0;
    let next = 0;
    const source = new Readable({
      read() {
        if (produced >= target) {
          this.push(null);
          return;
        }
        const parts: string[] = [];
        let size = 0;
        while (size < 64 * 1024 && produced < target) {
          const text = line(next++);
          parts.push(text);
          size += text.length;
          produced += text.length;
        }
        this.push(Buffer.from(parts.join('')));
      },
    });
    const before = process.memoryUsage().rss;
    let peak = before;
    let items = 0;
    const started = performance.now();

    // Act
    const reader = readSeed(source, { keySchema: KEY });
    for await (const record of reader) {
      if (record.kind === 'item') items++;
      if ((items & 4095) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const seconds = (performance.now() - started) / 1000;

    // Assess
    peak = Math.max(peak, process.memoryUsage().rss);
    console.log(`seed reader: ${items} items, ${(produced / 1048576).toFixed(0)} MB in ${seconds.toFixed(1)} s = ${Math.round(items / seconds)} items/s, ${(produced / 1048576 / seconds).toFixed(0)} MB/s; RSS growth ${((peak - before) / 1048576).toFixed(0)} MB (key table ${(reader.summary.keyTableBytes / 1048576).toFixed(0)} MB)`);
    expect(reader.summary).toMatchObject({ complete: true, rejected: 0, items: next, decodedBytes: produced });
    expect(peak - before).toBeLessThan(128 * 1024 * 1024);
  }, 300_000);
});
