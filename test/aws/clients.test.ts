/**
 * The client factory and the call recorder. These run the real SDK middleware stack (aws-sdk-client-mock would
 * replace `send` and skip it) against a fake HTTP handler, so the recorder, endpoint and retry settings are the
 * ones production uses.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListBackupPlansCommand } from '@aws-sdk/client-backup';
import { CreateBackupCommand, DescribeTableCommand, ExecuteStatementCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { GetKeyRotationStatusCommand } from '@aws-sdk/client-kms';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallRecorder, iamActionsFor, isReadAction } from '../../functions/aws/call-recorder.ts';
import { createClients, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_ATTEMPTS, DEFAULT_REQUEST_TIMEOUT_MS, resolveConnection } from '../../functions/aws/clients.ts';
import type { AwsClients } from '../../functions/aws/clients.ts';

interface FakeRequest {
  hostname: string;
  port?: number;
  path: string;
  headers: Record<string, string>;
}
interface FakeResponse {
  status?: number;
  body: unknown;
}

/** Replaces every client's HTTP handler; `respond` sees each HTTP attempt. */
function fakeHttp(clients: AwsClients, respond: (request: FakeRequest) => FakeResponse): FakeRequest[] {
  const seen: FakeRequest[] = [];
  const handler = {
    handle: async (request: FakeRequest) => {
      seen.push(request);
      const { status = 200, body } = respond(request);
      return {
        response: {
          statusCode: status,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: new TextEncoder().encode(JSON.stringify(body)),
        },
      };
    },
  };
  for (const client of [clients.dynamodb, clients.kms, clients.backup, clients.tagging]) {
    (client.config as unknown as { requestHandler: unknown }).requestHandler = handler;
  }
  return seen;
}

