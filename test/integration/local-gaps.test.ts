// The gaps local/moto_server.py fills in moto 5.2.1, exercised with the real AWS SDK over HTTP.
// Each test would fail on stock moto (wrong shape, missing field, 500, or no validation).
import {
  BackupClient,
  CreateBackupPlanCommand,
  CreateBackupSelectionCommand,
  CreateBackupVaultCommand,
  DeleteBackupPlanCommand,
  DeleteBackupSelectionCommand,
  DescribeBackupJobCommand,
  GetBackupSelectionCommand,
  ListBackupSelectionsCommand,
  ListProtectedResourcesCommand,
  ListRecoveryPointsByResourceCommand,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import {
  BatchWriteItemCommand,
  CreateBackupCommand,
  CreateTableCommand,
  DeleteBackupCommand,
  DescribeContinuousBackupsCommand,
  DescribeContributorInsightsCommand,
  DynamoDBClient,
  ListBackupsCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  RestoreTableFromBackupCommand,
  ScanCommand,
  TagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateContributorInsightsCommand,
  UpdateTableCommand,
  type CreateTableCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  TagResourcesCommand,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { beforeEach, describe, expect, it } from 'vitest';
import { useLocalAws } from '../helpers/local-aws.ts';
import { createTableWith, describeTableWith, failure, tableInput } from '../support/aws-calls.ts';

const local = useLocalAws();
const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole`;
let dynamo: DynamoDBClient;
let kms: KMSClient;
let backup: BackupClient;

beforeEach(async () => {
  await local.reset();
  dynamo = new DynamoDBClient(local.clientConfig);
  kms = new KMSClient(local.clientConfig);
  backup = new BackupClient(local.clientConfig);
});

const createTable = (name: string, extra: Partial<CreateTableCommandInput> = {}) => createTableWith(dynamo, name, extra);
const describeTable = (name: string) => describeTableWith(dynamo, name);

async function tableNames(): Promise<string[]> {
  return (await dynamo.send(new ListTablesCommand({}))).TableNames ?? [];
}

async function customerKey(alias?: string): Promise<string> {
  const key = (await kms.send(new CreateKeyCommand({ Description: 'tablewarden test key' }))).KeyMetadata!;
  if (alias) await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.KeyId! }));
  return key.Arn!;
}

describe('DynamoDB TableClass', () => {
  it('reports the class a table was created with, without LastUpdateDateTime (as real responses do)', async () => {
    // Act
    const created = await createTable('Archive', { TableClass: 'STANDARD_INFREQUENT_ACCESS' });
    const described = await describeTable('Archive');

    // Assess
    expect(created.TableClassSummary).toEqual({ TableClass: 'STANDARD_INFREQUENT_ACCESS' });
    expect(described.TableClassSummary).toEqual({ TableClass: 'STANDARD_INFREQUENT_ACCESS' });
  });

  it('omits TableClassSummary for a table created without a class', async () => {
    // Act
    await createTable('Plain');

    // Assess
    expect((await describeTable('Plain')).TableClassSummary).toBeUndefined();
  });

  it('UpdateTable changes the class and stamps LastUpdateDateTime', async () => {
    // Prepare
    await createTable('Orders', { TableClass: 'STANDARD_INFREQUENT_ACCESS' });
    const before = Date.now() - 5_000;

    // Act
    const updated = (await dynamo.send(new UpdateTableCommand({ TableName: 'Orders', TableClass: 'STANDARD' })))
      .TableDescription!;
    const described = await describeTable('Orders');

    // Assess
    expect(updated.TableClassSummary?.TableClass).toBe('STANDARD');
    expect(described.TableClassSummary?.TableClass).toBe('STANDARD');
    expect(described.TableClassSummary?.LastUpdateDateTime).toBeInstanceOf(Date);
    expect(described.TableClassSummary!.LastUpdateDateTime!.getTime()).toBeGreaterThan(before);
  });

  it.each([
    ['CreateTable', () => dynamo.send(new CreateTableCommand(tableInput('Bad', { TableClass: 'GLACIER' as never })))],
    ['UpdateTable', () => dynamo.send(new UpdateTableCommand({ TableName: 'Existing', TableClass: 'GLACIER' as never }))],
  ])('%s rejects an unknown class with ValidationException', async (_operation, call) => {
    // Prepare
    await createTable('Existing');

    // Act
    const error = await failure(call());

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(error.message).toContain('tableClass');
    expect(await tableNames()).toEqual(['Existing']);
    expect((await describeTable('Existing')).TableClassSummary).toBeUndefined();
  });
});

describe('DynamoDB point-in-time recovery period', () => {
  beforeEach(async () => {
    await createTable('Customers');
  });

  async function pitr() {
    const out = await dynamo.send(new DescribeContinuousBackupsCommand({ TableName: 'Customers' }));
    return out.ContinuousBackupsDescription!.PointInTimeRecoveryDescription!;
  }

  it('stores the recovery period and reports it in DescribeContinuousBackups', async () => {
    // Act
    const updated = await dynamo.send(
      new UpdateContinuousBackupsCommand({
        TableName: 'Customers',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7 },
      }),
    );

    // Assess
    expect(updated.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.RecoveryPeriodInDays).toBe(7);
    expect(await pitr()).toMatchObject({ PointInTimeRecoveryStatus: 'ENABLED', RecoveryPeriodInDays: 7 });
  });

  it('defaults to 35 days when enabled without a period, also after a shorter one', async () => {
    // Prepare
    await dynamo.send(
      new UpdateContinuousBackupsCommand({
        TableName: 'Customers',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 3 },
      }),
    );

    // Act
    await dynamo.send(
      new UpdateContinuousBackupsCommand({
        TableName: 'Customers',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );

    // Assess
    expect(await pitr()).toMatchObject({ PointInTimeRecoveryStatus: 'ENABLED', RecoveryPeriodInDays: 35 });
  });

  it('reports no period once PITR is disabled', async () => {
    // Prepare
    await dynamo.send(
      new UpdateContinuousBackupsCommand({
        TableName: 'Customers',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 10 },
      }),
    );

    // Act
    await dynamo.send(
      new UpdateContinuousBackupsCommand({
        TableName: 'Customers',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
      }),
    );

    // Assess
    expect(await pitr()).toEqual({ PointInTimeRecoveryStatus: 'DISABLED' });
  });

  it.each([0, 36, -1])('rejects RecoveryPeriodInDays %i with ValidationException and keeps the state', async (days) => {
    // Act
    const error = await failure(
      dynamo.send(
        new UpdateContinuousBackupsCommand({
          TableName: 'Customers',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: days },
        }),
      ),
    );

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(error.message).toContain('recoveryPeriodInDays');
    expect(await pitr()).toEqual({ PointInTimeRecoveryStatus: 'DISABLED' });
  });
});

describe('DynamoDB contributor insights', () => {
  beforeEach(async () => {
    await createTable('Customers', {
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'email', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        { IndexName: 'byEmail', KeySchema: [{ AttributeName: 'email', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
      ],
    });
  });

  const describeInsights = (IndexName?: string) =>
    dynamo.send(new DescribeContributorInsightsCommand({ TableName: 'Customers', IndexName }));

  it('is DISABLED on a new table', async () => {
    // Act
    const out = await describeInsights();

    // Assess
    expect(out).toMatchObject({ TableName: 'Customers', ContributorInsightsStatus: 'DISABLED' });
    expect(out.ContributorInsightsRuleList).toBeUndefined();
  });

  it('goes straight to ENABLED, then DISABLED, with LastUpdateDateTime and rules while enabled', async () => {
    // Act
    const enabled = await dynamo.send(
      new UpdateContributorInsightsCommand({ TableName: 'Customers', ContributorInsightsAction: 'ENABLE' }),
    );
    const whileEnabled = await describeInsights();
    const disabled = await dynamo.send(
      new UpdateContributorInsightsCommand({ TableName: 'Customers', ContributorInsightsAction: 'DISABLE' }),
    );
    const afterwards = await describeInsights();

    // Assess
    expect(enabled).toMatchObject({ TableName: 'Customers', ContributorInsightsStatus: 'ENABLED' });
    expect(whileEnabled).toMatchObject({
      ContributorInsightsStatus: 'ENABLED',
      ContributorInsightsMode: 'ACCESSED_AND_THROTTLED_KEYS',
    });
    expect(whileEnabled.LastUpdateDateTime).toBeInstanceOf(Date);
    expect(whileEnabled.ContributorInsightsRuleList).toHaveLength(2);
    expect(disabled.ContributorInsightsStatus).toBe('DISABLED');
    expect(afterwards.ContributorInsightsStatus).toBe('DISABLED');
    expect(afterwards.ContributorInsightsRuleList).toBeUndefined();
  });

  it('keeps a GSI separate from its table', async () => {
    // Act
    const out = await dynamo.send(
      new UpdateContributorInsightsCommand({ TableName: 'Customers', IndexName: 'byEmail', ContributorInsightsAction: 'ENABLE' }),
    );

    // Assess
    expect(out).toMatchObject({ TableName: 'Customers', IndexName: 'byEmail', ContributorInsightsStatus: 'ENABLED' });
    expect((await describeInsights('byEmail')).ContributorInsightsStatus).toBe('ENABLED');
    expect((await describeInsights()).ContributorInsightsStatus).toBe('DISABLED');
  });

  it.each([
    ['Describe, unknown table', () => dynamo.send(new DescribeContributorInsightsCommand({ TableName: 'Nope' }))],
    [
      'Update, unknown table',
      () => dynamo.send(new UpdateContributorInsightsCommand({ TableName: 'Nope', ContributorInsightsAction: 'ENABLE' })),
    ],
    ['Describe, unknown index', () => dynamo.send(new DescribeContributorInsightsCommand({ TableName: 'Customers', IndexName: 'nope' }))],
  ])('%s: ResourceNotFoundException', async (_case, call) => {
    // Act
    const error = await failure(call());

    // Assess
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
  });

  it('rejects an unknown action with ValidationException', async () => {
    // Act
    const error = await failure(
      dynamo.send(new UpdateContributorInsightsCommand({ TableName: 'Customers', ContributorInsightsAction: 'PAUSE' as never })),
    );

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
  });
});

describe('DynamoDB SSE with keys from moto KMS', () => {
  it('CreateTable resolves an alias to the key ARN', async () => {
    // Prepare
    const keyArn = await customerKey('alias/tablewarden');

    // Act
    const created = await createTable('Secure', {
      SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'alias/tablewarden' },
    });

    // Assess
    const expected = { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: keyArn };
    expect(created.SSEDescription).toEqual(expected);
    expect((await describeTable('Secure')).SSEDescription).toEqual(expected);
  });

  it('CreateTable with a missing key answers ValidationException (HTTP 400, JSON) and creates nothing', async () => {
    // Act
    const error = await failure(
      dynamo.send(
        new CreateTableCommand(
          tableInput('Secure', { SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'alias/missing' } }),
        ),
      ),
    );

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(error.message).toContain('alias/missing');
    expect(await tableNames()).toEqual([]);
  });

  it('Enabled without a key means the AWS managed key alias/aws/dynamodb (KeyManager AWS)', async () => {
    // Act
    const created = await createTable('Managed', { SSESpecification: { Enabled: true } });
    const managed = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/dynamodb' }))).KeyMetadata!;

    // Assess
    expect(created.SSEDescription).toEqual({ Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: managed.Arn });
    expect(managed.KeyManager).toBe('AWS');
  });

  it('Enabled: false (or no SSESpecification) means the AWS owned key: no SSEDescription', async () => {
    // Act
    await createTable('Owned', { SSESpecification: { Enabled: false } });

    // Assess
    expect((await describeTable('Owned')).SSEDescription).toBeUndefined();
  });

  it('UpdateTable moves a table to a customer managed key and back to the AWS owned key', async () => {
    // Prepare
    await createTable('Customers');
    const keyArn = await customerKey();

    // Act
    const toCmk = (
      await dynamo.send(
        new UpdateTableCommand({
          TableName: 'Customers',
          SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
        }),
      )
    ).TableDescription!;
    const withCmk = await describeTable('Customers');
    await dynamo.send(new UpdateTableCommand({ TableName: 'Customers', SSESpecification: { Enabled: false } }));
    const backToOwned = await describeTable('Customers');

    // Assess
    expect(toCmk.SSEDescription).toEqual({ Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: keyArn });
    expect(withCmk.SSEDescription?.KMSMasterKeyArn).toBe(keyArn);
    expect(backToOwned.SSEDescription).toBeUndefined();
  });

  it('UpdateTable with a missing key answers ValidationException (HTTP 400) and keeps the current key', async () => {
    // Prepare
    const keyArn = await customerKey();
    await createTable('Customers', { SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn } });
    const missing = keyArn.replace(/key\/.*$/, 'key/00000000-0000-0000-0000-000000000000');

    // Act
    const error = await failure(
      dynamo.send(
        new UpdateTableCommand({
          TableName: 'Customers',
          SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: missing },
        }),
      ),
    );

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
    expect((await describeTable('Customers')).SSEDescription?.KMSMasterKeyArn).toBe(keyArn);
  });

  it('rejects an SSEType other than KMS', async () => {
    // Act
    const error = await failure(
      dynamo.send(new CreateTableCommand(tableInput('Secure', { SSESpecification: { Enabled: true, SSEType: 'AES256' } }))),
    );

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
  });
});

describe('KMS rotation period', () => {
  async function rotation(keyArn: string) {
    const { $metadata: _, ...status } = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyArn }));
    return status;
  }

  it('stores RotationPeriodInDays and reports it with the key ARN and the next rotation date', async () => {
    // Prepare
    const keyArn = await customerKey();
    const keyId = keyArn.split('/').pop()!;

    // Act
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 180 }));
    const status = await rotation(keyId);

    // Assess
    expect(status).toMatchObject({ KeyRotationEnabled: true, KeyId: keyArn, RotationPeriodInDays: 180 });
    const days = (status.NextRotationDate!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(179);
    expect(days).toBeLessThan(181);
  });

  it('defaults the period to 365 days', async () => {
    // Prepare
    const keyArn = await customerKey();

    // Act
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyArn }));

    // Assess
    expect(await rotation(keyArn)).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
  });

  it('reports no period while rotation is off', async () => {
    // Prepare
    const keyArn = await customerKey();
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyArn, RotationPeriodInDays: 90 }));

    // Act
    await kms.send(new DisableKeyRotationCommand({ KeyId: keyArn }));

    // Assess
    expect(await rotation(keyArn)).toEqual({ KeyRotationEnabled: false, KeyId: keyArn });
  });

  it.each([89, 2561])('rejects RotationPeriodInDays %i with ValidationException and leaves rotation off', async (days) => {
    // Prepare
    const keyArn = await customerKey();

    // Act
    const error = await failure(kms.send(new EnableKeyRotationCommand({ KeyId: keyArn, RotationPeriodInDays: days })));

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(error.message).toContain('rotationPeriodInDays');
    expect((await rotation(keyArn)).KeyRotationEnabled).toBe(false);
  });
});

describe('AWS Backup selections', () => {
  async function plan(): Promise<string> {
    const out = await backup.send(
      new CreateBackupPlanCommand({
        BackupPlan: { BackupPlanName: 'tablewarden-daily', Rules: [{ RuleName: 'daily', TargetBackupVaultName: 'tw-vault' }] },
      }),
    );
    return out.BackupPlanId!;
  }

  const selection = {
    SelectionName: 'tablewarden-tables',
    IamRoleArn: ROLE,
    Resources: [`arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Customers`],
    ListOfTags: [{ ConditionType: 'STRINGEQUALS' as const, ConditionKey: 'backup', ConditionValue: 'daily' }],
  };

  it('round-trips: create, get, list, delete', async () => {
    // Prepare
    const planId = await plan();

    // Act
    const created = await backup.send(
      new CreateBackupSelectionCommand({ BackupPlanId: planId, BackupSelection: selection, CreatorRequestId: 'req-1' }),
    );
    const got = await backup.send(new GetBackupSelectionCommand({ BackupPlanId: planId, SelectionId: created.SelectionId }));
    const listed = await backup.send(new ListBackupSelectionsCommand({ BackupPlanId: planId }));
    await backup.send(new DeleteBackupSelectionCommand({ BackupPlanId: planId, SelectionId: created.SelectionId }));
    const afterDelete = await backup.send(new ListBackupSelectionsCommand({ BackupPlanId: planId }));
    const gone = await failure(
      backup.send(new GetBackupSelectionCommand({ BackupPlanId: planId, SelectionId: created.SelectionId })),
    );

    // Assess
    expect(created.SelectionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.BackupPlanId).toBe(planId);
    expect(created.CreationDate).toBeInstanceOf(Date);
    expect(got).toMatchObject({ SelectionId: created.SelectionId, BackupPlanId: planId, CreatorRequestId: 'req-1' });
    expect(got.BackupSelection).toMatchObject(selection);
    expect(got.CreationDate).toEqual(created.CreationDate);
    expect(listed.BackupSelectionsList).toEqual([
      {
        SelectionId: created.SelectionId,
        SelectionName: 'tablewarden-tables',
        BackupPlanId: planId,
        CreationDate: created.CreationDate,
        CreatorRequestId: 'req-1',
        IamRoleArn: ROLE,
      },
    ]);
    expect(afterDelete.BackupSelectionsList).toEqual([]);
    expect(gone).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
  });

  it('a retried create with the same CreatorRequestId creates one selection', async () => {
    // Prepare
    const planId = await plan();
    const create = () =>
      backup.send(new CreateBackupSelectionCommand({ BackupPlanId: planId, BackupSelection: selection, CreatorRequestId: 'req-1' }));

    // Act
    const first = await create();
    const second = await create();

    // Assess
    expect(second.SelectionId).toBe(first.SelectionId);
    expect((await backup.send(new ListBackupSelectionsCommand({ BackupPlanId: planId }))).BackupSelectionsList).toHaveLength(1);
  });

  it.each([
    ['create', () => backup.send(new CreateBackupSelectionCommand({ BackupPlanId: 'no-such-plan', BackupSelection: selection }))],
    ['list', () => backup.send(new ListBackupSelectionsCommand({ BackupPlanId: 'no-such-plan' }))],
    ['get', () => backup.send(new GetBackupSelectionCommand({ BackupPlanId: 'no-such-plan', SelectionId: 'x' }))],
    ['delete', () => backup.send(new DeleteBackupSelectionCommand({ BackupPlanId: 'no-such-plan', SelectionId: 'x' }))],
  ])('%s on an unknown plan: ResourceNotFoundException', async (_operation, call) => {
    // Act
    const error = await failure(call());

    // Assess
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
  });

  it('refuses to delete a plan that still has a selection', async () => {
    // Prepare
    const planId = await plan();
    await backup.send(new CreateBackupSelectionCommand({ BackupPlanId: planId, BackupSelection: selection }));

    // Act
    const error = await failure(backup.send(new DeleteBackupPlanCommand({ BackupPlanId: planId })));

    // Assess
    expect(error).toMatchObject({ name: 'InvalidRequestException', status: 400 });
  });
});

describe('AWS Backup jobs and recovery points for DynamoDB', () => {
  const tableArn = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Customers`;

  beforeEach(async () => {
    await createTable('Customers');
    await dynamo.send(
      new BatchWriteItemCommand({
        RequestItems: {
          Customers: ['c1', 'c2', 'c3'].map((pk) => ({ PutRequest: { Item: { pk: { S: pk }, name: { S: `name-${pk}` } } } })),
        },
      }),
    );
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'tw-vault' }));
  });

  const startJob = (ResourceArn = tableArn, BackupVaultName = 'tw-vault') =>
    backup.send(new StartBackupJobCommand({ BackupVaultName, ResourceArn, IamRoleArn: ROLE }));

  it('StartBackupJob makes a completed DynamoDB backup in the vault that restores the items', async () => {
    // Act
    const started = await startJob();
    const job = await backup.send(new DescribeBackupJobCommand({ BackupJobId: started.BackupJobId }));
    const native = await dynamo.send(new ListBackupsCommand({ TableName: 'Customers' }));
    await dynamo.send(new RestoreTableFromBackupCommand({ TargetTableName: 'tw-drill-Customers', BackupArn: started.RecoveryPointArn }));
    await local.server.advanceClock(5); // the table is CREATING for TABLEWARDEN_RESTORE_SECONDS (strict/restore.py)
    const restored = await dynamo.send(new ScanCommand({ TableName: 'tw-drill-Customers' }));

    // Assess
    expect(started.BackupJobId).toBeTruthy();
    expect(started.RecoveryPointArn).toMatch(new RegExp(`^${tableArn}/backup/\\d+-[0-9a-f]{8}$`));
    expect(started.CreationDate).toBeInstanceOf(Date);
    expect(job).toMatchObject({
      BackupJobId: started.BackupJobId,
      State: 'COMPLETED',
      BackupVaultName: 'tw-vault',
      BackupVaultArn: `arn:aws:backup:us-east-1:${ACCOUNT}:backup-vault:tw-vault`,
      RecoveryPointArn: started.RecoveryPointArn,
      ResourceArn: tableArn,
      ResourceType: 'DynamoDB',
      ResourceName: 'Customers',
      IamRoleArn: ROLE,
      PercentDone: '100.0',
    });
    expect(job.CompletionDate).toBeInstanceOf(Date);
    expect(native.BackupSummaries).toEqual([
      expect.objectContaining({ BackupArn: started.RecoveryPointArn, BackupType: 'AWS_BACKUP', TableName: 'Customers' }),
    ]);
    expect(restored.Count).toBe(3);
  });

  it('then ListRecoveryPointsByResource and ListProtectedResources show the recovery point', async () => {
    // Prepare
    const started = await startJob();

    // Act
    const points = await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: tableArn }));
    const protectedResources = await backup.send(new ListProtectedResourcesCommand({}));

    // Assess
    expect(points.RecoveryPoints).toEqual([
      expect.objectContaining({
        RecoveryPointArn: started.RecoveryPointArn,
        Status: 'COMPLETED',
        BackupVaultName: 'tw-vault',
        CreationDate: started.CreationDate,
        ResourceName: 'Customers',
      }),
    ]);
    expect(protectedResources.Results).toEqual([
      {
        ResourceArn: tableArn,
        ResourceType: 'DynamoDB',
        ResourceName: 'Customers',
        LastBackupTime: started.CreationDate,
        LastBackupVaultArn: `arn:aws:backup:us-east-1:${ACCOUNT}:backup-vault:tw-vault`,
        LastRecoveryPointArn: started.RecoveryPointArn,
      },
    ]);
  });

  it('reports the latest job as LastBackupTime and lists points newest first', async () => {
    // Prepare
    const first = await startJob();
    await new Promise((resolve) => setTimeout(resolve, 20));

    // Act
    const second = await startJob();
    const points = await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: tableArn }));
    const protectedResources = await backup.send(new ListProtectedResourcesCommand({}));

    // Assess
    expect(points.RecoveryPoints?.map((p) => p.RecoveryPointArn)).toEqual([second.RecoveryPointArn, first.RecoveryPointArn]);
    expect(protectedResources.Results).toHaveLength(1);
    expect(protectedResources.Results?.[0]?.LastRecoveryPointArn).toBe(second.RecoveryPointArn);
    expect(protectedResources.Results?.[0]?.LastBackupTime).toEqual(second.CreationDate);
  });

  it('lists on-demand DynamoDB backups too, unless ManagedByAWSBackupOnly', async () => {
    // Prepare
    const native = (await dynamo.send(new CreateBackupCommand({ TableName: 'Customers', BackupName: 'manual' }))).BackupDetails!;
    const started = await startJob();

    // Act
    const all = await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: tableArn }));
    const managed = await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: tableArn, ManagedByAWSBackupOnly: true }));

    // Assess
    expect(all.RecoveryPoints?.map((p) => p.RecoveryPointArn).sort()).toEqual([native.BackupArn, started.RecoveryPointArn].sort());
    expect(all.RecoveryPoints?.find((p) => p.RecoveryPointArn === native.BackupArn)?.BackupVaultName).toBeUndefined();
    expect(managed.RecoveryPoints?.map((p) => p.RecoveryPointArn)).toEqual([started.RecoveryPointArn]);
  });

  it('a deleted DynamoDB backup is no longer a recovery point or a protection', async () => {
    // Prepare
    const started = await startJob();

    // Act
    await dynamo.send(new DeleteBackupCommand({ BackupArn: started.RecoveryPointArn }));

    // Assess
    expect((await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: tableArn }))).RecoveryPoints).toEqual([]);
    expect((await backup.send(new ListProtectedResourcesCommand({}))).Results).toEqual([]);
  });

  it('pages ListRecoveryPointsByResource with MaxResults and NextToken', async () => {
    // Prepare
    for (let i = 0; i < 3; i++) await startJob();

    // Act
    const page1 = await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: tableArn, MaxResults: 2 }));
    const page2 = await backup.send(
      new ListRecoveryPointsByResourceCommand({ ResourceArn: tableArn, MaxResults: 2, NextToken: page1.NextToken }),
    );

    // Assess
    expect(page1.RecoveryPoints).toHaveLength(2);
    expect(page1.NextToken).toBeTruthy();
    expect(page2.RecoveryPoints).toHaveLength(1);
    expect(page2.NextToken).toBeUndefined();
  });

  it.each([
    ['an unknown vault', () => startJob(tableArn, 'no-such-vault')],
    ['an unknown table', () => startJob(`arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Nope`)],
    ['an unknown job (DescribeBackupJob)', () => backup.send(new DescribeBackupJobCommand({ BackupJobId: 'no-such-job' }))],
  ])('%s: ResourceNotFoundException', async (_case, call) => {
    // Act
    const error = await failure(call());

    // Assess
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
    expect((await backup.send(new ListProtectedResourcesCommand({}))).Results).toEqual([]);
  });

  it('reset() forgets jobs and recovery points', async () => {
    // Prepare
    await startJob();

    // Act
    await local.reset();

    // Assess
    expect((await backup.send(new ListProtectedResourcesCommand({}))).Results).toEqual([]);
    expect((await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: tableArn }))).RecoveryPoints).toEqual([]);
  });
});

