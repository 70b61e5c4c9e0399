/**
 * The apply engine with a mocked SDK: exact requests, waits, "not now" retries with a deadline, per-table
 * isolation and the guard rails. Virtual time: nothing here sleeps for real.
 */
import {
  CreateBackupPlanCommand,
  CreateBackupSelectionCommand,
  DescribeBackupVaultCommand,
  ListBackupPlansCommand,
  ListBackupSelectionsCommand,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import {
  CreateTableCommand,
  DescribeTableCommand,
  TagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, EnableKeyRotationCommand } from '@aws-sdk/client-kms';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyPlan, type ApplyEvent } from '../../functions/aws/apply/apply-plan.ts';
import type { RetryClock } from '../../functions/aws/apply/retry.ts';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import type { DesiredState } from '../../functions/core/model/desired.ts';
import { plan } from '../../functions/core/plan/planner.ts';
import { driftedAccount, NOW, sampleDesiredState } from '../support/scenario.ts';

function virtualClock(): RetryClock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return { now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)), random: () => 0.5, slept };
}

const notNow = (name: string) => Object.assign(new Error(`${name} (test)`), { name, $fault: 'client' as const, $metadata: {} });

function active(name: string, extra: Partial<TableDescription> = {}): { Table: TableDescription } {
  return { Table: { TableName: name, TableArn: `arn:aws:dynamodb:us-east-1:123456789012:table/${name}`, TableStatus: 'ACTIVE', ...extra } };
}

let clients: AwsClients;
let dynamodb: ReturnType<typeof mockClient>;
let kms: ReturnType<typeof mockClient>;
let backup: ReturnType<typeof mockClient>;
let sts: ReturnType<typeof mockClient>;

