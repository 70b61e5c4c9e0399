/**
 * The seed writer with a mocked SDK and virtual time: UnprocessedItems resent until written or the retry window
 * ends (then a clear failure naming the count), the in-flight limit halving on throttling and growing back,
 * throttling errors resent, other errors not, insert-only's exact conditional put, batches split at 16 MB, and
 * batchWriteAll (the run history's writes) on the same retry loop.
 */
import { BatchWriteItemCommand, PutItemCommand, type BatchWriteItemCommandInput, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RetryClock } from '../../functions/aws/apply/retry.ts';
import { createClients, resolveConnection, type AwsClients } from '../../functions/aws/clients.ts';
import { SeedWriter, batchWriteAll } from '../../functions/aws/seed-writer.ts';
import type { SeedItem, SeedKeySchema } from '../../functions/core/seed/attribute-value.ts';
import { BATCH_WRITE_MAX_BYTES, SeedWriteFailed } from '../../functions/run/core/seed.ts';

const KEY: SeedKeySchema = { partitionKey: { name: 'id', type: 'S' } };
const TABLE = 'Customers';

function virtualClock(): RetryClock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return { now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)), random: () => 1, slept };
}

const awsError = (name: string, status = 400) => Object.assign(new Error(`${name} (test)`), { name, $fault: status >= 500 ? ('server' as const) : ('client' as const), $metadata: { httpStatusCode: status } });

function items(count: number, from = 0): SeedItem[] {
  return Array.from({ length: count }, (_, i) => ({ id: { S: `k${from + i}` }, n: { N: '12345678901234567890123' } }));
}

function requestsOf(call: { args: unknown[] }): WriteRequest[] {
  const input = (call.args[0] as { input: BatchWriteItemCommandInput }).input;
  return input.RequestItems![TABLE]!;
}

function idsOf(requests: WriteRequest[]): string[] {
  return requests.map((request) => request.PutRequest!.Item!.id!.S!);
}

