/**
 * The one client factory for a named list of services (createClientsOf): only those clients are built, the rest
 * fail clearly when used, and calls go through the one call recorder as with createClients.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_CLIENTS, ClientNotBuilt, createClients, createClientsOf, DYNAMODB_CLIENT, KMS_CLIENT } from '../../functions/aws/clients.ts';

const connection = { region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' }, maxAttempts: 1 };
let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('createClientsOf', () => {
  it('builds only the listed services; using another one throws ClientNotBuilt naming it', () => {
    // Act
    const clients = createClientsOf([DYNAMODB_CLIENT, KMS_CLIENT], connection);
    // Assess
    expect(clients.dynamodb.constructor.name).toBe('DynamoDBClient');
    expect(clients.kms.constructor.name).toBe('KMSClient');
    expect(() => clients.backup).toThrow(ClientNotBuilt);
    expect(() => clients.sts).toThrow(/no sts client: .*leaves sts out \(dynamodb, kms built\)/);
    expect(Object.keys({ ...clients }).sort()).toEqual(['calls', 'connection', 'dynamodb', 'kms', 'region']);
  });

  it('createClients is createClientsOf(ALL_CLIENTS): every service built', () => {
    // Act
    const clients = createClients(connection);
    // Assess
    expect(ALL_CLIENTS.map((spec) => spec.key)).toEqual(['dynamodb', 'kms', 'backup', 'tagging', 'config', 'sts']);
    expect(ALL_CLIENTS.map((spec) => clients[spec.key].constructor.name)).toEqual(['DynamoDBClient', 'KMSClient', 'BackupClient', 'ResourceGroupsTaggingAPIClient', 'ConfigServiceClient', 'STSClient']);
  });

  it('records calls and applies the connection settings like the full factory', async () => {
    // Prepare: an endpoint answering ListTables.
    const targets: string[] = [];
    server = createServer((request, response) => {
      targets.push(String(request.headers['x-amz-target']));
      response.setHeader('content-type', 'application/x-amz-json-1.0');
      response.end(JSON.stringify({ TableNames: ['Orders'] }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const clients = createClientsOf([DYNAMODB_CLIENT], { ...connection, endpoint });
    // Act
    const result = await clients.dynamodb.send(new ListTablesCommand({}));
    // Assess
    expect(result.TableNames).toEqual(['Orders']);
    expect(targets).toEqual(['DynamoDB_20120810.ListTables']);
    expect(clients.calls.all().map((call) => call.action)).toEqual(['dynamodb:ListTables']);
  });
});
