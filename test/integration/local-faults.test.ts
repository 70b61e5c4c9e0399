// Fault injection in the local AWS (local/moto_server.py, local/faults.ts), exercised with the real AWS SDK v3
// over HTTP: the SDK must parse each injected error into the service's modeled exception and classify it as
// AWS errors are classified, so that its own retries (and our adapters' error stages) are what gets tested.
import {
  BackupClient,
  ListBackupVaultsCommand,
  ServiceUnavailableException,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  ScanCommand,
  ThrottlingException,
  UpdateTableCommand,
  type AttributeValue,
  type DynamoDBClientConfig,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { KMSClient, KMSInternalException, ListKeysCommand } from '@aws-sdk/client-kms';
import {
  GetResourcesCommand,
  InternalServiceException,
  ResourceGroupsTaggingAPIClient,
  ThrottledException,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { beforeEach, describe, expect, it } from 'vitest';
import { startLocalAws, type FaultConfig } from '../../local/local-aws.ts';
import { useLocalAws } from '../helpers/local-aws.ts';

const local = useLocalAws();

beforeEach(async () => {
  await local.server.clearFaults();
  await local.reset();
});

/** The SDK clients' retry settings: `maxAttempts`, or a `retryStrategy` such as {@link classifier}. */
type RetryOptions = Pick<DynamoDBClientConfig, 'maxAttempts' | 'retryStrategy'>;

const dynamo = (retry: RetryOptions = {}) => new DynamoDBClient({ ...local.clientConfig, ...retry });

/**
 * A retry strategy that never retries and records how the SDK's retry middleware classified each failure
 * ('THROTTLING', 'TRANSIENT', 'SERVER_ERROR' or 'CLIENT_ERROR'): the classification that decides whether,
 * and how long after, the SDK's standard strategy retries.
 */
function classifier() {
  const seen: string[] = [];
  const token = { getRetryCount: () => 0, getRetryDelay: () => 0 };
  const retryStrategy = {
    acquireInitialRetryToken: async () => token,
    refreshRetryTokenForRetry: async (_token: unknown, info: { errorType: string }) => {
      seen.push(info.errorType);
      throw new Error('no retries here');
    },
    recordSuccess: () => undefined,
  } satisfies NonNullable<DynamoDBClientConfig['retryStrategy']>;
  return { seen, retryStrategy };
}

interface Failure {
  error: Error;
  name: string;
  status: number | undefined;
  attempts: number | undefined;
  message: string;
}

async function failure(call: Promise<unknown>): Promise<Failure> {
  try {
    await call;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number; attempts?: number } };
    return { error: e, name: e.name, status: e.$metadata?.httpStatusCode, attempts: e.$metadata?.attempts, message: e.message };
  }
  throw new Error('expected the call to fail');
}

