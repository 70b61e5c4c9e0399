/**
 * observeAccount against aws-sdk-client-mock: exact commands, call counts, failure isolation, pagination.
 * Responses are built from real recorded AWS responses wherever one exists.
 */
import { GetBackupSelectionCommand, ListBackupPlansCommand, ListBackupSelectionsCommand, ListProtectedResourcesCommand } from '@aws-sdk/client-backup';
import type { BackupClient, BackupSelection } from '@aws-sdk/client-backup';
import {
  DescribeContinuousBackupsCommand,
  DescribeContributorInsightsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, GetKeyRotationStatusCommand, ListAliasesCommand } from '@aws-sdk/client-kms';
import type { KMSClient, KeyMetadata } from '@aws-sdk/client-kms';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import type { AwsClients } from '../../functions/aws/clients.ts';
import { isReadAction } from '../../functions/aws/call-recorder.ts';
import { observeAccount } from '../../functions/aws/observe.ts';
import type { ObserveRequest } from '../../functions/aws/observe.ts';
import { ObserveFailed } from '../../functions/core/errors.ts';
import type { ObserveRequest as PlannerObserveRequest } from '../../functions/core/plan/observe-request.ts';
import { awsError, loadRecording, recordedError } from '../fixtures/aws-recordings.ts';

const ACCOUNT = '644160558196';
const REGION = 'us-east-1';
const tableArn = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
const CMK_ID = '0c34a807-a390-4128-ba02-463ccd3d8850';
const CMK_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${CMK_ID}`;
const AWS_KEY_ID = '8785aeb9-a616-4e2b-bbd3-df3cde76bcc5';
const AWS_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${AWS_KEY_ID}`;
const PLAN_ID = '14c4daac-b199-45ce-8644-c541734ebd14';

const ALL_ASPECTS = { pointInTimeRecovery: true, timeToLive: true, contributorInsights: true };
const NO_ASPECTS = { pointInTimeRecovery: false, timeToLive: false, contributorInsights: false };

/** A real recorded on-demand table description, renamed, encrypted with `keyArn` (or the AWS owned key). */
function recordedTable(name: string, keyArn: string | 'AWS_OWNED' = CMK_ARN): TableDescription {
  const { Table } = loadRecording<{ Table: TableDescription }>('test_dynamodb_kms_key_filter', 'dynamodb.DescribeTable_1');
  const table: TableDescription = { ...Table, TableName: name, TableArn: tableArn(name) };
  if (keyArn === 'AWS_OWNED') delete table.SSEDescription;
  else table.SSEDescription = { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: keyArn };
  return table;
}

/** The recorded DescribeKey of the AWS managed DynamoDB key, and a customer key derived from it. */
function recordedKey(manager: 'AWS' | 'CUSTOMER'): KeyMetadata {
  const { KeyMetadata } = loadRecording<{ KeyMetadata: KeyMetadata }>('test_dynamodb_kms_key_filter', 'kms.DescribeKey_1');
  if (manager === 'AWS') return KeyMetadata;
  return { ...KeyMetadata, KeyId: CMK_ID, Arn: CMK_ARN, KeyManager: 'CUSTOMER', Description: 'tablewarden data key' };
}

/** `'every alias'` omits `kmsAliases`, so the observer describes the key behind every alias. */
const request = (names: string[], aspects = ALL_ASPECTS, kmsAliases: string[] | 'every alias' = ['alias/tablewarden/data']): ObserveRequest => ({
  tables: names.map((name) => ({ name, aspects })),
  ...(kmsAliases === 'every alias' ? {} : { kmsAliases }),
});

interface Mocks {
  clients: AwsClients;
  dynamodb: AwsClientStub<DynamoDBClient>;
  kms: AwsClientStub<KMSClient>;
  backup: AwsClientStub<BackupClient>;
  tagging: AwsClientStub<ResourceGroupsTaggingAPIClient>;
}

function commandNames(mocks: Mocks): string[] {
  return [mocks.dynamodb, mocks.kms, mocks.backup, mocks.tagging].flatMap((mock) =>
    mock.calls().map((call) => (call.args[0] as object).constructor.name.replace(/Command$/, '')),
  );
}

/**
 * A converged account: Customers, Orders and Invoices share one customer managed key; all aspects enabled;
 * one backup plan ("test", recorded) whose selection takes every table tagged backup=daily.
 */
