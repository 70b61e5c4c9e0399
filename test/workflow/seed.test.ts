/**
 * The synthesized Seed state machine, run locally (aws-local-stepfunctions) with the real `seed` handler against the
 * local AWS (issue 10 item 5: long files in parts, resumed from checkpoints), and the synthesized Reconcile machine's
 * seeding step (item 6a: `spec.seed` seeds a table after it is created, and again when the object changes).
 *
 * Parts are forced with SEED_MAX_RECORDS_PER_INVOCATION (the handler's setting; the stack never sets it), so the
 * number of checkpoints does not depend on the machine's speed. "Exactly once" is checked two ways: a Scan finds
 * every valid key once and nothing else, and the final report's `written` (the sum over the parts, each counting only
 * what it wrote) equals the number of valid items: a part that wrote an earlier part's records again would count them.
 */
import { createHash } from 'node:crypto';
import { CreateTableCommand, GetItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it, vi } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { publishBundle } from '../../functions/aws/publish.ts';
import { readDesiredStateFiles } from '../../functions/cli/desired-files.ts';
import { handlerApiActions } from '../../infra/permissions.ts';
import { prepareLocalReconcile, runLocalReconcile } from '../../local/workflow/reconcile.ts';
import type { RunResult } from '../../local/workflow/run.ts';
import { runLocalSeed } from '../../local/workflow/seed.ts';
import { MAX_SEED_PARTS } from '../../state-machines/seed.ts';
import { handlerCallRecorders } from '../support/run-dependencies.ts';
import { useWorkflowAccount } from '../support/workflow-account.ts';

// Hosted once: every handler's call recorder then covers the whole file (the least-privilege test is last).
const local = useWorkflowAccount({ prepare: prepareLocalReconcile });
const TABLE = 'Customers';
const BUCKET = 'tablewarden-bundles';
const TOTAL = 1_200;
const PER_PART = 300;
let execution = 0;
const nextName = (prefix: string) => `${prefix}-${++execution}`;


const s3 = () => new S3Client({ ...local.clientConfig, forcePathStyle: true });
const aws = (): AwsClients => createClients(local.clientConfig);

/** JSON Lines of TOTAL records; every 97th is invalid (no key, or a key of the wrong type). */
function seedFile(): { text: string; valid: Set<string>; invalid: number } {
  const rows: string[] = [];
  const valid = new Set<string>();
  let invalid = 0;
  for (let index = 0; index < TOTAL; index++) {
    if (index % 97 === 50) {
      rows.push(index % 2 === 0 ? '{"name":"no key"}' : `{"customerID":${index}}`);
      invalid++;
      continue;
    }
    const id = `C${String(index).padStart(5, '0')}`;
    valid.add(id);
    rows.push(JSON.stringify({ customerID: id, name: `Customer ${index}`, tier: index % 4, tags: ['seed', `t${index % 5}`], address: { city: 'Lyon', zip: String(69000 + (index % 9)) } }));
  }
  return { text: `${rows.join('\n')}\n`, valid, invalid };
}

async function createTable(): Promise<void> {
  await aws().dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'customerID', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'customerID', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

async function upload(key: string, body: string): Promise<string> {
  await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return `s3://${BUCKET}/${key}`;
}

async function scanKeys(): Promise<string[]> {
  const keys: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await aws().dynamodb.send(new ScanCommand({ TableName: TABLE, ...(start ? { ExclusiveStartKey: start } : {}) }));
    for (const item of page.Items ?? []) keys.push(item.customerID!.S!);
    start = page.LastEvaluatedKey;
  } while (start);
  return keys;
}

async function stateItem(sk: 'manifest' | 'source') {
  const { Item } = await aws().dynamodb.send(new GetItemCommand({ TableName: process.env.STATE_TABLE!, Key: { pk: { S: `SEED#${TABLE}` }, sk: { S: sk } }, ConsistentRead: true }));
  return Item;
}

async function readText(key: string): Promise<string> {
  const object = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return object.Body!.transformToString('utf8');
}

/** The outputs of the Seed task in one execution, in order (each part's result). */
function partResults(run: RunResult): Array<{ status: string; iteration: number; checkpoint?: { recordsDone: number } }> {
  return run.events.filter((event) => event.type === 'LambdaFunctionSucceeded' && event.state === 'Seed').map((event) => event.output as never);
}

