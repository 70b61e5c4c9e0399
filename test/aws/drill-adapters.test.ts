/**
 * The restore-drill adapters with a mocked SDK: the exact requests (SSE override shape, StartRestoreJob's DynamoDB
 * metadata, BatchGetItem's 100-key calls and UnprocessedKeys, Scan segments), and the cleanup guard before any
 * DeleteTable.
 */
import { DescribeRestoreJobCommand, ListRecoveryPointsByResourceCommand, PutRestoreValidationResultCommand, StartRestoreJobCommand } from '@aws-sdk/client-backup';
import {
  BatchGetItemCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  ListBackupsCommand,
  ListTagsOfResourceCommand,
  RestoreTableFromBackupCommand,
  RestoreTableToPointInTimeCommand,
  ScanCommand,
  UpdateTableCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { countItems, deleteDrillTable, putRestoreValidationResult, readByKeys, sampleItems } from '../../functions/aws/drill-data.ts';
import { checkRestoreOnce, findRecoverySource, resolveDrillSse, startRestore, waitForRestore } from '../../functions/aws/restore.ts';
import type { RetryClock } from '../../functions/aws/apply/retry.ts';

const ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/Customers';
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const KEYS = { partitionKey: { name: 'id', type: 'S' as const } };

let clients: AwsClients;
let dynamodb: ReturnType<typeof mockClient>;
let backup: ReturnType<typeof mockClient>;
let kms: ReturnType<typeof mockClient>;

/** Virtual time: sleeping moves the clock; random is fixed. */
function virtualClock(start = 0): RetryClock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return { now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)), random: () => 1, slept };
}

const inputs = (client: ReturnType<typeof mockClient>, command: unknown) => client.commandCalls(command as never).map((call) => call.args[0].input);

