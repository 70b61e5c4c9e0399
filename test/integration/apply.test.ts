/**
 * `tablewarden apply` end to end against moto (with the gap layer): converge, idempotence, safety, refusals.
 */
import { DescribeContinuousBackupsCommand, DescribeTableCommand, ListTablesCommand, ListTagsOfResourceCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, GetKeyRotationStatusCommand } from '@aws-sdk/client-kms';
import { UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { runApply, type Confirmation } from '../../functions/cli/commands/apply.ts';
import { createDriftedAccount } from '../../local/drifted-account.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo, unattended } from '../support/capture.ts';

const local = useLocalAws();
const FORBIDDEN = ['dynamodb:DeleteTable', 'dynamodb:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:DisableKeyRotation', 'backup:DeleteBackupSelection', 'backup:DeleteBackupPlan'];

describe('apply against local AWS', () => {
  beforeEach(async () => {
    await local.reset();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  });

  const options = (extra: Partial<Parameters<typeof runApply>[0]> = {}) => ({ dir: 'desired-state', table: [], output: 'text' as const, autoApprove: true, endpointUrl: local.endpoint, region: local.region, ...extra });

  it('converges the drifted account, exits 0, and a second apply makes zero write calls', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    const first = createClients(local.clientConfig);
    const io = captureIo();
    // Act
    const code = await runApply(options(), { io, confirmation: unattended, clients: first, apply: { pollMs: 10 } });
    const second = createClients(local.clientConfig);
    const again = captureIo();
    const secondCode = await runApply(options(), { io: again, confirmation: unattended, clients: second });
    // Assess
    expect(io.stderr()).toBe('');
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/Apply complete: 11 changes applied; all 3 managed tables are in sync\./);
    expect(first.calls.all().filter((call) => FORBIDDEN.includes(call.action))).toEqual([]);
    expect(secondCode).toBe(0);
    expect(again.stdout()).toContain('No changes. The account matches the desired state.');
    expect(second.calls.writes().map((call) => call.action)).toEqual([]);
  });

  it('leaves the account as declared: key, PITR, tags, rotation, new table with its settings', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    const aws = createClients(local.clientConfig);
    // Act
    await runApply(options(), { io: captureIo(), confirmation: unattended, apply: { pollMs: 10 } });
    // Assess
    const customers = (await aws.dynamodb.send(new DescribeTableCommand({ TableName: 'Customers' }))).Table!;
    const key = await aws.kms.send(new DescribeKeyCommand({ KeyId: 'alias/tablewarden/customers' }));
    expect(customers.SSEDescription).toMatchObject({ Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: key.KeyMetadata!.Arn });
    expect((await aws.kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyMetadata!.KeyId! }))).RotationPeriodInDays).toBe(365);
    const pitr = await aws.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'Customers' }));
    expect(pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription).toMatchObject({ PointInTimeRecoveryStatus: 'ENABLED', RecoveryPeriodInDays: 35 });
    const tags = await aws.dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: customers.TableArn! }));
    // Declared tags are set; the team tag nobody declared is left alone; the backup-plan tag puts it in its plan.
    expect(Object.fromEntries((tags.Tags ?? []).map((tag) => [tag.Key, tag.Value]))).toEqual({
      'cost-center': 'payments',
      team: 'payments-core',
      'data-classification': 'confidential',
      'managed-by': 'tablewarden',
      'tablewarden:backup-plan': 'daily-35d',
    });
    const orders = (await aws.dynamodb.send(new DescribeTableCommand({ TableName: 'Orders' }))).Table!;
    expect(orders).toMatchObject({ DeletionProtectionEnabled: true, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } });
    expect(orders.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byStatus']);
    const platform = await aws.kms.send(new DescribeKeyCommand({ KeyId: 'alias/tablewarden/platform' }));
    expect((await aws.kms.send(new GetKeyRotationStatusCommand({ KeyId: platform.KeyMetadata!.KeyId! }))).RotationPeriodInDays).toBe(365);
    // Unmanaged and drill tables are untouched and still there.
    expect((await aws.dynamodb.send(new ListTablesCommand({}))).TableNames?.sort()).toEqual(['Customers', 'Orders', 'legacy-sessions', 'terraform-state-lock', 'tw-drill-Customers-20261127']);
  });

  it('refuses without a terminal unless --auto-approve, and writes nothing', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    const aws = createClients(local.clientConfig);
    const io = captureIo();
    // Act
    const code = await runApply(options({ autoApprove: false }), { io, confirmation: unattended, clients: aws });
    // Assess
    expect(code).toBe(1);
    expect(io.stderr()).toContain('refusing to apply without confirmation: stdin is not a terminal; pass --auto-approve');
    expect(aws.calls.writes()).toEqual([]);
  });

  it('asks on a terminal and applies only after "yes"', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    const asked: string[] = [];
    const no: Confirmation = { interactive: true, ask: async (question) => (asked.push(question), 'no') };
    const aws = createClients(local.clientConfig);
    // Act
    const code = await runApply(options({ autoApprove: false }), { io: captureIo(), confirmation: no, clients: aws });
    // Assess
    expect(code).toBe(1);
    expect(asked).toEqual(["\nApply 11 changes? Only 'yes' will be accepted: "]);
    expect(aws.calls.writes()).toEqual([]);
  });

  function desiredCopy(edit: (dir: string) => void): string {
    const dir = mkdtempSync(join(tmpdir(), 'tw-apply-'));
    cpSync('desired-state', dir, { recursive: true });
    edit(dir);
    return dir;
  }

  it('stops before the first write when the blast-radius guard trips, and --allow-disruptive lets the named table through', async () => {
    // Prepare: an undeclared stream on terraform-state-lock must be turned off: disruptive, 1 of 3 tables (33% > 25%),
    // with a policy that allows no disruptive table (the sample allows one).
    await createDriftedAccount(createClients(local.clientConfig));
    await createClients(local.clientConfig).dynamodb.send(new UpdateTableCommand({ TableName: 'terraform-state-lock', StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }));
    const dir = desiredCopy((path) => {
      const file = join(path, 'policy.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('maxDisruptiveTables: 1', 'maxDisruptiveTables: 0'));
    });
    const blockedAws = createClients(local.clientConfig);
    const blockedIo = captureIo();
    const typoIo = captureIo();
    const allowedAws = createClients(local.clientConfig);
    const allowedIo = captureIo();
    // Act
    const blocked = await runApply(options({ dir }), { io: blockedIo, confirmation: unattended, clients: blockedAws });
    const typo = await runApply(options({ dir, allowDisruptive: ['terraform-state-lok'] }), { io: typoIo, confirmation: unattended, clients: createClients(local.clientConfig) });
    const allowed = await runApply(options({ dir, allowDisruptive: ['terraform-state-lock'] }), { io: allowedIo, confirmation: unattended, clients: allowedAws, apply: { pollMs: 10 } });
    // Assess: a one-line message naming the flags, no stage name, no write; then the override applies and is shown.
    expect(blocked).toBe(1);
    expect(blockedIo.stderr()).toBe(
      'tablewarden: blast-radius guard: 1 of 3 tables (33%) would get disruptive changes, above both allowances of policy.yaml, 25% (blastRadius.maxDisruptivePercent) and 0 tables (blastRadius.maxDisruptiveTables): terraform-state-lock. Review them, then allow them for one run with --allow-disruptive TABLE..., or raise an allowance in policy.yaml. Nothing was applied.\n',
    );
    expect(blockedAws.calls.writes()).toEqual([]);
    expect(typo).toBe(1);
    expect(typoIo.stderr()).toMatch(/--allow-disruptive terraform-state-lok: no such table in this plan/);
    expect(allowed).toBe(0);
    expect(allowedIo.stdout()).toMatch(/Allowed for this run by --allow-disruptive: terraform-state-lock \(disruptive changes to terraform-state-lock not counted/);
    expect(allowedAws.calls.writes().some((call) => call.operation === 'UpdateTable')).toBe(true);
    const stream = (await allowedAws.dynamodb.send(new DescribeTableCommand({ TableName: 'terraform-state-lock' }))).Table!.StreamSpecification;
    expect(stream?.StreamEnabled ?? false).toBe(false);
  });

  it('keeps a refusal a refusal: nothing is applied to that table, the others converge, exit 1', async () => {
    // Prepare: git now says Customers is keyed on "id": a different table, which DynamoDB can't change into.
    await createDriftedAccount(createClients(local.clientConfig));
    const dir = desiredCopy((path) => {
      const file = join(path, 'tables', 'customers.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('name: customerID', 'name: id'));
    });
    const aws = createClients(local.clientConfig);
    const io = captureIo();
    // Act
    const code = await runApply(options({ dir }), { io, confirmation: unattended, clients: aws, apply: { pollMs: 10 } });
    // Assess
    expect(code).toBe(1);
    expect(io.stdout()).toMatch(/✗ Customers: refused — key schema is customerID \(S\), declared id \(S\)/);
    expect(io.stdout()).toMatch(/✓ Orders: in sync/);
    const customers = (await aws.dynamodb.send(new DescribeTableCommand({ TableName: 'Customers' }))).Table!;
    expect(customers.SSEDescription).toBeUndefined();
    const pitr = await aws.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'Customers' }));
    expect(pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('DISABLED');
    const tags = await aws.dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: customers.TableArn! }));
    expect(tags.Tags?.map((tag) => tag.Key).sort()).toEqual(['cost-center', 'team']);
    expect(aws.calls.writes().filter((call) => call.operation === 'UpdateContinuousBackups')).toHaveLength(1); // Orders only
  });
});