async function assertSeededOnce(run: RunResult, executionName: string, file: ReturnType<typeof seedFile>): Promise<{ retried: number }> {
  expect(run.error, run.cause).toBeUndefined();
  expect(run.status).toBe('SUCCEEDED');
  const parts = partResults(run);
  // At least 3 checkpoints: TOTAL / PER_PART parts, each but the last checkpointed, resumed where the last stopped.
  expect(parts.filter((part) => part.status === 'checkpointed').length).toBeGreaterThanOrEqual(3);
  expect(parts.map((part) => part.iteration)).toEqual(parts.map((_, index) => index));
  expect(parts.at(-1)?.status).toBe('completed');
  const done = parts.flatMap((part) => (part.checkpoint ? [part.checkpoint.recordsDone] : []));
  expect(done).toEqual([...done].sort((a, b) => a - b));
  expect(new Set(done).size).toBe(done.length);
  // Every valid item exactly once, and nothing else.
  const keys = await scanKeys();
  expect(keys).toHaveLength(file.valid.size);
  expect(new Set(keys)).toEqual(file.valid);
  // The final report adds up: read = written + rejected (no existing keys to skip), written = valid items.
  const output = run.output as { status: string; counts: { read: number; written: number; rejected: number; skipped: number; retried: number }; reportKey: string; rejectionsKey: string; checksum: string };
  expect(output).toMatchObject({ status: 'completed', counts: { read: TOTAL, written: file.valid.size, rejected: file.invalid, skipped: 0 } });
  expect(output.counts.read).toBe(output.counts.written + output.counts.rejected + output.counts.skipped);
  expect(output.checksum).toBe(createHash('sha256').update(file.text).digest('hex'));
  // The report and the full rejection list in the run store, under runs/seed/<execution name>/.
  expect(output.reportKey).toBe(`runs/seed/${executionName}/report.json`);
  const report = JSON.parse(await readText(output.reportKey)) as { status: string; counts: unknown; rejections?: unknown };
  expect(report).toMatchObject({ status: 'completed', counts: output.counts });
  expect(report.rejections).toBeUndefined();
  const rejections = (await readText(output.rejectionsKey)).trimEnd().split('\n').map((line) => JSON.parse(line) as { index: number; reason: string });
  expect(rejections).toHaveLength(file.invalid);
  expect(rejections.every((rejection) => /missing partition key|partition key 'customerID' is N/.test(rejection.reason))).toBe(true);
  // The manifest (the checksum seeded) and the trigger record (the object version seeded).
  expect((await stateItem('manifest'))?.checksum?.S).toBe(output.checksum);
  expect((await stateItem('source'))?.etag?.S).toBeTruthy();
  return { retried: output.counts.retried };
}

