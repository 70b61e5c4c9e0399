/**
 * `tablewarden restore` against the local AWS: Customers (applied as declared, with items and a backup) restored
 * into a new table, which comes back without tags, PITR, deletion protection and backup coverage; the command shows
 * the plan, applies the declared posture through the apply engine, and the plan after it is empty. Refusals (a
 * `tw-drill-` name, an existing target, an undeclared table, a name a table file claims, no confirmation) are one
 * line with no AWS write. Every test asserts that no `tw-drill-*` table is left.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteItemCommand, CreateBackupCommand, CreateTableCommand, DescribeContinuousBackupsCommand, DescribeTableCommand, ListTagsOfResourceCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { StartBackupJobCommand } from '@aws-sdk/client-backup';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { runApply, type Confirmation } from '../../functions/cli/commands/apply.ts';
import { runRestoreCommand, type RestoreCommandOptions } from '../../functions/cli/commands/restore.ts';
import { readDesiredStateFiles } from '../../functions/cli/desired-files.ts';
import { parseDesiredState } from '../../functions/core/desired/parse.ts';
import { observeAndPlan } from '../../functions/run/observe-and-plan.ts';
import { operatorStateTableInput } from '../../local/operator-env.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo, unattended } from '../support/capture.ts';
import { expectNoDrillTables } from '../support/drill-tables.ts';
import { emulatorClock } from '../support/emulator-clock.ts';

const local = useLocalAws();
let clients: AwsClients;
let dir: string;

/** Customers as declared (applied by `tablewarden apply`), with 40 items and an on-demand backup of them. */
async function backedUpCustomers(): Promise<void> {
  const io = captureIo();
  const code = await runApply({ dir, table: ['Customers'], output: 'text', autoApprove: true, endpointUrl: local.endpoint, region: local.region }, { io, confirmation: unattended, clients: createClients(local.clientConfig) });
  expect(code, io.stdout() + io.stderr()).toBe(0);
  for (let start = 0; start < 40; start += 20) {
    const items = Array.from({ length: 20 }, (_, i) => ({ PutRequest: { Item: { customerID: { S: `c-${String(start + i).padStart(4, '0')}` }, n: { N: String(start + i) } } } }));
    await clients.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { Customers: items } }));
  }
  await clients.dynamodb.send(new CreateBackupCommand({ TableName: 'Customers', BackupName: 'before-incident' }));
}

/** The command waits for the restore on the local AWS's clock: its backoff steps the emulated restore time, never sleeps. */
const restore = async (table: string | undefined, options: Partial<RestoreCommandOptions>, io = captureIo(), confirmation: Confirmation = unattended) =>
  runRestoreCommand(table, { dir, ...options }, { io, clients, confirmation, clock: await emulatorClock(local), pollMs: 100, progress: { now: () => 0 }, apply: { pollMs: 50 } });

beforeEach(async () => {
  await local.reset();
  await createClients(local.clientConfig).dynamodb.send(new CreateTableCommand(operatorStateTableInput('tablewarden-state')));
  clients = createClients({ ...local.clientConfig, maxAttempts: 3 });
  dir = mkdtempSync(join(tmpdir(), 'tw-restore-cli-'));
  cpSync('desired-state', dir, { recursive: true });
});

afterEach(async () => {
  await expectNoDrillTables(clients.dynamodb);
  rmSync(dir, { recursive: true, force: true });
});

