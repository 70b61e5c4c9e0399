/**
 * The seed run's pure decisions: the request's wire size (exactly what JSON.stringify sends), packing into
 * BatchWriteItem calls at 25 items and 16 MB, the AIMD in-flight limit, full-jitter backoff, the manifest
 * decisions and the report's counts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SeedAttributeValue, SeedItem } from '../../../functions/core/seed/attribute-value.ts';
import type { SeedRejection } from '../../../functions/core/seed/read-seed.ts';
import {
  AimdLimit,
  BATCH_WRITE_MAX_BYTES,
  BatchPacker,
  backoffMs,
  batchEnvelopeBytes,
  buildSeedReport,
  isServerError,
  isThrottleError,
  itemWireBytes,
  manifestDecision,
  manifestPrecheck,
  putRequestWireBytes,
  reportKey,
  type SeedManifest,
  type SeedOutcome,
} from '../../../functions/run/core/seed.ts';

/** What the SDK sends for an item: JSON with binary as base64. */
function sdkJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => (inner instanceof Uint8Array ? Buffer.from(inner).toString('base64') : inner));
}

const attribute: fc.Arbitrary<SeedAttributeValue> = fc.letrec<{ value: SeedAttributeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary' }).map((S) => ({ S })),
    fc.string({ unit: 'grapheme' }).map((S) => ({ S })),
    fc.constantFrom('0', '-1.5', '12345678901234567890123', '1E+125').map((N) => ({ N })),
    fc.uint8Array({ maxLength: 40 }).map((B) => ({ B })),
    fc.boolean().map((BOOL) => ({ BOOL })),
    fc.constant({ NULL: true as const }),
    fc.array(tie('value'), { maxLength: 4 }).map((L) => ({ L })),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }).map((M) => ({ M })),
    fc.uniqueArray(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 4 }).map((SS) => ({ SS })),
    fc.uniqueArray(fc.integer().map(String), { minLength: 1, maxLength: 4 }).map((NS) => ({ NS })),
    fc.array(fc.uint8Array({ minLength: 1, maxLength: 9 }), { minLength: 1, maxLength: 3 }).map((BS) => ({ BS })),
  ),
})).value;

describe('wire size', () => {
  it('is exactly the JSON the SDK sends, for any item (escapes, surrogates, base64, nesting)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), attribute, { maxKeys: 6 }), (item) => {
        // Prepare
        const seed = item as SeedItem;
        // Act
        const bytes = putRequestWireBytes(seed);
        // Assess
        expect(itemWireBytes(seed)).toBe(Buffer.byteLength(sdkJson(seed)));
        expect(bytes).toBe(Buffer.byteLength(sdkJson({ PutRequest: { Item: seed } })) + 1);
      }),
      { numRuns: 500 },
    );
  });

  it('counts the request envelope with the table name', () => {
    // Act
    const envelope = batchEnvelopeBytes('Customers');
    // Assess
    expect(envelope).toBe(Buffer.byteLength(JSON.stringify({ RequestItems: { Customers: [] } })));
  });

  it('an escaped string costs its escapes: a control character is 6 bytes on the wire', () => {
    // Act / Assess
    expect(itemWireBytes({ a: { S: '\u0001' } })).toBe(Buffer.byteLength(JSON.stringify({ a: { S: '\u0001' } })));
    expect(itemWireBytes({ a: { S: '\u0001' } }) - itemWireBytes({ a: { S: '' } })).toBe(6);
  });
});