beforeEach(() => {
  clients = createClients({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  dynamodb = mockClient(clients.dynamodb);
  kms = mockClient(clients.kms);
  backup = mockClient(clients.backup);
  sts = mockClient(clients.sts);
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/tablewarden-operator/run-1' });
  // No key was left behind for an alias by an earlier run: nothing to adopt (test/aws/kms-keys.test.ts covers adoption).
  mockClient(clients.tagging).on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
  dynamodb.on(DescribeTableCommand).callsFake((input: { TableName: string }) => active(input.TableName));
});

function onlyTable(desired: DesiredState, name: string): DesiredState {
  return { ...desired, tables: desired.tables.filter((table) => table.name === name) };
}

describe('applyPlan', () => {
  it('creates a missing key with rotation and a least-privilege policy, then the table in one CreateTable call', async () => {
    // Prepare
    const desired = onlyTable(sampleDesiredState(), 'Orders');
    const observed = driftedAccount();
    const planned = plan({ desired, observed, now: NOW, only: ['Orders'] });
    kms.on(DescribeKeyCommand).rejects(Object.assign(new Error('not found'), { name: 'NotFoundException' }));
    kms.on(CreateKeyCommand).resolves({ KeyMetadata: { KeyId: 'k-1', Arn: 'arn:aws:kms:us-east-1:123456789012:key/k-1' } as never });
    dynamodb.on(CreateTableCommand).resolves({ TableDescription: { TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/Orders' } });
    backup.on(DescribeBackupVaultCommand).resolves({});
    backup.on(ListBackupPlansCommand).resolves({ BackupPlansList: [{ BackupPlanName: 'daily-35d', BackupPlanId: 'plan-1' }] });
    backup.on(ListBackupSelectionsCommand).resolves({ BackupSelectionsList: [] });
    backup.on(CreateBackupSelectionCommand).resolves({ SelectionId: 'sel-1', BackupPlanId: 'plan-1' });
    // Act
    const result = await applyPlan(clients, planned, desired, observed, { clock: virtualClock() });
    // Assess
    expect(result.tables.map((table) => [table.table, table.status, table.applied.length, table.notApplied.length])).toEqual([['Orders', 'applied', 5, 0]]);
    const createKey = kms.commandCalls(CreateKeyCommand)[0]!.args[0].input;
    const policy = JSON.parse(createKey.Policy!) as { Statement: Array<{ Sid: string; Effect: string; Principal: { AWS: string }; Action: string | string[]; Condition?: unknown }> };
    expect(policy.Statement.map((statement) => [statement.Sid, statement.Effect, statement.Principal.AWS])).toEqual([
      ['AccountAdministration', 'Allow', 'arn:aws:iam::123456789012:root'],
      ['DynamoDBUseInThisAccountAndRegion', 'Allow', '*'],
      ['OperatorKeepsRotationOn', 'Allow', 'arn:aws:iam::123456789012:role/tablewarden-operator'],
      ['OperatorNeverDeletesOrWeakens', 'Deny', 'arn:aws:iam::123456789012:role/tablewarden-operator'],
    ]);
    expect(policy.Statement[1]!.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com', 'kms:CallerAccount': '123456789012' } });
    // kms:PutKeyPolicy is not denied: CreateKey's lockout safety check would refuse the key (IAM withholds it instead).
    expect(policy.Statement[3]!.Action).toEqual(['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:DisableKeyRotation', 'kms:DeleteAlias', 'kms:UpdateAlias']);
    expect(kms.commandCalls(CreateAliasCommand).map((call) => call.args[0].input)).toEqual([{ AliasName: 'alias/tablewarden/orders', TargetKeyId: 'k-1' }]);
    expect(kms.commandCalls(EnableKeyRotationCommand).map((call) => call.args[0].input)).toEqual([{ KeyId: 'k-1', RotationPeriodInDays: 180 }]);
    expect(dynamodb.commandCalls(CreateTableCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: 'Orders',
        AttributeDefinitions: [
          { AttributeName: 'customerID', AttributeType: 'S' },
          { AttributeName: 'orderID', AttributeType: 'S' },
          { AttributeName: 'status', AttributeType: 'S' },
          { AttributeName: 'createdAt', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'customerID', KeyType: 'HASH' },
          { AttributeName: 'orderID', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TableClass: 'STANDARD',
        GlobalSecondaryIndexes: [
          { IndexName: 'byStatus', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'createdAt', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
        ],
        SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'alias/tablewarden/orders' },
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        DeletionProtectionEnabled: true,
        Tags: [
          { Key: 'cost-center', Value: 'commerce' },
          { Key: 'data-classification', Value: 'confidential' },
          { Key: 'managed-by', Value: 'tablewarden' },
        ],
      },
    ]);
    expect(dynamodb.commandCalls(UpdateContinuousBackupsCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: 'Orders', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 } },
    ]);
    expect(backup.commandCalls(CreateBackupPlanCommand)).toHaveLength(0);
    // The plan's one tag-based selection (the role from TABLEWARDEN_BACKUP_ROLE_ARN, see vitest.config.ts), then the tag.
    expect(backup.commandCalls(CreateBackupSelectionCommand).map((call) => call.args[0].input)).toEqual([
      {
        BackupPlanId: 'plan-1',
        CreatorRequestId: 'tablewarden-daily-35d',
        BackupSelection: {
          SelectionName: 'tablewarden-daily-35d',
          IamRoleArn: 'arn:aws:iam::123456789012:role/tablewarden-backup',
          Resources: ['arn:aws:dynamodb:*:*:table/*'],
          Conditions: { StringEquals: [{ ConditionKey: 'aws:ResourceTag/tablewarden:backup-plan', ConditionValue: 'daily-35d' }] },
        },
      },
    ]);
    expect(dynamodb.commandCalls(TagResourceCommand).map((call) => call.args[0].input)).toEqual([
      { ResourceArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/Orders', Tags: [{ Key: 'tablewarden:backup-plan', Value: 'daily-35d' }] },
    ]);
  });

  it('waits for an UPDATING table to settle before reporting the change applied', async () => {
    // Prepare
    const desired = onlyTable(sampleDesiredState(), 'Customers');
    const observed = driftedAccount();
    observed.kmsKeysByAlias['alias/tablewarden/customers'] = { ...observed.kmsKeysByAlias['alias/tablewarden/platform']!, aliases: ['alias/tablewarden/customers'], rotationPeriodDays: 365 };
    observed.tables.Customers!.pointInTimeRecovery = { enabled: true, recoveryPeriodDays: 35 };
    observed.tables.Customers!.tags = { 'managed-by': 'tablewarden', 'data-classification': 'confidential', 'cost-center': 'payments' };
    observed.tables.Customers!.backup = { planNames: ['daily-35d'], latestRecoveryPointAt: NOW.toISOString() };
    const planned = plan({ desired, observed, now: NOW, only: ['Customers'] });
    expect(planned.tables[0]!.actions.map((action) => action.type)).toEqual(['UpdateSse']);
    dynamodb.on(UpdateTableCommand).resolves({});
    dynamodb
      .on(DescribeTableCommand)
      .resolvesOnce(active('Customers', { SSEDescription: { Status: 'UPDATING' } }))
      .resolvesOnce(active('Customers', { TableStatus: 'UPDATING' }))
      .resolves(active('Customers', { SSEDescription: { Status: 'ENABLED' } }));
    const clock = virtualClock();
    // Act
    const result = await applyPlan(clients, planned, desired, observed, { clock, pollMs: 1000 });
    // Assess
    expect(result.tables[0]!.status).toBe('applied');
    expect(dynamodb.commandCalls(UpdateTableCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: 'Customers', SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'alias/tablewarden/customers' } },
    ]);
    expect(dynamodb.commandCalls(DescribeTableCommand)).toHaveLength(3);
    expect(clock.slept).toEqual([1000, 2000]);
  });

  it('retries ResourceInUseException until the deadline, then reports the table failed with what was and was not applied', async () => {
    // Prepare
    const desired = onlyTable(sampleDesiredState(), 'Customers');
    const observed = driftedAccount();
    observed.kmsKeysByAlias['alias/tablewarden/customers'] = { ...observed.kmsKeysByAlias['alias/tablewarden/platform']!, aliases: ['alias/tablewarden/customers'], rotationPeriodDays: 365 };
    const planned = plan({ desired, observed, now: NOW, only: ['Customers'] });
    dynamodb.on(UpdateContinuousBackupsCommand).resolves({});
    dynamodb.on(UpdateTableCommand).rejects(notNow('ResourceInUseException'));
    const clock = virtualClock();
    // Act
    const result = await applyPlan(clients, planned, desired, observed, { clock, tableTimeoutMs: 60_000 });
    // Assess
    const [customers] = result.tables;
    expect(customers!.status).toBe('failed');
    expect(customers!.applied.map((action) => action.type)).toEqual([]);
    expect(customers!.error).toMatchObject({ reason: 'WaitTimeout', action: { type: 'UpdateSse' } });
    expect(customers!.error!.message).toMatch(/Customers: UpdateTable: still ResourceInUseException after \d+ attempts; gave up at the deadline/);
    expect(customers!.notApplied.map((action) => action.type)).toEqual(['UpdateSse', 'UpdatePointInTimeRecovery', 'TagResource', 'AddToBackupPlan', 'StartBackupJob']);
    expect(dynamodb.commandCalls(UpdateTableCommand).length).toBeGreaterThan(3);
    expect(clock.now()).toBeLessThanOrEqual(60_000);
  });

  it('isolates tables: one table failing does not stop the others', async () => {
    // Prepare
    const desired = sampleDesiredState();
    const observed = driftedAccount();
    const planned = plan({ desired, observed, now: NOW });
    kms.on(DescribeKeyCommand).rejects(Object.assign(new Error('not found'), { name: 'NotFoundException' }));
    kms.on(CreateKeyCommand, { Description: 'tablewarden: DynamoDB encryption key for alias/tablewarden/customers' }).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    kms.on(CreateKeyCommand, { Description: 'tablewarden: DynamoDB encryption key for alias/tablewarden/orders' }).resolves({ KeyMetadata: { KeyId: 'k-2', Arn: 'arn:aws:kms:us-east-1:123456789012:key/k-2' } as never });
    dynamodb.on(CreateTableCommand).resolves({ TableDescription: { TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/Orders' } });
    backup.on(DescribeBackupVaultCommand).resolves({});
    backup.on(ListBackupPlansCommand).resolves({ BackupPlansList: [{ BackupPlanName: 'daily-35d', BackupPlanId: 'plan-1' }] });
    backup.on(ListBackupSelectionsCommand).resolves({ BackupSelectionsList: [] });
    backup.on(CreateBackupSelectionCommand).resolves({ SelectionId: 'sel-1', BackupPlanId: 'plan-1' });
    const events: ApplyEvent[] = [];
    // Act
    const result = await applyPlan(clients, planned, desired, observed, { clock: virtualClock(), onEvent: (event) => events.push(event) });
    // Assess
    expect(result.tables.map((table) => [table.table, table.status])).toEqual([
      ['Customers', 'skipped'],
      ['Orders', 'applied'],
      ['terraform-state-lock', 'applied'],
    ]);
    expect(result.tables[0]!.error).toMatchObject({ reason: 'ApplyFailed', message: 'AccessDeniedException: denied' });
    expect(result.tables[0]!.notApplied.map((action) => action.type)).toEqual(['CreateKmsKey', 'UpdateSse', 'UpdatePointInTimeRecovery', 'TagResource', 'AddToBackupPlan', 'StartBackupJob']);
    expect(dynamodb.commandCalls(TagResourceCommand).filter((call) => call.args[0].input.ResourceArn?.endsWith('/Customers'))).toHaveLength(0);
    expect(events.filter((event) => event.kind === 'failed').map((event) => event.action.type)).toEqual(['CreateKmsKey']);
  });

  it('makes no call at all for a blocked plan', async () => {
    // Prepare
    const desired = { ...sampleDesiredState() };
    desired.policy = { ...desired.policy, blastRadius: { maxDisruptivePercent: 0, maxDisruptiveTables: 0 } };
    const observed = driftedAccount();
    observed.tables['terraform-state-lock']!.stream = { enabled: true, viewType: 'KEYS_ONLY' };
    const planned = plan({ desired, observed, now: NOW });
    // Act
    const result = await applyPlan(clients, planned, desired, observed, { clock: virtualClock() });
    // Assess
    expect(result.blocked).toMatch(/^blast-radius guard/);
    expect(result.tables.every((table) => table.status === 'skipped' && table.applied.length === 0)).toBe(true);
    expect([...dynamodb.calls(), ...kms.calls(), ...backup.calls(), ...sts.calls()]).toHaveLength(0);
  });

  it('starts an on-demand backup into the plan vault with the configured role', async () => {
    // Prepare
    const desired = onlyTable(sampleDesiredState(), 'terraform-state-lock');
    desired.policy.backupPlans['daily-35d'] = { ...desired.policy.backupPlans['daily-35d']!, iamRoleArn: 'arn:aws:iam::123456789012:role/backup-operator' };
    const observed = driftedAccount();
    observed.tables['terraform-state-lock']!.backup.latestRecoveryPointAt = '2026-11-20T00:00:00.000Z';
    const planned = plan({ desired, observed, now: NOW, only: ['terraform-state-lock'] });
    backup.on(DescribeBackupVaultCommand).resolves({});
    // Act
    await applyPlan(clients, planned, desired, observed, { clock: virtualClock() });
    // Assess
    expect(backup.commandCalls(StartBackupJobCommand).map((call) => call.args[0].input)).toEqual([
      { BackupVaultName: 'tablewarden-vault', ResourceArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/terraform-state-lock', IamRoleArn: 'arn:aws:iam::123456789012:role/backup-operator' },
    ]);
  });
});
