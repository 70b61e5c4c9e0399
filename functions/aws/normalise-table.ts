/**
 * Pure normalisation of DynamoDB and KMS responses into the observed model.
 *
 * Why separate from the calls: real AWS responses are irregular, and every irregularity must be handled once and
 * tested against what AWS really sent (the recorded responses vendored in `test/fixtures/aws-recordings`). These functions take
 * plain JSON-shaped input (SDK output objects fit, and so do recorded fixtures), make no calls and import no SDK.
 *
 * Quirks handled, each seen in real recorded responses:
 * - no `BillingModeSummary` (tables created before on-demand existed) ⇒ PROVISIONED;
 * - on-demand tables (and their GSIs) still report `ProvisionedThroughput` 0/0 ⇒ no capacities;
 * - no `SSEDescription` ⇒ the AWS-owned key;
 * - `SSEDescription.KMSMasterKeyArn` does not say whose key it is ⇒ ask KMS (`KeyManager`);
 * - no `TableClassSummary` ⇒ STANDARD; no `DeletionProtectionEnabled` ⇒ false;
 * - no `StreamSpecification` ⇒ stream disabled, even when `LatestStreamArn` is still present (it outlives a
 *   disabled stream);
 * - a DELETING table may come back without `KeySchema` and `AttributeDefinitions` ⇒ it cannot be normalised;
 * - PITR enabled without `RecoveryPeriodInDays` (responses from before the setting existed) ⇒ 35 days, the only
 *   period DynamoDB had and still its default.
 */
import type {
  KeyAttribute,
  KeySchema,
  KeyType,
  ObservedBilling,
  ObservedIndex,
  ObservedKmsKey,
  ObservedSse,
  ObservedTable,
  Projection,
} from '../core/model/observed.ts';

/** A timestamp as the SDK (Date) or a JSON fixture (ISO string) carries it. */
export type Timestamp = Date | string;

/** The fields of DynamoDB's `TableDescription` the observer reads. */
export interface TableDescriptionInput {
  TableName?: string;
  TableArn?: string;
  TableStatus?: string;
  CreationDateTime?: Timestamp;
  AttributeDefinitions?: Array<{ AttributeName?: string; AttributeType?: string }>;
  KeySchema?: KeySchemaInput;
  ProvisionedThroughput?: ThroughputInput;
  BillingModeSummary?: { BillingMode?: string };
  TableClassSummary?: { TableClass?: string };
  SSEDescription?: { Status?: string; SSEType?: string; KMSMasterKeyArn?: string; InaccessibleEncryptionDateTime?: Timestamp };
  StreamSpecification?: { StreamEnabled?: boolean; StreamViewType?: string };
  DeletionProtectionEnabled?: boolean;
  GlobalSecondaryIndexes?: Array<IndexInput & { IndexStatus?: string; ProvisionedThroughput?: ThroughputInput }>;
  LocalSecondaryIndexes?: IndexInput[];
}

type KeySchemaInput = Array<{ AttributeName?: string; KeyType?: string }>;
interface ThroughputInput {
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}
interface IndexInput {
  IndexName?: string;
  KeySchema?: KeySchemaInput;
  Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] };
}

/** DescribeContinuousBackups output. */
export interface ContinuousBackupsInput {
  ContinuousBackupsDescription?: {
    ContinuousBackupsStatus?: string;
    PointInTimeRecoveryDescription?: { PointInTimeRecoveryStatus?: string; RecoveryPeriodInDays?: number };
  };
}

/** DescribeTimeToLive output. */
export interface TimeToLiveInput {
  TimeToLiveDescription?: { TimeToLiveStatus?: string; AttributeName?: string };
}

/** DescribeContributorInsights output. */
export interface ContributorInsightsInput {
  ContributorInsightsStatus?: string;
  ContributorInsightsMode?: string;
}

/** KMS DescribeKey `KeyMetadata`. */
export interface KeyMetadataInput {
  KeyId?: string;
  Arn?: string;
  KeyManager?: string;
  KeyState?: string;
  Origin?: string;
  KeySpec?: string;
  CustomerMasterKeySpec?: string;
  CustomKeyStoreId?: string;
}

/** KMS GetKeyRotationStatus output. */
export interface KeyRotationInput {
  KeyRotationEnabled?: boolean;
  RotationPeriodInDays?: number;
}

