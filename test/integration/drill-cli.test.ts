/**
 * `tablewarden drill` against the local AWS: the repository's Customers (applied with `tablewarden apply`, seeded,
 * backed up by AWS Backup) drilled from its declared source through the synthesized Drill state machine (and once on
 * the run layer's steps in-process), the report and exit codes (0 passed, 2 failed with the changed key named, 3 no
 * recovery point), the one-line refusals that call nothing, and `--remote` through a fake
 * Step Functions port. Every test asserts that no `tw-drill-*` table is left.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteItemCommand, CreateTableCommand, DescribeTableCommand, ListTablesCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { StartBackupJobCommand } from '@aws-sdk/client-backup';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { acquireDrillLock } from '../../functions/aws/drill-data.ts';
import type { DrillExecutions, ExecutionView } from '../../functions/aws/drill-remote.ts';
import { runApply } from '../../functions/cli/commands/apply.ts';
import { runDrillCommand, runDrillInProcess, type DrillCommandOptions } from '../../functions/cli/commands/drill.ts';
import { operatorStateTableInput } from '../../local/operator-env.ts';
import { prepareLocalDrill } from '../../local/workflow/drill.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo, unattended } from '../support/capture.ts';
import { expectNoDrillTables, PASSED_DRILL_REPORT } from '../support/drill-tables.ts';

const local = useLocalAws();
const STATE_TABLE = 'tablewarden-state';
let clients: AwsClients;
let dir: string;

/** Customers as declared, applied through `tablewarden apply`, with `count` items and (optionally) a fresh AWS Backup recovery point. */
async function appliedCustomers(count: number, backup = true): Promise<void> {
  const io = captureIo();
  const code = await runApply({ dir, table: ['Customers'], output: 'text', autoApprove: true, endpointUrl: local.endpoint, region: local.region }, { io, confirmation: unattended, clients: createClients(local.clientConfig) });
  expect(code, io.stdout() + io.stderr()).toBe(0);
  for (let start = 0; start < count; start += 25) {
    const items = Array.from({ length: Math.min(25, count - start) }, (_, i) => ({
      PutRequest: { Item: { customerID: { S: `c-${String(start + i).padStart(4, '0')}` }, balance: { N: String((start + i) * 7) }, profile: { M: { tier: { S: i % 2 ? 'gold' : 'silver' } } } } },
    }));
    await clients.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { Customers: items } }));
  }
  if (backup) await startBackupJob();
}

/** What the nightly AWS Backup plan does: a recovery point of Customers as it is now. */
async function startBackupJob(): Promise<void> {
  const arn = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: 'Customers' }))).Table!.TableArn!;
  await clients.backup.send(new StartBackupJobCommand({ BackupVaultName: 'tablewarden-vault', ResourceArn: arn, IamRoleArn: process.env.TABLEWARDEN_BACKUP_ROLE_ARN! }));
}

const drill = (table: string | undefined, options: Partial<DrillCommandOptions> = {}, io = captureIo(), extra: Parameters<typeof runDrillCommand>[2] = {}) =>
  runDrillCommand(table, { dir, ...options }, { io, clients, pollMs: 50, progress: { now: () => 0 }, ...extra });

// The command synthesizes the Drill machines on its first local run (once per process): done here, under the hook's
// timeout, so the first test's 30 s measure the drill, not the synthesis (or a wait for another file's).
beforeAll(() => prepareLocalDrill(), 120_000);

beforeEach(async () => {
  await local.reset();
  await createClients(local.clientConfig).dynamodb.send(new CreateTableCommand(operatorStateTableInput(STATE_TABLE)));
  clients = createClients({ ...local.clientConfig, maxAttempts: 3 });
  dir = mkdtempSync(join(tmpdir(), 'tw-drill-cli-'));
  cpSync('desired-state', dir, { recursive: true });
});

afterEach(async () => {
  await expectNoDrillTables(clients.dynamodb);
  rmSync(dir, { recursive: true, force: true });
});