describe('BatchPacker', () => {
  it('sends a batch at 25 items', () => {
    // Prepare
    const packer = new BatchPacker<number>(30);
    const sent: number[][] = [];
    // Act
    for (let i = 0; i < 60; i++) sent.push(...packer.add(i, 100));
    const rest = packer.flush();
    // Assess
    expect(sent.map((batch) => batch.length)).toEqual([25, 25]);
    expect(rest).toHaveLength(10);
    expect([...sent.flat(), ...rest!]).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(packer.flush()).toBeUndefined();
  });

  it('sends a batch early when the next item would take the body past 16 MB', () => {
    // Prepare: items of 3 MB on the wire (a 400 KB item of control characters is 2.4 MB escaped).
    const envelope = 40;
    const packer = new BatchPacker<number>(envelope);
    const sent: number[][] = [];
    // Act
    for (let i = 0; i < 12; i++) sent.push(...packer.add(i, 3_000_000));
    sent.push(packer.flush()!);
    // Assess: 5 items = 15,000,040 bytes fit; a sixth would be 18 MB.
    expect(sent.map((batch) => batch.length)).toEqual([5, 5, 2]);
    expect(sent.every((batch) => envelope + batch.length * 3_000_000 <= BATCH_WRITE_MAX_BYTES)).toBe(true);
  });

  it('fills a batch to exactly the byte limit, and never sends an empty batch for an oversize item', () => {
    // Prepare
    const packer = new BatchPacker<string>(0, 25, 1_000);
    // Act
    const first = packer.add('a', 600);
    const second = packer.add('b', 400);
    const third = packer.add('c', 1);
    const huge = packer.add('d', 5_000);
    // Assess
    expect([first, second]).toEqual([[], []]);
    expect(third).toEqual([['a', 'b']]);
    expect(huge).toEqual([['c']]);
    expect(packer.flush()).toEqual(['d']);
  });
});

describe('AimdLimit', () => {
  it('halves on throttling, never below 1, and grows by one per clean call up to the maximum', () => {
    // Prepare
    const limit = new AimdLimit(8);
    // Act / Assess
    expect(limit.limit).toBe(8);
    limit.throttled(limit.start());
    expect(limit.limit).toBe(4);
    limit.throttled(limit.start());
    limit.throttled(limit.start());
    expect(limit.limit).toBe(1);
    limit.throttled(limit.start());
    expect(limit.limit).toBe(1);
    for (let i = 0; i < 3; i++) limit.clean(limit.start());
    expect(limit.limit).toBe(4);
    for (let i = 0; i < 10; i++) limit.clean(limit.start());
    expect(limit.limit).toBe(8);
  });

  it('one burst halves once: calls sent before the cut do not cut again, nor count as clean', () => {
    // Prepare: eight calls in flight, all sent at the old rate.
    const limit = new AimdLimit(8);
    const tickets = Array.from({ length: 8 }, () => limit.start());
    // Act
    for (const ticket of tickets.slice(0, 6)) limit.throttled(ticket);
    for (const ticket of tickets.slice(6)) limit.clean(ticket);
    // Assess
    expect(limit.limit).toBe(4);
    // A call sent after the cut that is throttled again cuts again.
    limit.throttled(limit.start());
    expect(limit.limit).toBe(2);
  });

  it('refuses a maximum below 1', () => {
    expect(() => new AimdLimit(0)).toThrow('the concurrency limit must be a whole number ≥ 1, got 0');
  });
});

describe('backoff and error classes', () => {
  it('is full jitter over a capped exponential', () => {
    // Act / Assess
    expect(backoffMs(0, () => 1)).toBe(50);
    expect(backoffMs(3, () => 0.5)).toBe(200);
    expect(backoffMs(20, () => 1)).toBe(5_000);
    expect(backoffMs(5, () => 0)).toBe(0);
  });

  it.each([
    ['ProvisionedThroughputExceededException', 400, true, false],
    ['ThrottlingException', 400, true, false],
    ['RequestLimitExceeded', 400, true, false],
    ['InternalServerError', 500, false, true],
    ['ValidationException', 400, false, false],
    ['ResourceNotFoundException', 400, false, false],
  ])('%s (HTTP %i): throttle %s, server error %s', (name, status, throttle, server) => {
    // Prepare
    const error = Object.assign(new Error('x'), { name, $metadata: { httpStatusCode: status } });
    // Act / Assess
    expect(isThrottleError(error)).toBe(throttle);
    expect(isServerError(error)).toBe(server);
  });
});

