import { describe, expect, it } from 'vitest';
import { sseSpecification, updateTableInput, type UpdateTableAction } from '../../functions/aws/apply/requests.ts';
import type { DesiredSpec } from '../../functions/core/model/desired.ts';

const SPEC: DesiredSpec = {
  keySchema: { partitionKey: { name: 'id', type: 'S' } },
  billing: { mode: 'PROVISIONED', readCapacity: 5, writeCapacity: 5 },
  globalSecondaryIndexes: [{ name: 'byEmail', partitionKey: { name: 'email', type: 'S' }, projection: 'ALL', readCapacity: 2, writeCapacity: 3 }],
  stream: 'NONE',
};

describe('UpdateTable requests: one change type per call', () => {
  it.each<[string, UpdateTableAction, string[], unknown]>([
    ['SSE to a customer-managed key', { type: 'UpdateSse', encryption: { type: 'CUSTOMER_MANAGED', kmsKeyAlias: 'alias/k', rotationPeriodDays: 365 } }, [], { TableName: 'T', SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'alias/k' } }],
    ['SSE to the AWS managed key', { type: 'UpdateSse', encryption: { type: 'AWS_MANAGED' } }, [], { TableName: 'T', SSESpecification: { Enabled: true, SSEType: 'KMS' } }],
    ['SSE to the AWS owned key', { type: 'UpdateSse', encryption: { type: 'AWS_OWNED' } }, [], { TableName: 'T', SSESpecification: { Enabled: false } }],
    ['deletion protection', { type: 'UpdateDeletionProtection', enabled: true }, [], { TableName: 'T', DeletionProtectionEnabled: true }],
    ['stream on', { type: 'UpdateStream', enabled: true, viewType: 'KEYS_ONLY' }, [], { TableName: 'T', StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }],
    ['stream off', { type: 'UpdateStream', enabled: false }, [], { TableName: 'T', StreamSpecification: { StreamEnabled: false } }],
    ['table class', { type: 'UpdateTableClass', tableClass: 'STANDARD_INFREQUENT_ACCESS' }, [], { TableName: 'T', TableClass: 'STANDARD_INFREQUENT_ACCESS' }],
    ['to on-demand', { type: 'UpdateBilling', mode: 'PAY_PER_REQUEST' }, ['byEmail'], { TableName: 'T', BillingMode: 'PAY_PER_REQUEST' }],
    [
      'to provisioned, with every existing index in the same call (declared capacity, else the table’s)',
      { type: 'UpdateBilling', mode: 'PROVISIONED', readCapacity: 5, writeCapacity: 6 },
      ['byEmail', 'legacy'],
      {
        TableName: 'T',
        BillingMode: 'PROVISIONED',
        ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 6 },
        GlobalSecondaryIndexUpdates: [
          { Update: { IndexName: 'byEmail', ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 3 } } },
          { Update: { IndexName: 'legacy', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 6 } } },
        ],
      },
    ],
    ['delete an index', { type: 'DeleteGlobalSecondaryIndex', indexName: 'byEmail' }, ['byEmail'], { TableName: 'T', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'byEmail' } }] }],
    [
      'create an index with its attribute definitions',
      { type: 'CreateGlobalSecondaryIndex', index: { name: 'byOwner', partitionKey: { name: 'owner', type: 'S' }, sortKey: { name: 'at', type: 'N' }, projection: { type: 'INCLUDE', nonKeyAttributes: ['a'] }, readCapacity: 1, writeCapacity: 1 } },
      [],
      {
        TableName: 'T',
        AttributeDefinitions: [
          { AttributeName: 'owner', AttributeType: 'S' },
          { AttributeName: 'at', AttributeType: 'N' },
        ],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: 'byOwner',
              KeySchema: [
                { AttributeName: 'owner', KeyType: 'HASH' },
                { AttributeName: 'at', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['a'] },
              ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
            },
          },
        ],
      },
    ],
    ['index capacity', { type: 'UpdateGlobalSecondaryIndex', indexName: 'byEmail', readCapacity: 4, writeCapacity: 4 }, ['byEmail'], { TableName: 'T', GlobalSecondaryIndexUpdates: [{ Update: { IndexName: 'byEmail', ProvisionedThroughput: { ReadCapacityUnits: 4, WriteCapacityUnits: 4 } } }] }],
  ])('%s', (_name, action, existing, expected) => {
    expect(updateTableInput('T', action, SPEC, existing)).toEqual(expected);
  });

  it('maps every encryption type', () => {
    expect([sseSpecification({ type: 'AWS_OWNED' }), sseSpecification({ type: 'AWS_MANAGED' })]).toEqual([{ Enabled: false }, { Enabled: true, SSEType: 'KMS' }]);
  });
});
