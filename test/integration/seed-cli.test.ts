/**
 * `tablewarden seed` against the local AWS (moto over HTTP, with the strict layer's 25-item BatchWriteItem limit):
 * the sample Customers file from S3 and from disk, the summary, the report files, the exit codes (0 / 1 / 2 / 3),
 * and the one-line errors (bad flag, unknown table, missing source) that call nothing that writes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { runSeedCommand, type SeedCommandOptions } from '../../functions/cli/commands/seed.ts';
import { buildProgram } from '../../functions/cli/main.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo } from '../support/capture.ts';

const local = useLocalAws();
const CUSTOMERS = new URL('../../seed/customers.json', import.meta.url);
const s3 = () => new S3Client({ ...local.clientConfig, forcePathStyle: true });
let clients: AwsClients;

async function createCustomers(name = 'Customers'): Promise<void> {
  await clients.dynamodb.send(
    new CreateTableCommand({ TableName: name, BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: 'customerID', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'customerID', AttributeType: 'S' }] }),
  );
}

async function createStateTable(): Promise<string> {
  await clients.dynamodb.send(
    new CreateTableCommand({
      TableName: 'tw-state',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
    }),
  );
  return 'tw-state';
}

async function scanCount(table = 'Customers'): Promise<number> {
  let count = 0;
  let start: Record<string, never> | undefined;
  do {
    const page = await clients.dynamodb.send(new ScanCommand({ TableName: table, Select: 'COUNT', ...(start ? { ExclusiveStartKey: start } : {}) }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return count;
}

const writes = () => clients.calls.all().filter((call) => call.write).map((call) => call.action);

const seed = (table: string | undefined, options: SeedCommandOptions, io = captureIo(), manifestTable: string | null = null) =>
  runSeedCommand(table, options, { io, clients, manifestTable, progress: { now: () => 0 } });

beforeEach(async () => {
  await local.reset();
  clients = createClients({ ...local.clientConfig, maxAttempts: 2 });
  await s3().send(new CreateBucketCommand({ Bucket: 'seeds' }));
});

describe('tablewarden seed', () => {
  it('seeds the sample Customers file from S3: every item written in 25s, exit 0, a terraform-like summary', async () => {
    // Prepare
    await createCustomers();
    await s3().send(new PutObjectCommand({ Bucket: 'seeds', Key: 'customers.json', Body: readFileSync(CUSTOMERS) }));
    const io = captureIo();
    // Act
    const result = await seed('Customers', { from: 's3://seeds/customers.json' }, io);
    // Assess
    expect(io.stderr()).toMatch(/^seed: done: 1,000 items read/m);
    expect(result.exitCode).toBe(0);
    expect(result.report).toMatchObject({ status: 'completed', format: 'json', mode: 'insert-if-empty', counts: { read: 1_000, written: 1_000, rejected: 0, skipped: 0 } });
    expect(await scanCount()).toBe(1_000);
    const batches = clients.calls.all().filter((call) => call.action === 'dynamodb:BatchWriteItem').length;
    expect(batches).toBe(40);
    const manifest = JSON.parse(readFileSync(new URL('../../seed/customers.manifest.json', import.meta.url), 'utf8')) as { sha256: string };
    expect(io.stdout()).toContain('Seed complete! Customers from s3://seeds/customers.json (json, mode insert-if-empty)');
    expect(io.stdout()).toContain('1,000 records read: 1,000 written, 0 rejected, 0 skipped, 0 retried');
    expect(io.stdout()).toContain(`checksum  sha256:${manifest.sha256}`);
    expect(io.stdout()).toMatch(/duration {2}\d/);
  });

  it('writes the 22-digit balance exactly', async () => {
    // Prepare
    await createCustomers();
    const dir = mkdtempSync(join(tmpdir(), 'seed-cli-'));
    writeFileSync(join(dir, 'one.jsonl'), '{"customerID":"CUST-000007","balance":12345678901234567890.12}\n');
    // Act
    const result = await seed('Customers', { from: join(dir, 'one.jsonl') });
    const { Items } = await clients.dynamodb.send(new ScanCommand({ TableName: 'Customers' }));
    // Assess
    expect(result.exitCode).toBe(0);
    expect(Items?.[0]?.['balance']).toEqual({ N: '12345678901234567890.12' });
  });

  it('seeds a gzipped DynamoDB export (Item lines) from S3 with --format auto, and draws a redrawn progress line on a terminal', async () => {
    // Prepare
    await createCustomers();
    const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify({ Item: { customerID: { S: `c${i}` }, tags: { SS: ['a', 'b'] }, total: { N: '12345678901234567890123' } } }));
    await s3().send(new PutObjectCommand({ Bucket: 'seeds', Key: 'export/data.json.gz', Body: gzipSync(lines.join('\n') + '\n') }));
    const io = captureIo();
    const err = { write: (text: string) => io.err.write(text), isTTY: true };
    // Act
    const result = await runSeedCommand('Customers', { from: 's3://seeds/export/data.json.gz' }, { io: { out: io.out, err }, clients, manifestTable: null, progress: { now: () => 0, columns: 200 } });
    const { Items } = await clients.dynamodb.send(new ScanCommand({ TableName: 'Customers' }));
    // Assess
    expect(result.exitCode).toBe(0);
    expect(result.report).toMatchObject({ format: 'dynamodb-json', counts: { written: 60, rejected: 0 } });
    expect(Items).toHaveLength(60);
    expect(Items?.[0]?.['total']).toEqual({ N: '12345678901234567890123' });
    const redraws = io.stderr().split('\r').slice(1);
    expect(redraws.at(-1)).toMatch(/^\[#{20}\] 100% {2}60 items /);
    expect(redraws.at(-1)!.endsWith('\u001b[K\n')).toBe(true);
  });

  it('exits 3 with rejected records: valid items still written, the first N on screen, all in --report FILE.rejections.jsonl', async () => {
    // Prepare
    await createCustomers();
    const dir = mkdtempSync(join(tmpdir(), 'seed-cli-'));
    const lines = ['{"customerID":"a","n":1}'];
    for (let i = 0; i < 25; i++) lines.push(`{"name":"no key ${i}"}`);
    lines.push('{"customerID":7}', '{"customerID":"b"}', '{"customerID":"a"}');
    writeFileSync(join(dir, 'bad.jsonl'), lines.join('\n') + '\n');
    const report = join(dir, 'out', '..', 'report.json');
    const io = captureIo();
    // Act
    const result = await runSeedCommand('Customers', { from: join(dir, 'bad.jsonl'), report }, { io, clients, manifestTable: null, progress: { now: () => 0 }, maxRejections: 5 });
    // Assess
    expect(result.exitCode).toBe(3);
    expect(await scanCount()).toBe(2);
    expect(io.stdout()).toContain('Seed complete with 27 rejected records: Customers');
    expect(io.stdout()).toContain(`Rejected records (27, the first 5 shown; every one is in ${join(dir, 'report.rejections.jsonl')}):`);
    expect(io.stdout()).toMatch(/^ {2}#1 {2}line 2 {2}byte \d+ {2}.*customerID/m);
    expect(io.stdout()).toContain('… and 22 more');
    const written = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Record<string, unknown>;
    expect(written).toMatchObject({ table: 'Customers', status: 'completed', exitCode: 3, counts: { read: 29, written: 2, rejected: 27 }, rejections: { count: 27, file: join(dir, 'report.rejections.jsonl') } });
    const rejections = readFileSync(join(dir, 'report.rejections.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { index: number; line: number; reason: string });
    expect(rejections).toHaveLength(27);
    expect(rejections[0]).toMatchObject({ index: 1, line: 2 });
    expect(rejections.at(-1)).toMatchObject({ index: 28, line: 29, reason: expect.stringMatching(/duplicate key/) });
  });

  it('exits 2 and writes nothing when the table has items and the mode is insert-if-empty; --mode upsert then writes', async () => {
    // Prepare
    await createCustomers();
    const dir = mkdtempSync(join(tmpdir(), 'seed-cli-'));
    writeFileSync(join(dir, 'a.jsonl'), '{"customerID":"a"}\n');
    writeFileSync(join(dir, 'b.jsonl'), '{"customerID":"b"}\n{"customerID":"c"}\n');
    await seed('Customers', { from: join(dir, 'a.jsonl') });
    const io = captureIo();
    // Act
    const refused = await seed('Customers', { from: join(dir, 'b.jsonl') }, io);
    const upserted = await seed('Customers', { from: join(dir, 'b.jsonl'), mode: 'upsert' });
    // Assess
    expect(refused.exitCode).toBe(2);
    expect(io.stdout()).toContain('Seed not applied: Customers');
    expect(io.stdout()).toMatch(/already has items and mode insert-if-empty/);
    expect(upserted.exitCode).toBe(0);
    expect(await scanCount()).toBe(3);
  });

  it('with a manifest table: the same content again is unchanged (exit 0, nothing written), --force writes it again', async () => {
    // Prepare
    await createCustomers();
    const manifest = await createStateTable();
    const dir = mkdtempSync(join(tmpdir(), 'seed-cli-'));
    writeFileSync(join(dir, 'a.jsonl'), '{"customerID":"a"}\n{"customerID":"b"}\n');
    const run = (options: SeedCommandOptions, io = captureIo()) => runSeedCommand('Customers', { from: join(dir, 'a.jsonl'), ...options }, { io, clients, manifestTable: manifest, progress: { now: () => 0 } });
    await run({});
    const before = writes().length;
    const io = captureIo();
    // Act
    const again = await run({ mode: 'upsert' }, io);
    const afterAgain = writes().length;
    const forced = await run({ mode: 'upsert', force: true });
    // Assess
    expect(again.exitCode).toBe(0);
    expect(again.report?.status).toBe('unchanged');
    expect(io.stdout()).toContain('No changes. Customers');
    expect(afterAgain).toBe(before);
    expect(forced.report).toMatchObject({ status: 'completed', counts: { written: 2 } });
  });

  it.each([
    ['a bad --mode', 'Customers', { from: 's3://seeds/x.json', mode: 'upsrt' }, 'tablewarden: --mode upsrt: expected one of insert-if-empty, upsert, insert-only (did you mean upsert?)\n'],
    ['a bad --format', 'Customers', { from: 's3://seeds/x.json', format: 'csv' }, 'tablewarden: --format csv: expected one of auto, json, jsonl, dynamodb-json\n'],
    ['no --from', 'Customers', {}, 'tablewarden: --from: required: s3://bucket/key or a local file path\n'],
    ['no table', undefined, { from: 's3://seeds/x.json' }, 'tablewarden: <table>: the table to seed is required (tablewarden seed <table> --from SOURCE)\n'],
    ['an s3 URI without a key', 'Customers', { from: 's3://seeds' }, 'tablewarden: --from s3://seeds: expected s3://bucket/key (an object, not a bucket or prefix)\n'],
  ])('%s is one line, exit 1, and no AWS call at all', async (_case, table, options, message) => {
    // Prepare
    await createCustomers();
    const before = clients.calls.all().length;
    const io = captureIo();
    // Act
    const result = await seed(table, options, io);
    // Assess
    expect(result.exitCode).toBe(1);
    expect(io.stderr()).toBe(message);
    expect(io.stdout()).toBe('');
    expect(clients.calls.all().length).toBe(before);
  });

  it('a --report in a directory that does not exist is one line, exit 1, before any AWS call', async () => {
    // Prepare
    const io = captureIo();
    // Act
    const result = await seed('Customers', { from: 's3://seeds/x.json', report: '/nonexistent-dir/r.json' }, io);
    // Assess
    expect(result.exitCode).toBe(1);
    expect(io.stderr()).toBe('tablewarden: --report /nonexistent-dir/r.json: the directory /nonexistent-dir does not exist or is not writable\n');
    expect(clients.calls.all()).toEqual([]);
  });

  it('a --report naming a directory is one line, exit 1, before any AWS call', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'seed-cli-'));
    const io = captureIo();
    // Act
    const result = await seed('Customers', { from: 's3://seeds/x.json', report: dir }, io);
    // Assess
    expect(result.exitCode).toBe(1);
    expect(io.stderr()).toBe(`tablewarden: --report ${dir}: is a directory; name the report file (e.g. ${join(dir, 'seed-report.json')})\n`);
    expect(clients.calls.all()).toEqual([]);
  });

  it.each([
    ['a missing S3 key', 's3://seeds/nope.json', 'tablewarden: --from s3://seeds/nope.json: no such object (NoSuchKey)\n'],
    ['a missing bucket', 's3://nobucket/x.json', 'tablewarden: --from s3://nobucket/x.json: no such bucket (NoSuchBucket)\n'],
    ['a missing file', '/nonexistent/customers.json', 'tablewarden: --from /nonexistent/customers.json: no such file (ENOENT)\n'],
  ])('%s is one line naming the source, exit 1, no DynamoDB write', async (_case, from, message) => {
    // Prepare
    await createCustomers();
    const io = captureIo();
    // Act
    const result = await seed('Customers', { from }, io);
    // Assess
    expect(result.exitCode).toBe(1);
    expect(io.stderr()).toBe(message);
    expect(writes()).toEqual(['dynamodb:CreateTable']);
    expect(await scanCount()).toBe(0);
  });

  it('an unknown table is one line naming it, exit 1, no write', async () => {
    // Prepare
    await s3().send(new PutObjectCommand({ Bucket: 'seeds', Key: 'customers.json', Body: readFileSync(CUSTOMERS) }));
    const io = captureIo();
    // Act
    const result = await seed('Custmers', { from: 's3://seeds/customers.json' }, io);
    // Assess
    expect(result.exitCode).toBe(1);
    expect(io.stderr()).toBe('tablewarden: <table> Custmers: no such table in this account and region; create it first (tablewarden apply), then seed it\n');
    expect(writes()).toEqual([]);
  });

  it('--help documents the flags and the exit codes', () => {
    // Prepare
    const command = buildProgram().commands.find((candidate) => candidate.name() === 'seed')!;
    let help = '';
    command.configureOutput({ writeOut: (text) => (help += text) });
    // Act
    command.outputHelp();
    // Assess
    for (const flag of ['--from', '--format', '--mode', '--force', '--report', '--endpoint-url', '--region', '--profile']) expect(help).toContain(flag);
    expect(help).toMatch(/Exit codes:[\s\S]*0 {2}every record written[\s\S]*1 {2}an error[\s\S]*2 {2}not applied[\s\S]*3 {2}completed, but some records were rejected/);
  });
});