/** The table as described, normalised: everything in {@link ObservedTable} that DescribeTable alone determines. */
export type DescribedTable = Pick<
  ObservedTable,
  | 'name'
  | 'arn'
  | 'status'
  | 'createdAt'
  | 'keySchema'
  | 'billing'
  | 'tableClass'
  | 'sse'
  | 'deletionProtection'
  | 'stream'
  | 'globalSecondaryIndexes'
  | 'localSecondaryIndexes'
>;

/** A response we cannot turn into the model without guessing. The observer reports it as a per-table error. */
export class NormaliseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NormaliseError';
  }
}

/** Days between rotations of AWS managed keys; AWS KMS rotates them yearly (since May 2022) and it is not configurable. */
export const AWS_MANAGED_KEY_ROTATION_DAYS = 365;

/** PITR's recovery period when DynamoDB does not report one (its default, and the only value before 2025). */
export const DEFAULT_PITR_RECOVERY_PERIOD_DAYS = 35;

/**
 * Normalises a DynamoDB `TableDescription`.
 *
 * @param kmsKey the KMS key named by `SSEDescription.KMSMasterKeyArn`, already described; needed to tell
 *   AWS managed from customer managed keys, so it is required whenever the table reports one.
 * @throws NormaliseError when the description lacks what the model requires (name, ARN, key schema) or a KMS
 *   key is reported but not supplied.
 */
export function normaliseTableDescription(table: TableDescriptionInput, kmsKey?: ObservedKmsKey): DescribedTable {
  const name = required(table.TableName, 'TableName', table.TableName);
  const arn = required(table.TableArn, 'TableArn', name);
  const status = table.TableStatus ?? 'ACTIVE';
  if (table.KeySchema === undefined || table.KeySchema.length === 0) {
    throw new NormaliseError(`DescribeTable for ${name} returned no KeySchema (table status ${status})`);
  }
  const types = attributeTypes(table.AttributeDefinitions ?? [], name);
  const billing = normaliseBilling(table.BillingModeSummary?.BillingMode, table.ProvisionedThroughput);
  return {
    name,
    arn,
    status,
    ...(table.CreationDateTime === undefined ? {} : { createdAt: toIso(table.CreationDateTime) }),
    keySchema: keySchemaOf(table.KeySchema, types, name),
    billing,
    tableClass: table.TableClassSummary?.TableClass === 'STANDARD_INFREQUENT_ACCESS' ? 'STANDARD_INFREQUENT_ACCESS' : 'STANDARD',
    sse: normaliseSse(table.SSEDescription, kmsKey, name),
    deletionProtection: table.DeletionProtectionEnabled === true,
    stream: normaliseStream(table.StreamSpecification),
    globalSecondaryIndexes: (table.GlobalSecondaryIndexes ?? []).map((index) => {
      const observed: ObservedIndex = {
        name: required(index.IndexName, 'IndexName', name),
        ...keySchemaOf(index.KeySchema ?? [], types, `${name}/${index.IndexName}`),
        projection: normaliseProjection(index.Projection),
      };
      if (index.IndexStatus !== undefined) observed.status = index.IndexStatus;
      if (billing.mode === 'PROVISIONED') Object.assign(observed, capacities(index.ProvisionedThroughput));
      return observed;
    }),
    localSecondaryIndexes: (table.LocalSecondaryIndexes ?? []).map((index) => ({
      name: required(index.IndexName, 'IndexName', name),
      ...keySchemaOf(index.KeySchema ?? [], types, `${name}/${index.IndexName}`),
      projection: normaliseProjection(index.Projection),
    })),
  };
}

/** The KMS key ARN a table's description names, if any (AWS-owned encryption names none). */
export function tableKmsKeyArn(table: TableDescriptionInput): string | undefined {
  const arn = table.SSEDescription?.KMSMasterKeyArn;
  return arn === undefined || arn === '' ? undefined : arn;
}

/** DescribeContinuousBackups ⇒ PITR. `ContinuousBackupsStatus` (always ENABLED) is not PITR and is ignored. */
export function normaliseContinuousBackups(output: ContinuousBackupsInput): { enabled: boolean; recoveryPeriodDays?: number } {
  const pitr = output.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
  const enabled = pitr?.PointInTimeRecoveryStatus === 'ENABLED';
  if (!enabled) return { enabled };
  return { enabled, recoveryPeriodDays: pitr?.RecoveryPeriodInDays ?? DEFAULT_PITR_RECOVERY_PERIOD_DAYS };
}

