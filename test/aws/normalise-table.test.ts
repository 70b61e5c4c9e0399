/**
 * Normalisation against what real AWS sent (recorded responses vendored in test/fixtures/aws-recordings), plus the few shapes
 * the recordings lack (GSIs/LSIs, TTL, Contributor Insights), written to the DynamoDB API reference.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ObservedKmsKey } from '../../functions/core/model/observed.ts';
import {
  NormaliseError,
  needsRotationLookup,
  normaliseContinuousBackups,
  normaliseContributorInsights,
  normaliseKmsKey,
  normaliseTableDescription,
  normaliseTimeToLive,
  tableKmsKeyArn,
  type KeyMetadataInput,
  type TableDescriptionInput,
} from '../../functions/aws/normalise-table.ts';
import { RECORDINGS_DIR, loadRecording } from '../fixtures/aws-recordings.ts';

const describeTable = (scenario: string, n = 1): TableDescriptionInput =>
  loadRecording<{ Table: TableDescriptionInput }>(scenario, `dynamodb.DescribeTable_${n}`).Table;

const AWS_MANAGED_DYNAMODB_KEY: ObservedKmsKey = {
  arn: 'arn:aws:kms:us-east-1:644160558196:key/8785aeb9-a616-4e2b-bbd3-df3cde76bcc5',
  keyId: '8785aeb9-a616-4e2b-bbd3-df3cde76bcc5',
  aliases: ['alias/aws/dynamodb'],
  keyManager: 'AWS',
  keyState: 'Enabled',
  rotationEnabled: true,
  rotationPeriodDays: 365,
};

describe('normaliseTableDescription on recorded DescribeTable responses', () => {
  it('an on-demand table encrypted with the AWS managed key (test_dynamodb_kms_key_filter)', () => {
    // Prepare
    const table = describeTable('test_dynamodb_kms_key_filter');
    const metadata = loadRecording<{ KeyMetadata: KeyMetadataInput }>('test_dynamodb_kms_key_filter', 'kms.DescribeKey_1').KeyMetadata;
    const aliases = loadRecording<{ Aliases: Array<{ AliasName: string; TargetKeyId: string }> }>('test_dynamodb_kms_key_filter', 'kms.ListAliases_1')
      .Aliases.filter((a) => a.TargetKeyId === metadata.KeyId)
      .map((a) => a.AliasName);
    const key = normaliseKmsKey(metadata, aliases);
    // Act
    const observed = normaliseTableDescription(table, key);
    // Assess
    expect(tableKmsKeyArn(table)).toBe(key.arn);
    expect(key).toEqual(AWS_MANAGED_DYNAMODB_KEY);
    expect(observed).toEqual({
      name: 'test-table-kms-filter',
      arn: 'arn:aws:dynamodb:us-east-1:644160558196:table/test-table-kms-filter',
      status: 'ACTIVE',
      createdAt: '2019-01-15T18:06:37.198Z',
      keySchema: { partitionKey: { name: 'test', type: 'S' } },
      // ProvisionedThroughput 0/0 next to PAY_PER_REQUEST: no capacities
      billing: { mode: 'PAY_PER_REQUEST' },
      // no TableClassSummary
      tableClass: 'STANDARD',
      sse: { type: 'AWS_MANAGED', kmsKeyArn: key.arn, status: 'ENABLED' },
      // no DeletionProtectionEnabled
      deletionProtection: false,
      // no StreamSpecification
      stream: { enabled: false },
      globalSecondaryIndexes: [],
      localSecondaryIndexes: [],
    });
  });

  it('an old provisioned table without BillingModeSummary or SSEDescription (test_dynamodb_create_backup)', () => {
    // Prepare
    const table = describeTable('test_dynamodb_create_backup');
    // Act
    const observed = normaliseTableDescription(table);
    // Assess
    expect(table.BillingModeSummary).toBeUndefined();
    expect(table.SSEDescription).toBeUndefined();
    expect(observed.billing).toEqual({ mode: 'PROVISIONED', readCapacity: 5, writeCapacity: 5 });
    expect(observed.sse).toEqual({ type: 'AWS_OWNED' });
    expect(tableKmsKeyArn(table)).toBeUndefined();
  });

  it('a very old table without TableId (test_dynamodb_delete_table) still normalises', () => {
    // Act
    const observed = normaliseTableDescription(describeTable('test_dynamodb_delete_table'));
    // Assess
    expect(observed.name).toBe('c7n.DynamoDB.01');
    expect(observed.keySchema).toEqual({ partitionKey: { name: 'c7n.PrimaryKey.01', type: 'S' } });
    expect(observed.createdAt).toBe('2016-12-30T10:20:56.731Z');
  });

  it('an infrequent-access table with deletion protection (test_force_delete_dynamodb_tables)', () => {
    // Act
    const observed = normaliseTableDescription(describeTable('test_force_delete_dynamodb_tables'));
    // Assess
    expect(observed.tableClass).toBe('STANDARD_INFREQUENT_ACCESS');
    expect(observed.deletionProtection).toBe(true);
    expect(observed.billing).toEqual({ mode: 'PAY_PER_REQUEST' });
  });

  it('a DELETING table reported without KeySchema cannot be normalised (test_force_delete_dynamodb_tables #2)', () => {
    // Prepare
    const table = describeTable('test_force_delete_dynamodb_tables', 2);
    // Act + Assess
    expect(table.TableStatus).toBe('DELETING');
    expect(() => normaliseTableDescription(table)).toThrow(NormaliseError);
    expect(() => normaliseTableDescription(table)).toThrow(/no KeySchema \(table status DELETING\)/);
  });

  it('a stream ARN that outlived its stream is not an enabled stream (test_dynamodb_enable_stream)', () => {
    // Prepare
    const before = describeTable('test_dynamodb_enable_stream');
    const after = loadRecording<{ TableDescription: TableDescriptionInput }>('test_dynamodb_enable_stream', 'dynamodb.UpdateTable_1').TableDescription;
    // Act
    const observedBefore = normaliseTableDescription(before);
    const observedAfter = normaliseTableDescription(after);
    // Assess
    expect((before as Record<string, unknown>)['LatestStreamArn']).toBeDefined();
    expect(observedBefore.stream).toEqual({ enabled: false });
    expect(observedAfter.stream).toEqual({ enabled: true, viewType: 'NEW_IMAGE' });
    expect(observedAfter.status).toBe('UPDATING');
  });

  it('a table switching to on-demand still reporting decreases and 0/0 (test_dynamodb_update_table #2)', () => {
    // Act
    const observed = normaliseTableDescription(describeTable('test_dynamodb_update_table', 2));
    // Assess
    expect(observed.status).toBe('UPDATING');
    expect(observed.billing).toEqual({ mode: 'PAY_PER_REQUEST' });
  });

  it('the same table while still provisioned (test_dynamodb_update_table #1)', () => {
    // Act
    const observed = normaliseTableDescription(describeTable('test_dynamodb_update_table', 1));
    // Assess
    expect(observed.billing).toEqual({ mode: 'PROVISIONED', readCapacity: 1, writeCapacity: 1 });
  });

  it('a recent table with WarmThroughput and explicit defaults (test_dynamodb_export_description_filter)', () => {
    // Act
    const observed = normaliseTableDescription(describeTable('test_dynamodb_export_description_filter'));
    // Assess
    expect(observed.tableClass).toBe('STANDARD');
    expect(observed.deletionProtection).toBe(false);
    expect(observed.billing).toEqual({ mode: 'PAY_PER_REQUEST' });
  });

  const everyRecordedDescription = readdirSync(RECORDINGS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      readdirSync(`${RECORDINGS_DIR}/${dir.name}`)
        .filter((file) => /^dynamodb\.DescribeTable_\d+\.json$/.test(file))
        .map((file) => [dir.name, file.replace(/\.json$/, '')] as [string, string]),
    );

  it('finds the recorded DescribeTable responses', () => {
    expect(everyRecordedDescription.length).toBeGreaterThan(20);
  });

  it.each(everyRecordedDescription)('%s/%s normalises to a consistent shape or a NormaliseError', (scenario, file) => {
    // Prepare
    const table = loadRecording<{ Table: TableDescriptionInput }>(scenario, file).Table;
    const keyArn = tableKmsKeyArn(table);
    const key = keyArn === undefined ? undefined : { ...AWS_MANAGED_DYNAMODB_KEY, arn: keyArn };
    // Act
    let observed;
    try {
      observed = normaliseTableDescription(table, key);
    } catch (error) {
      // Assess (only a table without a key schema may be refused)
      expect(error).toBeInstanceOf(NormaliseError);
      expect(table.KeySchema).toBeUndefined();
      return;
    }
    // Assess
    expect(observed.name).toBe(table.TableName);
    expect(observed.arn).toBe(table.TableArn);
    if (table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST') {
      expect(observed.billing).toEqual({ mode: 'PAY_PER_REQUEST' });
    } else {
      expect(observed.billing.mode).toBe('PROVISIONED');
      expect(observed.billing.readCapacity).toBeGreaterThan(0);
    }
    expect(observed.sse.type).toBe(keyArn === undefined ? 'AWS_OWNED' : 'AWS_MANAGED');
    expect(observed.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('refuses a KMS-encrypted table whose key was not described', () => {
    // Act + Assess
    expect(() => normaliseTableDescription(describeTable('test_dynamodb_table'))).toThrow(/was not described/);
  });

  it('says CUSTOMER_MANAGED when the key is a customer key, and reports inaccessible keys', () => {
    // Prepare
    const table: TableDescriptionInput = {
      ...describeTable('test_dynamodb_table'),
      SSEDescription: {
        Status: 'ENABLED',
        SSEType: 'KMS',
        KMSMasterKeyArn: 'arn:aws:kms:us-east-1:644160558196:key/cmk',
        InaccessibleEncryptionDateTime: new Date('2024-05-01T10:00:00Z'),
      },
    };
    const key: ObservedKmsKey = { ...AWS_MANAGED_DYNAMODB_KEY, arn: 'arn:aws:kms:us-east-1:644160558196:key/cmk', keyManager: 'CUSTOMER' };
    // Act
    const observed = normaliseTableDescription(table, key);
    // Assess
    expect(observed.sse).toEqual({
      type: 'CUSTOMER_MANAGED',
      kmsKeyArn: 'arn:aws:kms:us-east-1:644160558196:key/cmk',
      status: 'ENABLED',
      inaccessibleSince: '2024-05-01T10:00:00.000Z',
    });
  });

  it('normalises GSIs and LSIs with key types and projections (API reference shape)', () => {
    // Prepare
    const table: TableDescriptionInput = {
      TableName: 'Orders',
      TableArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
      TableStatus: 'ACTIVE',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
        { AttributeName: 'email', AttributeType: 'S' },
        { AttributeName: 'blob', AttributeType: 'B' },
      ],
      KeySchema: [
        { AttributeName: 'sk', KeyType: 'RANGE' },
        { AttributeName: 'pk', KeyType: 'HASH' },
      ],
      ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 4 },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byEmail',
          KeySchema: [{ AttributeName: 'email', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['name'] },
          IndexStatus: 'CREATING',
          ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 2 },
        },
      ],
      LocalSecondaryIndexes: [
        {
          IndexName: 'byBlob',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'blob', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    };
    // Act
    const observed = normaliseTableDescription(table);
    // Assess
    expect(observed.keySchema).toEqual({ partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'N' } });
    expect(observed.billing).toEqual({ mode: 'PROVISIONED', readCapacity: 10, writeCapacity: 4 });
    expect(observed.globalSecondaryIndexes).toEqual([
      {
        name: 'byEmail',
        partitionKey: { name: 'email', type: 'S' },
        projection: { type: 'INCLUDE', nonKeyAttributes: ['name'] },
        status: 'CREATING',
        readCapacity: 3,
        writeCapacity: 2,
      },
    ]);
    expect(observed.localSecondaryIndexes).toEqual([
      { name: 'byBlob', partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'blob', type: 'B' }, projection: { type: 'KEYS_ONLY' } },
    ]);
  });

  it('drops the 0/0 capacities GSIs of on-demand tables report', () => {
    // Prepare
    const table: TableDescriptionInput = {
      ...describeTable('test_dynamodb_continuous_backup_filter'),
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byArtist',
          KeySchema: [{ AttributeName: 'ArtistId', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
          IndexStatus: 'ACTIVE',
          ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0 },
        },
      ],
    };
    // Act
    const [index] = normaliseTableDescription(table).globalSecondaryIndexes;
    // Assess
    expect(index).toEqual({ name: 'byArtist', partitionKey: { name: 'ArtistId', type: 'S' }, projection: { type: 'ALL' }, status: 'ACTIVE' });
  });

  it('refuses a key attribute without an attribute definition', () => {
    // Prepare
    const table: TableDescriptionInput = { ...describeTable('test_dynamodb_table'), SSEDescription: undefined, AttributeDefinitions: [] };
    // Act + Assess
    expect(() => normaliseTableDescription(table)).toThrow(/key attribute test has no AttributeDefinition/);
  });
});

describe('normaliseContinuousBackups', () => {
  it('reads PITR, not ContinuousBackupsStatus (recorded: continuous backups ENABLED, PITR DISABLED)', () => {
    // Prepare
    const output = loadRecording('test_dynamodb_continuous_backup_filter', 'dynamodb.DescribeContinuousBackups_1');
    // Act + Assess
    expect(normaliseContinuousBackups(output)).toEqual({ enabled: false });
  });

  it.each([
    ['enabled with a period', { PointInTimeRecoveryStatus: 'ENABLED', RecoveryPeriodInDays: 7 }, { enabled: true, recoveryPeriodDays: 7 }],
    ['enabled without a period (pre-2025 responses) ⇒ 35', { PointInTimeRecoveryStatus: 'ENABLED' }, { enabled: true, recoveryPeriodDays: 35 }],
    ['disabled', { PointInTimeRecoveryStatus: 'DISABLED' }, { enabled: false }],
    ['missing description', undefined, { enabled: false }],
  ])('%s', (_name, pitr, expected) => {
    // Act + Assess
    expect(normaliseContinuousBackups({ ContinuousBackupsDescription: { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: pitr } })).toEqual(expected);
  });
});

describe('normaliseTimeToLive and normaliseContributorInsights', () => {
  it.each([
    [{ TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' } }, { status: 'ENABLED', attributeName: 'expiresAt' }],
    [{ TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } }, { status: 'DISABLED' }],
    [{ TimeToLiveDescription: { TimeToLiveStatus: 'DISABLING', AttributeName: 'ttl' } }, { status: 'DISABLING', attributeName: 'ttl' }],
    [{}, { status: 'DISABLED' }],
  ])('TTL %j', (output, expected) => {
    expect(normaliseTimeToLive(output)).toEqual(expected);
  });

  it.each([
    [{ ContributorInsightsStatus: 'ENABLED' }, 'ENABLED'],
    [{ ContributorInsightsStatus: 'FAILED' }, 'FAILED'],
    [{}, 'DISABLED'],
  ])('Contributor Insights %j', (output, expected) => {
    expect(normaliseContributorInsights(output)).toBe(expected);
  });
});

describe('KMS keys', () => {
  it('an AWS managed key rotates yearly without a GetKeyRotationStatus call (test_backup_vault_kms_filter)', () => {
    // Prepare
    const metadata = loadRecording<{ KeyMetadata: KeyMetadataInput }>('test_backup_vault_kms_filter', 'kms.DescribeKey_1').KeyMetadata;
    // Act
    const key = normaliseKmsKey(metadata, ['alias/aws/backup']);
    // Assess
    expect(needsRotationLookup(metadata)).toBe(false);
    expect(key).toMatchObject({ keyManager: 'AWS', rotationEnabled: true, rotationPeriodDays: 365, keyState: 'Enabled' });
  });

  it('a customer key with rotation on and no reported period defaults to 365 (test_key_rotation)', () => {
    // Prepare
    const rotation = loadRecording('test_key_rotation', 'kms.GetKeyRotationStatus_1');
    const metadata: KeyMetadataInput = { KeyId: 'k1', Arn: 'arn:aws:kms:us-east-1:111122223333:key/k1', KeyManager: 'CUSTOMER', KeyState: 'Enabled', Origin: 'AWS_KMS' };
    // Act
    const key = normaliseKmsKey(metadata, ['alias/b', 'alias/a'], rotation);
    // Assess
    expect(needsRotationLookup(metadata)).toBe(true);
    expect(key).toEqual({ arn: metadata.Arn, keyId: 'k1', aliases: ['alias/a', 'alias/b'], keyManager: 'CUSTOMER', keyState: 'Enabled', rotationEnabled: true, rotationPeriodDays: 365 });
  });

  it('a customer key with rotation off (test_key_rotation_set #1) and one with a custom period', () => {
    // Prepare
    const metadata: KeyMetadataInput = { KeyId: 'k1', Arn: 'arn:aws:kms:us-east-1:111122223333:key/k1', KeyManager: 'CUSTOMER', KeyState: 'Enabled' };
    // Act
    const off = normaliseKmsKey(metadata, [], loadRecording('test_key_rotation_set', 'kms.GetKeyRotationStatus_1'));
    const custom = normaliseKmsKey(metadata, [], { KeyRotationEnabled: true, RotationPeriodInDays: 90 });
    // Assess
    expect(off).toMatchObject({ rotationEnabled: false });
    expect(off.rotationPeriodDays).toBeUndefined();
    expect(custom).toMatchObject({ rotationEnabled: true, rotationPeriodDays: 90 });
  });

  it.each<[string, KeyMetadataInput, boolean]>([
    ['symmetric KMS-generated customer key', { KeyManager: 'CUSTOMER', Origin: 'AWS_KMS', KeySpec: 'SYMMETRIC_DEFAULT' }, true],
    ['old response without KeySpec', { KeyManager: 'CUSTOMER', Origin: 'AWS_KMS' }, true],
    ['imported key material (UnsupportedOperationException in test_key_rotation_unsupportedopp)', { KeyManager: 'CUSTOMER', Origin: 'EXTERNAL' }, false],
    ['custom key store', { KeyManager: 'CUSTOMER', Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: 'cks-1' }, false],
    ['asymmetric key', { KeyManager: 'CUSTOMER', Origin: 'AWS_KMS', KeySpec: 'RSA_2048' }, false],
    ['AWS managed key', { KeyManager: 'AWS', Origin: 'AWS_KMS' }, false],
  ])('needsRotationLookup: %s ⇒ %s', (_name, metadata, expected) => {
    expect(needsRotationLookup(metadata)).toBe(expected);
  });

  it.each<[string, KeyMetadataInput, string | undefined]>([
    ['KMS-generated symmetric', { Origin: 'AWS_KMS', KeySpec: 'SYMMETRIC_DEFAULT' }, undefined],
    ['imported key material', { Origin: 'EXTERNAL' }, 'its key material origin is EXTERNAL'],
    ['custom key store', { Origin: 'AWS_KMS', CustomKeyStoreId: 'cks-1' }, 'it is in a custom key store'],
    ['asymmetric', { Origin: 'AWS_KMS', KeySpec: 'RSA_2048' }, 'its key spec is RSA_2048'],
  ])('a customer key that KMS cannot rotate says why (%s)', (_name, metadata, reason) => {
    const key = normaliseKmsKey({ KeyId: 'k1', Arn: 'arn:aws:kms:us-east-1:111122223333:key/k1', KeyManager: 'CUSTOMER', ...metadata }, []);
    expect(key.rotationUnsupported).toBe(reason);
  });
});