async function createTable(name: string): Promise<void> {
  await dynamo().send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

const describeTable = (client: DynamoDBClient, name = 'Customers') => client.send(new DescribeTableCommand({ TableName: name }));

describe('fault API', () => {
  it('is off by default: nothing is faulted or counted', async () => {
    // Prepare
    await createTable('Customers');
    const client = dynamo({ maxAttempts: 1 });

    // Act
    const results = await Promise.all(Array.from({ length: 20 }, () => describeTable(client)));
    const stats = await local.server.faultStats();

    // Assess
    expect(results.every((r) => r.$metadata.attempts === 1)).toBe(true);
    expect(stats).toEqual({
      enabled: false,
      config: null,
      seen: 0,
      injected: { throttle: 0, '5xx': 0, latency: 0, unprocessed: 0 },
    });
  });

  it('reports the applied configuration with every default filled in', async () => {
    // Act
    const stats = await local.server.setFaults({ rate: 0.25, seed: 42 });

    // Assess
    expect(stats).toEqual({
      enabled: true,
      config: {
        rate: 0.25,
        seed: 42,
        kinds: ['throttle', '5xx', 'latency'],
        latencyMs: 100,
        services: ['dynamodb', 'kms', 'backup', 'tagging'],
        operations: null,
        unprocessed: 0,
      },
      seen: 0,
      injected: { throttle: 0, '5xx': 0, latency: 0, unprocessed: 0 },
    });
  });

  it('picks and reports a seed when none is given', async () => {
    // Act
    const stats = await local.server.setFaults({ rate: 0.1 });

    // Assess
    expect(Number.isInteger(stats.config?.seed)).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ['a rate above 1', { rate: 1.5 }, 'rate must be a number from 0 to 1'],
    ['an unknown kind', { rate: 1, kinds: ['boom'] }, 'kinds: unknown boom'],
    ['an unknown service', { rate: 1, services: ['s3'] }, 'services: unknown s3'],
    ['a misspelt setting', { rate: 1, unprocessedRate: 0.3 }, 'unknown setting unprocessedRate'],
    ['a seed that is not an integer', { rate: 1, seed: 'x' }, 'seed must be an integer'],
  ])('rejects %s with a message, and keeps the configuration in force', async (_case, config, message) => {
    // Prepare
    await local.server.setFaults({ rate: 0.5, seed: 1 });

    // Act
    const error = await failure(local.server.setFaults(config as FaultConfig));

    // Assess
    expect(error.message).toContain(message);
    expect((await local.server.faultStats()).config).toMatchObject({ rate: 0.5, seed: 1 });
  });

  it('clearFaults turns faults off and keeps the counters readable', async () => {
    // Prepare
    await createTable('Customers');
    await local.server.setFaults({ rate: 1, kinds: ['throttle'] });
    await failure(describeTable(dynamo({ maxAttempts: 1 })));

    // Act
    const cleared = await local.server.clearFaults();
    const described = await describeTable(dynamo({ maxAttempts: 1 }));

    // Assess
    expect(cleared).toMatchObject({ enabled: false, config: null, seen: 1, injected: { throttle: 1 } });
    expect(described.Table?.TableName).toBe('Customers');
    expect((await local.server.faultStats()).seen).toBe(1);
  });

  it('survives POST /moto-api/reset, and never faults /moto-api/* or /tablewarden/*', async () => {
    // Prepare: even a request that names a DynamoDB operation is left alone on those paths
    await local.server.setFaults({ rate: 1, kinds: ['throttle', '5xx'] });
    const dynamoTarget = { 'x-amz-target': 'DynamoDB_20120810.ListTables' };

    // Act
    await local.reset();
    const config = await fetch(`${local.endpoint}/moto-api/config`, { headers: dynamoTarget });
    const faults = await fetch(`${local.endpoint}/tablewarden/faults`, { headers: dynamoTarget });
    const stats = await local.server.faultStats();

    // Assess
    expect(config.ok).toBe(true);
    expect(faults.status).toBe(200);
    expect(stats).toMatchObject({ enabled: true, seen: 0, injected: { throttle: 0, '5xx': 0 } });
  });

  it('answers an unknown /tablewarden path with 404', async () => {
    // Act
    const response = await fetch(`${local.endpoint}/tablewarden/nope`);

    // Assess
    expect(response.status).toBe(404);
  });
});

describe('faults set at start', () => {
  it('startLocalAws({ faults }) faults from the first request on', async () => {
    // Prepare
    const aws = await startLocalAws({ faults: { rate: 1, kinds: ['throttle'], services: ['dynamodb'] } });
    try {
      const client = new DynamoDBClient({ ...local.clientConfig, endpoint: aws.endpoint, maxAttempts: 1 });

      // Act
      const error = await failure(describeTable(client));

      // Assess
      expect(error).toMatchObject({ name: 'ThrottlingException', status: 400 });
      expect(await aws.faultStats()).toMatchObject({ enabled: true, seen: 1, injected: { throttle: 1 } });
    } finally {
      await aws.stop();
    }
  });

  it('refuses to start with an invalid configuration, and says why', async () => {
    // Act
    const error = await failure(startLocalAws({ faults: { rate: 2 } }));

    // Assess
    expect(error.message).toContain('TABLEWARDEN_FAULTS: rate must be a number from 0 to 1');
  });
});

describe('throttling', () => {
  beforeEach(async () => {
    await createTable('Customers');
  });

  it('DescribeTable with maxAttempts 1 fails with ThrottlingException, which the SDK classifies as throttling', async () => {
    // Prepare
    await local.server.setFaults({ rate: 1, kinds: ['throttle'] });
    const { seen, retryStrategy } = classifier();

    // Act
    const plain = await failure(describeTable(dynamo({ maxAttempts: 1 })));
    const classified = await failure(describeTable(dynamo({ retryStrategy })));

    // Assess
    expect(plain).toMatchObject({
      name: 'ThrottlingException',
      status: 400,
      attempts: 1,
      message: 'Rate of requests exceeds the allowed throughput.',
    });
    expect(plain.error).toBeInstanceOf(ThrottlingException);
    expect(classified.name).toBe('ThrottlingException');
    expect(seen).toEqual(['THROTTLING']);
  });

  it.each([
    ['PutItem', (client: DynamoDBClient) => client.send(new PutItemCommand({ TableName: 'Customers', Item: { pk: { S: 'c1' } } }))],
    [
      'BatchWriteItem',
      (client: DynamoDBClient) =>
        client.send(new BatchWriteItemCommand({ RequestItems: { Customers: [{ PutRequest: { Item: { pk: { S: 'c1' } } } }] } })),
    ],
  ])('%s (an item operation) is throttled with ProvisionedThroughputExceededException, and nothing is written', async (operation, call) => {
    // Prepare
    await local.server.setFaults({ rate: 1, kinds: ['throttle'], operations: [operation] });
    const { seen, retryStrategy } = classifier();

    // Act
    const error = await failure(call(dynamo({ retryStrategy })));

    // Assess
    expect(error).toMatchObject({ name: 'ProvisionedThroughputExceededException', status: 400 });
    expect(error.error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(seen).toEqual(['THROTTLING']);
    expect((await dynamo().send(new ScanCommand({ TableName: 'Customers' }))).Count).toBe(0);
  });

  it('with maxAttempts 8 and rate 0.2, 50 DescribeTable calls all succeed through the SDK retries', { timeout: 90_000 }, async () => {
    // Prepare
    await local.server.setFaults({ rate: 0.2, seed: 42, kinds: ['throttle'] });
    const client = dynamo({ maxAttempts: 8 });

    // Act
    const results = [];
    for (let i = 0; i < 50; i++) results.push(await describeTable(client));
    const stats = await local.server.faultStats();

    // Assess
    const retries = results.reduce((sum, r) => sum + (r.$metadata.attempts ?? 1) - 1, 0);
    expect(results.every((r) => r.Table?.TableName === 'Customers')).toBe(true);
    expect(stats.injected.throttle).toBeGreaterThan(0);
    expect(retries).toBe(stats.injected.throttle); // every throttle cost exactly one retry
    expect(stats.seen).toBe(50 + stats.injected.throttle);
  });

  it('is deterministic: the same seed faults the same requests, another seed others', async () => {
    // Prepare
    const client = dynamo({ maxAttempts: 1 });
    const pattern = async (seed: number) => {
      await local.server.setFaults({ rate: 0.5, seed, kinds: ['throttle'] });
      const outcomes: string[] = [];
      for (let i = 0; i < 30; i++) {
        outcomes.push(await describeTable(client).then(() => '.', () => 'T'));
      }
      return outcomes.join('');
    };

    // Act
    const first = await pattern(7);
    const again = await pattern(7);
    const other = await pattern(8);

    // Assess
    expect(again).toBe(first);
    expect(first).toMatch(/T/);
    expect(first).toMatch(/\./);
    expect(other).not.toBe(first);
  });
});

describe('5xx and latency', () => {
  beforeEach(async () => {
    await createTable('Customers');
  });

  it('5xx answers InternalServerError (HTTP 500), which the SDK classifies as transient', async () => {
    // Prepare
    await local.server.setFaults({ rate: 1, kinds: ['5xx'] });
    const { seen, retryStrategy } = classifier();

    // Act
    const error = await failure(describeTable(dynamo({ retryStrategy })));

    // Assess
    expect(error).toMatchObject({ name: 'InternalServerError', status: 500 });
    expect(error.error).toBeInstanceOf(InternalServerError);
    expect(seen).toEqual(['TRANSIENT']);
  });

  it('5xx is retried by the SDK until the call succeeds', async () => {
    // Prepare
    await local.server.setFaults({ rate: 0.3, seed: 3, kinds: ['5xx'] });
    const client = dynamo({ maxAttempts: 8 });

    // Act
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await describeTable(client));
    const stats = await local.server.faultStats();

    // Assess
    const retries = results.reduce((sum, r) => sum + (r.$metadata.attempts ?? 1) - 1, 0);
    expect(stats.injected['5xx']).toBeGreaterThan(0);
    expect(retries).toBe(stats.injected['5xx']);
  });

  it('latency delays the answer by at least latencyMs and then answers normally', async () => {
    // Prepare
    await local.server.setFaults({ rate: 1, kinds: ['latency'], latencyMs: 300 });
    const client = dynamo({ maxAttempts: 1 });

    // Act
    const started = performance.now();
    const described = await describeTable(client);
    const elapsed = performance.now() - started;

    // Assess
    expect(described.Table?.TableName).toBe('Customers');
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect((await local.server.faultStats()).injected.latency).toBe(1);
  });
});

describe('filters', () => {
  beforeEach(async () => {
    await createTable('Customers');
  });

  it('services: only the listed services are faulted or counted', async () => {
    // Prepare
    await local.server.setFaults({ rate: 1, kinds: ['throttle'], services: ['kms'] });

    // Act
    const described = await describeTable(dynamo({ maxAttempts: 1 }));
    const kmsError = await failure(new KMSClient({ ...local.clientConfig, maxAttempts: 1 }).send(new ListKeysCommand({})));

    // Assess
    expect(described.Table?.TableName).toBe('Customers');
    expect(kmsError.name).toBe('ThrottlingException');
    expect(await local.server.faultStats()).toMatchObject({ seen: 1, injected: { throttle: 1 } });
  });

  it('operations: only the listed operations are faulted or counted', async () => {
    // Prepare
    await local.server.setFaults({ rate: 1, kinds: ['throttle'], operations: ['UpdateTable'] });
    const client = dynamo({ maxAttempts: 1 });

    // Act
    const described = await describeTable(client);
    const error = await failure(client.send(new UpdateTableCommand({ TableName: 'Customers', DeletionProtectionEnabled: true })));

    // Assess
    expect(described.Table?.DeletionProtectionEnabled).toBeFalsy();
    expect(error.name).toBe('ThrottlingException');
    expect((await describeTable(client)).Table?.DeletionProtectionEnabled).toBeFalsy();
    expect(await local.server.faultStats()).toMatchObject({ seen: 1, injected: { throttle: 1 } });
  });

  it('operations also match AWS Backup (REST) operations, by method and path', async () => {
    // Prepare
    await local.server.setFaults({ rate: 1, kinds: ['throttle'], operations: ['StartBackupJob'] });
    const backup = new BackupClient({ ...local.clientConfig, maxAttempts: 1 });

    // Act
    const vaults = await backup.send(new ListBackupVaultsCommand({}));
    const error = await failure(
      backup.send(
        new StartBackupJobCommand({
          BackupVaultName: 'tw-vault',
          ResourceArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/Customers',
          IamRoleArn: 'arn:aws:iam::123456789012:role/backup',
        }),
      ),
    );

    // Assess
    expect(vaults.BackupVaultList).toEqual([]);
    expect(error).toMatchObject({ name: 'ThrottlingException', status: 400 });
    expect(await local.server.faultStats()).toMatchObject({ seen: 1, injected: { throttle: 1 } });
  });
});

describe.each([
  {
    service: 'dynamodb' as const,
    call: (retry: RetryOptions) => dynamo(retry).send(new DescribeTableCommand({ TableName: 'Customers' })),
    throttle: { name: 'ThrottlingException', status: 400, type: ThrottlingException as unknown },
    fault: { name: 'InternalServerError', status: 500, type: InternalServerError as unknown },
  },
  {
    service: 'kms' as const,
    call: (retry: RetryOptions) => new KMSClient({ ...local.clientConfig, ...retry }).send(new ListKeysCommand({})),
    throttle: { name: 'ThrottlingException', status: 400, type: undefined },
    fault: { name: 'KMSInternalException', status: 500, type: KMSInternalException as unknown },
  },
  {
    service: 'backup' as const,
    call: (retry: RetryOptions) => new BackupClient({ ...local.clientConfig, ...retry }).send(new ListBackupVaultsCommand({})),
    throttle: { name: 'ThrottlingException', status: 400, type: undefined },
    fault: { name: 'ServiceUnavailableException', status: 500, type: ServiceUnavailableException as unknown },
  },
  {
    service: 'tagging' as const,
    call: (retry: RetryOptions) =>
      new ResourceGroupsTaggingAPIClient({ ...local.clientConfig, ...retry }).send(new GetResourcesCommand({})),
    throttle: { name: 'ThrottledException', status: 400, type: ThrottledException as unknown },
    fault: { name: 'InternalServiceException', status: 500, type: InternalServiceException as unknown },
  },
])('$service: the SDK parses and retries injected faults', ({ service, call, throttle, fault }) => {
  beforeEach(async () => {
    await createTable('Customers');
  });

  it.each([
    ['throttle' as const, throttle, 'THROTTLING'],
    ['5xx' as const, fault, 'TRANSIENT'],
  ])('%s: the modeled error, classified as the SDK classifies AWS errors', async (kind, expected, classification) => {
    // Prepare
    await local.server.setFaults({ rate: 1, kinds: [kind], services: [service] });
    const { seen, retryStrategy } = classifier();

    // Act
    const error = await failure(call({ retryStrategy }));

    // Assess
    expect(error).toMatchObject({ name: expected.name, status: expected.status });
    if (expected.type) expect(error.error).toBeInstanceOf(expected.type as new () => Error);
    expect(seen).toEqual([classification]);
  });

  it.each(['throttle' as const, '5xx' as const])('%s: the default SDK retry succeeds on the second attempt', async (kind) => {
    // Prepare: with seed 1, the first draw is below 0.5 and the second above it
    await local.server.setFaults({ rate: 0.5, seed: 1, kinds: [kind], services: [service] });

    // Act
    const result = await call({});

    // Assess
    expect(result.$metadata.attempts).toBe(2);
    expect(await local.server.faultStats()).toMatchObject({ seen: 2, injected: { [kind]: 1 } });
  });
});

describe('BatchWriteItem UnprocessedItems', () => {
  const put = (pk: string): WriteRequest => ({ PutRequest: { Item: { pk: { S: pk }, data: { S: `data-${pk}` } } } });
  const del = (pk: string): WriteRequest => ({ DeleteRequest: { Key: { pk: { S: pk } } } });
  const pkOf = (request: WriteRequest) => (request.PutRequest?.Item ?? request.DeleteRequest?.Key)!.pk!.S!;

  async function storedKeys(): Promise<string[]> {
    const items = (await dynamo().send(new ScanCommand({ TableName: 'Customers' }))).Items ?? [];
    return items.map((item: Record<string, AttributeValue>) => item.pk!.S!).sort();
  }

  beforeEach(async () => {
    await createTable('Customers');
  });

  it('writes only part of the batch and returns exactly the unwritten requests, as they were sent', async () => {
    // Prepare
    const batch = Array.from({ length: 25 }, (_, i) => put(`c${String(i).padStart(2, '0')}`));
    await local.server.setFaults({ unprocessed: 0.3, seed: 5 });

    // Act
    const out = await dynamo().send(new BatchWriteItemCommand({ RequestItems: { Customers: batch } }));
    const stats = await local.server.faultStats();

    // Assess
    const unprocessed = out.UnprocessedItems?.Customers ?? [];
    const stored = await storedKeys();
    expect(unprocessed.length).toBeGreaterThan(0);
    expect(unprocessed.length).toBeLessThan(25);
    expect(unprocessed).toEqual(batch.filter((request) => !stored.includes(pkOf(request))));
    expect(stored).toHaveLength(25 - unprocessed.length);
    expect(stats.injected.unprocessed).toBe(unprocessed.length);
    expect(stats.injected.throttle + stats.injected['5xx'] + stats.injected.latency).toBe(0);
  });

  it('returns delete requests in their own shape, and leaves those items in place', async () => {
    // Prepare
    await dynamo().send(new BatchWriteItemCommand({ RequestItems: { Customers: ['d0', 'd1', 'd2', 'd3'].map(put) } }));
    await local.server.setFaults({ unprocessed: 1, seed: 1 });

    // Act
    const batch = [del('d0'), put('n0'), del('d1')];
    const out = await dynamo().send(new BatchWriteItemCommand({ RequestItems: { Customers: batch } }));

    // Assess
    expect(out.UnprocessedItems).toEqual({ Customers: batch });
    expect(await storedKeys()).toEqual(['d0', 'd1', 'd2', 'd3']);
  });

  it('resending UnprocessedItems until none are left writes every item', async () => {
    // Prepare
    const batch = Array.from({ length: 25 }, (_, i) => put(`c${String(i).padStart(2, '0')}`));
    await local.server.setFaults({ unprocessed: 0.3, seed: 5 });
    const client = dynamo();

    // Act
    let pending: Record<string, WriteRequest[]> = { Customers: batch };
    let rounds = 0;
    while (Object.keys(pending).length > 0 && rounds < 20) {
      rounds += 1;
      pending = (await client.send(new BatchWriteItemCommand({ RequestItems: pending }))).UnprocessedItems ?? {};
    }

    // Assess
    expect(pending).toEqual({});
    expect(rounds).toBeGreaterThan(1);
    expect(await storedKeys()).toEqual(batch.map(pkOf).sort());
  });

  it('is deterministic: the same seed leaves the same requests unprocessed', async () => {
    // Prepare
    const batch = Array.from({ length: 25 }, (_, i) => put(`c${String(i).padStart(2, '0')}`));
    const run = async () => {
      await local.reset();
      await createTable('Customers');
      await local.server.setFaults({ unprocessed: 0.3, seed: 5 });
      const out = await dynamo().send(new BatchWriteItemCommand({ RequestItems: { Customers: batch } }));
      return (out.UnprocessedItems?.Customers ?? []).map(pkOf);
    };

    // Act
    const first = await run();
    const again = await run();

    // Assess
    expect(again).toEqual(first);
  });
});