describe('SeedWriter', () => {
  let aws: AwsClients;
  let dynamodb: ReturnType<typeof mockClient>;
  beforeEach(() => {
    aws = createClients({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    dynamodb = mockClient(aws.dynamodb);
  });

  it('resends UnprocessedItems with backoff until every item is written, and sends numbers as exact text', async () => {
    // Prepare: the first answer leaves 3 items unprocessed, the second 1, then all go through.
    const clock = virtualClock();
    dynamodb
      .on(BatchWriteItemCommand)
      .callsFakeOnce((input: BatchWriteItemCommandInput) => ({ UnprocessedItems: { [TABLE]: input.RequestItems![TABLE]!.slice(0, 3) } }))
      .callsFakeOnce((input: BatchWriteItemCommandInput) => ({ UnprocessedItems: { [TABLE]: input.RequestItems![TABLE]!.slice(0, 1) } }))
      .resolves({ UnprocessedItems: {} });
    const writer = new SeedWriter({ clients: aws, table: TABLE, keySchema: KEY, method: 'batch', maxConcurrency: 1, clock });
    // Act
    for (const item of items(10)) await writer.add(item);
    const totals = await writer.drain();
    // Assess
    const calls = dynamodb.commandCalls(BatchWriteItemCommand);
    expect(calls.map((call) => idsOf(requestsOf(call)))).toEqual([Array.from({ length: 10 }, (_, i) => `k${i}`), ['k0', 'k1', 'k2'], ['k0']]);
    expect(requestsOf(calls[0]!)[0]!.PutRequest!.Item!.n).toEqual({ N: '12345678901234567890123' });
    expect(totals).toMatchObject({ written: 10, retried: 4, throttledCalls: 1, calls: 1 });
    expect(clock.slept).toEqual([50, 100]); // full jitter (random = 1) over 50 ms × 2^attempt
  });

  it('gives up at the retry window with an error naming how many items were not written; the rest are counted as written', async () => {
    // Prepare: DynamoDB keeps two items unprocessed for ever.
    const clock = virtualClock();
    dynamodb.on(BatchWriteItemCommand).callsFake((input: BatchWriteItemCommandInput) => ({ UnprocessedItems: { [TABLE]: input.RequestItems![TABLE]!.slice(0, 2) } }));
    const writer = new SeedWriter({ clients: aws, table: TABLE, keySchema: KEY, method: 'batch', clock, retryWindowMs: 30_000 });
    // Act
    for (const item of items(5)) await writer.add(item);
    const drained = writer.drain();
    // Assess
    await expect(drained).rejects.toThrow(SeedWriteFailed);
    await expect(drained).rejects.toThrow(/^BatchWriteItem to Customers: 2 item\(s\) still unprocessed after \d+ attempts; gave up at the retry deadline, so 2 item\(s\) were not written$/);
    expect(writer.totals.written).toBe(3);
    expect(clock.now()).toBeLessThanOrEqual(30_000);
    expect(clock.slept.length).toBeGreaterThan(5);
  });

  it('stops taking items after a failure: add throws at once', async () => {
    // Prepare
    dynamodb.on(BatchWriteItemCommand).rejects(awsError('ValidationException'));
    const writer = new SeedWriter({ clients: aws, table: TABLE, keySchema: KEY, method: 'batch', maxConcurrency: 1, clock: virtualClock() });
    // Act
    for (const item of items(25)) await writer.add(item);
    await new Promise((resolve) => setImmediate(resolve));
    // Assess
    await expect(writer.add(items(1, 99)[0]!)).rejects.toThrow('ValidationException (test)');
    await expect(writer.drain()).rejects.toThrow('ValidationException (test)');
    expect(dynamodb.commandCalls(BatchWriteItemCommand)).toHaveLength(1); // not retried: the request itself is wrong
    expect(writer.totals.written).toBe(0);
  });

  it.each([
    ['ProvisionedThroughputExceededException', 400],
    ['ThrottlingException', 400],
    ['InternalServerError', 500],
  ])('resends a whole batch whose call failed with %s after the SDK gave up', async (name, status) => {
    // Prepare
    const clock = virtualClock();
    dynamodb.on(BatchWriteItemCommand).rejectsOnce(awsError(name, status)).resolves({ UnprocessedItems: {} });
    const writer = new SeedWriter({ clients: aws, table: TABLE, keySchema: KEY, method: 'batch', maxConcurrency: 4, clock });
    // Act
    for (const item of items(25)) await writer.add(item);
    const totals = await writer.drain();
    // Assess
    expect(dynamodb.commandCalls(BatchWriteItemCommand)).toHaveLength(2);
    expect(totals).toMatchObject({ written: 25, retried: 25, throttledCalls: 1 });
    expect(writer.limit).toBe(2);
  });

  it('halves the in-flight limit when the SDK had to retry a call, and grows it back by one per clean call', async () => {
    // Prepare: the first two calls needed three attempts at the SDK level; the rest went through at once.
    let call = 0;
    dynamodb.on(BatchWriteItemCommand).callsFake(() => ({ UnprocessedItems: {}, $metadata: { attempts: ++call <= 2 ? 3 : 1 } }));
    const writer = new SeedWriter({ clients: aws, table: TABLE, keySchema: KEY, method: 'batch', maxConcurrency: 8, clock: virtualClock() });
    const limits: number[] = [];
    // Act
    for (let i = 0; i < 10; i++) {
      for (const item of items(25, i * 25)) await writer.add(item);
      await new Promise((resolve) => setImmediate(resolve));
      limits.push(writer.limit);
    }
    await writer.drain();
    // Assess
    expect(limits[0]).toBe(4);
    expect(Math.min(...limits)).toBeLessThan(8);
    expect(writer.limit).toBeGreaterThan(Math.min(...limits));
    expect(writer.totals).toMatchObject({ written: 250, throttledCalls: 2 });
  });

  it('never has more calls in flight than the limit', async () => {
    // Prepare: slow answers, so calls overlap.
    let inFlight = 0;
    let most = 0;
    dynamodb.on(BatchWriteItemCommand).callsFake(async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return { UnprocessedItems: {} };
    });
    const writer = new SeedWriter({ clients: aws, table: TABLE, keySchema: KEY, method: 'batch', maxConcurrency: 3, clock: virtualClock() });
    // Act
    for (const item of items(25 * 12)) await writer.add(item);
    await writer.drain();
    // Assess
    expect(most).toBe(3);
    expect(writer.totals.written).toBe(300);
  });

  it('splits batches so no request body passes 16 MB', async () => {
    // Prepare: 30 items of 300 KB of control characters: each 1.8 MB on the wire, under 400 KB stored.
    dynamodb.on(BatchWriteItemCommand).resolves({ UnprocessedItems: {} });
    const big = '\u0001'.repeat(300_000);
    const writer = new SeedWriter({ clients: aws, table: TABLE, keySchema: KEY, method: 'batch', clock: virtualClock() });
    // Act
    for (let i = 0; i < 30; i++) await writer.add({ id: { S: `k${i}` }, blob: { S: big } });
    await writer.drain();
    // Assess
    const bodies = dynamodb.commandCalls(BatchWriteItemCommand).map((call) => Buffer.byteLength(JSON.stringify((call.args[0] as { input: unknown }).input)));
    expect(bodies.length).toBe(4); // 8 + 8 + 8 + 6
    expect(Math.max(...bodies)).toBeLessThanOrEqual(BATCH_WRITE_MAX_BYTES);
    expect(Math.max(...bodies)).toBeGreaterThan(14_000_000);
  });

  it('insert-only sends one conditional PutItem per item and reports the keys that existed', async () => {
    // Prepare
    dynamodb.on(PutItemCommand).callsFake((input: { Item: { id: { S: string } } }) => {
      if (input.Item.id.S === 'k1') throw awsError('ConditionalCheckFailedException');
      return {};
    });
    const writer = new SeedWriter({ clients: aws, table: TABLE, keySchema: KEY, method: 'conditional', clock: virtualClock() });
    // Act
    for (const item of items(3)) await writer.add(item);
    const totals = await writer.drain();
    // Assess
    expect(dynamodb.commandCalls(PutItemCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: items(1)[0],
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'id' },
    });
    expect(totals).toMatchObject({ written: 2, skipped: 1, skippedKeys: [{ id: 'k1' }] });
    expect(dynamodb.commandCalls(BatchWriteItemCommand)).toHaveLength(0);
  });

  it('insert-only resends a throttled put and halves its limit', async () => {
    // Prepare
    const clock = virtualClock();
    dynamodb.on(PutItemCommand).rejectsOnce(awsError('ProvisionedThroughputExceededException')).resolves({});
    const writer = new SeedWriter({ clients: aws, table: TABLE, keySchema: KEY, method: 'conditional', maxConcurrency: 2, clock });
    // Act
    await writer.add(items(1)[0]!);
    const totals = await writer.drain();
    // Assess
    expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(2);
    expect(totals).toMatchObject({ written: 1, retried: 1, throttledCalls: 1 });
    expect(writer.limit).toBe(4); // 4 × maxConcurrency, halved
  });
});

