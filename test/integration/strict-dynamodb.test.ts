// The strict local AWS for DynamoDB (local/strict/dynamodb.py): requests AWS refuses are refused here too, with
// DynamoDB's error code and message, and nothing changes. Real SDK over HTTP. Each block cites the AWS page it
// follows; local/EMULATOR-RULES.md lists every rule with its test.
import {
  CreateTableCommand,
  DescribeContributorInsightsCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  TagResourceCommand,
  UpdateContributorInsightsCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type Tag,
} from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { useLocalAws } from '../helpers/local-aws.ts';
import { createTableWith, describeTableWith, failure, tableInput } from '../support/aws-calls.ts';

const local = useLocalAws();
const HOUR = 3600;
const DAY = 24 * HOUR;
const SETTLE = 10; // default TABLEWARDEN_TTL_SETTLE_SECONDS
let dynamo: DynamoDBClient;

beforeEach(async () => {
  await local.reset();
  dynamo = new DynamoDBClient({ ...local.clientConfig, maxAttempts: 1 }); // LimitExceededException is retried by default
});

const createTable = (name: string, extra: Partial<CreateTableCommandInput> = {}) => createTableWith(dynamo, name, extra);
const describeTable = (name: string) => describeTableWith(dynamo, name);

const ttl = (enabled: boolean, attribute = 'expiresAt', table = 'Sessions') =>
  dynamo.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { Enabled: enabled, AttributeName: attribute } }));

const ttlStatus = async (table = 'Sessions') =>
  (await dynamo.send(new DescribeTimeToLiveCommand({ TableName: table }))).TimeToLiveDescription;

// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html
// "It can take up to one hour for the change to fully process. Any additional UpdateTimeToLive calls for the same
// table during this one hour duration result in a ValidationException."
describe('UpdateTimeToLive: one change per table per hour, ENABLING/DISABLING meanwhile', () => {
  beforeEach(async () => {
    await createTable('Sessions');
  });

  it('reports ENABLING after an enable, then ENABLED once the change settles', async () => {
    // Act
    const out = await ttl(true);
    const interim = await ttlStatus();
    await local.server.advanceClock(SETTLE);
    const settled = await ttlStatus();

    // Assess
    expect(out.TimeToLiveSpecification).toEqual({ Enabled: true, AttributeName: 'expiresAt' });
    expect(interim).toEqual({ TimeToLiveStatus: 'ENABLING', AttributeName: 'expiresAt' });
    expect(settled).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('refuses a second change within the hour with AWS message, and accepts it an hour later', async () => {
    // Prepare
    await ttl(true);
    await local.server.advanceClock(HOUR - 1);

    // Act
    const refused = await failure(ttl(false));
    const stillOn = await ttlStatus();
    await local.server.advanceClock(1);
    await ttl(false);
    const interim = await ttlStatus();
    await local.server.advanceClock(SETTLE);
    const off = await ttlStatus();

    // Assess
    expect(refused).toEqual({
      name: 'ValidationException',
      status: 400,
      message: 'Time to live has been modified multiple times within a fixed interval',
    });
    expect(stillOn).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    expect(interim).toEqual({ TimeToLiveStatus: 'DISABLING', AttributeName: 'expiresAt' });
    expect(off).toEqual({ TimeToLiveStatus: 'DISABLED' }); // AWS no longer names the attribute once disabled
  });

  it('moving TTL to another attribute takes a disable, an hour, then an enable', async () => {
    // Prepare
    await ttl(true, 'expiresAt');
    await local.server.advanceClock(HOUR);

    // Act
    const direct = await failure(ttl(true, 'ttl'));
    await ttl(false, 'expiresAt');
    const tooSoon = await failure(ttl(true, 'ttl'));
    await local.server.advanceClock(HOUR);
    await ttl(true, 'ttl');
    await local.server.advanceClock(SETTLE);

    // Assess
    expect(direct).toMatchObject({
      name: 'ValidationException',
      message: 'TimeToLive is active on a different AttributeName: current AttributeName is expiresAt',
    });
    expect(tooSoon.message).toBe('Time to live has been modified multiple times within a fixed interval');
    expect(await ttlStatus()).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' });
  });

  it.each([
    ['enable when enabled', true, 'TimeToLive is already enabled'],
    ['disable when disabled', false, 'TimeToLive is already disabled'],
  ])('%s is a ValidationException (checked before the hour window)', async (_case, enabled, message) => {
    // Prepare
    if (enabled) await ttl(true);

    // Act
    const error = await failure(ttl(enabled));

    // Assess
    expect(error).toEqual({ name: 'ValidationException', status: 400, message });
  });

  it('a missing table is ResourceNotFoundException', async () => {
    // Act
    const error = await failure(ttl(true, 'expiresAt', 'Nope'));

    // Assess
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
  });

  it('reset() forgets the window with the table', async () => {
    // Prepare
    await ttl(true);
    await local.reset();
    await createTable('Sessions');

    // Act
    await ttl(true);

    // Assess
    expect((await ttlStatus())?.TimeToLiveStatus).toBe('ENABLING');
  });
});

// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html (Errors: ResourceInUseException)
describe('CreateTable of an existing table', () => {
  it('is ResourceInUseException "Table already exists: <name>" and leaves the table as it was', async () => {
    // Prepare
    await createTable('Orders');

    // Act
    const error = await failure(
      dynamo.send(new CreateTableCommand(tableInput('Orders', { TableClass: 'STANDARD_INFREQUENT_ACCESS' }))),
    );

    // Assess
    expect(error).toEqual({ name: 'ResourceInUseException', status: 400, message: 'Table already exists: Orders' });
    expect((await describeTable('Orders')).TableClassSummary).toBeUndefined();
  });
});

// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html
// "If you are adding a new global secondary index to the table, AttributeDefinitions must include the key
// element(s) of the new index." / "You can create or delete only one global secondary index per UpdateTable
// operation." / "You can only perform one of the following operations at once: Modify the provisioned throughput
// settings of the table. [...] Remove a global secondary index [...] Create a new global secondary index"
describe('UpdateTable: AttributeDefinitions merge, one index change per call', () => {
  const byEmail = (name = 'byEmail', attribute = 'email') => ({
    Create: { IndexName: name, KeySchema: [{ AttributeName: attribute, KeyType: 'HASH' as const }], Projection: { ProjectionType: 'ALL' as const } },
  });

  beforeEach(async () => {
    await createTable('Customers', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
      ],
    });
  });

  it('adding a GSI with only its own attribute keeps the key schema definitions (moto replaced them)', async () => {
    // Act
    await dynamo.send(
      new UpdateTableCommand({
        TableName: 'Customers',
        AttributeDefinitions: [{ AttributeName: 'email', AttributeType: 'S' }],
        GlobalSecondaryIndexUpdates: [byEmail()],
      }),
    );
    const table = await describeTable('Customers');
    await dynamo.send(new PutItemCommand({ TableName: 'Customers', Item: { pk: { S: 'a' }, sk: { N: '1' }, email: { S: 'a@x' } } }));

    // Assess
    expect(table.AttributeDefinitions).toEqual([
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
      { AttributeName: 'email', AttributeType: 'S' },
    ]);
    expect(table.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byEmail']);
  });

  it('keeps the existing type of a redeclared attribute and drops definitions no key uses', async () => {
    // Act
    await dynamo.send(
      new UpdateTableCommand({
        TableName: 'Customers',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'N' },
          { AttributeName: 'email', AttributeType: 'S' },
          { AttributeName: 'unused', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexUpdates: [byEmail()],
      }),
    );

    // Assess
    expect((await describeTable('Customers')).AttributeDefinitions).toEqual([
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
      { AttributeName: 'email', AttributeType: 'S' },
    ]);
  });

  it('deleting a GSI drops its key attribute from AttributeDefinitions', async () => {
    // Prepare
    await dynamo.send(
      new UpdateTableCommand({
        TableName: 'Customers',
        AttributeDefinitions: [{ AttributeName: 'email', AttributeType: 'S' }],
        GlobalSecondaryIndexUpdates: [byEmail()],
      }),
    );

    // Act
    await dynamo.send(new UpdateTableCommand({ TableName: 'Customers', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'byEmail' } }] }));

    // Assess
    expect((await describeTable('Customers')).AttributeDefinitions?.map((d) => d.AttributeName)).toEqual(['pk', 'sk']);
  });

  it('a GSI whose key the request does not declare is a ValidationException, and nothing changes', async () => {
    // Act
    const error = await failure(
      dynamo.send(new UpdateTableCommand({ TableName: 'Customers', GlobalSecondaryIndexUpdates: [byEmail('bySk', 'sk')] })),
    );

    // Assess
    expect(error).toEqual({
      name: 'ValidationException',
      status: 400,
      message: 'One or more parameter values were invalid: AttributeDefinitions is not specified for index: bySk',
    });
    expect((await describeTable('Customers')).GlobalSecondaryIndexes ?? []).toEqual([]);
  });

  it.each([
    ['two creates', [byEmail('a', 'email'), byEmail('b', 'email')]],
    ['a create and a delete', [byEmail('a', 'email'), { Delete: { IndexName: 'old' } }]],
  ])('%s in one call is LimitExceededException, and nothing changes', async (_case, updates) => {
    // Act
    const error = await failure(
      dynamo.send(
        new UpdateTableCommand({
          TableName: 'Customers',
          AttributeDefinitions: [{ AttributeName: 'email', AttributeType: 'S' }],
          GlobalSecondaryIndexUpdates: updates,
        }),
      ),
    );

    // Assess
    expect(error).toEqual({
      name: 'LimitExceededException',
      status: 400,
      message: 'Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table',
    });
    const table = await describeTable('Customers');
    expect(table.GlobalSecondaryIndexes ?? []).toEqual([]);
    expect(table.AttributeDefinitions?.map((d) => d.AttributeName)).toEqual(['pk', 'sk']);
  });

  it.each([
    ['provisioned throughput', { BillingMode: 'PROVISIONED' as const, ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }, 'You cannot create or delete index while updating table IOPS'],
    ['the stream', { StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' as const } }, 'You cannot create or delete index while changing stream status'],
  ])('an index create together with %s is a ValidationException', async (_case, extra, message) => {
    // Act
    const error = await failure(
      dynamo.send(
        new UpdateTableCommand({
          TableName: 'Customers',
          AttributeDefinitions: [{ AttributeName: 'email', AttributeType: 'S' }],
          GlobalSecondaryIndexUpdates: [byEmail()],
          ...extra,
        }),
      ),
    );

    // Assess
    expect(error).toEqual({ name: 'ValidationException', status: 400, message: `One or more parameter values were invalid: ${message}` });
    expect((await describeTable('Customers')).BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });
});

// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.tableclasses.html
describe('UpdateTable: two table class changes per table per 30 days', () => {
  const setClass = (TableClass: 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS', TableName = 'Archive') =>
    dynamo.send(new UpdateTableCommand({ TableName, TableClass }));

  it('refuses a third change within 30 days with LimitExceededException, and accepts it once the first ages out', async () => {
    // Prepare
    await createTable('Archive');
    await createTable('Other');
    await setClass('STANDARD_INFREQUENT_ACCESS');
    await local.server.advanceClock(DAY);
    await setClass('STANDARD');
    await local.server.advanceClock(DAY);

    // Act
    const third = await failure(setClass('STANDARD_INFREQUENT_ACCESS'));
    const otherTable = await setClass('STANDARD_INFREQUENT_ACCESS', 'Other');
    await local.server.advanceClock(28 * DAY);
    await setClass('STANDARD_INFREQUENT_ACCESS');

    // Assess
    expect(third).toMatchObject({ name: 'LimitExceededException', status: 400 });
    expect(third.message).toMatch(/^Subscriber limit exceeded: /);
    expect(otherTable.TableDescription?.TableClassSummary?.TableClass).toBe('STANDARD_INFREQUENT_ACCESS');
    expect((await describeTable('Archive')).TableClassSummary?.TableClass).toBe('STANDARD_INFREQUENT_ACCESS');
  });
});

// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/switching.capacitymode.html
// "You can switch tables from provisioned capacity mode to on-demand mode up to four times in a 24-hour rolling
// window. You can switch tables from on-demand mode to provisioned capacity mode at any time."
describe('UpdateTable: provisioned to on-demand four times per rolling 24 hours', () => {
  const provisioned = () =>
    dynamo.send(
      new UpdateTableCommand({ TableName: 'Orders', BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }),
    );
  const onDemand = () => dynamo.send(new UpdateTableCommand({ TableName: 'Orders', BillingMode: 'PAY_PER_REQUEST' }));

  it('refuses a fifth switch to on-demand within 24 hours; back to provisioned is always allowed', async () => {
    // Prepare
    await createTable('Orders', { BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } });
    for (let i = 0; i < 4; i += 1) {
      await onDemand();
      await provisioned();
      await local.server.advanceClock(HOUR);
    }

    // Act
    const fifth = await failure(onDemand());
    const stillProvisioned = (await describeTable('Orders')).BillingModeSummary?.BillingMode;
    await local.server.advanceClock(20 * HOUR); // the first switch is now 24 h old
    await onDemand();

    // Assess
    expect(fifth).toMatchObject({ name: 'LimitExceededException', status: 400 });
    expect(fifth.message).toMatch(/^Subscriber limit exceeded: /);
    expect(stillProvisioned).toBe('PROVISIONED');
    expect((await describeTable('Orders')).BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });
});

// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TaggingRestrictions.html
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TagResource.html
describe('Tags: 50 per resource, key and value rules, aws: reserved', () => {
  const tags = (count: number, prefix = 'k'): Tag[] => Array.from({ length: count }, (_, i) => ({ Key: `${prefix}${i}`, Value: `v${i}` }));
  const arn = async (name: string) => (await describeTable(name)).TableArn!;
  const listTags = async (name: string) => (await dynamo.send(new ListTagsOfResourceCommand({ ResourceArn: await arn(name) }))).Tags ?? [];

  it('accepts 50 tags, re-tags an existing key without counting it twice, refuses the 51st', async () => {
    // Prepare
    await createTable('Tagged', { Tags: tags(49) });
    const resource = await arn('Tagged');

    // Act
    await dynamo.send(new TagResourceCommand({ ResourceArn: resource, Tags: [{ Key: 'k49', Value: 'v' }] }));
    await dynamo.send(new TagResourceCommand({ ResourceArn: resource, Tags: [{ Key: 'k0', Value: 'changed' }] }));
    const error = await failure(dynamo.send(new TagResourceCommand({ ResourceArn: resource, Tags: [{ Key: 'k50', Value: 'v' }] })));

    // Assess
    expect(error).toEqual({
      name: 'ValidationException',
      status: 400,
      message: 'Number of Tags exceed the current limit for the provided ResourceArn',
    });
    const now = await dynamo.send(new ListTagsOfResourceCommand({ ResourceArn: resource }));
    expect(now.Tags?.length ?? 0).toBeLessThanOrEqual(50); // moto pages ListTagsOfResource by 10
    expect(await failure(dynamo.send(new CreateTableCommand(tableInput('TooMany', { Tags: tags(51) }))))).toMatchObject({
      name: 'ValidationException',
      message: 'Number of Tags exceed the current limit for the provided ResourceArn',
    });
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual(['Tagged']);
  });

  it.each([
    ['an empty key', { Key: '', Value: 'v' }, 'The Tag Key provided is invalid, Key: '],
    ['a key of 129 characters', { Key: 'k'.repeat(129), Value: 'v' }, `The Tag Key provided is invalid, Key: ${'k'.repeat(129)}`],
    ['a key with #', { Key: 'cost#centre', Value: 'v' }, 'The Tag Key provided is invalid, Key: cost#centre'],
    ['a value of 257 characters', { Key: 'k', Value: 'v'.repeat(257) }, `The Tag Value provided is invalid, Value: ${'v'.repeat(257)}`],
    ['a value with *', { Key: 'k', Value: 'a*b' }, 'The Tag Value provided is invalid, Value: a*b'],
    ['an aws: key', { Key: 'aws:cloudformation:stack-name', Value: 'x' }, 'Tag Key cannot be prefixed with aws:, Key: aws:cloudformation:stack-name'],
  ])('refuses %s with ValidationException on TagResource and CreateTable', async (_case, tag, message) => {
    // Prepare
    await createTable('Tagged');

    // Act
    const onTag = await failure(dynamo.send(new TagResourceCommand({ ResourceArn: await arn('Tagged'), Tags: [tag] })));
    const onCreate = await failure(dynamo.send(new CreateTableCommand(tableInput('New', { Tags: [tag] }))));

    // Assess
    expect(onTag).toEqual({ name: 'ValidationException', status: 400, message });
    expect(onCreate).toEqual({ name: 'ValidationException', status: 400, message });
    expect(await listTags('Tagged')).toEqual([]);
  });

  it.each([
    ['the same key twice', [{ Key: 'team', Value: 'a' }, { Key: 'team', Value: 'b' }], 'ValidationException', 'Duplicate Tag Keys provided as input: Duplicate Tag Key found team'],
    ['no tags', [], 'ValidationException', 'Atleast one Tag needs to be provided as Input.'],
  ])('TagResource with %s is refused', async (_case, given, name, message) => {
    // Prepare
    await createTable('Tagged');

    // Act
    const error = await failure(dynamo.send(new TagResourceCommand({ ResourceArn: await arn('Tagged'), Tags: given })));

    // Assess
    expect(error).toEqual({ name, status: 400, message });
    expect(await listTags('Tagged')).toEqual([]);
  });

  it('TagResource on a table that does not exist is ResourceNotFoundException', async () => {
    // Prepare
    await createTable('Tagged');
    const missing = (await arn('Tagged')).replace('table/Tagged', 'table/Gone');

    // Act
    const error = await failure(dynamo.send(new TagResourceCommand({ ResourceArn: missing, Tags: [{ Key: 'k', Value: 'v' }] })));

    // Assess
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
  });

  it('accepts the boundary: key of 128, value of 256 and 0 characters, letters, numbers, spaces and + - = . _ : /', async () => {
    // Prepare
    await createTable('Tagged');
    const good: Tag[] = [
      { Key: 'k'.repeat(128), Value: 'v'.repeat(256) },
      { Key: 'empty', Value: '' },
      { Key: 'Kostenstelle Zürich 1', Value: 'a+b-c=d.e_f:g/h' },
    ];

    // Act
    await dynamo.send(new TagResourceCommand({ ResourceArn: await arn('Tagged'), Tags: good }));

    // Assess
    expect(await listTags('Tagged')).toEqual(good);
  });
});

// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateContributorInsights.html
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeContributorInsights.html
describe('Contributor Insights mode', () => {
  beforeEach(async () => {
    await createTable('Hot', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
    });
  });

  it('THROTTLED_KEYS is stored, returned by Describe, and creates only the throttled-key rules', async () => {
    // Act
    const out = await dynamo.send(
      new UpdateContributorInsightsCommand({ TableName: 'Hot', ContributorInsightsAction: 'ENABLE', ContributorInsightsMode: 'THROTTLED_KEYS' }),
    );
    const described = await dynamo.send(new DescribeContributorInsightsCommand({ TableName: 'Hot' }));

    // Assess
    expect(out).toMatchObject({ ContributorInsightsStatus: 'ENABLED', ContributorInsightsMode: 'THROTTLED_KEYS' });
    expect(described.ContributorInsightsMode).toBe('THROTTLED_KEYS');
    expect(described.ContributorInsightsRuleList).toHaveLength(2);
    expect(described.ContributorInsightsRuleList?.every((rule) => /-(PK|SK)T-/.test(rule))).toBe(true);
  });

  it('without a mode, ENABLE means ACCESSED_AND_THROTTLED_KEYS (also after THROTTLED_KEYS)', async () => {
    // Prepare
    await dynamo.send(
      new UpdateContributorInsightsCommand({ TableName: 'Hot', ContributorInsightsAction: 'ENABLE', ContributorInsightsMode: 'THROTTLED_KEYS' }),
    );

    // Act
    await dynamo.send(new UpdateContributorInsightsCommand({ TableName: 'Hot', ContributorInsightsAction: 'ENABLE' }));
    const described = await dynamo.send(new DescribeContributorInsightsCommand({ TableName: 'Hot' }));

    // Assess
    expect(described.ContributorInsightsMode).toBe('ACCESSED_AND_THROTTLED_KEYS');
    expect(described.ContributorInsightsRuleList).toHaveLength(4);
  });

  it('an unknown mode is a ValidationException naming the field', async () => {
    // Act
    const error = await failure(
      dynamo.send(
        new UpdateContributorInsightsCommand({ TableName: 'Hot', ContributorInsightsAction: 'ENABLE', ContributorInsightsMode: 'ALL_KEYS' as never }),
      ),
    );

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(error.message).toContain('contributorInsightsMode');
  });
});