describe('DynamoDB BatchWriteItem limits (the whole batch is rejected, nothing is written)', () => {
  const put = (pk: string, extra: Record<string, { S: string }> = {}): WriteRequest => ({
    PutRequest: { Item: { pk: { S: pk }, ...extra } },
  });
  const del = (pk: string): WriteRequest => ({ DeleteRequest: { Key: { pk: { S: pk } } } });
  const puts = (count: number, prefix = 'c') => Array.from({ length: count }, (_, i) => put(`${prefix}${i}`));
  const batchWrite = (RequestItems: Record<string, WriteRequest[]>) =>
    dynamo.send(new BatchWriteItemCommand({ RequestItems }));

  async function count(table = 'Customers'): Promise<number> {
    return (await dynamo.send(new ScanCommand({ TableName: table }))).Count ?? 0;
  }

  beforeEach(async () => {
    await createTable('Customers');
  });

  it('accepts 25 requests and writes them all, with empty UnprocessedItems', async () => {
    // Act
    const out = await batchWrite({ Customers: puts(25) });

    // Assess
    expect(out.UnprocessedItems).toEqual({});
    expect(await count()).toBe(25);
  });

  it.each([
    ['26 requests for one table', () => ({ Customers: puts(26) })],
    ['26 requests over two tables', () => ({ Customers: puts(13), Orders: puts(13) })],
  ])('rejects %s: "Too many items requested for the BatchWriteItem call"', async (_case, items) => {
    // Prepare
    await createTable('Orders');

    // Act
    const error = await failure(batchWrite(items()));

    // Assess
    expect(error).toMatchObject({
      name: 'ValidationException',
      status: 400,
      message: 'Too many items requested for the BatchWriteItem call',
    });
    expect(await count('Customers')).toBe(0);
    expect(await count('Orders')).toBe(0);
  });

  it('rejects an item over 400 KB, also when it comes after valid ones', async () => {
    // Act
    const error = await failure(batchWrite({ Customers: [...puts(2), put('big', { blob: { S: 'x'.repeat(410_000) } })] }));

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(error.message).toContain('Item size has exceeded the maximum allowed size');
    expect(await count()).toBe(0);
  });

  it('accepts a large item under the limit', async () => {
    // Act
    await batchWrite({ Customers: [put('large', { blob: { S: 'x'.repeat(350_000) } })] });

    // Assess
    expect(await count()).toBe(1);
  });

  it.each([
    ['a put and a delete of one item', [put('c1'), del('c1')]],
    ['two puts of one key with different attributes', [put('c1', { name: { S: 'a' } }), put('c1', { name: { S: 'b' } })]],
  ])('rejects %s as duplicates', async (_case, requests) => {
    // Act
    const error = await failure(batchWrite({ Customers: [put('c0'), ...requests] }));

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', message: 'Provided list of item keys contains duplicates' });
    expect(await count()).toBe(0);
  });

  it('accepts the same key in two different tables', async () => {
    // Prepare
    await createTable('Orders');

    // Act
    await batchWrite({ Customers: [put('same')], Orders: [put('same')] });

    // Assess
    expect(await count('Customers')).toBe(1);
    expect(await count('Orders')).toBe(1);
  });

  it.each([
    ['a put without the key', [put('c0'), { PutRequest: { Item: { name: { S: 'no key' } } } }], 'Missing the key pk'],
    ['a put with the wrong key type', [put('c0'), { PutRequest: { Item: { pk: { N: '1' } } } }], 'Type mismatch for key pk'],
    ['a delete with a key of another schema', [put('c0'), { DeleteRequest: { Key: { id: { S: 'x' } } } }], 'The provided key element does not match the schema'],
  ])('rejects %s before writing anything', async (_case, requests, message) => {
    // Act
    const error = await failure(batchWrite({ Customers: requests as WriteRequest[] }));

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(error.message).toContain(message);
    expect(await count()).toBe(0);
  });

  it('rejects an empty request list for a table', async () => {
    // Act
    const error = await failure(batchWrite({ Customers: [] }));

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(error.message).toContain("at 'requestItems' failed to satisfy constraint");
  });

  it('rejects an unknown table with ResourceNotFoundException, writing nothing to the others', async () => {
    // Act
    const error = await failure(batchWrite({ Customers: puts(2), Nope: puts(1) }));

    // Assess
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
    expect(await count()).toBe(0);
  });

  it('reports ConsumedCapacity only when asked for it', async () => {
    // Act
    const silent = await batchWrite({ Customers: puts(2, 'a') });
    const total = await dynamo.send(
      new BatchWriteItemCommand({ RequestItems: { Customers: puts(3, 'b') }, ReturnConsumedCapacity: 'TOTAL' }),
    );

    // Assess
    expect(silent.ConsumedCapacity).toBeUndefined();
    expect(total.ConsumedCapacity).toEqual([{ TableName: 'Customers', CapacityUnits: 3 }]);
  });
});

