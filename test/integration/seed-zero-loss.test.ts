/**
 * Issue 10's zero-loss test: a few thousand items with invalid ones mixed in, seeded while the local AWS throttles
 * 20% of BatchWriteItem calls and leaves 20% of the write requests of the others unprocessed (fixed fault seed).
 * Every valid item must be in the table exactly once (counted by a Scan, keys compared), and every invalid one in
 * the report's rejections with its index and reason.
 */
import { CreateTableCommand, ScanCommand, type AttributeValue, type BatchWriteItemCommandInput } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { runSeed, type SeedSource } from '../../functions/run/seed.ts';
import { useLocalAws } from '../helpers/local-aws.ts';

const local = useLocalAws();
const TABLE = 'Customers';
const TOTAL = 3_000;

/** The invalid records, by kind, each with the reason the report must give. */
const INVALID: { line: (i: number) => string; reason: (i: number) => string | RegExp }[] = [
  { line: () => '{"name":"no key"}', reason: () => "missing partition key 'customerID'" },
  { line: (i) => `{"customerID":${i},"n":1}`, reason: () => "partition key 'customerID' is N, the table declares S" },
  { line: () => '{"customerID":""}', reason: () => "partition key 'customerID' is an empty string" },
  { line: () => '{"customerID":"broken",', reason: () => /^invalid JSON at byte \d+/ },
  { line: () => '[1,2,3]', reason: () => 'item is not a JSON object (found an array)' },
  { line: () => '{"customerID":"c00007","dup":true}', reason: () => 'duplicate key: item 7 has the same primary key (the first one is kept)' },
  { line: (i) => `{"customerID":"big${i}","blob":"${'x'.repeat(410_000)}"}`, reason: () => /^item is \d+ bytes in DynamoDB's size accounting; the limit is 409600 \(400 KB\)$/ },
];

function buildFile(): { text: string; valid: Set<string>; invalid: Map<number, string | RegExp> } {
  const rows: string[] = [];
  const valid = new Set<string>();
  const invalid = new Map<number, string | RegExp>();
  let kind = 0;
  for (let index = 0; index < TOTAL; index++) {
    if (index > 10 && index % 53 === 0) {
      const bad = INVALID[kind++ % INVALID.length]!;
      rows.push(bad.line(index));
      invalid.set(index, bad.reason(index));
      continue;
    }
    const id = `c${String(index).padStart(5, '0')}`;
    valid.add(id);
    rows.push(JSON.stringify({ customerID: id, name: `Customer ${index}`, tier: index % 3, tags: ['a', `t${index % 7}`], address: { city: 'Oslo', zip: String(1000 + index) }, vip: index % 11 === 0 }));
  }
  return { text: `${rows.join('\n')}\n`, valid, invalid };
}

function source(text: string): SeedSource {
  const bytes = Buffer.from(text);
  return {
    uri: 'seed/zero-loss.jsonl',
    sizeBytes: bytes.length,
    async *open() {
      for (let at = 0; at < bytes.length; at += 16_384) yield bytes.subarray(at, at + 16_384);
    },
  };
}

/** Counts the put requests the client sends in BatchWriteItem calls (resends included). */
function countPutsSent(aws: AwsClients): { sent: number } {
  const counter = { sent: 0 };
  aws.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'BatchWriteItemCommand') counter.sent += (args.input as BatchWriteItemCommandInput).RequestItems?.[TABLE]?.length ?? 0;
      return next(args);
    },
    { step: 'initialize', name: 'countPutsSent' },
  );
  return counter;
}

async function scanKeys(aws: AwsClients): Promise<string[]> {
  const keys: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await aws.dynamodb.send(new ScanCommand({ TableName: TABLE, ProjectionExpression: 'customerID', ...(start ? { ExclusiveStartKey: start } : {}) }));
    for (const item of page.Items ?? []) keys.push(item.customerID!.S!);
    start = page.LastEvaluatedKey;
  } while (start);
  return keys;
}