function convergedAccount(tables = ['Customers', 'Orders', 'Invoices']): Mocks {
  const clients = createClients({ region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  const mocks: Mocks = {
    clients,
    dynamodb: mockClient(clients.dynamodb),
    kms: mockClient(clients.kms),
    backup: mockClient(clients.backup),
    tagging: mockClient(clients.tagging),
  };
  const { dynamodb, kms, backup, tagging } = mocks;

  dynamodb.on(ListTablesCommand).resolves({ TableNames: [...tables, 'Unmanaged'].sort() });
  dynamodb.on(DescribeTableCommand).rejects(awsError('ResourceNotFoundException', 'Requested resource not found'));
  for (const name of tables) dynamodb.on(DescribeTableCommand, { TableName: name }).resolves({ Table: recordedTable(name) });
  dynamodb.on(DescribeContinuousBackupsCommand).resolves({
    ContinuousBackupsDescription: { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'ENABLED', RecoveryPeriodInDays: 35 } },
  });
  dynamodb.on(DescribeTimeToLiveCommand).resolves({ TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' } });
  dynamodb.on(DescribeContributorInsightsCommand).resolves({ ContributorInsightsStatus: 'ENABLED' });

  const recordedTags = loadRecording<{ ResourceTagMappingList: Array<{ Tags: Array<{ Key: string; Value: string }> }> }>(
    'test_dynamodb_table',
    'tagging.GetResources_1',
  );
  tagging.on(GetResourcesCommand).resolves({
    PaginationToken: '',
    ResourceTagMappingList: tables
      .filter((name) => name !== 'Invoices')
      .map((name) => ({ ResourceARN: tableArn(name), Tags: [...(recordedTags.ResourceTagMappingList[0]?.Tags ?? []), { Key: 'backup', Value: 'daily' }] })),
  });

  const recordedAliases = loadRecording<{ Aliases: object[] }>('test_dynamodb_kms_key_filter', 'kms.ListAliases_1');
  kms.on(ListAliasesCommand).resolves({
    Truncated: false,
    Aliases: [
      ...recordedAliases.Aliases,
      { AliasName: 'alias/tablewarden/data', AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/tablewarden/data`, TargetKeyId: CMK_ID },
      // A predefined AWS managed alias whose key does not exist yet: listed without TargetKeyId.
      { AliasName: 'alias/aws/ebs', AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws/ebs` },
    ],
  });
  kms.on(DescribeKeyCommand, { KeyId: CMK_ARN }).resolves({ KeyMetadata: recordedKey('CUSTOMER') });
  kms.on(DescribeKeyCommand, { KeyId: AWS_KEY_ARN }).resolves({ KeyMetadata: recordedKey('AWS') });
  kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 180, KeyId: CMK_ARN });

  const plans = loadRecording<{ BackupPlansList: object[] }>('test_backup_augment', 'backup.ListBackupPlans_1');
  backup.on(ListBackupPlansCommand).resolves({ BackupPlansList: plans.BackupPlansList });
  backup.on(ListBackupSelectionsCommand).resolves({
    BackupSelectionsList: [{ SelectionId: 'sel-daily', SelectionName: 'daily-tagged', BackupPlanId: PLAN_ID, IamRoleArn: `arn:aws:iam::${ACCOUNT}:role/backup` }],
  });
  backup.on(GetBackupSelectionCommand).resolves({
    BackupPlanId: PLAN_ID,
    SelectionId: 'sel-daily',
    BackupSelection: {
      SelectionName: 'daily-tagged',
      IamRoleArn: `arn:aws:iam::${ACCOUNT}:role/backup`,
      Resources: ['arn:aws:dynamodb:*:*:table/*'],
      Conditions: { StringEquals: [{ ConditionKey: 'aws:ResourceTag/backup', ConditionValue: 'daily' }] },
    },
  });
  backup.on(ListProtectedResourcesCommand).resolves({
    Results: [
      { ResourceArn: tableArn('Customers'), ResourceType: 'DynamoDB', LastBackupTime: new Date('2025-06-01T05:10:00Z') },
      { ResourceArn: 'arn:aws:ec2:us-east-1:644160558196:volume/vol-1', ResourceType: 'EBS', LastBackupTime: new Date('2025-06-01T05:00:00Z') },
    ],
  });
  return mocks;
}

describe('observeAccount: a converged account', () => {
  let mocks: Mocks;
  beforeEach(() => {
    mocks = convergedAccount();
  });

  it('makes exactly the per-table and amortised calls, and no write', async () => {
    // Act
    await observeAccount(mocks.clients, request(['Customers', 'Orders', 'Invoices']));
    // Assess
    expect(mocks.dynamodb.commandCalls(DescribeTableCommand)).toHaveLength(3);
    expect(mocks.dynamodb.commandCalls(DescribeContinuousBackupsCommand)).toHaveLength(3);
    expect(mocks.dynamodb.commandCalls(DescribeTimeToLiveCommand)).toHaveLength(3);
    expect(mocks.dynamodb.commandCalls(DescribeContributorInsightsCommand)).toHaveLength(3);
    expect(mocks.dynamodb.commandCalls(ListTablesCommand)).toHaveLength(1);
    expect(mocks.dynamodb.calls()).toHaveLength(13);
    // KMS: one alias listing, the shared key described once, its rotation read once
    expect(mocks.kms.commandCalls(ListAliasesCommand)).toHaveLength(1);
    expect(mocks.kms.commandCalls(DescribeKeyCommand)).toHaveLength(1);
    expect(mocks.kms.commandCalls(DescribeKeyCommand)[0]?.args[0].input).toEqual({ KeyId: CMK_ARN });
    expect(mocks.kms.commandCalls(GetKeyRotationStatusCommand)).toHaveLength(1);
    expect(mocks.kms.calls()).toHaveLength(3);
    // Tags in bulk
    expect(mocks.tagging.calls()).toHaveLength(1);
    expect(mocks.tagging.commandCalls(GetResourcesCommand)[0]?.args[0].input).toEqual({ ResourceTypeFilters: ['dynamodb:table'], ResourcesPerPage: 100 });
    // Backup: one plan, one selection
    expect(mocks.backup.commandCalls(ListBackupPlansCommand)).toHaveLength(1);
    expect(mocks.backup.commandCalls(ListBackupSelectionsCommand)[0]?.args[0].input).toEqual({ BackupPlanId: PLAN_ID, MaxResults: 1000 });
    expect(mocks.backup.commandCalls(GetBackupSelectionCommand)[0]?.args[0].input).toEqual({ BackupPlanId: PLAN_ID, SelectionId: 'sel-daily' });
    expect(mocks.backup.commandCalls(ListProtectedResourcesCommand)).toHaveLength(1);
    expect(mocks.backup.calls()).toHaveLength(4);
    // Nothing but reads
    const names = commandNames(mocks);
    expect(names.filter((name) => !isReadAction(name))).toEqual([]);
  });

  it('returns the normalised tables, tags, keys and backup coverage', async () => {
    // Act
    const observed = await observeAccount(mocks.clients, request(['Customers', 'Orders', 'Invoices']));
    // Assess
    expect(observed.allTableNames).toEqual(['Customers', 'Invoices', 'Orders', 'Unmanaged']);
    expect(observed.errors).toEqual({});
    expect(Object.keys(observed.tables)).toEqual(['Customers', 'Orders', 'Invoices']);
    const customers = observed.tables['Customers'];
    const cmk = {
      arn: CMK_ARN,
      keyId: CMK_ID,
      aliases: ['alias/tablewarden/data'],
      keyManager: 'CUSTOMER',
      keyState: 'Enabled',
      rotationEnabled: true,
      rotationPeriodDays: 180,
    };
    expect(customers).toEqual({
      name: 'Customers',
      arn: tableArn('Customers'),
      status: 'ACTIVE',
      createdAt: '2019-01-15T18:06:37.198Z',
      keySchema: { partitionKey: { name: 'test', type: 'S' } },
      billing: { mode: 'PAY_PER_REQUEST' },
      tableClass: 'STANDARD',
      sse: { type: 'CUSTOMER_MANAGED', kmsKeyArn: CMK_ARN, status: 'ENABLED' },
      kmsKey: cmk,
      pointInTimeRecovery: { enabled: true, recoveryPeriodDays: 35 },
      deletionProtection: false,
      tags: { App: 'Foo', Env: 'Dev', Owner: 'Bar', backup: 'daily' },
      timeToLive: { status: 'ENABLED', attributeName: 'expiresAt' },
      stream: { enabled: false },
      contributorInsights: 'ENABLED',
      globalSecondaryIndexes: [],
      localSecondaryIndexes: [],
      backup: { planNames: ['test'], latestRecoveryPointAt: '2025-06-01T05:10:00.000Z' },
    });
    expect(observed.tables['Orders']?.backup).toEqual({ planNames: ['test'] });
    // Invoices is absent from GetResources: no tags, so the tag-conditioned selection does not cover it
    expect(observed.tables['Invoices']?.tags).toEqual({});
    expect(observed.tables['Invoices']?.backup).toEqual({ planNames: [] });
    expect(observed.kmsKeysByAlias).toEqual({ 'alias/tablewarden/data': cmk });
  });

  it('reads optional aspects only when the desired state manages them', async () => {
    // Act
    const observed = await observeAccount(mocks.clients, {
      tables: [
        { name: 'Customers', aspects: { pointInTimeRecovery: true, timeToLive: false, contributorInsights: false } },
        { name: 'Orders', aspects: NO_ASPECTS },
      ],
      kmsAliases: [],
    });
    // Assess
    expect(mocks.dynamodb.commandCalls(DescribeContinuousBackupsCommand).map((c) => c.args[0].input)).toEqual([{ TableName: 'Customers' }]);
    expect(mocks.dynamodb.commandCalls(DescribeTimeToLiveCommand)).toHaveLength(0);
    expect(mocks.dynamodb.commandCalls(DescribeContributorInsightsCommand)).toHaveLength(0);
    expect(observed.tables['Customers']?.pointInTimeRecovery).toEqual({ enabled: true, recoveryPeriodDays: 35 });
    expect(observed.tables['Customers']).not.toHaveProperty('timeToLive');
    expect(observed.tables['Orders']).not.toHaveProperty('pointInTimeRecovery');
    expect(observed.tables['Orders']).not.toHaveProperty('contributorInsights');
  });

  it('describes a key shared by N tables once, whatever N', async () => {
    // Prepare
    const many = Array.from({ length: 20 }, (_, i) => `T${String(i).padStart(2, '0')}`);
    mocks = convergedAccount(many);
    // Act
    const observed = await observeAccount(mocks.clients, request(many, NO_ASPECTS, []), { concurrency: 5 });
    // Assess
    expect(Object.keys(observed.tables)).toHaveLength(20);
    expect(mocks.kms.commandCalls(DescribeKeyCommand)).toHaveLength(1);
    expect(mocks.kms.commandCalls(GetKeyRotationStatusCommand)).toHaveLength(1);
    expect(mocks.tagging.calls()).toHaveLength(1);
  });

  it('skips GetKeyRotationStatus for AWS managed keys and reports yearly rotation', async () => {
    // Prepare
    mocks.dynamodb.on(DescribeTableCommand, { TableName: 'Orders' }).resolves({ Table: recordedTable('Orders', AWS_KEY_ARN) });
    // Act
    const observed = await observeAccount(mocks.clients, request(['Orders'], NO_ASPECTS, []));
    // Assess
    expect(mocks.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: AWS_KEY_ARN }]);
    expect(mocks.kms.commandCalls(GetKeyRotationStatusCommand)).toHaveLength(0);
    expect(observed.tables['Orders']?.sse).toEqual({ type: 'AWS_MANAGED', kmsKeyArn: AWS_KEY_ARN, status: 'ENABLED' });
    expect(observed.tables['Orders']?.kmsKey).toMatchObject({ keyManager: 'AWS', rotationEnabled: true, rotationPeriodDays: 365, aliases: ['alias/aws/dynamodb'] });
    expect(Object.keys(observed.kmsKeysByAlias)).toEqual(['alias/aws/dynamodb']);
  });

  it('makes no KMS key call for AWS-owned encryption (no SSEDescription)', async () => {
    // Prepare
    mocks.dynamodb.on(DescribeTableCommand, { TableName: 'Orders' }).resolves({ Table: recordedTable('Orders', 'AWS_OWNED') });
    // Act
    const observed = await observeAccount(mocks.clients, request(['Orders'], NO_ASPECTS, []));
    // Assess
    expect(mocks.kms.commandCalls(DescribeKeyCommand)).toHaveLength(0);
    expect(observed.tables['Orders']?.sse).toEqual({ type: 'AWS_OWNED' });
    expect(observed.tables['Orders']).not.toHaveProperty('kmsKey');
  });

  it('treats a key whose rotation KMS cannot report (recorded UnsupportedOperationException) as not rotating', async () => {
    // Prepare
    mocks.kms.on(GetKeyRotationStatusCommand).rejects(recordedError('test_key_rotation_unsupportedopp', 'kms.GetKeyRotationStatus_1'));
    // Act
    const observed = await observeAccount(mocks.clients, request(['Customers'], NO_ASPECTS));
    // Assess
    expect(observed.errors).toEqual({});
    expect(observed.tables['Customers']?.kmsKey).toMatchObject({ rotationEnabled: false });
    expect(observed.tables['Customers']?.kmsKey).not.toHaveProperty('rotationPeriodDays');
  });
});

