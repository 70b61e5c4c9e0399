// The strict local AWS for restores (local/strict/restore.py): DynamoDB RestoreTableFromBackup and
// RestoreTableToPointInTime, and AWS Backup restore jobs, as AWS documents them. Real SDK over HTTP. Each block cites
// the AWS page it follows; local/EMULATOR-RULES.md ("Restore") lists every rule with its test.
import {
  BackupClient,
  CreateBackupVaultCommand,
  DescribeRestoreJobCommand,
  ListRecoveryPointsByResourceCommand,
  PutRestoreValidationResultCommand,
  StartBackupJobCommand,
  StartRestoreJobCommand,
  type StartRestoreJobCommandInput,
} from '@aws-sdk/client-backup';
import {
  BatchWriteItemCommand,
  CreateBackupCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeContributorInsightsCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  RestoreTableFromBackupCommand,
  RestoreTableToPointInTimeCommand,
  ScanCommand,
  TagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateContributorInsightsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type RestoreTableFromBackupCommandInput,
  type RestoreTableToPointInTimeCommandInput,
} from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { beforeEach, describe, expect, it } from 'vitest';
import { setRestoreSeconds } from '../../local/clock.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { createTableWith, describeTableWith, failure } from '../support/aws-calls.ts';

const local = useLocalAws();
const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/tablewarden-restore`;
const RESTORE = 600; // emulator seconds a restore takes in these tests (POST /tablewarden/restore)
const SOURCE_ARN = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Orders`;
let dynamo: DynamoDBClient;
let backup: BackupClient;
let kms: KMSClient;

beforeEach(async () => {
  await local.reset();
  await setRestoreSeconds(local.endpoint, RESTORE);
  // maxAttempts 1: the SDK retries LimitExceededException and throttling by default.
  dynamo = new DynamoDBClient({ ...local.clientConfig, maxAttempts: 1 });
  backup = new BackupClient({ ...local.clientConfig, maxAttempts: 1 });
  kms = new KMSClient(local.clientConfig);
});

const describeTable = (name: string) => describeTableWith(dynamo, name);
const settle = () => local.server.advanceClock(RESTORE);
const customerKey = async () => {
  const arn = (await kms.send(new CreateKeyCommand({ Description: 'restore key' }))).KeyMetadata!.Arn!;
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/restore-key', TargetKeyId: arn }));
  return arn;
};

/** Orders: on-demand, Standard-IA, SSE with a customer key, a GSI and an LSI, tags, TTL, stream, PITR, deletion
 *  protection and Contributor Insights on, and three items. */