/** DescribeTimeToLive ⇒ TTL. No description means DISABLED. */
export function normaliseTimeToLive(output: TimeToLiveInput): NonNullable<ObservedTable['timeToLive']> {
  const description = output.TimeToLiveDescription;
  const status = oneOf(description?.TimeToLiveStatus, ['ENABLED', 'ENABLING', 'DISABLED', 'DISABLING'] as const) ?? 'DISABLED';
  const attributeName = description?.AttributeName;
  return attributeName === undefined || attributeName === '' ? { status } : { status, attributeName };
}

/** DescribeContributorInsights ⇒ status. No status means DISABLED. */
export function normaliseContributorInsights(output: ContributorInsightsInput): NonNullable<ObservedTable['contributorInsights']> {
  return oneOf(output.ContributorInsightsStatus, ['ENABLED', 'ENABLING', 'DISABLED', 'DISABLING', 'FAILED'] as const) ?? 'DISABLED';
}

/** DescribeContributorInsights ⇒ mode, when DynamoDB reports one (absent while disabled, and from older APIs). */
export function normaliseContributorInsightsMode(output: ContributorInsightsInput): ObservedTable['contributorInsightsMode'] {
  return oneOf(output.ContributorInsightsMode, ['ACCESSED_AND_THROTTLED_KEYS', 'THROTTLED_KEYS'] as const);
}

/**
 * Whether GetKeyRotationStatus can say anything about this key. Automatic rotation exists only for symmetric
 * keys with KMS-generated material outside custom key stores; for the others KMS answers
 * UnsupportedOperationException (seen in the recordings for an EXTERNAL-origin key), so we do not ask.
 * AWS managed keys always rotate yearly, so we do not ask either.
 */
export function needsRotationLookup(metadata: KeyMetadataInput): boolean {
  return metadata.KeyManager !== 'AWS' && rotationUnsupportedReason(metadata) === undefined;
}

/** Why KMS can't rotate a customer key automatically, or undefined when it can. */
function rotationUnsupportedReason(metadata: KeyMetadataInput): string | undefined {
  if (metadata.Origin !== undefined && metadata.Origin !== 'AWS_KMS') return `its key material origin is ${metadata.Origin}`;
  if (metadata.CustomKeyStoreId !== undefined && metadata.CustomKeyStoreId !== '') return 'it is in a custom key store';
  const spec = metadata.KeySpec ?? metadata.CustomerMasterKeySpec;
  if (spec !== undefined && spec !== 'SYMMETRIC_DEFAULT') return `its key spec is ${spec}`;
  return undefined;
}

/**
 * DescribeKey (+ GetKeyRotationStatus when asked) ⇒ the observed key.
 *
 * AWS managed keys: rotation is not configurable, KMS rotates them every year and reports their rotation status
 * as always true (GetKeyRotationStatus docs), so they are `rotationEnabled: true, rotationPeriodDays: 365`
 * without a call. Customer keys whose rotation was not looked up (see {@link needsRotationLookup}) cannot rotate
 * automatically: `rotationEnabled: false`.
 */
export function normaliseKmsKey(metadata: KeyMetadataInput, aliases: string[], rotation?: KeyRotationInput): ObservedKmsKey {
  const keyId = required(metadata.KeyId, 'KeyId', metadata.Arn);
  const arn = required(metadata.Arn, 'Arn', keyId);
  const keyManager = metadata.KeyManager === 'AWS' ? 'AWS' : 'CUSTOMER';
  const base = { arn, keyId, aliases: [...aliases].sort(), keyManager, keyState: metadata.KeyState ?? 'Enabled' } as const;
  if (keyManager === 'AWS') {
    return { ...base, rotationEnabled: true, rotationPeriodDays: AWS_MANAGED_KEY_ROTATION_DAYS };
  }
  const rotationEnabled = rotation?.KeyRotationEnabled === true;
  const key: ObservedKmsKey = { ...base, rotationEnabled };
  const unsupported = rotationUnsupportedReason(metadata);
  if (unsupported) key.rotationUnsupported = unsupported;
  if (rotationEnabled) {
    // Keys whose rotation was enabled before custom periods existed (2024) may not report one: it is 365.
    key.rotationPeriodDays = rotation?.RotationPeriodInDays ?? AWS_MANAGED_KEY_ROTATION_DAYS;
  }
  return key;
}