describe('observeAccount: KMS keys by alias', () => {
  it('without kmsAliases, describes the key behind every alias in the account', async () => {
    // Prepare
    const mocks = convergedAccount(['Customers']);
    // Act
    const observed = await observeAccount(mocks.clients, request(['Customers'], NO_ASPECTS, 'every alias'));
    // Assess
    expect(
      mocks.kms
        .commandCalls(DescribeKeyCommand)
        .map((c) => c.args[0].input.KeyId)
        .sort(),
    ).toEqual([CMK_ARN, AWS_KEY_ARN].sort());
    expect(Object.keys(observed.kmsKeysByAlias)).toEqual(['alias/aws/dynamodb', 'alias/tablewarden/data']);
    expect(observed.kmsKeysByAlias['alias/aws/dynamodb']).toMatchObject({ keyManager: 'AWS', arn: AWS_KEY_ARN });
  });

  it('describes a wanted alias no table uses yet, and leaves a missing alias absent', async () => {
    // Prepare
    const mocks = convergedAccount([]);
    // Act
    const observed = await observeAccount(mocks.clients, { tables: [], kmsAliases: ['alias/tablewarden/data', 'alias/tablewarden/new'] });
    // Assess
    expect(mocks.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: CMK_ARN }]);
    expect(observed.kmsKeysByAlias['alias/tablewarden/data']).toMatchObject({ arn: CMK_ARN, keyManager: 'CUSTOMER', rotationPeriodDays: 180 });
    expect(observed.kmsKeysByAlias).not.toHaveProperty('alias/tablewarden/new');
    expect(observed.kmsKeysByAlias).not.toHaveProperty('alias/aws/ebs');
  });

  it('fails the observation when a wanted alias exists but its key cannot be read', async () => {
    // Prepare
    const mocks = convergedAccount([]);
    mocks.kms.on(DescribeKeyCommand, { KeyId: CMK_ARN }).rejects(awsError('AccessDeniedException', 'not authorized to perform kms:DescribeKey'));
    // Act
    const result = observeAccount(mocks.clients, { tables: [], kmsAliases: ['alias/tablewarden/data'] });
    // Assess
    await expect(result).rejects.toBeInstanceOf(ObserveFailed);
    await expect(result).rejects.toThrow(/kms:DescribeKey .*AccessDeniedException/);
  });
});