const target = (request: FakeRequest) => request.headers['x-amz-target'] ?? `${request.path}`;
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createClients', () => {
  it('refuses to guess a region', () => {
    // Prepare
    vi.stubEnv('AWS_REGION', '');
    vi.stubEnv('AWS_DEFAULT_REGION', '');
    // Act + Assess
    expect(() => createClients({ credentials })).toThrow(/No AWS region configured/);
  });

  it.each([
    ['the explicit region', { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-2' }, 'ap-south-1', 'ap-south-1'],
    ['AWS_REGION', { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-2' }, undefined, 'eu-west-1'],
    ['AWS_DEFAULT_REGION', { AWS_REGION: '', AWS_DEFAULT_REGION: 'eu-west-2' }, undefined, 'eu-west-2'],
  ])('takes %s', async (_name, env, region, expected) => {
    // Prepare
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
    // Act
    const clients = createClients({ credentials, ...(region === undefined ? {} : { region }) });
    // Assess
    expect(clients.region).toBe(expected);
    for (const client of [clients.dynamodb, clients.kms, clients.backup, clients.tagging]) {
      expect(await client.config.region()).toBe(expected);
    }
  });

  it('sends every service to the configured endpoint', async () => {
    // Prepare
    const clients = createClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:5123', credentials });
    const seen = fakeHttp(clients, () => ({ body: {} }));
    // Act
    await clients.dynamodb.send(new DescribeTableCommand({ TableName: 't' }));
    await clients.kms.send(new GetKeyRotationStatusCommand({ KeyId: 'k' }));
    await clients.backup.send(new ListBackupPlansCommand({}));
    await clients.tagging.send(new GetResourcesCommand({}));
    // Assess
    expect(seen.map((r) => `${r.hostname}:${r.port}`)).toEqual(Array(4).fill('127.0.0.1:5123'));
  });

  it("leaves AWS_ENDPOINT_URL to the SDK's own support when no endpoint is given", async () => {
    // Prepare
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:5999');
    const clients = createClients({ region: 'us-east-1', credentials });
    const seen = fakeHttp(clients, () => ({ body: {} }));
    // Act
    await clients.dynamodb.send(new DescribeTableCommand({ TableName: 't' }));
    // Assess
    expect(seen[0]).toMatchObject({ hostname: '127.0.0.1', port: 5999 });
  });

  it('uses the real AWS endpoint otherwise', async () => {
    // Prepare
    vi.stubEnv('AWS_ENDPOINT_URL', '');
    const clients = createClients({ region: 'eu-central-1', credentials });
    const seen = fakeHttp(clients, () => ({ body: {} }));
    // Act
    await clients.kms.send(new GetKeyRotationStatusCommand({ KeyId: 'k' }));
    // Assess
    expect(seen[0]?.hostname).toBe('kms.eu-central-1.amazonaws.com');
  });

  it('uses explicit credentials, or the named profile', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'tw-creds-'));
    writeFileSync(join(dir, 'credentials'), '[tw-test]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = fromprofile\n');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
    vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config-does-not-exist'));
    // Act
    const explicit = createClients({ region: 'us-east-1', credentials: { ...credentials, sessionToken: 'tok' } });
    const profiled = createClients({ region: 'us-east-1', profile: 'tw-test' });
    // Assess
    expect(await explicit.dynamodb.config.credentials()).toMatchObject({ accessKeyId: 'AKIDTEST', sessionToken: 'tok' });
    expect(await profiled.backup.config.credentials()).toMatchObject({ accessKeyId: 'AKIDPROFILE', secretAccessKey: 'fromprofile' });
  });

  it('configures the SDK retry strategy: adaptive, 8 attempts by default', async () => {
    // Act
    const defaults = createClients({ region: 'us-east-1', credentials });
    const custom = createClients({ region: 'us-east-1', credentials, maxAttempts: 3 });
    // Assess
    expect(DEFAULT_MAX_ATTEMPTS).toBe(8);
    for (const client of [defaults.dynamodb, defaults.kms, defaults.backup, defaults.tagging]) {
      expect(await client.config.maxAttempts()).toBe(8);
      expect(((await client.config.retryStrategy()) as { mode?: string }).mode).toBe('adaptive');
    }
    expect(await custom.kms.config.maxAttempts()).toBe(3);
  });

  it('gives every client a connection and a request timeout: 5 s / 30 s by default, else the environment, else the arguments', () => {
    // Prepare
    vi.stubEnv('TABLEWARDEN_CONNECT_TIMEOUT_MS', '');
    vi.stubEnv('TABLEWARDEN_REQUEST_TIMEOUT_MS', '');
    vi.stubEnv('AWS_MAX_ATTEMPTS', '');
    // Act
    const defaults = resolveConnection({ region: 'us-east-1', credentials });
    vi.stubEnv('TABLEWARDEN_CONNECT_TIMEOUT_MS', '250');
    vi.stubEnv('TABLEWARDEN_REQUEST_TIMEOUT_MS', '1500');
    vi.stubEnv('AWS_MAX_ATTEMPTS', '3');
    const fromEnv = resolveConnection({ region: 'us-east-1', credentials });
    const explicit = resolveConnection({ region: 'us-east-1', credentials, connectTimeoutMs: 100, requestTimeoutMs: 200, maxAttempts: 1 });
    // Assess
    expect([DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS]).toEqual([5_000, 30_000]);
    expect(defaults.settings).toMatchObject({ maxAttempts: 8, requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000, socketTimeout: 30_000, throwOnRequestTimeout: true } });
    expect(fromEnv.settings).toMatchObject({ maxAttempts: 3, requestHandler: { connectionTimeout: 250, requestTimeout: 1_500 } });
    expect(explicit.settings).toMatchObject({ maxAttempts: 1, requestHandler: { connectionTimeout: 100, requestTimeout: 200 } });
  });

  it.each([
    ['TABLEWARDEN_REQUEST_TIMEOUT_MS', '0'],
    ['TABLEWARDEN_CONNECT_TIMEOUT_MS', '5s'],
    ['AWS_MAX_ATTEMPTS', '-1'],
  ])('refuses %s=%s: a timeout or attempt count must be a positive whole number', (variable, value) => {
    // Prepare
    vi.stubEnv(variable, value);
    // Act + Assess
    expect(() => createClients({ region: 'us-east-1', credentials })).toThrow(`${variable} must be a positive whole number, got "${value}"`);
  });

  it('retries a retryable failure through the SDK and records it as one call', async () => {
    // Prepare
    const clients = createClients({ region: 'us-east-1', credentials, maxAttempts: 3 });
    let attempt = 0;
    const seen = fakeHttp(clients, () => {
      attempt += 1;
      return attempt === 1 ? { status: 500, body: { __type: 'InternalServerError', message: 'try again' } } : { body: { Table: { TableName: 't' } } };
    });
    // Act
    await clients.dynamodb.send(new DescribeTableCommand({ TableName: 't' }));
    // Assess
    expect(seen).toHaveLength(2);
    expect(clients.calls.all()).toEqual([expect.objectContaining({ action: 'dynamodb:DescribeTable', attempts: 2 })]);
    expect(clients.calls.all()[0]).not.toHaveProperty('error');
  });
});

