/**
 * The seed run against the local AWS (real SDK over HTTP): each mode, insert-if-empty refusing a non-empty table,
 * insert-only skipping existing keys, the manifest (unchanged, drift), a checkpoint at a deadline and its resume
 * writing every item exactly once, a fatal read error part way, a missing table, and a 23-digit number read back
 * exactly with the low-level client.
 */
import { gzipSync } from 'node:zlib';
import { CreateTableCommand, GetItemCommand, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import type { RetryClock } from '../../functions/aws/apply/retry.ts';
import { runSeed, SeedTableMissing, type SeedSource } from '../../functions/run/seed.ts';
import { operatorStateTableInput } from '../../local/operator-env.ts';
import { useLocalAws } from '../helpers/local-aws.ts';

const local = useLocalAws();
const TABLE = 'Customers';
const STATE = 'tablewarden-state';

/** Virtual time: sleeps advance it at once, so retries never wait for real. */
function virtualClock(start = 1_800_000_000_000): RetryClock & { t: number } {
  const clock = {
    t: start,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
    random: () => 0.5,
  };
  return clock;
}

function source(text: string | Buffer, uri = 'seed/customers.jsonl', chunk = 4096): SeedSource & { opens: number } {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const result = {
    uri,
    sizeBytes: bytes.length,
    opens: 0,
    async *open() {
      result.opens++;
      for (let at = 0; at < bytes.length; at += chunk) yield bytes.subarray(at, at + chunk);
    },
  };
  return result;
}

function lines(count: number, from = 0, extra = ''): string {
  const out: string[] = [];
  for (let i = from; i < from + count; i++) out.push(`{"customerID":"c${String(i).padStart(5, '0')}","n":${i}${extra}}`);
  return `${out.join('\n')}\n`;
}

async function createTable(aws: AwsClients, name = TABLE): Promise<void> {
  await aws.dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'customerID', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'customerID', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

async function createStateTable(aws: AwsClients): Promise<void> {
  await aws.dynamodb.send(new CreateTableCommand(operatorStateTableInput(STATE)));
}

async function scanAll(aws: AwsClients, table = TABLE): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await aws.dynamodb.send(new ScanCommand({ TableName: table, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

function writes(aws: AwsClients, action: string): number {
  return aws.calls.all().filter((call) => call.action === action).length;
}

describe('runSeed against the local AWS', () => {
  let aws: AwsClients;
  beforeEach(async () => {
    await local.reset();
    aws = createClients(local.clientConfig);
    await createTable(aws);
  });
  afterEach(async () => {
    await local.server.clearFaults();
  });

  it('seeds an empty table in the default mode (insert-if-empty) and reports every count', async () => {
    // Prepare
    const file = source(`${lines(60)}{"customerID":""}\n{"n":1}\n`);
    // Act
    const report = await runSeed({ clients: aws, table: TABLE, source: file, clock: virtualClock() });
    // Assess
    expect(report).toMatchObject({ status: 'completed', mode: 'insert-if-empty', format: 'jsonl', counts: { read: 62, written: 60, rejected: 2, skipped: 0, retried: 0 } });
    expect(report.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(report.rejections.map((rejection) => [rejection.index, rejection.line, rejection.reason])).toEqual([
      [60, 61, "partition key 'customerID' is an empty string"],
      [61, 62, "missing partition key 'customerID'"],
    ]);
    expect(await scanAll(aws)).toHaveLength(60);
    expect(writes(aws, 'dynamodb:BatchWriteItem')).toBe(3); // 25 + 25 + 10
  });

  it('refuses a table that has items in insert-if-empty mode, writing nothing', async () => {
    // Prepare
    await aws.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { customerID: { S: 'existing' } } }));
    // Act
    const report = await runSeed({ clients: aws, table: TABLE, source: source(lines(10)) });
    // Assess
    expect(report.status).toBe('refused-not-empty');
    expect(report.reason).toMatch(/Customers already has items .* insert-if-empty .* upsert .* insert-only/);
    expect(report.counts).toEqual({ read: 0, written: 0, rejected: 0, skipped: 0, retried: 0 });
    expect(writes(aws, 'dynamodb:BatchWriteItem')).toBe(0);
    expect(writes(aws, 'dynamodb:Scan')).toBe(1); // one Scan, Limit 1
    expect(await scanAll(aws)).toHaveLength(1);
  });

  it('upsert overwrites items with the same key and keeps the others', async () => {
    // Prepare
    await aws.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { customerID: { S: 'c00001' }, n: { N: '-1' }, old: { BOOL: true } } }));
    await aws.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { customerID: { S: 'other' } } }));
    // Act
    const report = await runSeed({ clients: aws, table: TABLE, source: source(lines(5)), mode: 'upsert' });
    // Assess
    expect(report).toMatchObject({ status: 'completed', counts: { read: 5, written: 5, skipped: 0 } });
    const items = await scanAll(aws);
    expect(items).toHaveLength(6);
    expect(items.find((item) => item.customerID?.S === 'c00001')).toEqual({ customerID: { S: 'c00001' }, n: { N: '1' } });
  });

  it('insert-only writes new keys, skips existing ones and reports them, leaving them untouched', async () => {
    // Prepare
    await aws.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { customerID: { S: 'c00002' }, n: { N: '-2' } } }));
    await aws.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { customerID: { S: 'c00004' }, n: { N: '-4' } } }));
    // Act
    const report = await runSeed({ clients: aws, table: TABLE, source: source(lines(6)), mode: 'insert-only' });
    // Assess
    expect(report).toMatchObject({ status: 'completed', counts: { read: 6, written: 4, skipped: 2, rejected: 0 } });
    expect(report.skippedKeys).toEqual(expect.arrayContaining([{ customerID: 'c00002' }, { customerID: 'c00004' }]));
    expect(report.skippedKeys).toHaveLength(2);
    const items = await scanAll(aws);
    expect(items).toHaveLength(6);
    expect(items.find((item) => item.customerID?.S === 'c00002')?.n).toEqual({ N: '-2' });
    expect(writes(aws, 'dynamodb:BatchWriteItem')).toBe(0);
    expect(writes(aws, 'dynamodb:PutItem')).toBe(2 + 6);
  });

  it('insert-only on a table with a sort key: the key schema comes from DescribeTable, an existing full key is skipped', async () => {
    // Prepare
    await aws.dynamodb.send(
      new CreateTableCommand({
        TableName: 'Orders',
        AttributeDefinitions: [
          { AttributeName: 'customerID', AttributeType: 'S' },
          { AttributeName: 'orderNo', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'customerID', KeyType: 'HASH' },
          { AttributeName: 'orderNo', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await aws.dynamodb.send(new PutItemCommand({ TableName: 'Orders', Item: { customerID: { S: 'c1' }, orderNo: { N: '1' }, old: { BOOL: true } } }));
    const file = source('{"customerID":"c1","orderNo":1}\n{"customerID":"c1","orderNo":2}\n{"customerID":"c2","orderNo":1}\n{"customerID":"c3","orderNo":"7"}\n', 'seed/orders.jsonl');
    // Act
    const report = await runSeed({ clients: aws, table: 'Orders', source: file, mode: 'insert-only' });
    // Assess
    expect(report).toMatchObject({ status: 'completed', counts: { read: 4, written: 2, skipped: 1, rejected: 1 }, skippedKeys: [{ customerID: 'c1', orderNo: '1' }] });
    expect(report.rejections[0]).toMatchObject({ index: 3, reason: "sort key 'orderNo' is S, the table declares N" });
    const items = await scanAll(aws, 'Orders');
    expect(items).toHaveLength(3);
    expect(items.find((item) => item.customerID?.S === 'c1' && item.orderNo?.N === '1')?.old).toEqual({ BOOL: true });
  });

  it('writes a 23-digit number as the same 23 digits (read back with the low-level client)', async () => {
    // Prepare
    const digits = '12345678901234567890123';
    const file = source(`[{"customerID":"big","balance":${digits},"fraction":-0.12345678901234567890123456789012345678}]`, 'seed/big.json');
    // Act
    const report = await runSeed({ clients: aws, table: TABLE, source: file });
    const got = await aws.dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { customerID: { S: 'big' } }, ConsistentRead: true }));
    // Assess
    expect(report).toMatchObject({ status: 'completed', format: 'json', counts: { written: 1 } });
    expect(got.Item?.balance).toEqual({ N: digits });
    expect(got.Item?.fraction).toEqual({ N: '-0.12345678901234567890123456789012345678' });
  });

  it('fails clearly for a table that does not exist, before any write', async () => {
    // Act
    const run = runSeed({ clients: aws, table: 'Nope', source: source(lines(3)) });
    // Assess
    await expect(run).rejects.toThrow(SeedTableMissing);
    await expect(run).rejects.toThrow('table Nope does not exist; create it first (tablewarden apply), then seed it');
    expect(writes(aws, 'dynamodb:BatchWriteItem')).toBe(0);
  });

  it('ends a gzip file corrupt part way as failed, with the items written before it counted', async () => {
    // Prepare: a valid gzip of 200 lines, cut and damaged two thirds in.
    const zipped = gzipSync(Buffer.from(lines(200, 0, `,"pad":"${'x'.repeat(400)}"`)), { level: 1 });
    const cut = Buffer.from(zipped.subarray(0, Math.floor((zipped.length * 2) / 3)));
    for (let i = cut.length - 40; i < cut.length; i++) cut[i] = 0xff;
    // Act
    const report = await runSeed({ clients: aws, table: TABLE, source: source(cut, 'seed/c.jsonl.gz', 512), mode: 'upsert' });
    // Assess
    expect(report.status).toBe('failed');
    expect(report.reason).toMatch(/^reading stopped: the gzip stream is corrupt/);
    expect(report.reason).toMatch(new RegExp(`; ${report.counts.written} item\\(s\\) written before it stopped, 0 valid item\\(s\\) read but not written$`));
    expect(report.checksum).toBeUndefined();
    expect(report.counts.written).toBeGreaterThan(0);
    expect(await scanAll(aws)).toHaveLength(report.counts.written);
  });

  it('ends truncated JSON as failed with the item before the damage written and counted; an empty file fails writing nothing', async () => {
    // Prepare: test/corpus/seed/01-truncated-array.json, with this table's key.
    const truncated = source('[{"customerID":"a"},\n{"customerID":"b","x":', 'seed/t.json');
    // Act
    const report = await runSeed({ clients: aws, table: TABLE, source: truncated });
    const empty = await runSeed({ clients: aws, table: 'Customers', source: source('  \n', 'seed/e.json'), mode: 'upsert' });
    // Assess
    expect(report).toMatchObject({ status: 'failed', counts: { read: 1, written: 1, rejected: 0 } });
    expect(report.reason).toBe(
      'reading stopped: the file ends inside item 1 (which starts at byte 21, line 2): the JSON is truncated (byte 43, line 2); 1 item(s) written before it stopped, 0 valid item(s) read but not written',
    );
    expect(empty).toMatchObject({ status: 'failed', counts: { read: 0, written: 0 } });
    expect(empty.reason).toMatch(/^reading stopped: the seed file is empty/);
    expect((await scanAll(aws)).map((item) => item.customerID?.S)).toEqual(['a']);
  });

  it("throws the source's own error when nothing was written, and reports failed once something was", async () => {
    // Prepare
    const missing: SeedSource = {
      uri: 's3://bucket/missing.json',
      open: () => ({
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' })) }),
      }),
    };
    const bytes = Buffer.from(lines(60));
    const dropping: SeedSource = {
      uri: 's3://bucket/c.jsonl',
      async *open() {
        yield bytes.subarray(0, 2_000);
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
      },
    };
    // Act
    const thrown = await runSeed({ clients: aws, table: TABLE, source: missing }).catch((error: unknown) => error);
    const report = await runSeed({ clients: aws, table: TABLE, source: dropping, maxConcurrency: 1 });
    // Assess
    expect(thrown).toMatchObject({ name: 'NoSuchKey', message: 'The specified key does not exist.' });
    expect(report.status).toBe('failed');
    expect(report.counts.written).toBeGreaterThan(0);
    expect(report.reason).toMatch(new RegExp(`^Error: socket hang up; ${report.counts.written} item\\(s\\) written before it stopped, \\d+ valid item\\(s\\) read but not written$`));
    expect(await scanAll(aws)).toHaveLength(report.counts.written);
  });

  it('fails with the count of items not written when DynamoDB keeps items unprocessed past the retry window', async () => {
    // Prepare: every write request comes back unprocessed.
    await local.server.setFaults({ seed: 1, services: ['dynamodb'], operations: ['BatchWriteItem'], unprocessed: 1 });
    const clock = virtualClock();
    // Act
    const report = await runSeed({ clients: aws, table: TABLE, source: source(lines(30)), clock, retryWindowMs: 10_000, maxConcurrency: 1 });
    // Assess
    expect(report.status).toBe('failed');
    expect(report.counts).toMatchObject({ read: 30, written: 0 });
    expect(report.reason).toMatch(/^BatchWriteItem to Customers: 25 item\(s\) still unprocessed after \d+ attempts; gave up at the retry deadline, so 25 item\(s\) were not written; 0 item\(s\) written before it stopped, 30 valid item\(s\) read but not written$/);
    expect(clock.t - 1_800_000_000_000).toBeLessThanOrEqual(10_000);
    expect(await scanAll(aws)).toHaveLength(0);
  });

  it('writes DynamoDB-JSON export lines with sets, binary and exact numbers', async () => {
    // Prepare
    const file = source(
      '{"Item":{"customerID":{"S":"d1"},"tags":{"SS":["a","b"]},"scores":{"NS":["1","12345678901234567890123"]},"blob":{"B":"AQID"},"bins":{"BS":["AQ==","Ag=="]}}}\n',
      'seed/export.json',
    );
    // Act
    const report = await runSeed({ clients: aws, table: TABLE, source: file });
    const got = await aws.dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { customerID: { S: 'd1' } }, ConsistentRead: true }));
    // Assess
    expect(report).toMatchObject({ status: 'completed', format: 'dynamodb-json', counts: { written: 1 } });
    expect(new Set(got.Item?.tags?.SS)).toEqual(new Set(['a', 'b']));
    expect(new Set(got.Item?.scores?.NS)).toEqual(new Set(['1', '12345678901234567890123']));
    expect(Buffer.from(got.Item!.blob!.B!)).toEqual(Buffer.from([1, 2, 3]));
    expect(got.Item?.bins?.BS?.map((value) => Buffer.from(value).toString('base64')).sort()).toEqual(['AQ==', 'Ag==']);
  });

  it('reports progress after batches and at the end, with raw bytes against the stored size', async () => {
    // Prepare
    const file = source(lines(100));
    const seen: { recordsRead: number; written: number; bytesRead: number; sizeBytes?: number }[] = [];
    // Act
    await runSeed({ clients: aws, table: TABLE, source: file, onProgress: (progress) => seen.push(progress) });
    // Assess
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.at(-1)).toMatchObject({ recordsRead: 100, written: 100, bytesRead: file.sizeBytes, sizeBytes: file.sizeBytes });
    expect(seen.map((progress) => progress.written)).toEqual([...seen.map((progress) => progress.written)].sort((a, b) => a - b));
  });

  it('insert-only under throttled conditional puts: every new key written once, every existing one skipped', async () => {
    // Prepare: 20% of PutItem calls throttled; one attempt per SDK call, so the writer resends them itself.
    const seeded = createClients({ ...local.clientConfig, retryMode: 'standard', maxAttempts: 1 });
    for (const id of ['c00003', 'c00010', 'c00042']) await aws.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { customerID: { S: id }, n: { N: '-1' } } }));
    await local.server.setFaults({ rate: 0.2, seed: 11, kinds: ['throttle'], services: ['dynamodb'], operations: ['PutItem'] });
    // Act
    const report = await runSeed({ clients: seeded, table: TABLE, source: source(lines(150)), mode: 'insert-only', clock: virtualClock() });
    const stats = await local.server.clearFaults();
    // Assess
    expect(stats.injected.throttle).toBeGreaterThan(10);
    expect(report).toMatchObject({ status: 'completed', counts: { read: 150, written: 147, skipped: 3 } });
    expect(report.counts.retried).toBe(stats.injected.throttle);
    expect(report.skippedKeys).toEqual(expect.arrayContaining([{ customerID: 'c00003' }, { customerID: 'c00010' }, { customerID: 'c00042' }]));
    const items = await scanAll(aws);
    expect(items).toHaveLength(150);
    expect(items.filter((item) => item.n?.N === '-1')).toHaveLength(3);
  });

  it('with the SDK retrying throttled calls itself (standard mode, default attempts), every item is written', async () => {
    // Prepare
    const seeded = createClients({ ...local.clientConfig, retryMode: 'standard' });
    await local.server.setFaults({ rate: 0.2, seed: 3, kinds: ['throttle'], services: ['dynamodb'], operations: ['BatchWriteItem'] });
    // Act
    const report = await runSeed({ clients: seeded, table: TABLE, source: source(lines(200)), clock: virtualClock() });
    const stats = await local.server.clearFaults();
    // Assess
    expect(stats.injected.throttle).toBeGreaterThan(0);
    expect(seeded.calls.all().some((call) => call.action === 'dynamodb:BatchWriteItem' && (call.attempts ?? 1) > 1)).toBe(true);
    expect(report).toMatchObject({ status: 'completed', counts: { read: 200, written: 200 } });
    expect(await scanAll(aws)).toHaveLength(200);
  }, 20_000);

  describe('the manifest', () => {
    beforeEach(async () => {
      await createStateTable(aws);
    });

    it('records the checksum; the same file again is unchanged and writes nothing; a changed one is content drift', async () => {
      // Prepare
      const first = source(lines(30));
      const firstReport = await runSeed({ clients: aws, table: TABLE, source: first, manifestTable: STATE, now: () => Date.parse('2026-11-01T00:00:00Z') });
      const manifest = await aws.dynamodb.send(new GetItemCommand({ TableName: STATE, Key: { pk: { S: 'SEED#Customers' }, sk: { S: 'manifest' } } }));
      const batchesAfterFirst = writes(aws, 'dynamodb:BatchWriteItem');
      // Act
      const again = await runSeed({ clients: aws, table: TABLE, source: source(lines(30)), manifestTable: STATE });
      const changed = await runSeed({ clients: aws, table: TABLE, source: source(lines(31)), manifestTable: STATE, mode: 'upsert' });
      const changedDefault = await runSeed({ clients: aws, table: TABLE, source: source(lines(32)), manifestTable: STATE });
      // Assess
      expect(firstReport).toMatchObject({ status: 'completed', contentDrift: false });
      expect(manifest.Item).toMatchObject({
        checksum: { S: firstReport.checksum },
        source: { S: 'seed/customers.jsonl' },
        mode: { S: 'insert-if-empty' },
        seededAt: { S: '2026-11-01T00:00:00.000Z' },
        counts: { M: { read: { N: '30' }, written: { N: '30' }, rejected: { N: '0' }, skipped: { N: '0' }, retried: { N: '0' } } },
      });
      expect(again).toMatchObject({ status: 'unchanged', checksum: firstReport.checksum, contentDrift: false, counts: { written: 0 } });
      expect(again.reason).toMatch(/has the checksum seeded into Customers at 2026-11-01T00:00:00.000Z; nothing written \(force to write it again\)/);
      expect(changed).toMatchObject({ status: 'completed', contentDrift: true, counts: { written: 31 } });
      expect(changedDefault).toMatchObject({ status: 'refused-not-empty', contentDrift: true });
      expect(writes(aws, 'dynamodb:BatchWriteItem')).toBe(batchesAfterFirst + 2);
      expect(await scanAll(aws)).toHaveLength(31);
    });

    it('an unchanged seed with force is written again', async () => {
      // Prepare
      await runSeed({ clients: aws, table: TABLE, source: source(lines(10)), manifestTable: STATE, mode: 'upsert' });
      // Act
      const report = await runSeed({ clients: aws, table: TABLE, source: source(lines(10)), manifestTable: STATE, mode: 'upsert', force: true });
      // Assess
      expect(report).toMatchObject({ status: 'completed', contentDrift: false, counts: { written: 10 } });
    });
  });

  describe('deadline and checkpoint', () => {
    it('stops at the deadline with a checkpoint; resuming writes every remaining item exactly once', async () => {
      // Prepare: the clock passes the deadline after about 100 records have been taken.
      let t = 0;
      const now = (): number => t++;
      const file = source(`${lines(120)}not json\n${lines(120, 120)}`, 'seed/c.jsonl', 300);
      // Act
      const first = await runSeed({ clients: aws, table: TABLE, source: file, now, deadline: 100, mode: 'upsert' });
      const items1 = await scanAll(aws);
      const second = await runSeed({ clients: aws, table: TABLE, source: file, now, deadline: 100_000, mode: 'upsert', resume: first.checkpoint! });
      // Assess
      expect(first.status).toBe('checkpointed');
      const done = first.checkpoint!.recordsDone;
      expect(done).toBeGreaterThan(50);
      expect(done).toBeLessThan(120);
      expect(first.checkpoint).toEqual({ recordsDone: done, byteOffset: expect.any(Number), written: done, rejected: 0, skipped: 0, retried: 0 });
      expect(items1).toHaveLength(done);
      expect(second).toMatchObject({ status: 'completed', counts: { read: 241, written: 240, rejected: 1 } });
      expect(second.rejections.map((rejection) => rejection.index)).toEqual([120]);
      expect(await scanAll(aws)).toHaveLength(240);
      // Exactly once: the first part's items were not sent again.
      const sent = aws.calls.all().filter((call) => call.action === 'dynamodb:BatchWriteItem').length;
      expect(sent).toBe(Math.ceil(done / 25) + Math.ceil((240 - done) / 25));
    });

    it('maxRecords bounds one part: a chain of parts of 30 new records each writes all 100 items once', async () => {
      // Prepare
      const file = source(lines(100), 'seed/c.jsonl', 500);
      // Act
      const parts = [await runSeed({ clients: aws, table: TABLE, source: file, maxRecords: 30 })];
      while (parts.at(-1)!.status === 'checkpointed') parts.push(await runSeed({ clients: aws, table: TABLE, source: file, maxRecords: 30, resume: parts.at(-1)!.checkpoint! }));
      // Assess
      expect(parts.map((part) => part.checkpoint?.recordsDone)).toEqual([30, 60, 90, undefined]);
      expect(parts[0]!.reason).toMatch(/^stopped at this part's limit of 30 records after 30 records \(byte \d+\); resume with the checkpoint to continue$/);
      expect(parts.at(-1)).toMatchObject({ status: 'completed', counts: { read: 100, written: 100 } });
      expect(writes(aws, 'dynamodb:BatchWriteItem')).toBe(3 * 2 + 1); // 25 + 5 in each part of 30, then 10
      expect(await scanAll(aws)).toHaveLength(100);
    });

    it('a resume of its own checkpoint is not refused in insert-if-empty mode, and a changed file is refused', async () => {
      // Prepare
      let t = 0;
      const now = (): number => t++;
      const file = source(lines(80), 'seed/c.jsonl', 200);
      const first = await runSeed({ clients: aws, table: TABLE, source: file, now, deadline: 40 });
      // Act
      const changed = await runSeed({ clients: aws, table: TABLE, source: source(`{"customerID":"zz"}\n${lines(80)}`, 'seed/c.jsonl', 200), now, resume: first.checkpoint! });
      const resumed = await runSeed({ clients: aws, table: TABLE, source: file, now, resume: first.checkpoint! });
      // Assess
      expect(first.status).toBe('checkpointed');
      expect(changed.status).toBe('failed');
      expect(changed.reason).toMatch(/changed since the checkpoint/);
      expect(resumed).toMatchObject({ status: 'completed', counts: { read: 80, written: 80 } });
      expect(await scanAll(aws)).toHaveLength(80);
    });
  });
});