describe('manifest', () => {
  const previous: SeedManifest = {
    checksum: 'a'.repeat(64),
    source: 's3://b/k',
    mode: 'upsert',
    rawBytes: 1000,
    counts: { read: 1, written: 1, rejected: 0, skipped: 0, retried: 0 },
    seededAt: '2026-11-01T00:00:00.000Z',
  };

  it.each([
    ['no manifest', undefined, { force: false, resuming: false, sizeBytes: 1000 }, 'seed'],
    ['forced', previous, { force: true, resuming: false, sizeBytes: 1000 }, 'seed'],
    ['resuming', previous, { force: false, resuming: true, sizeBytes: 1000 }, 'seed'],
    ['another size', previous, { force: false, resuming: false, sizeBytes: 999 }, 'drift'],
    ['same size', previous, { force: false, resuming: false, sizeBytes: 1000 }, 'hash-first'],
    ['size unknown', previous, { force: false, resuming: false, sizeBytes: undefined }, 'hash-first'],
  ] as const)('before reading, %s: %s', (_name, manifest, options, kind) => {
    expect(manifestPrecheck(manifest, options).kind).toBe(kind);
  });

  it('the same checksum is unchanged, another is drift, none is neither', () => {
    expect(manifestDecision(previous, 'a'.repeat(64))).toEqual({ unchanged: true, contentDrift: false });
    expect(manifestDecision(previous, 'b'.repeat(64))).toEqual({ unchanged: false, contentDrift: true });
    expect(manifestDecision(undefined, 'b'.repeat(64))).toEqual({ unchanged: false, contentDrift: false });
  });
});

describe('buildSeedReport', () => {
  const rejection = (index: number): SeedRejection => ({ kind: 'rejected', index, line: index + 1, offset: index * 10, reason: 'missing partition key' });
  const base: SeedOutcome = {
    table: 'Customers',
    source: 's3://b/k',
    format: 'jsonl',
    mode: 'upsert',
    status: 'completed',
    read: 10,
    written: 8,
    skipped: 0,
    retried: 3,
    rejections: [rejection(2), rejection(5)],
    skippedKeys: [],
    durationMs: 12,
  };

  it('counts everything and carries the rejections', () => {
    // Act
    const report = buildSeedReport({ ...base, checksum: 'c' });
    // Assess
    expect(report).toEqual({
      table: 'Customers',
      source: 's3://b/k',
      format: 'jsonl',
      mode: 'upsert',
      status: 'completed',
      counts: { read: 10, written: 8, rejected: 2, skipped: 0, retried: 3 },
      checksum: 'c',
      rejections: base.rejections,
      durationMs: 12,
    });
  });

  it('a resumed run adds what earlier parts wrote, skipped and retried; read and rejected come from the re-read', () => {
    // Act
    const report = buildSeedReport({ ...base, mode: 'insert-only', written: 4, skipped: 1, resume: { recordsDone: 6, byteOffset: 60, written: 3, rejected: 2, skipped: 0, retried: 1 } });
    // Assess
    expect(report.counts).toEqual({ read: 10, written: 7, rejected: 2, skipped: 1, retried: 4 });
    expect(report.skippedKeys).toEqual([]);
  });

  it('a failed run says how many valid items were read but not written', () => {
    // Act
    const report = buildSeedReport({ ...base, status: 'failed', written: 5, reason: 'reading stopped: truncated' });
    // Assess
    expect(report.reason).toBe('reading stopped: truncated; 5 item(s) written before it stopped, 3 valid item(s) read but not written');
  });

  it('report keys keep numbers exact and show binary as base64', () => {
    // Act
    const key = reportKey({ id: { N: '12345678901234567890123' }, sk: { B: new Uint8Array([1, 2, 3]) }, other: { S: 'x' } }, { partitionKey: { name: 'id', type: 'N' }, sortKey: { name: 'sk', type: 'B' } });
    // Assess
    expect(key).toEqual({ id: '12345678901234567890123', sk: 'AQID' });
  });
});