describe('batchWriteAll (the run history)', () => {
  it('writes in 25s and resends unprocessed items on the same retry loop', async () => {
    // Prepare
    const aws = createClients({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const dynamodb = mockClient(aws.dynamodb);
    dynamodb
      .on(BatchWriteItemCommand)
      .callsFakeOnce((input: BatchWriteItemCommandInput) => ({ UnprocessedItems: { state: input.RequestItems!.state!.slice(0, 2) } }))
      .resolves({ UnprocessedItems: {} });
    const requests: WriteRequest[] = Array.from({ length: 30 }, (_, i) => ({ PutRequest: { Item: { pk: { S: `p${i}` }, sk: { S: 's' } } } }));
    // Act
    await batchWriteAll(aws, 'state', requests, { clock: virtualClock() });
    // Assess
    const sizes = dynamodb.commandCalls(BatchWriteItemCommand).map((call) => (call.args[0].input as BatchWriteItemCommandInput).RequestItems!.state!.length);
    expect(sizes).toEqual([25, 2, 5]);
  });
});

describe('AwsConnection.retryMode', () => {
  it('defaults to adaptive; a seed may ask for standard', () => {
    expect(resolveConnection({ region: 'us-east-1' }).settings.retryMode).toBe('adaptive');
    expect(resolveConnection({ region: 'us-east-1', retryMode: 'standard' }).settings.retryMode).toBe('standard');
  });
});
