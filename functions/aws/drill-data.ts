/**
 * Restore-drill adapter, data side: count and sample a table, read items by key, delete a drill copy (guarded),
 * sweep left-over copies, and keep the drill's lock and history in the operator's state table. Thin: the rules
 * (which table may be deleted, what is stale, how a sample spreads) are functions/core/drill's.
 *
 * APIs and the rules that bind them:
 * - Scan with Segment/TotalSegments (parallel scan; TotalSegments ≤ 1,000,000), Select COUNT, Limit, paging by
 *   ExclusiveStartKey/LastEvaluatedKey (a page stops at 1 MB): https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Scan.html
 * - BatchGetItem: at most 100 keys a call, no duplicates; UnprocessedKeys is not retried by the SDK and comes back
 *   under throttling or the 16 MB response limit: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
 * - DeleteTable: refused while the table is CREATING/UPDATING (ResourceInUseException) or has deletion protection
 *   (ValidationException): https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteTable.html
 * - ListTagsOfResource (10 rps per account; paged by NextToken), TagResource (5 rps).
 * - AWS Backup PutRestoreValidationResult: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_PutRestoreValidationResult.html
 */
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  ScanCommand,
  UpdateTableCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { PutRestoreValidationResultCommand } from '@aws-sdk/client-backup';
import { keyId, keyOf, type DrillItem } from '../core/drill/checksum.ts';
import { DRILL_TABLE_PREFIX, isStaleDrillTable, mayDeleteDrillTable, drillStartedAt } from '../core/drill/names.ts';
import { segmentQuotas } from '../core/drill/verdict.ts';
import type { KeySchema } from '../core/model/observed.ts';
import { collectPages, errorName, describeError, mapWithConcurrency } from './async-utils.ts';
import type { AwsClients } from './clients.ts';
import { isLaterError, realClock, retryLater, type RetryClock } from './apply/retry.ts';
import { LIST_TABLES_PAGE_SIZE } from './observe.ts';

/** BatchGetItem's per-call key limit. */
export const BATCH_GET_LIMIT = 100;

/** Timing for the retries here (injectable: tests run in virtual time). */
export interface DataTiming {
  clock?: RetryClock;
  /** Absolute time (clock.now()) after which no new attempt starts. */
  deadline: number;
}

const toSdk = (item: DrillItem): Record<string, AttributeValue> => {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(item)) {
    // Binary written as base64 text (a declared check's key) goes over the wire as bytes.
    out[name] = (typeof value.B === 'string' ? { B: Uint8Array.from(Buffer.from(value.B, 'base64')) } : value) as AttributeValue;
  }
  return out;
};
const fromSdk = (item: Record<string, AttributeValue>): DrillItem => item as unknown as DrillItem;