describe('tablewarden drill (local AWS)', () => {
  it('drills Customers from its declared AWS Backup recovery point: passes, exit 0, the report, the copy deleted', async () => {
    // Prepare
    await appliedCustomers(60);
    const io = captureIo();
    // Act
    const result = await drill('Customers', {}, io);
    // Assess
    expect(result.report?.reasons).toEqual([]);
    expect(result.exitCode).toBe(0);
    const out = io.stdout();
    expect(out).toContain('Restore drill of Customers: PASSED');
    // AWS Backup's recovery points of DynamoDB tables (without advanced backup features) are DynamoDB backup ARNs.
    expect(out).toMatch(/source {6}AWS Backup recovery point arn:aws:dynamodb:us-east-1:\d{12}:table\/Customers\/backup\//);
    expect(out).toMatch(/copy {8}tw-drill-Customers-\d{8}T\d{6}Z/);
    expect(out).toMatch(/RTO {9}✓ \d+ s from the restore's start to the copy ACTIVE \(target 60 min\)/);
    expect(out).toContain('items       60 in the copy (exact, Scan COUNT); source ≈ 60');
    expect(out).toContain('sample      ✓ 50 compared by checksum: 50 matched, 0 changed, 0 missing from the copy, 0 no longer in the source, 0 unreadable (0% differ)');
    expect(out).toContain('key schema  ✓ key schema and indexes match the source');
    expect(out).toMatch(/encryption {2}✓ CUSTOMER_MANAGED arn:aws:kms:[^ ]+, as declared/);
    expect(out).toMatch(/cleanup {5}✓ tw-drill-Customers-\S+ deleted/);
    // What a restore drops, from the planner: the copy lacks PITR, deletion protection, tags (and backup coverage by tag).
    expect(out).toContain('A real restore of Customers comes back without these; re-apply them (tablewarden restore does):');
    expect(out).toMatch(/~ TW-PITR +enable PITR/);
    expect(out).toMatch(/~ TW-DELETION-PROTECTION/);
    expect(out).toMatch(/~ TW-TAGS/);
    expect(out).toMatch(/Verdict: PASSED/);
    expect(io.stderr()).toMatch(/^drill Customers: starting \(0\.0 s\): from aws-backup$/m);
    expect(io.stderr()).toMatch(/^drill Customers: restoring tw-drill-Customers-\S+ \(0\.0 s\)/m);
    expect(io.stderr()).toMatch(/^drill Customers: validating tw-drill-Customers-/m);
    expect(io.stderr()).toMatch(/^drill Customers: cleaning up tw-drill-Customers-/m);
  });

  it('fails (exit 2) when an item changed after the backup, naming its key; the copy is still deleted', async () => {
    // Prepare: maxChangedPercent is 0 for Customers (reference data: nothing may differ).
    await appliedCustomers(30);
    await clients.dynamodb.send(new UpdateItemCommand({ TableName: 'Customers', Key: { customerID: { S: 'c-0003' } }, UpdateExpression: 'SET balance = :b', ExpressionAttributeValues: { ':b': { N: '1' } } }));
    const io = captureIo();
    // Act: on the run layer's steps in this process (the path for an account that is not a local AWS)
    const result = await drill('Customers', {}, io, { runner: runDrillInProcess });
    // Assess
    expect(result.exitCode).toBe(2);
    expect(io.stdout()).toContain('Restore drill of Customers: FAILED');
    expect(io.stdout()).toContain('changed since the backup: customerID=c-0003');
    expect(io.stdout()).toMatch(/Verdict: FAILED\n {2}- 1 of 30 sampled items differ .*changed: customerID=c-0003/);
    expect(result.report?.cleanup?.outcome).toBe('deleted');
  });

  it('reports "no recovery point" (exit 3) for a table without one, creating nothing', async () => {
    // Prepare: Customers has items but no on-demand DynamoDB backup.
    await appliedCustomers(5, false);
    const tablesBefore = (await clients.dynamodb.send(new ListTablesCommand({}))).TableNames;
    const io = captureIo();
    // Act
    const result = await drill('Customers', { source: 'dynamodb-backup' }, io);
    // Assess
    expect(result.exitCode).toBe(3);
    expect(io.stdout()).toContain('Restore drill of Customers: NO RECOVERY POINT');
    expect(io.stdout()).toContain('  - no recovery point: Customers has no AVAILABLE on-demand DynamoDB backup');
    expect(io.stdout()).toContain('copy        none (nothing was restored)');
    expect((await clients.dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual(tablesBefore);
    const history = await clients.dynamodb.send(new QueryCommand({ TableName: STATE_TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'DRILL#Customers' } } }));
    expect(history.Items?.map((item) => item.verdict?.S)).toEqual(['no-recovery-point']);
  });

  it('refuses to start while another drill of the table holds its lock (exit 1), restoring nothing', async () => {
    // Prepare
    await appliedCustomers(5);
    const expiresAt = new Date(Date.now() + 366 * 24 * 3_600_000);
    await acquireDrillLock(clients.dynamodb, { stateTable: STATE_TABLE, table: 'Customers', owner: 'tw-drill-Customers-other', now: new Date(), expiresAt });
    const tablesBefore = (await clients.dynamodb.send(new ListTablesCommand({}))).TableNames;
    const io = captureIo();
    // Act
    const result = await drill('Customers', {}, io);
    // Assess
    expect(result.exitCode).toBe(1);
    expect(io.stderr()).toMatch(/^tablewarden: the drill did not start: drill step failed: DrillRunning: .*a drill of Customers is already running \(tw-drill-Customers-other, lock until /m);
    expect((await clients.dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual(tablesBefore);
  });

  it.each([
    ['a table without restoreDrill and no --source', 'terraform-state-lock', {}, /^tablewarden: .*terraform-state-lock\.yaml: spec\.restoreDrill: terraform-state-lock declares no restore drill; add restoreDrill .* or pass --source/],
    ['a table not declared', 'Custmers', {}, /^tablewarden: <table> Custmers: not declared in .*\/tables \(did you mean Customers\?\)$/],
    ['an unknown source', 'Customers', { source: 'pitr2' }, /^tablewarden: --source pitr2: expected one of aws-backup, dynamodb-backup, pitr \(did you mean pitr\?\)$/],
    ['--time with a backup source', 'Customers', { time: '2026-12-01T08:00:00Z' }, /^tablewarden: --time 2026-12-01T08:00:00Z: only a point-in-time \(pitr\) restore takes a time; this one restores from aws-backup$/],
    ['--time that is not a time', 'Customers', { source: 'pitr', time: 'yesterday' }, /^tablewarden: --time yesterday: expected an ISO-8601 time with a zone/],
  ])('refuses %s: one line, exit 1, no AWS call', async (_case, table, options, message) => {
    // Prepare
    const io = captureIo();
    // Act
    const result = await drill(table, options, io);
    // Assess
    expect(result.exitCode).toBe(1);
    expect(io.stderr().trim().split('\n')).toHaveLength(1);
    expect(io.stderr().trim()).toMatch(message);
    expect(clients.calls.all()).toEqual([]);
  });

  it('refuses a table whose file is invalid, naming the file', async () => {
    // Prepare
    const file = join(dir, 'tables', 'customers.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('sampleSize: 50', 'sampleSize: -1'));
    const io = captureIo();
    // Act
    const result = await drill('Customers', {}, io);
    // Assess
    expect(result.exitCode).toBe(1);
    expect(io.stderr()).toMatch(/customers\.yaml:\d+:\d+ spec\.restoreDrill\.sampleSize/);
    expect(io.stderr()).toMatch(/tablewarden: <table> Customers: its file .*customers\.yaml is invalid/);
    expect(clients.calls.all()).toEqual([]);
  });

  it('--remote starts the Drill state machine with the table and source, follows it, and prints its report', async () => {
    // Prepare: a fake Step Functions port: RUNNING twice, then SUCCEEDED with drill-record's output.
    const report = PASSED_DRILL_REPORT;
    const started: unknown[] = [];
    const views: ExecutionView[] = [{ status: 'RUNNING' }, { status: 'RUNNING' }, { status: 'SUCCEEDED', output: JSON.stringify({ ...report, summary: 'passed' }) }];
    const executions: DrillExecutions = {
      findStateMachine: async () => 'arn:aws:states:us-east-1:123456789012:stateMachine:Drill',
      start: async (arn, name, input) => (started.push({ arn, name, input }), `arn:aws:states:us-east-1:123456789012:execution:Drill:${name}`),
      describe: async () => views.shift()!,
    };
    const io = captureIo();
    // Act
    const result = await drill('Customers', { remote: true, source: 'pitr' }, io, { executions, now: () => new Date('2026-12-01T08:00:00Z'), clock: { now: () => 0, sleep: async () => {}, random: () => 0.5 } });
    // Assess
    expect(result.exitCode).toBe(0);
    expect(started).toEqual([{ arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:Drill', name: 'cli-drill-Customers-20261201T080000Z', input: { table: 'Customers', source: 'pitr' } }]);
    expect(views).toEqual([]);
    expect(io.stderr()).toContain('drill Customers: running (0.0 s): execution cli-drill-Customers-20261201T080000Z RUNNING');
    expect(io.stdout()).toContain('source      point-in-time recovery, the latest restorable time (2026-12-01T07:55:00.000Z)');
    expect(io.stdout()).toContain('RTO         ✓ 2.5 min from the restore');
  });

  it.each([
    ['DrillFailed', 2],
    ['NoRecoveryPoint', 3],
  ] as const)('--remote: an execution that ends in %s exits %i with the report summary', async (error, code) => {
    // Prepare
    const executions: DrillExecutions = {
      findStateMachine: async () => 'arn:aws:states:us-east-1:123456789012:stateMachine:Drill',
      start: async () => 'arn:aws:states:us-east-1:123456789012:execution:Drill:x',
      describe: async () => ({ status: 'FAILED', error, cause: 'drill of Customers failed: missing from the copy: customerID=c-0042' }),
    };
    const io = captureIo();
    // Act
    const result = await drill('Customers', { remote: true }, io, { executions, clock: { now: () => 0, sleep: async () => {}, random: () => 0.5 } });
    // Assess
    expect(result.exitCode).toBe(code);
    expect(io.stderr()).toContain(`ended ${error}: drill of Customers failed: missing from the copy: customerID=c-0042`);
  });

  it('--remote without a Drill state machine in the account: one line naming the tags and the flag, exit 1, nothing started', async () => {
    // Prepare
    const io = captureIo();
    // Act: the production port (the tagging API finds no state machine tagged for drills)
    const result = await drill('Customers', { remote: true }, io);
    // Assess
    expect(result.exitCode).toBe(1);
    expect(io.stderr().trim()).toBe(
      'tablewarden: no Drill state machine (tags tablewarden:role=operator, tablewarden:workflow=drill) in this account and region: deploy the operator stack, or pass --state-machine ARN (stack output DrillStateMachineArn)',
    );
    expect(clients.calls.all().map((call) => call.action)).toEqual(['tag:GetResources']);
  });

  it('--remote: an execution that fails without a report is exit 1, with its error', async () => {
    // Prepare
    const executions: DrillExecutions = {
      findStateMachine: async () => 'arn:aws:states:us-east-1:123456789012:stateMachine:Drill',
      start: async () => 'arn:aws:states:us-east-1:123456789012:execution:Drill:x',
      describe: async () => ({ status: 'FAILED', error: 'DrillRunning', cause: 'a drill of Customers is already running' }),
    };
    const io = captureIo();
    // Act
    const result = await drill('Customers', { remote: true }, io, { executions, clock: { now: () => 0, sleep: async () => {}, random: () => 0.5 } });
    // Assess
    expect(result.exitCode).toBe(1);
    expect(io.stderr()).toContain('the drill execution arn:aws:states:us-east-1:123456789012:execution:Drill:x ended FAILED: DrillRunning: a drill of Customers is already running');
  });
});
