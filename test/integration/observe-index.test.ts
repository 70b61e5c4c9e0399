/**
 * Observe once per run against the local AWS: the account index (account-level reads only) survives a JSON round
 * trip, batches observe against it with per-table calls only, refreshTableTags re-reads tags by ARN list (≤ 100 a
 * call), and the local AWS answers GetResources' ResourceARNList as AWS does.
 */
import { CreateTableCommand, TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { beforeEach, describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../functions/aws/async-utils.ts';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { observeAccount, observeAccountIndex, observeTables, refreshTableTags, type ObserveRequest } from '../../functions/aws/observe.ts';
import type { AccountIndex } from '../../functions/core/model/observed.ts';
import { ObserveFailed } from '../../functions/core/errors.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { failure } from '../support/aws-calls.ts';

const local = useLocalAws();
const NO_ASPECTS = { pointInTimeRecovery: false, timeToLive: false, contributorInsights: false };
const name = (i: number) => `idx-${String(i).padStart(3, '0')}`;
const arnOf = (table: string) => `arn:aws:dynamodb:us-east-1:123456789012:table/${table}`;

async function createTables(clients: AwsClients, count: number, tagged: (i: number) => boolean = () => true): Promise<void> {
  await mapWithConcurrency(
    Array.from({ length: count }, (_, i) => i),
    8,
    (i) =>
      clients.dynamodb.send(
        new CreateTableCommand({
          TableName: name(i),
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
          ...(tagged(i) ? { Tags: [{ Key: 'team', Value: `t${i}` }] } : {}),
        }),
      ),
  );
}

const request = (tables: string[], extra: Partial<ObserveRequest> = {}): ObserveRequest => ({ tables: tables.map((table) => ({ name: table, aspects: NO_ASPECTS })), kmsAliases: [], ...extra });

describe('observe once per run', () => {
  beforeEach(async () => {
    await local.reset();
  });

  it('an index that went through JSON observes a batch exactly as observeAccount does, with per-table calls only', async () => {
    // Prepare: 12 tables (one untagged), a customer managed key behind an alias.
    const setup = createClients(local.clientConfig);
    await createTables(setup, 12, (i) => i !== 3);
    const key = await setup.kms.send(new CreateKeyCommand({ Description: 'data' }));
    await setup.kms.send(new CreateAliasCommand({ AliasName: 'alias/tablewarden/data', TargetKeyId: key.KeyMetadata!.KeyId! }));
    const whole = { ...request([name(0), name(3), name(5)]), kmsAliases: ['alias/tablewarden/data', 'alias/tablewarden/new'] };
    const expected = await observeAccount(createClients(local.clientConfig), whole);
    const indexClients = createClients(local.clientConfig);
    const index = await observeAccountIndex(indexClients, whole);
    const batchClients = createClients(local.clientConfig);
    // Act
    const stored = JSON.parse(JSON.stringify(index)) as AccountIndex;
    const observed = await observeTables(batchClients, stored, whole);
    // Assess
    expect(stored).toEqual(index);
    expect([...index.tableNames].sort()).toEqual(Array.from({ length: 12 }, (_, i) => name(i)));
    expect(index.tableArns[name(3)]).toBe(arnOf(name(3)));
    expect(index.tags[name(5)]).toEqual({ team: 't5' });
    expect(index.kmsKeysByAlias['alias/tablewarden/new']).toBeNull();
    expect(index.kmsKeysByAlias['alias/tablewarden/data']?.arn).toBe(key.KeyMetadata!.Arn);
    expect(indexClients.calls.all().filter((call) => call.action === 'dynamodb:DescribeTable')).toEqual([]);
    expect(observed).toEqual(expected);
    expect(batchClients.calls.byAction()).toEqual({ 'dynamodb:DescribeTable': 3 });
  });

  it('observes only the unmanaged names it is given, never declared, declared-elsewhere or drill tables', async () => {
    // Prepare
    const setup = createClients(local.clientConfig);
    await createTables(setup, 6);
    await setup.dynamodb.send(new CreateTableCommand({ TableName: 'tw-drill-x', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
    const index = await observeAccountIndex(setup, { kmsAliases: [] });
    const clients = createClients(local.clientConfig);
    // Act
    const observed = await observeTables(
      clients,
      index,
      request([name(0)], { unmanaged: { aspects: NO_ASPECTS, declaredElsewhere: [name(1)], names: [name(0), name(1), name(4), 'tw-drill-x'] } }),
    );
    const everyUnmanaged = await observeTables(createClients(local.clientConfig), index, request([name(0)], { unmanaged: { aspects: NO_ASPECTS, declaredElsewhere: [name(1)] } }));
    // Assess
    expect(Object.keys(observed.tables).sort()).toEqual([name(0), name(4)]);
    expect(clients.calls.byAction()).toEqual({ 'dynamodb:DescribeTable': 2 });
    expect(Object.keys(everyUnmanaged.tables).sort()).toEqual([name(0), name(2), name(3), name(4), name(5)]);
  });

  it('refuses a KMS alias the index was not built for, before any call', async () => {
    // Prepare
    const index = await observeAccountIndex(createClients(local.clientConfig), { kmsAliases: ['alias/a'] });
    const clients = createClients(local.clientConfig);
    // Act
    const error = await observeTables(clients, index, request([], { kmsAliases: ['alias/a', 'alias/b'] })).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ObserveFailed);
    expect((error as Error).message).toContain('no entry for KMS alias alias/b');
    expect(clients.calls.count()).toBe(0);
  });

  it('refreshTableTags re-reads tags by ARN list, at most 100 ARNs a call', async () => {
    // Prepare: 150 tables; after the index is read, one table gets a tag and one table is new.
    const setup = createClients(local.clientConfig);
    await createTables(setup, 150);
    const index = await observeAccountIndex(setup, { kmsAliases: [] });
    await setup.dynamodb.send(new TagResourceCommand({ ResourceArn: arnOf(name(120)), Tags: [{ Key: 'tablewarden:backup-plan', Value: 'daily' }] }));
    await setup.dynamodb.send(new CreateTableCommand({ TableName: 'late', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST', Tags: [{ Key: 'team', Value: 'late' }] }));
    const clients = createClients(local.clientConfig);
    const names = [...Array.from({ length: 149 }, (_, i) => name(i + 1)), 'late', 'gone'];
    // Act
    const refreshed = await refreshTableTags(clients, index, names);
    // Assess
    expect(refreshed.tags[name(120)]).toEqual({ team: 't120', 'tablewarden:backup-plan': 'daily' });
    expect(refreshed.tags['late']).toEqual({ team: 'late' });
    expect(refreshed.tags['gone']).toBeUndefined();
    expect(refreshed.tags[name(0)]).toEqual({ team: 't0' });
    expect(index.tags[name(120)]).toEqual({ team: 't120' });
    expect(clients.calls.byAction()).toEqual({ 'tag:GetResources': 2 });
  });
});

describe('local AWS: GetResources with ResourceARNList (API_GetResources)', () => {
  beforeEach(async () => {
    await local.reset();
  });

  it('answers only the listed resources, in one page, and leaves out a missing one', async () => {
    // Prepare
    const clients = createClients(local.clientConfig);
    await createTables(clients, 60);
    // Act
    const answer = await clients.tagging.send(new GetResourcesCommand({ ResourceARNList: [arnOf(name(2)), arnOf(name(59)), arnOf('missing')] }));
    // Assess
    expect(answer.ResourceTagMappingList?.map((mapping) => mapping.ResourceARN).sort()).toEqual([arnOf(name(2)), arnOf(name(59))]);
    expect(answer.PaginationToken ?? '').toBe('');
  });

  it.each([
    ['ResourceTypeFilters', { ResourceTypeFilters: ['dynamodb:table'] }],
    ['TagFilters', { TagFilters: [{ Key: 'team' }] }],
    ['ResourcesPerPage', { ResourcesPerPage: 100 }],
    ['TagsPerPage', { TagsPerPage: 100 }],
    ['PaginationToken', { PaginationToken: 'x' }],
  ])('refuses ResourceARNList with %s: InvalidParameterException', async (_name, extra) => {
    // Prepare
    const clients = createClients({ ...local.clientConfig, maxAttempts: 1 });
    // Act
    const refused = await failure(clients.tagging.send(new GetResourcesCommand({ ResourceARNList: [arnOf(name(0))], ...extra })));
    // Assess
    expect(refused.name).toBe('InvalidParameterException');
  });

  it('refuses more than 100 ARNs: InvalidParameterException', async () => {
    // Prepare
    const clients = createClients({ ...local.clientConfig, maxAttempts: 1 });
    const arns = Array.from({ length: 101 }, (_, i) => arnOf(name(i)));
    // Act
    const refused = await failure(clients.tagging.send(new GetResourcesCommand({ ResourceARNList: arns })));
    const accepted = await clients.tagging.send(new GetResourcesCommand({ ResourceARNList: arns.slice(0, 100) }));
    // Assess
    expect(refused.name).toBe('InvalidParameterException');
    expect(accepted.ResourceTagMappingList).toEqual([]);
  });
});