/** The exact item count: a parallel Scan with Select COUNT over `segments` segments, every page. */
export async function countItems(dynamodb: DynamoDBClient, table: string, segments: number): Promise<number> {
  const total = Math.max(1, Math.floor(segments));
  const counts = await Promise.all(
    Array.from({ length: total }, async (_, segment) => {
      let count = 0;
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await dynamodb.send(new ScanCommand({ TableName: table, Select: 'COUNT', Segment: segment, TotalSegments: total, ...(start ? { ExclusiveStartKey: start } : {}) }));
        count += page.Count ?? 0;
        start = page.LastEvaluatedKey;
      } while (start);
      return count;
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

/**
 * Up to `sampleSize` items, spread over `segments` parallel-scan segments (segmentQuotas). A segment that runs dry
 * leaves its share to the segments that still have items, so a small table still gives a full sample.
 */
export async function sampleItems(dynamodb: DynamoDBClient, table: string, sampleSize: number, segments: number): Promise<DrillItem[]> {
  const total = Math.max(1, Math.floor(segments));
  const quotas = segmentQuotas(sampleSize, total);
  const taken: DrillItem[][] = quotas.map(() => []);
  const cursors: Array<Record<string, AttributeValue> | undefined | 'done'> = quotas.map(() => undefined);
  const scanSegment = async (segment: number, want: number) => {
    while (want > taken[segment]!.length && cursors[segment] !== 'done') {
      const start = cursors[segment] as Record<string, AttributeValue> | undefined;
      const page = await dynamodb.send(
        new ScanCommand({ TableName: table, Segment: segment, TotalSegments: total, Limit: want - taken[segment]!.length, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      taken[segment]!.push(...(page.Items ?? []).map(fromSdk));
      cursors[segment] = page.LastEvaluatedKey ?? 'done';
    }
  };
  await Promise.all(quotas.map((quota, segment) => scanSegment(segment, quota)));
  // Top up from segments that still have items, in segment order (deterministic).
  for (let segment = 0; segment < total; segment++) {
    const missing = sampleSize - taken.reduce((sum, items) => sum + items.length, 0);
    if (missing <= 0) break;
    await scanSegment(segment, taken[segment]!.length + missing);
  }
  return taken.flat().slice(0, Math.max(0, sampleSize));
}

/** What a read by keys found. */
export interface KeyedRead {
  /** Items found, by keyId. A key that is absent here and not unreadable is not in the table. */
  items: Record<string, DrillItem>;
  /** Keys still unprocessed at the deadline. */
  unreadable: DrillItem[];
}

/**
 * Read items by key with BatchGetItem (≤100 distinct keys a call, strongly consistent), retrying UnprocessedKeys
 * with capped exponential backoff and jitter until the deadline; keys still unprocessed then are `unreadable`. A call
 * that processes no key at all fails with ProvisionedThroughputExceededException (after the SDK's own retries): the
 * same keys are retried the same way.
 */
export async function readByKeys(dynamodb: DynamoDBClient, table: string, keySchema: KeySchema, keys: readonly DrillItem[], timing: DataTiming): Promise<KeyedRead> {
  const clock = timing.clock ?? realClock;
  const unique = new Map<string, DrillItem>();
  for (const key of keys) {
    const own = keyOf(key, keySchema);
    if (own) unique.set(keyId(own), own);
  }
  const all = [...unique.values()];
  const chunks: DrillItem[][] = [];
  for (let i = 0; i < all.length; i += BATCH_GET_LIMIT) chunks.push(all.slice(i, i + BATCH_GET_LIMIT));
  const items: Record<string, DrillItem> = {};
  const unreadable: DrillItem[] = [];
  for (const chunk of chunks) {
    let pending: Array<Record<string, AttributeValue>> = chunk.map(toSdk);
    for (let attempt = 0; pending.length > 0; attempt++) {
      let response;
      try {
        response = await dynamodb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }));
      } catch (error) {
        // No key processed at all is a throttling error (after the SDK's own attempts): the same wait as UnprocessedKeys.
        if (!THROTTLING.has(errorName(error) ?? '')) throw error;
        response = { UnprocessedKeys: { [table]: { Keys: pending } } };
      }
      for (const item of response.Responses?.[table] ?? []) {
        const key = keyOf(fromSdk(item), keySchema);
        if (key) items[keyId(key)] = fromSdk(item);
      }
      pending = response.UnprocessedKeys?.[table]?.Keys ?? [];
      if (pending.length === 0) break;
      const delay = clock.random() * Math.min(5_000, 100 * 2 ** attempt);
      if (clock.now() + delay > timing.deadline) {
        unreadable.push(...pending.map(fromSdk));
        break;
      }
      await clock.sleep(delay);
    }
  }
  return { items, unreadable };
}

/** Throttling codes the SDK gives up on after its attempts; cleanup keeps trying until its deadline. */
const THROTTLING = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'LimitExceededException']);
const retryableCleanup = (error: unknown): boolean => isLaterError(error) || THROTTLING.has(errorName(error) ?? '');

/** What cleanup did. */
export interface CleanupResult {
  table: string;
  /** deleted: DeleteTable accepted; gone: no such table (cleaned already); refused: the guard said no; waiting: still being created. */
  outcome: 'deleted' | 'gone' | 'refused' | 'waiting';
  reason: string;
  /**
   * Refused only because the table lacks the drill tag (its name passed). The cleanup role can't tag (it would then
   * be able to delete any `tw-drill-*` table), so the drill's own copy is tagged by the role that restored it.
   */
  untagged?: true;
}

/** Every tag of a table (ListTagsOfResource, all pages). */
export async function listTableTags(dynamodb: DynamoDBClient, arn: string): Promise<Record<string, string>> {
  const pages = await collectPages(
    (NextToken) => dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: arn, ...(NextToken ? { NextToken } : {}) })),
    (page) => page.NextToken,
  );
  return Object.fromEntries(pages.flatMap((page) => page.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

/**
 * Delete a drill copy, only when {@link mayDeleteDrillTable} allows it (read back from AWS: the name and the table's
 * own tags). Idempotent: a missing table is `gone`. Deletion protection is turned off first only when it is on and
 * the guard passed. ResourceInUse, the concurrent-operations limit and throttling are retried until the deadline; a
 * table still CREATING is `waiting` (DynamoDB can't delete it yet; the caller comes back).
 */
export async function deleteDrillTable(dynamodb: DynamoDBClient, name: string, timing: DataTiming): Promise<CleanupResult> {
  const retry = <T>(what: string, fn: () => Promise<T>) => retryLater(fn, { deadline: timing.deadline, clock: timing.clock ?? realClock, retryIf: retryableCleanup, what, table: name });
  const missing = (error: unknown) => errorName(error) === 'ResourceNotFoundException' || errorName((error as { cause?: unknown } | undefined)?.cause) === 'ResourceNotFoundException';
  let table;
  try {
    table = (await retry(`describe ${name}`, () => dynamodb.send(new DescribeTableCommand({ TableName: name })))).Table;
  } catch (error) {
    if (missing(error)) return { table: name, outcome: 'gone', reason: `${name} does not exist (cleaned already)` };
    throw error;
  }
  const status = table?.TableStatus;
  if (status === 'DELETING') return { table: name, outcome: 'gone', reason: `${name} is already being deleted` };
  // A table being created can be neither tagged, nor listed for tags, nor deleted (DynamoDB answers as if it did
  // not exist): come back once it is ACTIVE. Nothing is deleted here, so the guard is not needed yet.
  if (status === 'CREATING') return { table: name, outcome: 'waiting', reason: `${name} is still being created; it can be deleted once it is ACTIVE` };
  if (!table?.TableArn) return { table: name, outcome: 'refused', reason: `refused to delete ${name}: DescribeTable returned no ARN, so its tags can't be read` };
  const arn = table.TableArn;
  let tags: Record<string, string>;
  try {
    tags = await retry(`list tags of ${name}`, () => listTableTags(dynamodb, arn));
  } catch (error) {
    // Not "gone": DescribeTable just saw it. Without its tags the guard can't pass; come back later.
    if (missing(error)) return { table: name, outcome: 'waiting', reason: `the tags of ${name} can't be read yet` };
    throw error;
  }
  const decision = mayDeleteDrillTable(name, tags);
  if (!decision.allowed) return { table: name, outcome: 'refused', reason: decision.reason, ...(name.startsWith(DRILL_TABLE_PREFIX) ? { untagged: true as const } : {}) };
  try {
    if (table.DeletionProtectionEnabled) {
      await retry(`turn deletion protection off on ${name}`, () => dynamodb.send(new UpdateTableCommand({ TableName: name, DeletionProtectionEnabled: false })));
    }
    await retry(`delete ${name}`, () => dynamodb.send(new DeleteTableCommand({ TableName: name })));
    return { table: name, outcome: 'deleted', reason: `deleted ${name}` };
  } catch (error) {
    // Deleted by someone else between our DescribeTable and DeleteTable: cleaned all the same.
    if (missing(error)) return { table: name, outcome: 'gone', reason: `${name} does not exist (cleaned already)` };
    throw error;
  }
}

/** A drill copy the sweep found. */
export interface SweptTable extends CleanupResult {
  startedAt?: string;
}

/**
 * The nightly sweep: every `tw-drill-*` table whose guard passes and that started more than a day before `now`
 * (isStaleDrillTable: its drill-started tag, its name's timestamp, or CreationDateTime) is deleted. Copies that are
 * younger, or fail the guard, are left alone.
 */
export async function sweepStaleDrillTables(dynamodb: DynamoDBClient, now: Date, timing: DataTiming): Promise<SweptTable[]> {
  const pages = await collectPages(
    (ExclusiveStartTableName) => dynamodb.send(new ListTablesCommand({ Limit: LIST_TABLES_PAGE_SIZE, ...(ExclusiveStartTableName ? { ExclusiveStartTableName } : {}) })),
    (page) => page.LastEvaluatedTableName,
  );
  const names = pages.flatMap((page) => page.TableNames ?? []).filter((name) => name.startsWith(DRILL_TABLE_PREFIX));
  const results = await mapWithConcurrency(names, 2, async (name): Promise<SweptTable | undefined> => {
    try {
      const table = (await dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table;
      if (!table?.TableArn) return undefined;
      const tags = await listTableTags(dynamodb, table.TableArn);
      const candidate = { name, tags, ...(table.CreationDateTime ? { createdAt: new Date(table.CreationDateTime).toISOString() } : {}) };
      if (!isStaleDrillTable(candidate, now)) return undefined;
      const started = drillStartedAt(candidate);
      return { ...(await deleteDrillTable(dynamodb, name, timing)), ...(started ? { startedAt: started.toISOString() } : {}) };
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return undefined;
      return { table: name, outcome: 'waiting', reason: `could not sweep ${name}: ${describeError(error)}` };
    }
  });
  return results.filter((result): result is SweptTable => result !== undefined);
}

/** The drill lock of one table in the state table: one drill of a table at a time. */
export const drillLockKey = (table: string) => ({ pk: { S: `DRILL-LOCK#${table}` }, sk: { S: 'lock' } });

/** Another drill of the same table is running. `name` is what a Step Functions Catch matches. */
export class DrillRunning extends Error {
  override name = 'DrillRunning';
  constructor(
    readonly table: string,
    readonly holder: string,
    readonly expiresAt: string,
  ) {
    super(`a drill of ${table} is already running (${holder}, lock until ${expiresAt}); one drill per table at a time`);
  }
}

/**
 * Take the drill lock of `table` for `owner` until `expiresAt`: a conditional PutItem that succeeds when the lock
 * is free, expired, or already this owner's. @throws DrillRunning otherwise.
 */
export async function acquireDrillLock(dynamodb: DynamoDBClient, request: { stateTable: string; table: string; owner: string; now: Date; expiresAt: Date }): Promise<void> {
  const now = request.now.toISOString();
  try {
    await dynamodb.send(
      new PutItemCommand({
        TableName: request.stateTable,
        Item: { ...drillLockKey(request.table), owner: { S: request.owner }, acquiredAt: { S: now }, expiresAt: { S: request.expiresAt.toISOString() } },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':now': { S: now }, ':owner': { S: request.owner } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
    const item = (error as { Item?: { owner?: { S?: string }; expiresAt?: { S?: string } } }).Item;
    throw new DrillRunning(request.table, item?.owner?.S ?? 'unknown', item?.expiresAt?.S ?? 'unknown');
  }
}

/** Release the drill lock if `owner` holds it; false when it was not (or no longer) ours. */
export async function releaseDrillLock(dynamodb: DynamoDBClient, request: { stateTable: string; table: string; owner: string }): Promise<boolean> {
  try {
    await dynamodb.send(
      new DeleteItemCommand({
        TableName: request.stateTable,
        Key: drillLockKey(request.table),
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': { S: request.owner } },
      }),
    );
    return true;
  } catch (error) {
    if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
    return false;
  }
}

/** Write one drill's history item (pk `DRILL#<table>`, sk = its start time) into the state table. */
export async function putDrillHistory(dynamodb: DynamoDBClient, stateTable: string, item: Record<string, AttributeValue>): Promise<void> {
  await dynamodb.send(new PutItemCommand({ TableName: stateTable, Item: item }));
}

/** Tell AWS Backup how the validation of a restore job went (its message is cut to 1,000 characters here). */
export async function putRestoreValidationResult(clients: Pick<AwsClients, 'backup'>, restoreJobId: string, passed: boolean, message: string): Promise<void> {
  await clients.backup.send(
    new PutRestoreValidationResultCommand({ RestoreJobId: restoreJobId, ValidationStatus: passed ? 'SUCCESSFUL' : 'FAILED', ValidationStatusMessage: message.slice(0, 1000) }),
  );
}
