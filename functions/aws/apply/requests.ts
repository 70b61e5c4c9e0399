/**
 * Plan actions → exact AWS request inputs. Pure (no I/O), so every request shape is tested byte for byte.
 */
import type {
  AttributeDefinition,
  CreateTableCommandInput,
  GlobalSecondaryIndex,
  KeySchemaElement,
  Projection as SdkProjection,
  SSESpecification,
  UpdateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { toIndexDefinition, toProjection } from '../../core/controls/gsi.ts';
import type { DesiredSpec } from '../../core/model/desired.ts';
import type { ActionDetail, IndexDefinition } from '../../core/model/plan.ts';
import type { KeySchema, Projection } from '../../core/model/observed.ts';

function keySchemaElements(key: KeySchema): KeySchemaElement[] {
  return [{ AttributeName: key.partitionKey.name, KeyType: 'HASH' }, ...(key.sortKey ? [{ AttributeName: key.sortKey.name, KeyType: 'RANGE' as const }] : [])];
}

function attributeDefinitions(keys: KeySchema[]): AttributeDefinition[] {
  const byName = new Map<string, AttributeDefinition>();
  for (const key of keys) {
    for (const attribute of [key.partitionKey, key.sortKey]) {
      if (attribute) byName.set(attribute.name, { AttributeName: attribute.name, AttributeType: attribute.type });
    }
  }
  return [...byName.values()];
}

function projection(value: Projection): SdkProjection {
  return { ProjectionType: value.type, ...(value.nonKeyAttributes ? { NonKeyAttributes: value.nonKeyAttributes } : {}) };
}

function throughput(read: number | undefined, write: number | undefined) {
  return read !== undefined && write !== undefined ? { ProvisionedThroughput: { ReadCapacityUnits: read, WriteCapacityUnits: write } } : {};
}

function gsi(index: IndexDefinition): GlobalSecondaryIndex {
  return { IndexName: index.name, KeySchema: keySchemaElements(index), Projection: projection(index.projection), ...throughput(index.readCapacity, index.writeCapacity) };
}

/** SSESpecification for a declared encryption. AWS_OWNED is "SSE disabled" in DynamoDB's terms. */
export function sseSpecification(encryption: NonNullable<DesiredSpec['encryption']>): SSESpecification {
  if (encryption.type === 'AWS_OWNED') return { Enabled: false };
  if (encryption.type === 'AWS_MANAGED') return { Enabled: true, SSEType: 'KMS' };
  return { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: encryption.kmsKeyAlias };
}

/** CreateTable with everything the call can carry, so the table is never visible half-configured. */
export function createTableInput(name: string, spec: DesiredSpec): CreateTableCommandInput {
  if (!spec.keySchema) throw new Error(`${name}: cannot create a table without a key schema`);
  const billing = spec.billing ?? { mode: 'PAY_PER_REQUEST' as const };
  const gsis = (spec.globalSecondaryIndexes ?? []).map(toIndexDefinition);
  const lsis = spec.localSecondaryIndexes ?? [];
  const tags = Object.entries(spec.tags ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    TableName: name,
    AttributeDefinitions: attributeDefinitions([spec.keySchema, ...gsis, ...lsis.map((index) => ({ partitionKey: spec.keySchema!.partitionKey, sortKey: index.sortKey }))]),
    KeySchema: keySchemaElements(spec.keySchema),
    BillingMode: billing.mode,
    ...(billing.mode === 'PROVISIONED' ? throughput(billing.readCapacity, billing.writeCapacity) : {}),
    ...(spec.tableClass ? { TableClass: spec.tableClass } : {}),
    ...(gsis.length ? { GlobalSecondaryIndexes: gsis.map(gsi) } : {}),
    ...(lsis.length
      ? {
          LocalSecondaryIndexes: lsis.map((index) => ({
            IndexName: index.name,
            KeySchema: keySchemaElements({ partitionKey: spec.keySchema!.partitionKey, sortKey: index.sortKey }),
            Projection: projection(toProjection(index.projection)),
          })),
        }
      : {}),
    ...(spec.encryption ? { SSESpecification: sseSpecification(spec.encryption) } : {}),
    ...(spec.stream && spec.stream !== 'NONE' ? { StreamSpecification: { StreamEnabled: true, StreamViewType: spec.stream } } : {}),
    ...(spec.deletionProtection !== undefined ? { DeletionProtectionEnabled: spec.deletionProtection } : {}),
    ...(tags.length ? { Tags: tags.map(([Key, Value]) => ({ Key, Value })) } : {}),
  };
}

/** The actions that are one UpdateTable call each. */
export type UpdateTableAction = Extract<
  ActionDetail,
  {
    type:
      | 'UpdateSse'
      | 'UpdateDeletionProtection'
      | 'UpdateStream'
      | 'UpdateBilling'
      | 'UpdateTableClass'
      | 'DeleteGlobalSecondaryIndex'
      | 'CreateGlobalSecondaryIndex'
      | 'UpdateGlobalSecondaryIndex';
  }
>;

/** Is this action an UpdateTable call? */
export function isUpdateTableAction(action: ActionDetail): action is UpdateTableAction {
  return [
    'UpdateSse',
    'UpdateDeletionProtection',
    'UpdateStream',
    'UpdateBilling',
    'UpdateTableClass',
    'DeleteGlobalSecondaryIndex',
    'CreateGlobalSecondaryIndex',
    'UpdateGlobalSecondaryIndex',
  ].includes(action.type);
}

/**
 * One UpdateTable input per action: DynamoDB accepts one change type per call. Switching to PROVISIONED must
 * give every existing index its capacity in the same call, so the declared index capacities ride along.
 */
export function updateTableInput(name: string, action: UpdateTableAction, spec: DesiredSpec, existingIndexNames: readonly string[]): UpdateTableCommandInput {
  switch (action.type) {
    case 'UpdateSse':
      return { TableName: name, SSESpecification: sseSpecification(action.encryption) };
    case 'UpdateDeletionProtection':
      return { TableName: name, DeletionProtectionEnabled: action.enabled };
    case 'UpdateStream':
      return { TableName: name, StreamSpecification: action.enabled ? { StreamEnabled: true, StreamViewType: action.viewType } : { StreamEnabled: false } };
    case 'UpdateTableClass':
      return { TableName: name, TableClass: action.tableClass };
    case 'UpdateBilling': {
      if (action.mode === 'PAY_PER_REQUEST') return { TableName: name, BillingMode: 'PAY_PER_REQUEST' };
      const declared = new Map((spec.globalSecondaryIndexes ?? []).map((index) => [index.name, index]));
      const indexUpdates = existingIndexNames.flatMap((indexName) => {
        const index = declared.get(indexName);
        // Without declared capacity, reuse the table's: DynamoDB requires a value for every index.
        const read = index?.readCapacity ?? action.readCapacity!;
        const write = index?.writeCapacity ?? action.writeCapacity!;
        return [{ Update: { IndexName: indexName, ProvisionedThroughput: { ReadCapacityUnits: read, WriteCapacityUnits: write } } }];
      });
      return {
        TableName: name,
        BillingMode: 'PROVISIONED',
        ProvisionedThroughput: { ReadCapacityUnits: action.readCapacity!, WriteCapacityUnits: action.writeCapacity! },
        ...(indexUpdates.length ? { GlobalSecondaryIndexUpdates: indexUpdates } : {}),
      };
    }
    case 'DeleteGlobalSecondaryIndex':
      return { TableName: name, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: action.indexName } }] };
    case 'CreateGlobalSecondaryIndex': {
      const index = action.index;
      return {
        TableName: name,
        AttributeDefinitions: attributeDefinitions([index]),
        GlobalSecondaryIndexUpdates: [{ Create: gsi(index) }],
      };
    }
    case 'UpdateGlobalSecondaryIndex':
      return {
        TableName: name,
        GlobalSecondaryIndexUpdates: [{ Update: { IndexName: action.indexName, ProvisionedThroughput: { ReadCapacityUnits: action.readCapacity, WriteCapacityUnits: action.writeCapacity } } }],
      };
  }
}
