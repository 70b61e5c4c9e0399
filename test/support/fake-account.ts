/**
 * An in-memory account that applies plan actions with DynamoDB's and KMS's rules, for property tests of the
 * planner. It is written from the AWS API semantics, not from the controls: it rejects what AWS rejects (a key
 * that does not exist yet, enabling a stream that is already on, creating an index that exists), so a plan in
 * the wrong order or missing a step fails here.
 *
 * TTL follows UpdateTimeToLive's rules: one change per table per hour (ValidationException "Time to live has been
 * modified multiple times within a fixed interval"), and the status reads ENABLING / DISABLING until the change
 * has processed, which AWS says can take up to an hour (modelled as the full hour; `observeFakeAccount` ends it).
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html
 */
import type { DesiredSpec } from '../../functions/core/model/desired.ts';
import type { ObservedAccount, ObservedTable } from '../../functions/core/model/observed.ts';
import type { Action } from '../../functions/core/model/plan.ts';

const ACCOUNT = '123456789012';
const TTL_WINDOW_MS = 3600_000;

/** The fake's own bookkeeping, beside the observed model: when each table's TTL last changed (ISO). */
type FakeAccount = ObservedAccount & { ttlChangedAt?: Record<string, string> };

/** The account as DescribeTimeToLive would show it at `now`: interim TTL states end an hour after the change. */
export function observeFakeAccount(start: ObservedAccount, now: Date): ObservedAccount {
  const account: FakeAccount = structuredClone(start);
  for (const [name, at] of Object.entries(account.ttlChangedAt ?? {})) {
    const table = account.tables[name];
    if (!table?.timeToLive || now.getTime() < Date.parse(at) + TTL_WINDOW_MS) continue;
    if (table.timeToLive.status === 'ENABLING') table.timeToLive = { ...table.timeToLive, status: 'ENABLED' };
    if (table.timeToLive.status === 'DISABLING') table.timeToLive = { status: 'DISABLED' };
  }
  return account;
}
const REGION = 'us-east-1';

function tableFromCreate(name: string, spec: DesiredSpec, account: ObservedAccount, now: Date): ObservedTable {
  if (!spec.keySchema) throw new Error('ValidationException: KeySchema is required');
  let sse: ObservedTable['sse'] = { type: 'AWS_OWNED' };
  if (spec.encryption?.type === 'AWS_MANAGED') sse = { type: 'AWS_MANAGED', kmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/aws-dynamodb` };
  if (spec.encryption?.type === 'CUSTOMER_MANAGED') {
    const key = account.kmsKeysByAlias[spec.encryption.kmsKeyAlias];
    if (!key) throw new Error(`ValidationException: KMS key ${spec.encryption.kmsKeyAlias} does not exist`);
    sse = { type: 'CUSTOMER_MANAGED', kmsKeyArn: key.arn, status: 'ENABLED' };
  }
  return {
    name,
    arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`,
    status: 'ACTIVE',
    createdAt: now.toISOString(),
    keySchema: spec.keySchema,
    billing: spec.billing ?? { mode: 'PAY_PER_REQUEST' },
    tableClass: spec.tableClass ?? 'STANDARD',
    sse,
    pointInTimeRecovery: { enabled: false },
    deletionProtection: spec.deletionProtection ?? false,
    tags: { ...(spec.tags ?? {}) },
    timeToLive: { status: 'DISABLED' },
    stream: spec.stream && spec.stream !== 'NONE' ? { enabled: true, viewType: spec.stream } : { enabled: false },
    contributorInsights: 'DISABLED',
    globalSecondaryIndexes: (spec.globalSecondaryIndexes ?? []).map((index) => ({
      name: index.name,
      partitionKey: index.partitionKey,
      ...(index.sortKey ? { sortKey: index.sortKey } : {}),
      projection: typeof index.projection === 'string' ? { type: index.projection } : { type: 'INCLUDE', nonKeyAttributes: index.projection.nonKeyAttributes },
      ...(index.readCapacity !== undefined ? { readCapacity: index.readCapacity, writeCapacity: index.writeCapacity } : {}),
      status: 'ACTIVE',
    })),
    localSecondaryIndexes: (spec.localSecondaryIndexes ?? []).map((index) => ({
      name: index.name,
      partitionKey: spec.keySchema!.partitionKey,
      sortKey: index.sortKey,
      projection: typeof index.projection === 'string' ? { type: index.projection } : { type: 'INCLUDE', nonKeyAttributes: index.projection.nonKeyAttributes },
    })),
    backup: { planNames: [] },
  };
}