describe('observeAccount: missing tables and per-table failures', () => {
  it('leaves a table that does not exist out of tables and errors, after one DescribeTable', async () => {
    // Prepare
    const mocks = convergedAccount(['Customers']);
    // Act
    const observed = await observeAccount(mocks.clients, request(['Customers', 'Ghost']));
    // Assess
    expect(Object.keys(observed.tables)).toEqual(['Customers']);
    expect(observed.errors).toEqual({});
    const ghostCalls = mocks.dynamodb.calls().filter((call) => (call.args[0].input as { TableName?: string }).TableName === 'Ghost');
    expect(ghostCalls.map((call) => call.args[0].constructor.name)).toEqual(['DescribeTableCommand']);
  });

  it('treats a table deleted mid-observation (recorded TableNotFoundException) as absent', async () => {
    // Prepare
    const mocks = convergedAccount(['Customers', 'Orders']);
    mocks.dynamodb
      .on(DescribeContinuousBackupsCommand, { TableName: 'Orders' })
      .rejects(recordedError('test_dynamodb_continuous_backup_filter', 'dynamodb.DescribeContinuousBackups_2'));
    // Act
    const observed = await observeAccount(mocks.clients, request(['Customers', 'Orders']));
    // Assess
    expect(Object.keys(observed.tables)).toEqual(['Customers']);
    expect(observed.errors).toEqual({});
  });

  it('isolates AccessDenied on one table into errors; the others proceed', async () => {
    // Prepare
    const mocks = convergedAccount(['Customers', 'Orders', 'Invoices']);
    mocks.dynamodb
      .on(DescribeTableCommand, { TableName: 'Orders' })
      .rejects(awsError('AccessDeniedException', 'User is not authorized to perform: dynamodb:DescribeTable on resource: table/Orders'));
    // Act
    const observed = await observeAccount(mocks.clients, request(['Customers', 'Orders', 'Invoices']));
    // Assess
    expect(Object.keys(observed.tables)).toEqual(['Customers', 'Invoices']);
    expect(observed.errors).toEqual({
      Orders: 'dynamodb:DescribeTable failed: AccessDeniedException: User is not authorized to perform: dynamodb:DescribeTable on resource: table/Orders',
    });
    expect(mocks.dynamodb.commandCalls(DescribeTimeToLiveCommand, { TableName: 'Orders' })).toHaveLength(0);
  });

  it('isolates a failing aspect read into errors', async () => {
    // Prepare
    const mocks = convergedAccount(['Customers', 'Orders']);
    mocks.dynamodb.on(DescribeTimeToLiveCommand, { TableName: 'Customers' }).rejects(awsError('AccessDeniedException', 'denied'));
    // Act
    const observed = await observeAccount(mocks.clients, request(['Customers', 'Orders']));
    // Assess
    expect(Object.keys(observed.tables)).toEqual(['Orders']);
    expect(observed.errors['Customers']).toBe('dynamodb:DescribeTimeToLive failed: AccessDeniedException: denied');
  });

  it('reports the tables of an unreadable key as errors, not the account', async () => {
    // Prepare
    const mocks = convergedAccount(['Customers', 'Orders', 'Invoices']);
    const OTHER = `arn:aws:kms:${REGION}:999999999999:key/foreign`;
    mocks.dynamodb.on(DescribeTableCommand, { TableName: 'Orders' }).resolves({ Table: recordedTable('Orders', OTHER) });
    mocks.dynamodb.on(DescribeTableCommand, { TableName: 'Invoices' }).resolves({ Table: recordedTable('Invoices', OTHER) });
    mocks.kms.on(DescribeKeyCommand, { KeyId: OTHER }).rejects(awsError('AccessDeniedException', 'key policy does not allow kms:DescribeKey'));
    // Act
    const observed = await observeAccount(mocks.clients, request(['Customers', 'Orders', 'Invoices']));
    // Assess
    expect(Object.keys(observed.tables)).toEqual(['Customers']);
    expect(observed.errors).toEqual({
      Orders: `kms:DescribeKey on ${OTHER} failed: AccessDeniedException: key policy does not allow kms:DescribeKey`,
      Invoices: `kms:DescribeKey on ${OTHER} failed: AccessDeniedException: key policy does not allow kms:DescribeKey`,
    });
    expect(mocks.kms.commandCalls(DescribeKeyCommand, { KeyId: OTHER })).toHaveLength(1);
  });

  it('reports a description it cannot normalise (a DELETING table without KeySchema) as an error', async () => {
    // Prepare
    const mocks = convergedAccount(['Customers']);
    const { Table } = loadRecording<{ Table: TableDescription }>('test_force_delete_dynamodb_tables', 'dynamodb.DescribeTable_2');
    mocks.dynamodb.on(DescribeTableCommand, { TableName: 'c7n-test' }).resolves({ Table });
    // Act
    const observed = await observeAccount(mocks.clients, request(['Customers', 'c7n-test'], NO_ASPECTS));
    // Assess
    expect(Object.keys(observed.tables)).toEqual(['Customers']);
    expect(observed.errors['c7n-test']).toMatch(/^NormaliseError: DescribeTable for c7n-test returned no KeySchema \(table status DELETING\)/);
  });
});