describe('Seed workflow (synthesized ASL, real handler, local AWS)', () => {
  it(`seeds ${TOTAL} records in parts of ${PER_PART}: at least 3 checkpoints, every item written exactly once, the manifest written`, async () => {
    // Prepare
    vi.stubEnv('SEED_MAX_RECORDS_PER_INVOCATION', String(PER_PART));
    await createTable();
    const file = seedFile();
    const source = await upload('seed/customers.jsonl', file.text);
    const executionName = nextName('seed');
    // Act
    const run = await runLocalSeed({ input: { table: TABLE, source, format: 'jsonl' }, executionName });
    // Assess
    await assertSeededOnce(run, executionName, file);
    expect(partResults(run)).toHaveLength(Math.ceil(TOTAL / PER_PART));
  });

  it('loses and duplicates nothing with 20% throttled BatchWriteItem calls and 20% unprocessed write requests', async () => {
    // Prepare
    vi.stubEnv('SEED_MAX_RECORDS_PER_INVOCATION', String(PER_PART));
    await createTable();
    const file = seedFile();
    const source = await upload('seed/customers.jsonl', file.text);
    const executionName = nextName('seed-faults');
    await local.server.setFaults({ rate: 0.2, seed: 20261210, kinds: ['throttle'], services: ['dynamodb'], operations: ['BatchWriteItem'], unprocessed: 0.2 });
    // Act
    const run = await runLocalSeed({ input: { table: TABLE, source, format: 'jsonl' }, executionName });
    const stats = await local.server.clearFaults();
    // Assess: the faults happened, and the parts still wrote every item once.
    expect(stats.injected.throttle).toBeGreaterThan(0);
    expect(stats.injected.unprocessed).toBeGreaterThan(50);
    const { retried } = await assertSeededOnce(run, executionName, file);
    expect(retried).toBeGreaterThanOrEqual(stats.injected.unprocessed);
  }, 120_000);

  it('fails with the stage reason: a missing table is TableMissing, a missing object SourceUnavailable, a non-empty table RefusedNotEmpty', async () => {
    // Prepare
    const file = seedFile();
    const source = await upload('seed/customers.jsonl', file.text);
    // Act
    const noTable = await runLocalSeed({ input: { table: TABLE, source }, executionName: nextName('no-table') });
    await createTable();
    const noObject = await runLocalSeed({ input: { table: TABLE, source: `s3://${BUCKET}/seed/nope.json` }, executionName: nextName('no-object') });
    await runLocalSeed({ input: { table: TABLE, source, mode: 'upsert' }, executionName: nextName('fill') });
    const refused = await runLocalSeed({ input: { table: TABLE, source, force: true }, executionName: nextName('refused') });
    const invalid = await runLocalSeed({ input: { source }, executionName: nextName('invalid') });
    // Assess
    expect([noTable.error, noObject.error, refused.error, invalid.error]).toEqual(['TableMissing', 'SourceUnavailable', 'RefusedNotEmpty', 'InvalidInput']);
    expect(JSON.parse(noTable.cause!).errorMessage).toMatch(/table Customers does not exist; create it first/);
    expect(JSON.parse(noObject.cause!).errorMessage).toMatch(/seed\/nope\.json: no such object/);
    expect(refused.cause).toMatch(/Customers already has items and mode insert-if-empty seeds only an empty table; nothing written/);
  });

  it(`stops a seed that is still checkpointing after ${MAX_SEED_PARTS} parts with TooManyParts (the loop is bounded)`, async () => {
    // Prepare: a stand-in part that always checkpoints.
    const { lambdas } = await prepareLocalReconcile();
    const seedId = Object.keys(lambdas).find((key) => key.startsWith('TableWardenSeed') && !key.startsWith('TableWardenSeedTriggers'))!;
    let calls = 0;
    const overrides = { ...lambdas, [seedId]: (event: unknown) => ({ ...(event as object), status: 'checkpointed', counts: {}, checkpoint: { recordsDone: ++calls }, sourceVersion: {}, iteration: (event as { iteration: number }).iteration }) };
    const { localSeedMachine } = await import('../../local/workflow/seed.ts');
    const { runStateMachine } = await import('../../local/workflow/run.ts');
    // Act
    const run = await runStateMachine({ ...(await localSeedMachine()), input: { table: TABLE, source: 's3://b/k' }, lambdas: overrides, overrides: { retryIntervals: 0 } });
    // Assess
    expect(run.error).toBe('TooManyParts');
    expect(calls).toBe(MAX_SEED_PARTS);
  }, 120_000);
});