/** Apply actions in order to a copy of the account; throws like AWS would on an impossible call. */
export function applyToFakeAccount(start: ObservedAccount, actions: readonly Action[], now: Date): ObservedAccount {
  const account: FakeAccount = structuredClone(start);
  let keyCounter = Object.keys(account.kmsKeysByAlias).length;
  for (const action of actions) {
    if (action.type === 'CreateKmsKey') {
      if (account.kmsKeysByAlias[action.alias]) throw new Error(`AlreadyExistsException: ${action.alias}`);
      keyCounter += 1;
      const keyId = `00000000-0000-0000-0000-${String(keyCounter).padStart(12, '0')}`;
      account.kmsKeysByAlias[action.alias] = {
        arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`,
        keyId,
        aliases: [action.alias],
        keyManager: 'CUSTOMER',
        keyState: 'Enabled',
        rotationEnabled: true,
        rotationPeriodDays: action.rotationPeriodDays,
      };
      continue;
    }
    if (action.type === 'UpdateKmsKeyRotation') {
      const key = Object.values(account.kmsKeysByAlias).find((candidate) => candidate.arn === action.keyArn);
      if (!key) throw new Error(`NotFoundException: ${action.keyArn}`);
      key.rotationEnabled = true;
      key.rotationPeriodDays = action.rotationPeriodDays;
      continue;
    }
    if (action.type === 'CreateTable') {
      if (account.tables[action.table]) throw new Error(`ResourceInUseException: table ${action.table} exists`);
      account.tables[action.table] = tableFromCreate(action.table, action.spec, account, now);
      account.allTableNames.push(action.table);
      continue;
    }
    const table = account.tables[action.table];
    if (!table) throw new Error(`ResourceNotFoundException: table ${action.table}`);
    switch (action.type) {
      case 'UpdateSse': {
        const encryption = action.encryption;
        if (encryption.type === 'CUSTOMER_MANAGED') {
          const key = account.kmsKeysByAlias[encryption.kmsKeyAlias];
          if (!key) throw new Error(`ValidationException: KMS key ${encryption.kmsKeyAlias} does not exist`);
          table.sse = { type: 'CUSTOMER_MANAGED', kmsKeyArn: key.arn, status: 'ENABLED' };
        } else {
          table.sse = encryption.type === 'AWS_OWNED' ? { type: 'AWS_OWNED' } : { type: 'AWS_MANAGED', kmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/aws-dynamodb` };
        }
        break;
      }
      case 'UpdatePointInTimeRecovery':
        table.pointInTimeRecovery = action.enabled ? { enabled: true, recoveryPeriodDays: action.recoveryPeriodDays ?? 35 } : { enabled: false };
        break;
      case 'UpdateDeletionProtection':
        table.deletionProtection = action.enabled;
        break;
      case 'TagResource':
        table.tags = { ...table.tags, ...action.tags };
        break;
      case 'UpdateTimeToLive': {
        const on = table.timeToLive?.status === 'ENABLED' || table.timeToLive?.status === 'ENABLING';
        if (on && table.timeToLive?.attributeName !== action.attributeName) throw new Error('ValidationException: TimeToLive is active on a different AttributeName');
        if (action.enabled && on) throw new Error('ValidationException: TimeToLive is already enabled');
        if (!action.enabled && !on) throw new Error('ValidationException: TimeToLive is already disabled');
        const changedAt = account.ttlChangedAt?.[action.table];
        if (changedAt && now.getTime() < Date.parse(changedAt) + TTL_WINDOW_MS) {
          throw new Error('ValidationException: Time to live has been modified multiple times within a fixed interval');
        }
        table.timeToLive = action.enabled ? { status: 'ENABLING', attributeName: action.attributeName } : { status: 'DISABLING', attributeName: action.attributeName };
        account.ttlChangedAt = { ...account.ttlChangedAt, [action.table]: now.toISOString() };
        break;
      }
      case 'UpdateStream':
        if (action.enabled && table.stream.enabled) throw new Error('ValidationException: Table already has an enabled stream');
        if (!action.enabled && !table.stream.enabled) throw new Error('ValidationException: Table has no stream to disable');
        table.stream = action.enabled ? { enabled: true, ...(action.viewType ? { viewType: action.viewType } : {}) } : { enabled: false };
        break;
      case 'UpdateContributorInsights':
        // ENABLE without a mode means ACCESSED_AND_THROTTLED_KEYS, even on a table that had THROTTLED_KEYS.
        table.contributorInsights = action.enabled ? 'ENABLED' : 'DISABLED';
        if (action.enabled) table.contributorInsightsMode = action.mode ?? 'ACCESSED_AND_THROTTLED_KEYS';
        else delete table.contributorInsightsMode;
        break;
      case 'UpdateBilling':
        table.billing = action.mode === 'PAY_PER_REQUEST' ? { mode: 'PAY_PER_REQUEST' } : { mode: 'PROVISIONED', readCapacity: action.readCapacity!, writeCapacity: action.writeCapacity! };
        break;
      case 'UpdateTableClass':
        table.tableClass = action.tableClass;
        break;
      case 'DeleteGlobalSecondaryIndex':
        if (!table.globalSecondaryIndexes.some((index) => index.name === action.indexName)) throw new Error(`ResourceNotFoundException: index ${action.indexName}`);
        table.globalSecondaryIndexes = table.globalSecondaryIndexes.filter((index) => index.name !== action.indexName);
        break;
      case 'CreateGlobalSecondaryIndex':
        if (table.globalSecondaryIndexes.some((index) => index.name === action.index.name)) throw new Error(`ValidationException: index ${action.index.name} already exists`);
        table.globalSecondaryIndexes.push({ ...structuredClone(action.index), status: 'ACTIVE' });
        break;
      case 'UpdateGlobalSecondaryIndex': {
        const index = table.globalSecondaryIndexes.find((candidate) => candidate.name === action.indexName);
        if (!index) throw new Error(`ResourceNotFoundException: index ${action.indexName}`);
        index.readCapacity = action.readCapacity;
        index.writeCapacity = action.writeCapacity;
        break;
      }
      case 'AddToBackupPlan':
        table.backup.planNames = [...new Set([...table.backup.planNames, action.plan])];
        break;
      case 'StartBackupJob':
        table.backup.latestRecoveryPointAt = now.toISOString();
        break;
    }
  }
  return account;
}