describe('observeAccount: account-level failures', () => {
  it.each<[string, (mocks: Mocks) => void, RegExp]>([
    ['ListTables', (m) => m.dynamodb.on(ListTablesCommand).rejects(awsError('AccessDeniedException', 'no ListTables')), /dynamodb:ListTables failed: AccessDeniedException/],
    ['GetResources', (m) => m.tagging.on(GetResourcesCommand).rejects(awsError('ThrottlingException', 'Rate exceeded')), /tag:GetResources failed: ThrottlingException/],
    ['ListAliases', (m) => m.kms.on(ListAliasesCommand).rejects(awsError('AccessDeniedException', 'no ListAliases')), /kms:ListAliases failed: AccessDeniedException/],
    ['ListBackupPlans', (m) => m.backup.on(ListBackupPlansCommand).rejects(awsError('AccessDeniedException', 'no backup')), /AWS Backup .* failed: AccessDeniedException/],
    ['GetBackupSelection', (m) => m.backup.on(GetBackupSelectionCommand).rejects(awsError('ServiceUnavailableException', 'down', 503)), /AWS Backup .* failed: ServiceUnavailableException/],
    ['ListProtectedResources', (m) => m.backup.on(ListProtectedResourcesCommand).rejects(awsError('AccessDeniedException', 'no')), /AWS Backup .* failed: AccessDeniedException/],
  ])('%s failing throws ObserveFailed with the cause', async (_name, breakIt, message) => {
    // Prepare
    const mocks = convergedAccount(['Customers']);
    breakIt(mocks);
    // Act
    const error = await observeAccount(mocks.clients, request(['Customers'])).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ObserveFailed);
    expect((error as ObserveFailed).reason).toBe('ObserveFailed');
    expect((error as Error).message).toMatch(message);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});

describe('observeAccount: pagination', () => {
  it('follows ListTables, GetResources, ListAliases, ListBackupPlans, ListBackupSelections and ListProtectedResources pages', async () => {
    // Prepare
    const mocks = convergedAccount(['Customers', 'Orders']);
    mocks.dynamodb
      .on(ListTablesCommand)
      .resolves({ TableNames: ['Customers'], LastEvaluatedTableName: 'Customers' })
      .on(ListTablesCommand, { ExclusiveStartTableName: 'Customers' })
      .resolves({ TableNames: ['Orders', 'Unmanaged'] });
    mocks.tagging
      .on(GetResourcesCommand)
      .resolves({ PaginationToken: 'page-2', ResourceTagMappingList: [{ ResourceARN: tableArn('Customers'), Tags: [{ Key: 'backup', Value: 'daily' }] }] })
      .on(GetResourcesCommand, { PaginationToken: 'page-2' })
      // Real AWS ends with an empty string, not an absent token (recorded in test_dynamodb_table).
      .resolves({ PaginationToken: '', ResourceTagMappingList: [{ ResourceARN: tableArn('Orders'), Tags: [{ Key: 'team', Value: 'core' }] }] });
    mocks.kms
      .on(ListAliasesCommand)
      .resolves({ Truncated: true, NextMarker: 'm2', Aliases: [] })
      .on(ListAliasesCommand, { Marker: 'm2' })
      .resolves({ Truncated: false, Aliases: [{ AliasName: 'alias/tablewarden/data', AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/tablewarden/data`, TargetKeyId: CMK_ID }] });
    mocks.backup
      .on(ListBackupPlansCommand)
      .resolves({ NextToken: 'p2', BackupPlansList: [{ BackupPlanId: PLAN_ID, BackupPlanName: 'test' }] })
      .on(ListBackupPlansCommand, { NextToken: 'p2' })
      .resolves({ BackupPlansList: [{ BackupPlanId: 'plan-2', BackupPlanName: 'weekly' }] });
    mocks.backup
      .on(ListBackupSelectionsCommand, { BackupPlanId: 'plan-2' })
      .resolves({ NextToken: 's2', BackupSelectionsList: [] })
      .on(ListBackupSelectionsCommand, { BackupPlanId: 'plan-2', NextToken: 's2' })
      .resolves({ BackupSelectionsList: [{ SelectionId: 'sel-orders', BackupPlanId: 'plan-2' }] });
    const ordersOnly: BackupSelection = { SelectionName: 'orders', IamRoleArn: 'arn:aws:iam::1:role/r', Resources: [tableArn('Orders')] };
    mocks.backup.on(GetBackupSelectionCommand, { SelectionId: 'sel-orders' }).resolves({ BackupSelection: ordersOnly });
    mocks.backup
      .on(ListProtectedResourcesCommand)
      .resolves({ NextToken: 'r2', Results: [] })
      .on(ListProtectedResourcesCommand, { NextToken: 'r2' })
      .resolves({ Results: [{ ResourceArn: tableArn('Orders'), LastBackupTime: new Date('2025-07-01T00:00:00Z') }] });
    // Act
    const observed = await observeAccount(mocks.clients, request(['Customers', 'Orders'], NO_ASPECTS));
    // Assess
    // Every page at the API's maximum size (ListTables 100, GetResources 100, ListAliases 100, AWS Backup 1000).
    expect(mocks.dynamodb.commandCalls(ListTablesCommand).map((c) => c.args[0].input)).toEqual([{ Limit: 100 }, { Limit: 100, ExclusiveStartTableName: 'Customers' }]);
    expect(mocks.tagging.commandCalls(GetResourcesCommand).map((c) => c.args[0].input)).toEqual([
      { ResourceTypeFilters: ['dynamodb:table'], ResourcesPerPage: 100 },
      { ResourceTypeFilters: ['dynamodb:table'], ResourcesPerPage: 100, PaginationToken: 'page-2' },
    ]);
    expect(mocks.kms.commandCalls(ListAliasesCommand).map((c) => c.args[0].input)).toEqual([{ Limit: 100 }, { Limit: 100, Marker: 'm2' }]);
    expect(mocks.backup.commandCalls(ListBackupPlansCommand).map((c) => c.args[0].input)).toEqual([{ MaxResults: 1000 }, { MaxResults: 1000, NextToken: 'p2' }]);
    expect(mocks.backup.commandCalls(ListBackupSelectionsCommand).map((c) => c.args[0].input)).toEqual([
      { BackupPlanId: PLAN_ID, MaxResults: 1000 },
      { BackupPlanId: 'plan-2', MaxResults: 1000 },
      { BackupPlanId: 'plan-2', MaxResults: 1000, NextToken: 's2' },
    ]);
    expect(mocks.backup.commandCalls(ListProtectedResourcesCommand).map((c) => c.args[0].input)).toEqual([{ MaxResults: 1000 }, { MaxResults: 1000, NextToken: 'r2' }]);
    expect(observed.allTableNames).toEqual(['Customers', 'Orders', 'Unmanaged']);
    expect(observed.tables['Orders']?.tags).toEqual({ team: 'core' });
    expect(observed.tables['Customers']?.backup).toEqual({ planNames: ['test'] });
    expect(observed.tables['Orders']?.backup).toEqual({ planNames: ['weekly'], latestRecoveryPointAt: '2025-07-01T00:00:00.000Z' });
    expect(observed.tables['Orders']?.kmsKey?.aliases).toEqual(['alias/tablewarden/data']);
  });
});

/** Make DescribeTable slow and count how many run at once; returns the peak so far. */
function trackPeakDescribeTable(mocks: ReturnType<typeof convergedAccount>): () => number {
  let inFlight = 0;
  let peak = 0;
  mocks.dynamodb.on(DescribeTableCommand).callsFake(async (input: { TableName: string }) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight -= 1;
    return { Table: recordedTable(input.TableName, 'AWS_OWNED') };
  });
  return () => peak;
}

describe('observeAccount: concurrency', () => {
  it.each([1, 3, 8])('has at most %i tables in flight', async (limit) => {
    // Prepare
    const names = Array.from({ length: 12 }, (_, i) => `T${i}`);
    const mocks = convergedAccount(names);
    const peak = trackPeakDescribeTable(mocks);
    // Act
    const observed = await observeAccount(mocks.clients, request(names, NO_ASPECTS, []), { concurrency: limit });
    // Assess
    expect(Object.keys(observed.tables)).toHaveLength(12);
    expect(peak()).toBe(limit);
  });
});

describe('observeAccount: unmanaged tables', () => {
  it('observes every other listed table except restore-drill tables, with the baseline aspects', async () => {
    // Prepare
    const mocks = convergedAccount(['Customers', 'Legacy', 'tw-drill-Customers-1']);
    mocks.dynamodb.on(ListTablesCommand).resolves({ TableNames: ['Customers', 'Legacy', 'tw-drill-Customers-1'] });
    // The planner's own work order (core/plan/observe-request.ts) is accepted as is.
    const work: PlannerObserveRequest = {
      tables: [{ name: 'Customers', aspects: ALL_ASPECTS }],
      unmanaged: { aspects: { pointInTimeRecovery: true, timeToLive: false, contributorInsights: false } },
      kmsAliases: ['alias/tablewarden/data'],
    };
    // Act
    const observed = await observeAccount(mocks.clients, work);
    // Assess
    expect(Object.keys(observed.tables)).toEqual(['Customers', 'Legacy']);
    expect(mocks.dynamodb.commandCalls(DescribeTableCommand).map((c) => c.args[0].input.TableName)).toEqual(['Customers', 'Legacy']);
    expect(mocks.dynamodb.commandCalls(DescribeContinuousBackupsCommand).map((c) => c.args[0].input.TableName).sort()).toEqual(['Customers', 'Legacy']);
    expect(mocks.dynamodb.commandCalls(DescribeTimeToLiveCommand).map((c) => c.args[0].input.TableName)).toEqual(['Customers']);
    expect(observed.tables['Legacy']).not.toHaveProperty('timeToLive');
    expect(observed.tables['Legacy']?.pointInTimeRecovery).toEqual({ enabled: true, recoveryPeriodDays: 35 });
    expect(observed.allTableNames).toEqual(['Customers', 'Legacy', 'tw-drill-Customers-1']);
  });

  it('reports an unmanaged table it cannot read in errors, like a declared one', async () => {
    // Prepare
    const mocks = convergedAccount(['Customers']);
    mocks.dynamodb.on(DescribeTableCommand, { TableName: 'Unmanaged' }).rejects(awsError('AccessDeniedException', 'denied'));
    // Act
    const observed = await observeAccount(mocks.clients, { tables: [], unmanaged: { aspects: NO_ASPECTS }, kmsAliases: [] });
    // Assess
    expect(Object.keys(observed.tables)).toEqual(['Customers']);
    expect(observed.errors).toEqual({ Unmanaged: 'dynamodb:DescribeTable failed: AccessDeniedException: denied' });
  });

  it('keeps declared and unmanaged tables within one concurrency budget', async () => {
    // Prepare
    const names = Array.from({ length: 10 }, (_, i) => `T${i}`);
    const mocks = convergedAccount(names);
    mocks.dynamodb.on(ListTablesCommand).resolves({ TableNames: names });
    const peak = trackPeakDescribeTable(mocks);
    // Act
    const observed = await observeAccount(mocks.clients, { ...request(names.slice(0, 4), NO_ASPECTS, []), unmanaged: { aspects: NO_ASPECTS } }, { concurrency: 3 });
    // Assess
    expect(Object.keys(observed.tables).sort()).toEqual(names);
    expect(mocks.dynamodb.commandCalls(DescribeTableCommand)).toHaveLength(10);
    expect(peak()).toBe(3);
  });
});