describe('the call recorder middleware', () => {
  it('records every attempted call as its IAM action, reads and writes apart, shared across the clients', async () => {
    // Prepare
    const clients = createClients({ region: 'us-east-1', credentials, maxAttempts: 1 });
    fakeHttp(clients, (request) =>
      target(request).endsWith('.CreateBackup')
        ? { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#AccessDeniedException', message: 'denied' } }
        : { body: {} },
    );
    // Act
    await clients.dynamodb.send(new DescribeTableCommand({ TableName: 't' }));
    const failed = await clients.dynamodb.send(new CreateBackupCommand({ TableName: 't', BackupName: 'b' })).catch((e: Error) => e);
    await clients.kms.send(new GetKeyRotationStatusCommand({ KeyId: 'k' }));
    await clients.backup.send(new ListBackupPlansCommand({}));
    await clients.tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['dynamodb:table'] }));
    await clients.tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['dynamodb:table'] }));
    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect(clients.calls.all().map(({ action, write, error }) => ({ action, write, ...(error === undefined ? {} : { error }) }))).toEqual([
      { action: 'dynamodb:DescribeTable', write: false },
      { action: 'dynamodb:CreateBackup', write: true, error: 'AccessDeniedException' },
      { action: 'kms:GetKeyRotationStatus', write: false },
      { action: 'backup:ListBackupPlans', write: false },
      { action: 'tag:GetResources', write: false },
      { action: 'tag:GetResources', write: false },
    ]);
    expect(clients.calls.byAction()).toEqual({
      'dynamodb:DescribeTable': 1,
      'dynamodb:CreateBackup': 1,
      'kms:GetKeyRotationStatus': 1,
      'backup:ListBackupPlans': 1,
      'tag:GetResources': 2,
    });
    expect(clients.calls.writes().map((c) => c.action)).toEqual(['dynamodb:CreateBackup']);
    expect(clients.calls.count()).toBe(6);
    expect(clients.calls.count('tag:GetResources')).toBe(2);
    expect(clients.calls.count('dynamodb:*')).toBe(2);
    expect(clients.calls.count((c) => !c.write)).toBe(5);
  });

  it('records the IAM actions of DynamoDB operations that have none of their own', async () => {
    // Prepare
    const clients = createClients({ region: 'us-east-1', credentials, maxAttempts: 1 });
    fakeHttp(clients, () => ({ body: {} }));
    // Act
    await clients.dynamodb.send(new ExecuteStatementCommand({ Statement: 'SELECT * FROM "Customers" WHERE pk = ?' }));
    await clients.dynamodb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: 't', Item: { pk: { S: '1' } } } },
          { ConditionCheck: { TableName: 't', Key: { pk: { S: '2' } }, ConditionExpression: 'attribute_exists(pk)' } },
        ],
      }),
    );
    // Assess
    expect(clients.calls.all().map(({ action, iamActions, write }) => ({ action, iamActions, write }))).toEqual([
      { action: 'dynamodb:PartiQLSelect', iamActions: ['dynamodb:PartiQLSelect'], write: false },
      { action: 'dynamodb:PutItem', iamActions: ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'], write: true },
    ]);
  });

  it('keeps one recorder per factory call', async () => {
    // Prepare
    const first = createClients({ region: 'us-east-1', credentials, maxAttempts: 1 });
    const second = createClients({ region: 'us-east-1', credentials, maxAttempts: 1 });
    fakeHttp(first, () => ({ body: {} }));
    // Act
    await first.dynamodb.send(new DescribeTableCommand({ TableName: 't' }));
    // Assess
    expect(first.calls.count()).toBe(1);
    expect(second.calls.count()).toBe(0);
  });
});