describe('DynamoDB TagResource replaces the value of an existing key', () => {
  const tableArn = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Customers`;
  let tagging: ResourceGroupsTaggingAPIClient;

  beforeEach(async () => {
    tagging = new ResourceGroupsTaggingAPIClient(local.clientConfig);
    await createTable('Customers', { Tags: [{ Key: 'owner', Value: 'payments' }] });
  });

  async function listTags() {
    return (await dynamo.send(new ListTagsOfResourceCommand({ ResourceArn: tableArn }))).Tags;
  }

  async function taggingApiTags() {
    const out = await tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['dynamodb:table'] }));
    return out.ResourceTagMappingList?.find((r) => r.ResourceARN === tableArn)?.Tags;
  }

  it('TagResource on an existing key: one tag with the new value, in ListTagsOfResource and tag:GetResources', async () => {
    // Prepare
    await dynamo.send(new TagResourceCommand({ ResourceArn: tableArn, Tags: [{ Key: 'env', Value: 'dev' }] }));

    // Act
    await dynamo.send(
      new TagResourceCommand({ ResourceArn: tableArn, Tags: [{ Key: 'env', Value: 'prod' }, { Key: 'tier', Value: '1' }] }),
    );

    // Assess
    const expected = [
      { Key: 'owner', Value: 'payments' },
      { Key: 'env', Value: 'prod' },
      { Key: 'tier', Value: '1' },
    ];
    expect(await listTags()).toEqual(expected);
    expect(await taggingApiTags()).toEqual(expected);
  });

  it('the tagging API TagResources replaces too', async () => {
    // Act
    await tagging.send(new TagResourcesCommand({ ResourceARNList: [tableArn], Tags: { owner: 'platform' } }));

    // Assess
    expect(await listTags()).toEqual([{ Key: 'owner', Value: 'platform' }]);
    expect(await taggingApiTags()).toEqual([{ Key: 'owner', Value: 'platform' }]);
  });
});