function normaliseBilling(mode: string | undefined, throughput: ThroughputInput | undefined): ObservedBilling {
  if (mode === 'PAY_PER_REQUEST') return { mode: 'PAY_PER_REQUEST' };
  return { mode: 'PROVISIONED', ...capacities(throughput) };
}

function capacities(throughput: ThroughputInput | undefined): { readCapacity?: number; writeCapacity?: number } {
  const result: { readCapacity?: number; writeCapacity?: number } = {};
  // Zero is never a real provisioned capacity (the minimum is 1): it is what on-demand resources report.
  if (throughput?.ReadCapacityUnits !== undefined && throughput.ReadCapacityUnits > 0) result.readCapacity = throughput.ReadCapacityUnits;
  if (throughput?.WriteCapacityUnits !== undefined && throughput.WriteCapacityUnits > 0) result.writeCapacity = throughput.WriteCapacityUnits;
  return result;
}

function normaliseSse(description: TableDescriptionInput['SSEDescription'], kmsKey: ObservedKmsKey | undefined, table: string): ObservedSse {
  if (description === undefined) return { type: 'AWS_OWNED' };
  const keyArn = description.KMSMasterKeyArn;
  const sse: ObservedSse = { type: 'AWS_OWNED' };
  if (keyArn !== undefined && keyArn !== '') {
    if (kmsKey === undefined) {
      throw new NormaliseError(`Table ${table} is encrypted with KMS key ${keyArn}, which was not described`);
    }
    sse.type = kmsKey.keyManager === 'AWS' ? 'AWS_MANAGED' : 'CUSTOMER_MANAGED';
    sse.kmsKeyArn = keyArn;
  }
  if (description.Status !== undefined) sse.status = description.Status;
  if (description.InaccessibleEncryptionDateTime !== undefined) {
    sse.inaccessibleSince = toIso(description.InaccessibleEncryptionDateTime);
  }
  return sse;
}

function normaliseStream(spec: TableDescriptionInput['StreamSpecification']): ObservedTable['stream'] {
  if (spec?.StreamEnabled !== true) return { enabled: false };
  const viewType = oneOf(spec.StreamViewType, ['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY'] as const);
  return viewType === undefined ? { enabled: true } : { enabled: true, viewType };
}

function normaliseProjection(projection: IndexInput['Projection']): Projection {
  const type = oneOf(projection?.ProjectionType, ['ALL', 'KEYS_ONLY', 'INCLUDE'] as const) ?? 'ALL';
  const nonKeyAttributes = projection?.NonKeyAttributes;
  return nonKeyAttributes !== undefined && nonKeyAttributes.length > 0 ? { type, nonKeyAttributes: [...nonKeyAttributes] } : { type };
}

function attributeTypes(definitions: NonNullable<TableDescriptionInput['AttributeDefinitions']>, table: string): Map<string, KeyType> {
  const types = new Map<string, KeyType>();
  for (const definition of definitions) {
    const type = oneOf(definition.AttributeType, ['S', 'N', 'B'] as const);
    if (definition.AttributeName === undefined || type === undefined) {
      throw new NormaliseError(`Table ${table} has an unusable attribute definition ${JSON.stringify(definition)}`);
    }
    types.set(definition.AttributeName, type);
  }
  return types;
}

function keySchemaOf(schema: KeySchemaInput, types: Map<string, KeyType>, owner: string): KeySchema {
  const attribute = (role: 'HASH' | 'RANGE'): KeyAttribute | undefined => {
    const element = schema.find((e) => e.KeyType === role);
    if (element === undefined) return undefined;
    const name = required(element.AttributeName, 'AttributeName', owner);
    const type = types.get(name);
    if (type === undefined) throw new NormaliseError(`${owner}: key attribute ${name} has no AttributeDefinition`);
    return { name, type };
  };
  const partitionKey = attribute('HASH');
  if (partitionKey === undefined) throw new NormaliseError(`${owner}: key schema has no HASH key`);
  const sortKey = attribute('RANGE');
  return sortKey === undefined ? { partitionKey } : { partitionKey, sortKey };
}

function required<T>(value: T | undefined, field: string, owner: string | undefined): T {
  if (value === undefined || value === '') throw new NormaliseError(`${owner ?? 'response'}: ${field} is missing`);
  return value;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return (allowed as readonly string[]).includes(value ?? '') ? (value as T) : undefined;
}

/** ISO-8601 for a Date or an already-serialised timestamp. */
export function toIso(value: Timestamp): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}