describe('spec.seed through the synthesized Reconcile machine', () => {
  const SEED_KEY = 'seed/customers.json';

  async function publishWithSeed(revision: string, mode: 'upsert' | 'insert-if-empty'): Promise<void> {
    const files = (await readDesiredStateFiles('desired-state')).map((file) =>
      file.path.endsWith('customers.yaml') ? { ...file, text: `${file.text.trimEnd()}\n  seed: { source: s3://${BUCKET}/${SEED_KEY}, format: json, mode: ${mode} }\n` } : file,
    );
    const { kms } = createClients(local.clientConfig);
    await publishBundle({ s3: s3(), kms }, BUCKET, files, revision, { macKeyId: process.env.BUNDLE_MAC_KEY_ARN! });
  }

  /** A JSON array of `count` customers; `version` changes every item's name. */
  const customers = (count: number, version: number) => JSON.stringify(Array.from({ length: count }, (_, index) => ({ customerID: `CUST-${index}`, name: `v${version} customer ${index}` })));

  it('seeds a new table after the reconcile creates it, starts nothing while the object is unchanged, and re-seeds (upsert) when it changes', async () => {
    // Prepare
    await publishWithSeed('rev-seed', 'upsert');
    await upload(SEED_KEY, customers(60, 1));
    // Act 1: the reconcile creates Customers, then starts its seed (fire-and-forget, after the lock is released).
    const first = await runLocalReconcile({ input: { trigger: 'commit', revision: 'rev-seed' }, executionName: nextName('reconcile') });
    const firstSeeds = await Promise.all(first.startedExecutions.map((started) => started.result));
    // Assess 1
    expect(first.status).toBe('SUCCEEDED');
    expect(first.startedExecutions.map((started) => started.input)).toEqual([expect.objectContaining({ table: TABLE, source: `s3://${BUCKET}/${SEED_KEY}`, format: 'json', mode: 'upsert' })]);
    expect(firstSeeds.map((seed) => [seed.status, (seed.output as { status: string }).status])).toEqual([['SUCCEEDED', 'completed']]);
    expect(await scanKeys()).toHaveLength(60);
    const states: string[] = [];
    // Act 2: the same object: one HeadObject, no seed.
    const second = await runLocalReconcile({ input: { trigger: 'schedule' }, executionName: nextName('reconcile'), onEvent: (event) => event.type === 'TaskStateEntered' && states.push(String(event.state)) });
    // Assess 2
    expect(second.status).toBe('SUCCEEDED');
    expect(states).toContain('FindSeeds');
    expect(second.startedExecutions).toEqual([]);
    // Act 3: the object changes (new names, 20 more customers): content drift, applied per the mode (upsert).
    await upload(SEED_KEY, customers(80, 2));
    const third = await runLocalReconcile({ input: { trigger: 'schedule' }, executionName: nextName('reconcile') });
    const thirdSeeds = await Promise.all(third.startedExecutions.map((started) => started.result));
    // Assess 3
    expect(thirdSeeds.map((seed) => seed.output)).toEqual([expect.objectContaining({ status: 'completed', contentDrift: true, counts: expect.objectContaining({ written: 80 }) })]);
    const { Items } = await aws().dynamodb.send(new ScanCommand({ TableName: TABLE }));
    expect(Items).toHaveLength(80);
    expect(Items!.every((item) => item.name!.S!.startsWith('v2 '))).toBe(true);
  }, 180_000);

  it('a changed object under insert-if-empty is refused (the table has items), once per object version', async () => {
    // Prepare
    await publishWithSeed('rev-seed', 'insert-if-empty');
    await upload(SEED_KEY, customers(10, 1));
    const first = await runLocalReconcile({ input: { trigger: 'commit', revision: 'rev-seed' }, executionName: nextName('reconcile') });
    await Promise.all(first.startedExecutions.map((started) => started.result));
    await upload(SEED_KEY, customers(12, 2));
    // Act
    const second = await runLocalReconcile({ input: { trigger: 'schedule' }, executionName: nextName('reconcile') });
    const refused = await Promise.all(second.startedExecutions.map((started) => started.result));
    // Assess: refused with the reason; the table keeps the first seed.
    expect(refused.map((seed) => seed.error)).toEqual(['RefusedNotEmpty']);
    expect(await scanKeys()).toHaveLength(10);
  }, 180_000);

  it('grants the seed handlers exactly the AWS actions they called (least privilege, both ways)', () => {
    // Actions granted that no local scenario calls, each with why (the test fails if one of them is called).
    const notExercisedLocally: Record<string, Record<string, string>> = {};
    const report: string[] = [];
    for (const handler of ['seed', 'seed-triggers'] as const) {
      const called = new Set((handlerCallRecorders.get(handler)?.all() ?? []).flatMap((call) => call.iamActions));
      const granted = new Set(handlerApiActions(handler));
      const excused = notExercisedLocally[handler] ?? {};
      const missing = [...called].filter((action) => !granted.has(action));
      const unused = [...granted].filter((action) => !called.has(action) && !(action in excused));
      if (missing.length || unused.length) report.push(`${handler}: missing ${JSON.stringify(missing)}, unused ${JSON.stringify(unused)}`);
    }
    expect(report).toEqual([]);
  });
});