beforeEach(() => {
  clients = createClients({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  dynamodb = mockClient(clients.dynamodb);
  backup = mockClient(clients.backup);
  kms = mockClient(clients.kms);
});

describe('finding the recovery source', () => {
  it('takes the newest COMPLETED AWS Backup recovery point, across pages', async () => {
    // Prepare
    backup
      .on(ListRecoveryPointsByResourceCommand, { NextToken: undefined })
      .resolves({ NextToken: 't2', RecoveryPoints: [{ RecoveryPointArn: 'rp-old', Status: 'COMPLETED', BackupVaultName: 'v', CreationDate: new Date('2026-11-01T00:00:00Z') }] })
      .on(ListRecoveryPointsByResourceCommand, { NextToken: 't2' })
      .resolves({
        RecoveryPoints: [
          { RecoveryPointArn: 'rp-partial', Status: 'PARTIAL', BackupVaultName: 'v', CreationDate: new Date('2026-11-30T00:00:00Z') },
          { RecoveryPointArn: 'rp-new', Status: 'COMPLETED', BackupVaultName: 'v', CreationDate: new Date('2026-11-29T00:00:00Z') },
        ],
      });
    // Act
    const result = await findRecoverySource(clients, { table: 'Customers', tableArn: ARN, kind: 'aws-backup' });
    // Assess
    expect(result).toEqual({ found: true, source: { kind: 'aws-backup', recoveryPointArn: 'rp-new', vaultName: 'v', createdAt: '2026-11-29T00:00:00.000Z' } });
    expect(inputs(backup, ListRecoveryPointsByResourceCommand)).toEqual([
      { ResourceArn: ARN, ManagedByAWSBackupOnly: true },
      { ResourceArn: ARN, ManagedByAWSBackupOnly: true, NextToken: 't2' },
    ]);
  });

  it.each([
    ['aws-backup', 'no recovery point: AWS Backup holds no COMPLETED recovery point of Customers'],
    ['dynamodb-backup', 'no recovery point: Customers has no AVAILABLE on-demand DynamoDB backup'],
    ['pitr', 'no recovery point: point-in-time recovery is not enabled on Customers'],
  ] as const)('%s without a recovery point is a typed result', async (kind, reason) => {
    // Prepare
    backup.on(ListRecoveryPointsByResourceCommand).resolves({ RecoveryPoints: [] });
    dynamodb.on(ListBackupsCommand).resolves({ BackupSummaries: [{ BackupArn: 'b', BackupStatus: 'CREATING', BackupType: 'USER', BackupCreationDateTime: new Date() }] });
    dynamodb.on(DescribeContinuousBackupsCommand).resolves({ ContinuousBackupsDescription: { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' } } });
    // Act
    const result = await findRecoverySource(clients, { table: 'Customers', tableArn: ARN, kind });
    // Assess
    expect(result).toEqual({ found: false, reason });
  });

  it('takes the newest AVAILABLE USER backup, paging by LastEvaluatedBackupArn', async () => {
    // Prepare
    dynamodb
      .on(ListBackupsCommand, { ExclusiveStartBackupArn: undefined })
      .resolves({ LastEvaluatedBackupArn: 'b1', BackupSummaries: [{ BackupArn: 'b1', BackupStatus: 'AVAILABLE', BackupType: 'USER', BackupCreationDateTime: new Date('2026-11-02T00:00:00Z') }] })
      .on(ListBackupsCommand, { ExclusiveStartBackupArn: 'b1' })
      .resolves({ BackupSummaries: [{ BackupArn: 'b2', BackupStatus: 'AVAILABLE', BackupType: 'AWS_BACKUP', BackupCreationDateTime: new Date('2026-11-03T00:00:00Z') }] });
    // Act
    const result = await findRecoverySource(clients, { table: 'Customers', tableArn: ARN, kind: 'dynamodb-backup' });
    // Assess
    expect(result).toEqual({ found: true, source: { kind: 'dynamodb-backup', backupArn: 'b1', createdAt: '2026-11-02T00:00:00.000Z' } });
    expect(inputs(dynamodb, ListBackupsCommand)).toEqual([
      { TableName: 'Customers', BackupType: 'USER' },
      { TableName: 'Customers', BackupType: 'USER', ExclusiveStartBackupArn: 'b1' },
    ]);
  });

  it.each([
    ['latest', undefined, { found: true }],
    ['inside the window', '2026-11-30T12:00:00.000Z', { found: true }],
    ['before the window', '2026-11-01T00:00:00.000Z', { found: false }],
    ['after the latest restorable time', '2026-12-01T07:59:00.000Z', { found: false }],
  ])('PITR %s', async (_case, time, expected) => {
    // Prepare
    dynamodb.on(DescribeContinuousBackupsCommand).resolves({
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: 'ENABLED',
        PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'ENABLED', EarliestRestorableDateTime: new Date('2026-11-20T00:00:00Z'), LatestRestorableDateTime: new Date('2026-12-01T07:55:00Z') },
      },
    });
    // Act
    const result = await findRecoverySource(clients, { table: 'Customers', tableArn: ARN, kind: 'pitr', ...(time ? { time: new Date(time) } : {}) });
    // Assess
    expect(result).toMatchObject(expected);
    if (!result.found) expect(result.reason).toBe(`no recovery point: ${time} is outside Customers's restorable window 2026-11-20T00:00:00.000Z .. 2026-12-01T07:55:00.000Z`);
  });
});

describe('starting the restore', () => {
  const sse = { type: 'CUSTOMER_MANAGED' as const, kmsKeyArn: KEY_ARN };

  it('resolves the declared alias to the key ARN with DescribeKey', async () => {
    // Prepare
    kms.on(DescribeKeyCommand, { KeyId: 'alias/tablewarden/customers' }).resolves({ KeyMetadata: { KeyId: 'k', Arn: KEY_ARN } });
    // Act
    const resolved = await resolveDrillSse(clients, { type: 'CUSTOMER_MANAGED', kmsKeyAlias: 'alias/tablewarden/customers', rotationPeriodDays: 365 }, { type: 'AWS_OWNED' });
    // Assess
    expect(resolved).toEqual(sse);
  });

  it('RestoreTableFromBackup carries the SSE override with the key ARN (no Tags: the API takes none)', async () => {
    // Prepare
    dynamodb.on(RestoreTableFromBackupCommand).resolves({ TableDescription: { TableArn: `${ARN.replace('Customers', 'tw-drill-x')}` } });
    // Act
    const started = await startRestore(clients, { source: { kind: 'dynamodb-backup', backupArn: 'b1', createdAt: 'x' }, sourceTable: 'Customers', sourceTableArn: ARN, targetTable: 'tw-drill-x', sse, idempotencyToken: 'tw-drill-x' });
    // Assess
    expect(inputs(dynamodb, RestoreTableFromBackupCommand)).toEqual([
      { TargetTableName: 'tw-drill-x', BackupArn: 'b1', SSESpecificationOverride: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: KEY_ARN } },
    ]);
    expect(started).toEqual({ copyArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/tw-drill-x' });
  });

  it.each([
    ['latest restorable time', undefined, { UseLatestRestorableTime: true }],
    ['a given time', '2026-11-30T12:00:00.000Z', { RestoreDateTime: new Date('2026-11-30T12:00:00.000Z') }],
  ])('RestoreTableToPointInTime at the %s, AWS owned encryption', async (_case, restoreTime, when) => {
    // Prepare
    dynamodb.on(RestoreTableToPointInTimeCommand).resolves({});
    // Act
    await startRestore(clients, {
      source: { kind: 'pitr', earliestRestorable: 'a', latestRestorable: 'b', ...(restoreTime ? { restoreTime } : {}) },
      sourceTable: 'Customers',
      sourceTableArn: ARN,
      targetTable: 'tw-drill-x',
      sse: { type: 'AWS_OWNED' },
      idempotencyToken: 't',
    });
    // Assess
    expect(inputs(dynamodb, RestoreTableToPointInTimeCommand)).toEqual([{ SourceTableArn: ARN, TargetTableName: 'tw-drill-x', ...when, SSESpecificationOverride: { Enabled: false } }]);
  });

  it.each([
    ['a customer managed key', sse, { targetTableName: 'tw-drill-x', deletionProtection: 'false', encryptionType: 'KMS', kmsMasterKeyArn: KEY_ARN }],
    ['the AWS owned key', { type: 'AWS_OWNED' as const }, { targetTableName: 'tw-drill-x', deletionProtection: 'false', encryptionType: 'Default' }],
  ])('StartRestoreJob with AWS Backup DynamoDB metadata for %s', async (_case, expected, metadata) => {
    // Prepare
    backup.on(StartRestoreJobCommand).resolves({ RestoreJobId: 'job-1' });
    // Act
    const started = await startRestore(clients, {
      source: { kind: 'aws-backup', recoveryPointArn: 'rp', vaultName: 'v', createdAt: 'x' },
      sourceTable: 'Customers',
      sourceTableArn: ARN,
      targetTable: 'tw-drill-x',
      sse: expected,
      backupRoleArn: 'arn:aws:iam::123456789012:role/backup',
      idempotencyToken: 'tw-drill-x',
    });
    // Assess
    expect(inputs(backup, StartRestoreJobCommand)).toEqual([
      { RecoveryPointArn: 'rp', ResourceType: 'DynamoDB', IamRoleArn: 'arn:aws:iam::123456789012:role/backup', IdempotencyToken: 'tw-drill-x', Metadata: metadata },
    ]);
    expect(started).toEqual({ copyArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/tw-drill-x', restoreJobId: 'job-1' });
  });
});

describe('checking on the restore', () => {
  it.each([
    ['job PENDING', { Status: 'PENDING' }, undefined, { state: 'restoring', detail: 'restore job PENDING' }],
    ['job FAILED', { Status: 'FAILED', StatusMessage: 'LimitExceededException: 50 restores' }, undefined, { state: 'failed', reason: 'AWS Backup restore job job-1 FAILED: LimitExceededException: 50 restores' }],
    ['job COMPLETED, table CREATING', { Status: 'COMPLETED' }, { TableStatus: 'CREATING' }, { state: 'restoring', detail: 'table CREATING' }],
    ['job COMPLETED, index still CREATING', { Status: 'COMPLETED' }, { TableStatus: 'ACTIVE', GlobalSecondaryIndexes: [{ IndexName: 'g', IndexStatus: 'CREATING' }] }, { state: 'restoring', detail: 'indexes g CREATING' }],
    ['job COMPLETED, table ACTIVE', { Status: 'COMPLETED', CompletionDate: new Date('2026-12-01T08:04:00Z') }, { TableStatus: 'ACTIVE' }, { state: 'active', table: { TableStatus: 'ACTIVE' }, completedAt: '2026-12-01T08:04:00.000Z' }],
  ])('%s', async (_case, job, table, expected) => {
    // Prepare
    backup.on(DescribeRestoreJobCommand).resolves(job as never);
    dynamodb.on(DescribeTableCommand).resolves(table ? { Table: table as never } : {});
    // Act
    const check = await checkRestoreOnce(clients, { copyTable: 'tw-drill-x', restoreJobId: 'job-1' });
    // Assess
    expect(check).toEqual(expected);
  });

  it('the waiter backs off (5 s doubling, capped) and times out at the deadline', async () => {
    // Prepare
    dynamodb.on(DescribeTableCommand).resolves({ Table: { TableStatus: 'CREATING' } });
    const clock = virtualClock();
    // Act
    const check = await waitForRestore(clients, { copyTable: 'tw-drill-x' }, { clock, deadline: 100_000, capMs: 40_000 });
    // Assess
    expect(clock.slept).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(check).toEqual({ state: 'failed', reason: 'timed out waiting for tw-drill-x: still table CREATING at the deadline' });
  });
});

describe('counting and sampling', () => {
  it('counts with Select COUNT over every segment, paging with ExclusiveStartKey', async () => {
    // Prepare
    const lastKey = { id: { S: 'k' } };
    dynamodb
      .on(ScanCommand, { Segment: 0, ExclusiveStartKey: undefined })
      .resolves({ Count: 3, LastEvaluatedKey: lastKey })
      .on(ScanCommand, { Segment: 0, ExclusiveStartKey: lastKey })
      .resolves({ Count: 2 })
      .on(ScanCommand, { Segment: 1 })
      .resolves({ Count: 4 });
    // Act
    const count = await countItems(clients.dynamodb, 'tw-drill-x', 2);
    // Assess
    expect(count).toBe(9);
    expect(inputs(dynamodb, ScanCommand)).toEqual(
      expect.arrayContaining([
        { TableName: 'tw-drill-x', Select: 'COUNT', Segment: 0, TotalSegments: 2 },
        { TableName: 'tw-drill-x', Select: 'COUNT', Segment: 0, TotalSegments: 2, ExclusiveStartKey: lastKey },
        { TableName: 'tw-drill-x', Select: 'COUNT', Segment: 1, TotalSegments: 2 },
      ]),
    );
    expect(dynamodb.commandCalls(ScanCommand)).toHaveLength(3);
  });

  it('samples each segment with Limit, and tops up from a segment that has more when another runs dry', async () => {
    // Prepare
    const items = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: { S: `${prefix}${i}` } }));
    dynamodb
      .on(ScanCommand, { Segment: 0, ExclusiveStartKey: undefined })
      .resolves({ Items: items('a', 2), LastEvaluatedKey: { id: { S: 'a1' } } })
      .on(ScanCommand, { Segment: 0, ExclusiveStartKey: { id: { S: 'a1' } } })
      .resolves({ Items: items('b', 1) })
      .on(ScanCommand, { Segment: 1 })
      .resolves({ Items: items('c', 1) });
    // Act
    const sample = await sampleItems(clients.dynamodb, 'T', 4, 2);
    // Assess
    expect(sample.map((item) => item.id?.S)).toEqual(['a0', 'a1', 'b0', 'c0']);
    expect(inputs(dynamodb, ScanCommand)).toEqual([
      { TableName: 'T', Segment: 0, TotalSegments: 2, Limit: 2 },
      { TableName: 'T', Segment: 1, TotalSegments: 2, Limit: 2 },
      { TableName: 'T', Segment: 0, TotalSegments: 2, Limit: 1, ExclusiveStartKey: { id: { S: 'a1' } } },
    ]);
  });
});

describe('reading by key', () => {
  it('sends at most 100 distinct keys a call, strongly consistent', async () => {
    // Prepare
    const keys = Array.from({ length: 250 }, (_, i) => ({ id: { S: `k${i % 201}` } }));
    dynamodb.on(BatchGetItemCommand).callsFake((input: { RequestItems: Record<string, { Keys: Array<Record<string, AttributeValue>> }> }) => ({ Responses: { T: input.RequestItems.T!.Keys } }));
    // Act
    const read = await readByKeys(clients.dynamodb, 'T', KEYS, keys, { deadline: 10_000, clock: virtualClock() });
    // Assess
    const calls = inputs(dynamodb, BatchGetItemCommand) as Array<{ RequestItems: Record<string, { Keys: unknown[]; ConsistentRead: boolean }> }>;
    expect(calls.map((call) => call.RequestItems.T!.Keys.length)).toEqual([100, 100, 1]);
    expect(calls.every((call) => call.RequestItems.T!.ConsistentRead)).toBe(true);
    expect(Object.keys(read.items)).toHaveLength(201);
    expect(read.unreadable).toEqual([]);
  });

  it('retries UnprocessedKeys with backoff, and counts keys still unprocessed at the deadline as unreadable', async () => {
    // Prepare
    const a = { id: { S: 'a' } };
    const b = { id: { S: 'b' } };
    dynamodb
      .on(BatchGetItemCommand)
      .resolvesOnce({ Responses: { T: [a] }, UnprocessedKeys: { T: { Keys: [b] } } })
      .resolves({ Responses: { T: [] }, UnprocessedKeys: { T: { Keys: [b] } } });
    const clock = virtualClock();
    // Act
    const read = await readByKeys(clients.dynamodb, 'T', KEYS, [a, b], { deadline: 1_000, clock });
    // Assess
    expect(inputs(dynamodb, BatchGetItemCommand).slice(1)).toEqual(Array(inputs(dynamodb, BatchGetItemCommand).length - 1).fill({ RequestItems: { T: { Keys: [b], ConsistentRead: true } } }));
    expect(clock.slept).toEqual([100, 200, 400]);
    expect(Object.keys(read.items)).toHaveLength(1);
    expect(read.unreadable).toEqual([b]);
  });
});

describe('cleanup', () => {
  const copy = 'tw-drill-Customers-20261201T080000Z';
  const copyArn = ARN.replace('Customers', copy);

  it.each([
    ['untagged drill-named table', copy, {}, 'refused to delete tw-drill-Customers-20261201T080000Z: it does not carry the tag tablewarden:drill=true'],
    ['tagged table with another name', 'Customers', { 'tablewarden:drill': 'true' }, 'refused to delete Customers: its name does not start with tw-drill-'],
  ])('refuses an %s and never calls DeleteTable', async (_case, name, tags, reason) => {
    // Prepare
    dynamodb.on(DescribeTableCommand).resolves({ Table: { TableName: name, TableArn: ARN.replace('Customers', name), TableStatus: 'ACTIVE' } });
    dynamodb.on(ListTagsOfResourceCommand).resolves({ Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) });
    // Act
    const result = await deleteDrillTable(clients.dynamodb, name, { deadline: 0 });
    // Assess
    // A tw-drill- name refused only for the tag is marked untagged (the drill's own copy is then tagged by drill-check).
    expect(result).toEqual({ table: name, outcome: 'refused', reason, ...(name.startsWith('tw-drill-') ? { untagged: true } : {}) });
    expect(dynamodb.commandCalls(DeleteTableCommand)).toHaveLength(0);
    expect(dynamodb.commandCalls(UpdateTableCommand)).toHaveLength(0);
  });

  it('turns deletion protection off first only when it is on and the guard passed, then deletes; throttling is retried', async () => {
    // Prepare
    dynamodb.on(DescribeTableCommand).resolves({ Table: { TableName: copy, TableArn: copyArn, TableStatus: 'ACTIVE', DeletionProtectionEnabled: true } });
    dynamodb.on(ListTagsOfResourceCommand).resolves({ Tags: [{ Key: 'tablewarden:drill', Value: 'true' }] });
    dynamodb.on(UpdateTableCommand).resolves({});
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    dynamodb.on(DeleteTableCommand).rejectsOnce(throttled).resolves({});
    // Act
    const result = await deleteDrillTable(clients.dynamodb, copy, { deadline: 60_000, clock: virtualClock() });
    // Assess
    expect(result).toEqual({ table: copy, outcome: 'deleted', reason: `deleted ${copy}` });
    expect(inputs(dynamodb, UpdateTableCommand)).toEqual([{ TableName: copy, DeletionProtectionEnabled: false }]);
    expect(inputs(dynamodb, DeleteTableCommand)).toEqual([{ TableName: copy }, { TableName: copy }]);
  });

  it('waits (no tag read, no delete) while the copy is still being created', async () => {
    // Prepare
    dynamodb.on(DescribeTableCommand).resolves({ Table: { TableName: copy, TableArn: copyArn, TableStatus: 'CREATING' } });
    // Act
    const result = await deleteDrillTable(clients.dynamodb, copy, { deadline: 0 });
    // Assess
    expect(result).toEqual({ table: copy, outcome: 'waiting', reason: `${copy} is still being created; it can be deleted once it is ACTIVE` });
    expect(dynamodb.commandCalls(ListTagsOfResourceCommand)).toHaveLength(0);
    expect(dynamodb.commandCalls(DeleteTableCommand)).toHaveLength(0);
  });

  it('counts a missing table as cleaned', async () => {
    // Prepare
    dynamodb.on(DescribeTableCommand).rejects(Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' }));
    // Act
    const result = await deleteDrillTable(clients.dynamodb, copy, { deadline: 0 });
    // Assess
    expect(result.outcome).toBe('gone');
  });

  it('reports PutRestoreValidationResult with the verdict', async () => {
    // Prepare
    backup.on(PutRestoreValidationResultCommand).resolves({});
    // Act
    await putRestoreValidationResult(clients, 'job-1', false, 'x'.repeat(1_500));
    // Assess
    expect(inputs(backup, PutRestoreValidationResultCommand)).toEqual([{ RestoreJobId: 'job-1', ValidationStatus: 'FAILED', ValidationStatusMessage: 'x'.repeat(1_000) }]);
  });
});