describe('CallRecorder', () => {
  it('counts, filters, groups and resets', () => {
    // Prepare
    const recorder = new CallRecorder();
    recorder.record('dynamodb', 'DescribeTable', { TableName: 'a' });
    recorder.record('dynamodb', 'DescribeTable', { TableName: 'b' });
    recorder.record('dynamodb', 'UpdateTable', { TableName: 'a' });
    recorder.record('kms', 'ListAliases');
    // Act + Assess
    expect(recorder.count()).toBe(4);
    expect(recorder.count('dynamodb:DescribeTable')).toBe(2);
    expect(recorder.count('*:List*')).toBe(1);
    expect(recorder.count('dynamodb:Describe')).toBe(0);
    expect(recorder.writes().map((c) => c.action)).toEqual(['dynamodb:UpdateTable']);
    expect(recorder.byAction()).toEqual({ 'dynamodb:DescribeTable': 2, 'dynamodb:UpdateTable': 1, 'kms:ListAliases': 1 });
    const snapshot = recorder.all();
    recorder.reset();
    expect(recorder.count()).toBe(0);
    expect(snapshot).toHaveLength(4);
  });

  it.each([
    ['dynamodb:DescribeTable', true],
    ['dynamodb:ListTables', true],
    ['kms:GetKeyRotationStatus', true],
    ['dynamodb:BatchGetItem', true],
    ['dynamodb:Query', true],
    ['dynamodb:Scan', true],
    ['dynamodb:PartiQLSelect', true],
    ['tag:GetResources', true],
    ['dynamodb:UpdateTable', false],
    ['dynamodb:BatchWriteItem', false],
    ['dynamodb:RestoreTableToPointInTime', false],
    ['kms:EnableKeyRotation', false],
    ['backup:StartBackupJob', false],
    ['tag:TagResources', false],
  ])('isReadAction(%s) = %s', (action, expected) => {
    expect(isReadAction(action)).toBe(expected);
  });

  it.each<[string, string, unknown, string[]]>([
    ['dynamodb', 'DescribeTable', { TableName: 't' }, ['dynamodb:DescribeTable']],
    ['tag', 'GetResources', {}, ['tag:GetResources']],
    ['dynamodb', 'ExecuteStatement', { Statement: '  insert INTO t VALUE {}' }, ['dynamodb:PartiQLInsert']],
    ['dynamodb', 'BatchExecuteStatement', { Statements: [{ Statement: 'UPDATE t SET a=1' }, { Statement: 'DELETE FROM t' }] }, ['dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete']],
    ['dynamodb', 'ExecuteTransaction', { TransactStatements: [{ Statement: 'SELECT * FROM t' }] }, ['dynamodb:PartiQLSelect']],
    ['dynamodb', 'TransactGetItems', { TransactItems: [{ Get: {} }] }, ['dynamodb:GetItem']],
    // S3 (Service Authorization Reference, Amazon S3 actions): HeadObject has no action of its own, and reading a
    // given version of an object is s3:GetObjectVersion.
    ['s3', 'HeadObject', { Bucket: 'b', Key: 'k' }, ['s3:GetObject']],
    ['s3', 'HeadObject', { Bucket: 'b', Key: 'k', VersionId: 'v1' }, ['s3:GetObjectVersion']],
    ['s3', 'GetObject', { Bucket: 'b', Key: 'k' }, ['s3:GetObject']],
    ['s3', 'GetObject', { Bucket: 'b', Key: 'k', VersionId: 'v1' }, ['s3:GetObjectVersion']],
    ['dynamodb', 'TransactWriteItems', { TransactItems: [{ Update: {} }, { Delete: {} }, { Update: {} }] }, ['dynamodb:UpdateItem', 'dynamodb:DeleteItem']],
  ])('iamActionsFor(%s, %s)', (service, operation, input, expected) => {
    expect(iamActionsFor(service, operation, input)).toEqual(expected);
  });
});