describe('tablewarden restore (local AWS)', () => {
  it('restores Customers into a new table, applies the declared posture after showing the plan, and the plan after is empty', async () => {
    // Prepare
    await backedUpCustomers();
    const io = captureIo();
    // Act
    const result = await restore('Customers', { to: 'Customers-restored', from: 'dynamodb-backup', autoApprove: true }, io);
    // Assess: the command's own account of it
    expect(result, io.stderr()).toEqual({ exitCode: 0, restoredTable: 'Customers-restored' });
    const out = io.stdout();
    expect(out).toContain('Restored Customers into Customers-restored from dynamodb-backup.');
    expect(out).toMatch(/# Customers-restored will be updated in place/);
    expect(out).toMatch(/~ TW-PITR +enable PITR/);
    expect(out).toMatch(/~ TW-DELETION-PROTECTION/);
    expect(out).toMatch(/~ TW-TAGS/);
    expect(out).toMatch(/TW-BACKUP-COVERAGE/);
    expect(out).toMatch(/Plan for Customers-restored after the restore:\n\nNo changes\. The account matches the desired state\./);
    expect(io.stderr()).toMatch(/^restore Customers: starting Customers-restored \(0\.0 s\): from dynamodb-backup$/m);
    // Assess: the account, read independently of the command
    const table = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: 'Customers-restored' }))).Table!;
    expect(table.DeletionProtectionEnabled).toBe(true);
    expect(table.SSEDescription?.SSEType).toBe('KMS');
    const pitr = await clients.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'Customers-restored' }));
    expect(pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('ENABLED');
    const tags = (await clients.dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: table.TableArn! }))).Tags ?? [];
    expect(Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value]))).toMatchObject({ 'data-classification': 'confidential', 'cost-center': 'payments', 'managed-by': 'tablewarden' });
    expect((await clients.dynamodb.send(new ScanCommand({ TableName: 'Customers-restored', Select: 'COUNT' }))).Count).toBe(40);
    // The same declared spec under the new name plans to nothing, through the planner every command uses.
    const { state } = parseDesiredState(await readDesiredStateFiles(dir), { now: new Date() });
    const customers = state.tables.find((entry) => entry.name === 'Customers')!;
    const { plan } = await observeAndPlan(createClients(local.clientConfig), { ...state, tables: [{ ...customers, name: 'Customers-restored' }] }, { now: new Date(), only: ['Customers-restored'] });
    expect(plan.tables.map((entry) => [entry.name, entry.status, entry.actions.length])).toEqual([['Customers-restored', 'in-sync', 0]]);
  });

  it.each([
    ['its declared source (AWS Backup, restoreDrill.source)', {}, 'aws-backup'],
    ['point-in-time recovery at the latest restorable time', { from: 'pitr' }, 'pitr'],
  ] as const)('restores from %s and ends with an empty plan', async (_case, options, kind) => {
    // Prepare: a recovery point of the items (AWS Backup), and PITR's window past the 5-minute lag (emulator clock).
    await backedUpCustomers();
    const arn = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: 'Customers' }))).Table!.TableArn!;
    await clients.backup.send(new StartBackupJobCommand({ BackupVaultName: 'tablewarden-vault', ResourceArn: arn, IamRoleArn: process.env.TABLEWARDEN_BACKUP_ROLE_ARN! }));
    await local.server.advanceClock(10 * 60);
    const io = captureIo();
    // Act
    const result = await restore('Customers', { to: 'Customers-restored', autoApprove: true, ...options }, io);
    // Assess
    expect(result.exitCode, io.stdout() + io.stderr()).toBe(0);
    expect(io.stdout()).toContain(`Restored Customers into Customers-restored from ${kind}.`);
    expect(io.stdout()).toMatch(/Plan for Customers-restored after the restore:\n\nNo changes\./);
    expect((await clients.dynamodb.send(new ScanCommand({ TableName: 'Customers-restored', Select: 'COUNT' }))).Count).toBe(40);
    expect((await clients.dynamodb.send(new DescribeTableCommand({ TableName: 'Customers-restored' }))).Table?.DeletionProtectionEnabled).toBe(true);
  });

  it('asks before applying the posture and stops on anything but yes, saying the restored table exists', async () => {
    // Prepare
    await backedUpCustomers();
    const asked: string[] = [];
    const no: Confirmation = { interactive: true, ask: async (question) => (asked.push(question), 'no') };
    const io = captureIo();
    // Act
    const result = await restore('Customers', { to: 'Customers-restored', from: 'dynamodb-backup' }, io, no);
    // Assess
    expect(result.exitCode).toBe(1);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/^\nApply \d+ changes to Customers-restored\? Only 'yes' will be accepted: $/);
    expect(io.stderr()).toContain('Apply cancelled: Customers-restored exists, restored, without its declared posture');
    const table = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: 'Customers-restored' }))).Table!;
    expect(table.DeletionProtectionEnabled ?? false).toBe(false);
  });

  it.each([
    ['a tw-drill- name', 'Customers', { to: 'tw-drill-Customers-x' }, /^tablewarden: --to tw-drill-Customers-x: names starting with tw-drill- are restore-drill copies/],
    ['a table not declared', 'Payments', { to: 'Payments-restored' }, /^tablewarden: <table> Payments: not declared in .*\/tables$/],
    ['a name a table file declares', 'Customers', { to: 'Orders' }, /^tablewarden: --to Orders: .*orders\.yaml declares a table of that name/],
    ['the table itself', 'Customers', { to: 'Customers' }, /^tablewarden: --to Customers: that is the table itself/],
    ['a name DynamoDB rejects', 'Customers', { to: 'a b' }, /^tablewarden: --to a b: not a DynamoDB table name/],
    ['a missing --to', 'Customers', {}, /^tablewarden: --to: required/],
    ['an unknown --from', 'Customers', { to: 'New', from: 'backup' }, /^tablewarden: --from backup: expected one of aws-backup, dynamodb-backup, pitr/],
    ['no confirmation possible', 'Customers', { to: 'Customers-restored', autoApprove: false }, /^tablewarden: refusing to restore without confirmation: stdin is not a terminal; pass --auto-approve/],
  ])('refuses %s: one line, exit 1, no AWS call', async (_case, table, options, message) => {
    // Prepare
    const io = captureIo();
    // Act
    const result = await restore(table, { autoApprove: true, ...options }, io);
    // Assess
    expect(result.exitCode).toBe(1);
    expect(io.stderr().trim().split('\n')).toHaveLength(1);
    expect(io.stderr().trim()).toMatch(message);
    expect(clients.calls.all()).toEqual([]);
  });

  it('refuses a target that already exists, before any write', async () => {
    // Prepare
    await backedUpCustomers();
    await clients.dynamodb.send(new CreateTableCommand({ TableName: 'Taken', BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }] }));
    const writesBefore = clients.calls.writes().length;
    const io = captureIo();
    // Act
    const result = await restore('Customers', { to: 'Taken', autoApprove: true }, io);
    // Assess
    expect(result.exitCode).toBe(1);
    expect(io.stderr().trim()).toBe('tablewarden: --to Taken: a table named Taken already exists in this account and region; restore into a new name');
    expect(clients.calls.writes().slice(writesBefore)).toEqual([]);
  });

  it('says "no recovery point" and restores nothing when the source has none', async () => {
    // Prepare: Customers exists, but has no on-demand backup.
    const io0 = captureIo();
    expect(await runApply({ dir, table: ['Customers'], output: 'text', autoApprove: true, endpointUrl: local.endpoint, region: local.region }, { io: io0, confirmation: unattended, clients: createClients(local.clientConfig) })).toBe(0);
    const io = captureIo();
    // Act
    const result = await restore('Customers', { to: 'Customers-restored', from: 'dynamodb-backup', autoApprove: true }, io);
    // Assess
    expect(result.exitCode).toBe(1);
    expect(io.stderr().trim()).toBe('tablewarden: Customers: no recovery point: Customers has no AVAILABLE on-demand DynamoDB backup; nothing was restored');
    expect(clients.calls.writes()).toEqual([]);
  });
});