async function createSource(): Promise<string> {
  const key = await customerKey();
  await createTableWith(dynamo, 'Orders', {
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'status', AttributeType: 'S' },
      { AttributeName: 'placed', AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [{ IndexName: 'byStatus', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
    LocalSecondaryIndexes: [
      {
        IndexName: 'byPlaced',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'placed', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    TableClass: 'STANDARD_INFREQUENT_ACCESS',
    SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: key },
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    DeletionProtectionEnabled: true,
    Tags: [{ Key: 'team', Value: 'orders' }],
  });
  await dynamo.send(new UpdateTimeToLiveCommand({ TableName: 'Orders', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } }));
  await dynamo.send(new UpdateContinuousBackupsCommand({ TableName: 'Orders', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  await dynamo.send(new UpdateContributorInsightsCommand({ TableName: 'Orders', ContributorInsightsAction: 'ENABLE' }));
  await dynamo.send(
    new BatchWriteItemCommand({
      RequestItems: {
        Orders: ['o1', 'o2', 'o3'].map((pk) => ({ PutRequest: { Item: { pk: { S: pk }, sk: { S: 'v1' }, status: { S: 'open' }, placed: { S: '2026-01-01' } } } })),
      },
    }),
  );
  return key;
}

const backupOf = async (table = 'Orders') =>
  (await dynamo.send(new CreateBackupCommand({ TableName: table, BackupName: `${table}-backup` }))).BackupDetails!;

const restoreFromBackup = (BackupArn: string, TargetTableName: string, extra: Partial<RestoreTableFromBackupCommandInput> = {}) =>
  dynamo.send(new RestoreTableFromBackupCommand({ BackupArn, TargetTableName, ...extra }));

const restoreToTime = (TargetTableName: string, extra: Partial<RestoreTableToPointInTimeCommandInput> = {}) =>
  dynamo.send(new RestoreTableToPointInTimeCommand({ SourceTableName: 'Orders', TargetTableName, UseLatestRestorableTime: true, ...extra }));

const tableNames = async () => (await dynamo.send(new ListTablesCommand({}))).TableNames;

// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableFromBackup.html
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html
// "Along with data, the following are also included on the new restored table using point in time recovery: GSIs,
// LSIs, provisioned read and write capacity, encryption settings ... You must manually set up the following on the
// restored table: auto scaling policies, IAM policies, CloudWatch metrics and alarms, tags, stream settings, TTL
// settings, point in time recovery settings."
describe('Restore: what the restored table keeps and what it loses', () => {
  it('keeps keys, indexes, billing, SSE and table class; drops tags, TTL, stream, PITR, deletion protection and Contributor Insights', async () => {
    // Prepare
    const key = await createSource();
    const { BackupArn } = await backupOf();

    // Act
    await restoreFromBackup(BackupArn!, 'tw-drill-Orders');
    await settle();
    const restored = await describeTable('tw-drill-Orders');
    const tags = await dynamo.send(new ListTagsOfResourceCommand({ ResourceArn: restored.TableArn }));
    const ttl = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: 'tw-drill-Orders' }));
    const pitr = await dynamo.send(new DescribeContinuousBackupsCommand({ TableName: 'tw-drill-Orders' }));
    const insights = await dynamo.send(new DescribeContributorInsightsCommand({ TableName: 'tw-drill-Orders' }));
    const items = await dynamo.send(new ScanCommand({ TableName: 'tw-drill-Orders' }));

    // Assess
    expect(restored.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(restored.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byStatus']);
    expect(restored.LocalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byPlaced']);
    expect(restored.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(restored.SSEDescription).toEqual({ Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: key });
    expect(restored.TableClassSummary?.TableClass).toBe('STANDARD_INFREQUENT_ACCESS');
    expect(items.Count).toBe(3);
    expect(tags.Tags).toEqual([]);
    expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
    expect(restored.StreamSpecification).toBeUndefined();
    expect(restored.LatestStreamArn).toBeUndefined();
    expect(pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('DISABLED');
    expect(restored.DeletionProtectionEnabled).toBe(false);
    expect(insights.ContributorInsightsStatus).toBe('DISABLED');
  });

  it('SSESpecificationOverride: a customer key named by alias is stored by ARN; Enabled false is the AWS owned key', async () => {
    // Prepare
    await createSource();
    const other = (await kms.send(new CreateKeyCommand({ Description: 'drill key' }))).KeyMetadata!.Arn!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/drill-key', TargetKeyId: other }));
    const { BackupArn } = await backupOf();

    // Act
    await restoreFromBackup(BackupArn!, 'tw-drill-a', { SSESpecificationOverride: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'alias/drill-key' } });
    await restoreToTime('tw-drill-b', { SSESpecificationOverride: { Enabled: false } });
    await settle();

    // Assess
    expect((await describeTable('tw-drill-a')).SSEDescription).toEqual({ Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: other });
    expect((await describeTable('tw-drill-b')).SSEDescription).toBeUndefined();
  });

  it('SSESpecificationOverride: a key that does not exist is ValidationException and no table is created', async () => {
    // Prepare
    await createSource();
    const { BackupArn } = await backupOf();
    const missing = `arn:aws:kms:us-east-1:${ACCOUNT}:key/00000000-0000-0000-0000-000000000000`;

    // Act
    const err = await failure(
      restoreFromBackup(BackupArn!, 'tw-drill-a', { SSESpecificationOverride: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: missing } }),
    );

    // Assess
    expect(err).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(err.message).toBe(`One or more parameter values were invalid: KMSMasterKeyId ${missing} does not exist in account ${ACCOUNT}, region us-east-1`);
    expect(await tableNames()).toEqual(['Orders']);
  });

  it('BillingModeOverride PROVISIONED with ProvisionedThroughputOverride; PROVISIONED without capacity and PAY_PER_REQUEST with capacity are refused', async () => {
    // Prepare
    await createSource();
    const { BackupArn } = await backupOf();

    // Act
    await restoreFromBackup(BackupArn!, 'tw-drill-a', {
      BillingModeOverride: 'PROVISIONED',
      ProvisionedThroughputOverride: { ReadCapacityUnits: 7, WriteCapacityUnits: 3 },
      GlobalSecondaryIndexOverride: [
        { IndexName: 'byStatus', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' }, ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 2 } },
      ],
    });
    const noCapacity = await failure(restoreFromBackup(BackupArn!, 'tw-drill-b', { BillingModeOverride: 'PROVISIONED' }));
    const onDemandWithCapacity = await failure(
      restoreFromBackup(BackupArn!, 'tw-drill-c', { BillingModeOverride: 'PAY_PER_REQUEST', ProvisionedThroughputOverride: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } }),
    );
    const restored = await describeTable('tw-drill-a');

    // Assess
    expect(restored.BillingModeSummary?.BillingMode).toBe('PROVISIONED');
    expect(restored.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 7, WriteCapacityUnits: 3 });
    expect(restored.GlobalSecondaryIndexes?.[0]?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 2, WriteCapacityUnits: 2 });
    expect(noCapacity).toMatchObject({ name: 'ValidationException', message: 'One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED' });
    expect(onDemandWithCapacity).toMatchObject({ name: 'ValidationException', message: 'One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST' });
    expect(await tableNames()).toEqual(['Orders', 'tw-drill-a']);
  });

  it('GlobalSecondaryIndexOverride / LocalSecondaryIndexOverride choose a subset of the source indexes; an index the source lacks is refused', async () => {
    // Prepare
    await createSource();
    const { BackupArn } = await backupOf();

    // Act
    await restoreFromBackup(BackupArn!, 'tw-drill-a', { GlobalSecondaryIndexOverride: [], LocalSecondaryIndexOverride: [] });
    const unknown = await failure(
      restoreFromBackup(BackupArn!, 'tw-drill-b', {
        GlobalSecondaryIndexOverride: [{ IndexName: 'byCustomer', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
      }),
    );
    const restored = await describeTable('tw-drill-a');

    // Assess
    expect(restored.GlobalSecondaryIndexes ?? []).toEqual([]);
    expect(restored.LocalSecondaryIndexes ?? []).toEqual([]);
    expect(restored.AttributeDefinitions?.map((a) => a.AttributeName).sort()).toEqual(['pk', 'sk']);
    expect(unknown).toMatchObject({ name: 'ValidationException', message: 'One or more parameter values were invalid: GlobalSecondaryIndex byCustomer does not exist in the source table' });
  });

  it('refuses an existing target (TableAlreadyExistsException), a target being restored (TableInUseException), a missing backup (BackupNotFoundException) and a missing PITR source (TableNotFoundException)', async () => {
    // Prepare
    await createSource();
    const { BackupArn } = await backupOf();
    await restoreFromBackup(BackupArn!, 'tw-drill-a');
    const missingBackup = `${SOURCE_ARN}/backup/01700000000000-deadbeef`;

    // Act
    const exists = await failure(restoreFromBackup(BackupArn!, 'Orders'));
    const inUse = await failure(restoreFromBackup(BackupArn!, 'tw-drill-a'));
    const noBackup = await failure(restoreFromBackup(missingBackup, 'tw-drill-b'));
    const noSource = await failure(restoreToTime('tw-drill-c', { SourceTableName: 'Missing' }));

    // Assess
    expect(exists).toMatchObject({ name: 'TableAlreadyExistsException', status: 400, message: 'Table already exists: Orders' });
    expect(inUse).toMatchObject({ name: 'TableInUseException', status: 400 });
    expect(noBackup).toMatchObject({ name: 'BackupNotFoundException', message: `Backup not found: ${missingBackup}` });
    expect(noSource).toMatchObject({ name: 'TableNotFoundException', message: 'Table not found: Missing' });
    expect(await tableNames()).toEqual(['Orders', 'tw-drill-a']);
  });
});

// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreSummary.html
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteTable.html ("If a table is in CREATING or
// UPDATING states, then DynamoDB returns a ResourceInUseException"); ResourceNotFoundException: "The resource might
// not be specified correctly, or its status might not be ACTIVE."
describe('Restore: the table is CREATING for the restore delay (emulator clock)', () => {
  it('shows CREATING and RestoreInProgress, refuses item, UpdateTable, DeleteTable and tagging calls, then is ACTIVE with the items', async () => {
    // Prepare
    await createSource();
    const backupDetails = await backupOf();

    // Act
    const out = (await restoreFromBackup(backupDetails.BackupArn!, 'tw-drill-Orders')).TableDescription!;
    const during = await describeTable('tw-drill-Orders');
    const get = await failure(dynamo.send(new GetItemCommand({ TableName: 'tw-drill-Orders', Key: { pk: { S: 'o1' }, sk: { S: 'v1' } } })));
    const put = await failure(dynamo.send(new PutItemCommand({ TableName: 'tw-drill-Orders', Item: { pk: { S: 'x' }, sk: { S: 'y' } } })));
    const scan = await failure(dynamo.send(new ScanCommand({ TableName: 'tw-drill-Orders' })));
    const batch = await failure(
      dynamo.send(new BatchWriteItemCommand({ RequestItems: { 'tw-drill-Orders': [{ DeleteRequest: { Key: { pk: { S: 'o1' }, sk: { S: 'v1' } } } }] } })),
    );
    const update = await failure(dynamo.send(new UpdateTableCommand({ TableName: 'tw-drill-Orders', BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } })));
    const remove = await failure(dynamo.send(new DeleteTableCommand({ TableName: 'tw-drill-Orders' })));
    const tag = await failure(dynamo.send(new TagResourceCommand({ ResourceArn: out.TableArn, Tags: [{ Key: 'tablewarden:drill', Value: 'true' }] })));
    await local.server.advanceClock(RESTORE - 1);
    const almost = await describeTable('tw-drill-Orders');
    await local.server.advanceClock(1);
    const after = await describeTable('tw-drill-Orders');
    await dynamo.send(new TagResourceCommand({ ResourceArn: out.TableArn, Tags: [{ Key: 'tablewarden:drill', Value: 'true' }] }));
    const items = await dynamo.send(new ScanCommand({ TableName: 'tw-drill-Orders' }));
    await dynamo.send(new DeleteTableCommand({ TableName: 'tw-drill-Orders' }));

    // Assess
    expect(out.TableStatus).toBe('CREATING');
    expect(out.RestoreSummary).toEqual({
      SourceBackupArn: backupDetails.BackupArn,
      SourceTableArn: SOURCE_ARN,
      RestoreDateTime: backupDetails.BackupCreationDateTime,
      RestoreInProgress: true,
    });
    expect(during.TableStatus).toBe('CREATING');
    expect(during.RestoreSummary?.RestoreInProgress).toBe(true);
    expect(during.GlobalSecondaryIndexes?.[0]?.IndexStatus).toBe('CREATING');
    for (const refused of [get, put, scan, batch]) expect(refused).toMatchObject({ name: 'ResourceNotFoundException', message: 'Requested resource not found' });
    for (const refused of [update, remove]) {
      expect(refused).toMatchObject({ name: 'ResourceInUseException', message: 'Attempt to change a resource which is still in use: Table is being created: tw-drill-Orders' });
    }
    expect(tag).toMatchObject({ name: 'ResourceNotFoundException', message: `Requested resource not found: ResourcArn: ${out.TableArn} not found` });
    expect(almost.TableStatus).toBe('CREATING');
    expect(after.TableStatus).toBe('ACTIVE');
    expect(after.RestoreSummary?.RestoreInProgress).toBe(false);
    expect(after.GlobalSecondaryIndexes?.[0]?.IndexStatus).toBe('ACTIVE');
    expect(items.Count).toBe(3);
    expect(await tableNames()).toEqual(['Orders']);
  });

  it('the delay is TABLEWARDEN_RESTORE_SECONDS (default 5 s) again after /moto-api/reset', async () => {
    // Prepare
    await local.reset();

    // Act
    const setting = (await (await fetch(`${local.endpoint}/tablewarden/restore`)).json()) as { seconds: number };

    // Assess
    expect(setting).toEqual({ seconds: Number(process.env.TABLEWARDEN_RESTORE_SECONDS ?? 5) });
  });
});

// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html (errors:
// PointInTimeRecoveryUnavailableException "Point in time recovery has not yet been enabled for this source table";
// InvalidRestoreTimeException "RestoreDateTime must be between EarliestRestorableDateTime and LatestRestorableDateTime")
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PointInTimeRecoveryDescription.html
// ("LatestRestorableDateTime is typically 5 minutes before the current time")
describe('RestoreTableToPointInTime: PITR on, and a time within the restorable window', () => {
  it('refuses a source without PITR with PointInTimeRecoveryUnavailableException', async () => {
    // Prepare
    await createTableWith(dynamo, 'Orders');

    // Act
    const err = await failure(restoreToTime('tw-drill-Orders'));

    // Assess
    expect(err).toMatchObject({ name: 'PointInTimeRecoveryUnavailableException', status: 400, message: "Point in time recovery is not enabled for table 'Orders'" });
    expect(await tableNames()).toEqual(['Orders']);
  });

  it('reports Earliest (when PITR was enabled) and Latest (now - 5 min) on the emulator clock, and refuses a time outside them', async () => {
    // Prepare
    await createTableWith(dynamo, 'Orders');
    const enabled = await local.server.advanceClock(0);
    await dynamo.send(new UpdateContinuousBackupsCommand({ TableName: 'Orders', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    const now = await local.server.advanceClock(3600);

    // Act
    const window = (await dynamo.send(new DescribeContinuousBackupsCommand({ TableName: 'Orders' }))).ContinuousBackupsDescription!.PointInTimeRecoveryDescription!;
    const earliest = window.EarliestRestorableDateTime!;
    const latest = window.LatestRestorableDateTime!;
    const tooEarly = await failure(restoreToTime('tw-drill-a', { UseLatestRestorableTime: undefined, RestoreDateTime: new Date(earliest.getTime() - 1000) }));
    const tooLate = await failure(restoreToTime('tw-drill-b', { UseLatestRestorableTime: undefined, RestoreDateTime: new Date(latest.getTime() + 60_000) }));
    const when = new Date(earliest.getTime() + 60_000);
    const byArn = (
      await dynamo.send(new RestoreTableToPointInTimeCommand({ SourceTableArn: SOURCE_ARN, TargetTableName: 'tw-drill-c', RestoreDateTime: when }))
    ).TableDescription!;

    // Assess
    expect(Math.abs(earliest.getTime() - enabled.getTime())).toBeLessThan(5_000);
    expect(Math.abs(latest.getTime() - (now.getTime() - 5 * 60_000))).toBeLessThan(5_000);
    expect(tooEarly).toMatchObject({ name: 'InvalidRestoreTimeException', status: 400 });
    expect(tooLate).toMatchObject({ name: 'InvalidRestoreTimeException', status: 400 });
    expect(byArn.RestoreSummary).toEqual({ SourceTableArn: SOURCE_ARN, RestoreDateTime: when, RestoreInProgress: true });
    expect(await tableNames()).toEqual(['Orders', 'tw-drill-c']);
  });
});

// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html ("DynamoDB
// restores your table data to the state based on the selected date and time (day:hour:minute:second) to a new table")
describe('RestoreTableToPointInTime: the items as of RestoreDateTime', () => {
  it('restores the items as they were at the chosen time: later puts, updates and deletes are undone', async () => {
    // Prepare
    await createTableWith(dynamo, 'Orders');
    await dynamo.send(new UpdateContinuousBackupsCommand({ TableName: 'Orders', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    const put = (pk: string, v: string) => dynamo.send(new PutItemCommand({ TableName: 'Orders', Item: { pk: { S: pk }, v: { S: v } } }));
    await put('kept', 'v1');
    await put('changed', 'v1');
    await put('deleted', 'v1');
    const before = await local.server.advanceClock(60);
    await local.server.advanceClock(60);
    await put('changed', 'v2');
    await dynamo.send(new UpdateItemCommand({ TableName: 'Orders', Key: { pk: { S: 'kept' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { S: 'v2' } } }));
    await dynamo.send(new DeleteItemCommand({ TableName: 'Orders', Key: { pk: { S: 'deleted' } } }));
    await put('added', 'v2');
    await local.server.advanceClock(3600);

    // Act
    await restoreToTime('tw-drill-then', { UseLatestRestorableTime: undefined, RestoreDateTime: before });
    await restoreToTime('tw-drill-now');
    await settle();
    const scan = async (TableName: string) =>
      Object.fromEntries(((await dynamo.send(new ScanCommand({ TableName }))).Items ?? []).map((i) => [i.pk!.S, i.v!.S]));

    // Assess
    expect(await scan('tw-drill-then')).toEqual({ kept: 'v1', changed: 'v1', deleted: 'v1' });
    expect(await scan('tw-drill-now')).toEqual({ kept: 'v2', changed: 'v2', added: 'v2' });
    expect(await scan('Orders')).toEqual({ kept: 'v2', changed: 'v2', added: 'v2' });
  });
});

// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableFromBackup.html ("Any number of
// users can execute up to 50 concurrent restores (any type of restore) in a given account.")
describe('Restore: at most 50 restores in progress per account', () => {
  it('refuses the 51st with LimitExceededException, and accepts it once the others are done', async () => {
    // Prepare
    await createTableWith(dynamo, 'Orders');
    const { BackupArn } = await backupOf();
    for (let i = 0; i < 50; i++) await restoreFromBackup(BackupArn!, `tw-drill-${i}`);

    // Act
    const refused = await failure(restoreFromBackup(BackupArn!, 'tw-drill-50'));
    await settle();
    await restoreFromBackup(BackupArn!, 'tw-drill-50');

    // Assess
    expect(refused).toMatchObject({ name: 'LimitExceededException', status: 400 });
    expect(refused.message).toContain('50');
    expect((await describeTable('tw-drill-50')).TableStatus).toBe('CREATING');
  });
});

// https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartRestoreJob.html
// https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRestoreJob.html
// https://docs.aws.amazon.com/aws-backup/latest/devguide/API_PutRestoreValidationResult.html
// https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-inferred-metadata.html (DynamoDB metadata:
// deletionProtection, encryptionType Default|KMS, kmsMasterKeyArn, targetTableName; keys are not case sensitive)
describe('AWS Backup: DynamoDB recovery points and restore jobs', () => {
  const recoveryPoint = async () => {
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'tw-vault' }));
    const job = await backup.send(new StartBackupJobCommand({ BackupVaultName: 'tw-vault', ResourceArn: SOURCE_ARN, IamRoleArn: ROLE }));
    return job.RecoveryPointArn!;
  };
  const startRestore = (RecoveryPointArn: string, Metadata: Record<string, string>, extra: Partial<StartRestoreJobCommandInput> = {}) =>
    backup.send(new StartRestoreJobCommand({ RecoveryPointArn, Metadata, IamRoleArn: ROLE, ResourceType: 'DynamoDB', ...extra }));
  const describeJob = (RestoreJobId: string) => backup.send(new DescribeRestoreJobCommand({ RestoreJobId }));

  it('ListRecoveryPointsByResource lists the recovery points newest first, with CreationDate', async () => {
    // Prepare
    await createTableWith(dynamo, 'Orders');
    const first = await recoveryPoint();
    const second = (await backup.send(new StartBackupJobCommand({ BackupVaultName: 'tw-vault', ResourceArn: SOURCE_ARN, IamRoleArn: ROLE }))).RecoveryPointArn!;

    // Act
    const points = (await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: SOURCE_ARN }))).RecoveryPoints!;

    // Assess
    expect(points.map((p) => p.RecoveryPointArn)).toEqual([second, first]);
    expect(points[0]!.CreationDate!.getTime()).toBeGreaterThanOrEqual(points[1]!.CreationDate!.getTime());
  });

  it('StartRestoreJob restores through the same path: PENDING, RUNNING while the table is CREATING, then COMPLETED', async () => {
    // Prepare
    const key = await createSource();
    const point = await recoveryPoint();

    // Act
    const { RestoreJobId } = await startRestore(point, { TargetTableName: 'tw-drill-Orders', EncryptionType: 'KMS', kmsMasterKeyArn: key, deletionProtection: 'true' });
    const pending = await describeJob(RestoreJobId!);
    await local.server.advanceClock(RESTORE / 10);
    const running = await describeJob(RestoreJobId!);
    const creating = await describeTable('tw-drill-Orders');
    await local.server.advanceClock(RESTORE);
    const completed = await describeJob(RestoreJobId!);
    const table = await describeTable('tw-drill-Orders');

    // Assess
    expect(pending).toMatchObject({ Status: 'PENDING', RecoveryPointArn: point, ResourceType: 'DynamoDB', IamRoleArn: ROLE, AccountId: ACCOUNT });
    expect(running.Status).toBe('RUNNING');
    expect(creating.TableStatus).toBe('CREATING');
    expect(completed).toMatchObject({ Status: 'COMPLETED', RecoveryPointArn: point, CreatedResourceArn: table.TableArn });
    expect(completed.CompletionDate!.getTime()).toBeGreaterThan(completed.CreationDate!.getTime());
    expect(table.TableStatus).toBe('ACTIVE');
    expect(table.SSEDescription?.KMSMasterKeyArn).toBe(key);
    expect(table.DeletionProtectionEnabled).toBe(true);
    expect(table.RestoreSummary?.SourceBackupArn).toBe(point);
  });

  it('a restore that fails (the target table exists) is accepted and ends FAILED with a StatusMessage, creating nothing', async () => {
    // Prepare
    await createTableWith(dynamo, 'Orders');
    const point = await recoveryPoint();

    // Act
    const { RestoreJobId } = await startRestore(point, { targetTableName: 'Orders' });
    await local.server.advanceClock(RESTORE);
    const job = await describeJob(RestoreJobId!);

    // Assess
    expect(job).toMatchObject({ Status: 'FAILED', StatusMessage: 'TableAlreadyExistsException: Table already exists: Orders' });
    expect(job.CreatedResourceArn).toBeUndefined();
    expect(await tableNames()).toEqual(['Orders']);
  });

  it('refuses a request without IamRoleArn or targetTableName, a KMS restore without kmsMasterKeyArn and an unknown recovery point', async () => {
    // Prepare
    await createTableWith(dynamo, 'Orders');
    const point = await recoveryPoint();

    // Act
    const noRole = await failure(startRestore(point, { targetTableName: 'tw-drill-a' }, { IamRoleArn: undefined }));
    const noTarget = await failure(startRestore(point, { encryptionType: 'Default' }));
    const noKey = await failure(startRestore(point, { targetTableName: 'tw-drill-a', encryptionType: 'KMS' }));
    const unknown = await failure(startRestore(`${SOURCE_ARN}/backup/01700000000000-deadbeef`, { targetTableName: 'tw-drill-a' }));

    // Assess
    expect(noRole).toMatchObject({ name: 'MissingParameterValueException', status: 400 });
    expect(noTarget).toMatchObject({ name: 'MissingParameterValueException', status: 400 });
    expect(noKey).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    expect(unknown).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await tableNames()).toEqual(['Orders']);
  });

  it('PutRestoreValidationResult: only for a COMPLETED job, with a documented ValidationStatus; DescribeRestoreJob then shows it', async () => {
    // Prepare
    await createTableWith(dynamo, 'Orders');
    const point = await recoveryPoint();
    const { RestoreJobId } = await startRestore(point, { targetTableName: 'tw-drill-Orders' });

    // Act
    const early = await failure(backup.send(new PutRestoreValidationResultCommand({ RestoreJobId, ValidationStatus: 'SUCCESSFUL' })));
    await settle();
    const badStatus = await failure(backup.send(new PutRestoreValidationResultCommand({ RestoreJobId, ValidationStatus: 'PASSED' as 'SUCCESSFUL' })));
    await backup.send(new PutRestoreValidationResultCommand({ RestoreJobId, ValidationStatus: 'FAILED', ValidationStatusMessage: 'missing key customerID=c-0001' }));
    const job = await describeJob(RestoreJobId!);

    // Assess
    expect(early).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(badStatus).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    expect(job).toMatchObject({ Status: 'COMPLETED', ValidationStatus: 'FAILED', ValidationStatusMessage: 'missing key customerID=c-0001' });
  });
});