describe('seeding loses nothing under throttling and partial writes', () => {
  beforeEach(async () => {
    await local.reset();
  });
  afterEach(async () => {
    await local.server.clearFaults();
  });

  it('writes every valid item exactly once and reports every invalid one, with 20% throttling and 20% unprocessed', async () => {
    // Prepare
    // One attempt per SDK call: every throttled call reaches the writer, which resends it itself (with the
    // virtual clock, so backoff takes no real time; the SDK's own backoff would sleep 0.5 s and more per
    // throttle). Standard retry mode, as a seed's clients use (see AwsConnection.retryMode).
    const aws = createClients({ ...local.clientConfig, retryMode: 'standard', maxAttempts: 1 });
    const puts = countPutsSent(aws);
    await aws.dynamodb.send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: 'customerID', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'customerID', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const { text, valid, invalid } = buildFile();
    const clock = {
      t: 0,
      now: () => clock.t,
      sleep: async (ms: number) => {
        clock.t += ms;
      },
      random: () => 0.5,
    };
    await local.server.setFaults({ rate: 0.2, seed: 20261201, kinds: ['throttle'], services: ['dynamodb'], operations: ['BatchWriteItem'], unprocessed: 0.2 });
    // Act
    const report = await runSeed({ clients: aws, table: TABLE, source: source(text), mode: 'upsert', clock });
    const stats = await local.server.clearFaults();
    const keys = await scanKeys(aws);
    // Assess: the faults really happened, and the writer slowed down and waited rather than failing.
    expect(stats.injected.throttle).toBeGreaterThan(10);
    expect(clock.t).toBeGreaterThan(0);
    expect(stats.injected.unprocessed).toBeGreaterThan(300);
    // Every valid item exactly once.
    expect(report.status).toBe('completed');
    expect(keys).toHaveLength(valid.size);
    expect(new Set(keys)).toEqual(valid);
    expect(report.counts).toEqual({ read: TOTAL, written: valid.size, rejected: invalid.size, skipped: 0, retried: report.counts.retried });
    expect(report.counts.retried).toBeGreaterThanOrEqual(stats.injected.unprocessed);
    // Nothing sent twice but what DynamoDB did not take: every put request sent is a first send or a counted resend.
    expect(puts.sent).toBe(valid.size + report.counts.retried);
    // Every invalid one in the rejections, with its index and reason.
    expect(report.rejections.map((rejection) => rejection.index)).toEqual([...invalid.keys()]);
    for (const rejection of report.rejections) {
      const reason = invalid.get(rejection.index)!;
      if (typeof reason === 'string') expect(rejection.reason, `record ${rejection.index}`).toBe(reason);
      else expect(rejection.reason, `record ${rejection.index}`).toMatch(reason);
      expect(rejection.line).toBe(rejection.index + 1);
    }
  }, 30_000);

  it('a seed cut into parts at deadlines, under the same faults, still writes every valid item exactly once', async () => {
    // Prepare
    const aws = createClients({ ...local.clientConfig, retryMode: 'standard', maxAttempts: 1 });
    const puts = countPutsSent(aws);
    await aws.dynamodb.send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: 'customerID', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'customerID', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const { text, valid, invalid } = buildFile();
    const clock = {
      t: 0,
      now: () => clock.t++,
      sleep: async (ms: number) => {
        clock.t += ms;
      },
      random: () => 0.5,
    };
    await local.server.setFaults({ rate: 0.2, seed: 7, kinds: ['throttle'], services: ['dynamodb'], operations: ['BatchWriteItem'], unprocessed: 0.2 });
    // Act: each part gets 3,000 ticks of the clock (each record and each backoff moves it).
    const parts = [];
    let report = await runSeed({ clients: aws, table: TABLE, source: source(text), mode: 'insert-if-empty', clock, deadline: clock.t + 3_000 });
    parts.push(report);
    while (report.status === 'checkpointed' && parts.length < 50) {
      report = await runSeed({ clients: aws, table: TABLE, source: source(text), mode: 'insert-if-empty', clock, deadline: clock.t + 3_000, resume: report.checkpoint! });
      parts.push(report);
    }
    await local.server.clearFaults();
    const keys = await scanKeys(aws);
    // Assess
    expect(parts.length).toBeGreaterThan(2);
    expect(report.status).toBe('completed');
    expect(keys).toHaveLength(valid.size);
    expect(new Set(keys)).toEqual(valid);
    expect(report.counts).toMatchObject({ read: TOTAL, written: valid.size, rejected: invalid.size, skipped: 0 });
    expect(report.rejections.map((rejection) => rejection.index)).toEqual([...invalid.keys()]);
    expect(puts.sent).toBe(valid.size + report.counts.retried);
  }, 30_000);
});
