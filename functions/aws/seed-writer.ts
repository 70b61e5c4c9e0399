/**
 * The seed writer: the one home of BatchWriteItem-with-retries, and the seed's other DynamoDB calls (the table's key
 * schema, the emptiness check, conditional puts, the seed manifest).
 *
 * API: BatchWriteItem (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
 * Quotas that bind it: 25 write requests and 16 MB per call; a new on-demand table takes about 4,000 writes/s, a
 * provisioned one its WCU, beyond which DynamoDB throttles or answers with UnprocessedItems.
 *
 * Who retries what:
 * - the SDK's retry strategy resends a throttled or failed *call* (up to its max attempts);
 * - UnprocessedItems are ours: resent with exponential backoff and full jitter until the batch's retry window ends,
 *   then the run fails with a {@link SeedWriteFailed} naming how many items were not written. A throttling error
 *   or a 5xx that outlived the SDK's retries is treated the same way (every request of the call is unprocessed;
 *   puts are idempotent);
 * - the in-flight limit adapts (AIMD, functions/run/core/seed.ts): halved when a call came back throttled (the SDK
 *   needed more than one attempt, or items came back unprocessed), one more after a clean call. Give a seed clients
 *   in the SDK's 'standard' retry mode (AwsConnection.retryMode): the 'adaptive' mode's client-side token bucket is a
 *   second controller that, under sustained throttling, falls towards 0.5 requests/s.
 *
 * insert-only sends one PutItem per item with `attribute_not_exists(<partition key>)` (with a sort key, the
 * condition is still checked against the item with the full key). ConditionalCheckFailed means the key existed:
 * skipped and reported. Caveat: a put resent after a 5xx whose first attempt did land (by the SDK or by us) comes
 * back ConditionalCheckFailed and is reported as skipped although this run wrote it; the item is in the table
 * either way, only the written/skipped split is off by it.
 *
 * Numbers: the reader keeps each number's exact text and DynamoDB's low-level `N` is a string, so a 23-digit
 * number is sent as those 23 digits (no JS number, no NumberValue round trip needed).
 */
import {
  BatchWriteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { SeedItem, SeedKeySchema, KeyAttributeType } from '../core/seed/attribute-value.ts';
import {
  AimdLimit,
  BATCH_WRITE_MAX_ITEMS,
  BatchPacker,
  MAX_REPORTED_SKIPPED_KEYS,
  SeedTableMissing,
  SeedWriteFailed,
  backoffMs,
  batchEnvelopeBytes,
  isServerError,
  isThrottleError,
  manifestKey,
  putRequestWireBytes,
  reportKey,
  type SeedManifest,
} from '../run/core/seed.ts';
import type { AwsClients } from './clients.ts';
import { realClock, type RetryClock } from './apply/retry.ts';

/** How long one batch keeps resending unprocessed items before the run fails (default). */
export const DEFAULT_RETRY_WINDOW_MS = 120_000;

type Dynamo = Pick<AwsClients, 'dynamodb'>;

/** A seed item as the SDK's low-level AttributeValue map: the shapes are the same (N as exact text, B as bytes). */
function toAttributeMap(item: SeedItem): Record<string, AttributeValue> {
  return item as unknown as Record<string, AttributeValue>;
}

/** What one batch's send did so far (kept up to date, so a failure part way still counts what was written). */
interface BatchTally {
  written: number;
  /** Write requests sent again (unprocessed, or the whole call after a throttle). */
  retried: number;
  /** The SDK retried a call, or DynamoDB left items unprocessed. */
  throttled: boolean;
}

/**
 * Sends write requests to one table (at most 25) until every one is written. Unprocessed items and throttled calls
 * are resent with full-jitter backoff until `deadline` (clock time); then it throws SeedWriteFailed with the count
 * still unwritten. `onThrottle` is told at once, so a concurrent writer can slow down before this batch ends.
 */
async function sendBatch(
  clients: Dynamo,
  table: string,
  requests: WriteRequest[],
  options: { clock: RetryClock; deadline: number; onThrottle?: () => void },
  tally: BatchTally = { written: 0, retried: 0, throttled: false },
): Promise<BatchTally> {
  const { clock } = options;
  let pending = requests;
  for (let attempt = 0; ; attempt++) {
    let left: WriteRequest[];
    let cause: unknown;
    try {
      const response = await clients.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      left = response.UnprocessedItems?.[table] ?? [];
      if ((response.$metadata?.attempts ?? 1) > 1) {
        tally.throttled = true;
        options.onThrottle?.();
      }
    } catch (error) {
      if (!isThrottleError(error) && !isServerError(error)) throw error;
      left = pending;
      cause = error;
    }
    tally.written += pending.length - left.length;
    if (left.length === 0) return tally;
    tally.throttled = true;
    options.onThrottle?.();
    const delay = backoffMs(attempt, () => clock.random());
    if (clock.now() + delay > options.deadline) {
      const why = cause === undefined ? 'still unprocessed' : `still failing (${(cause as Error).name})`;
      throw new SeedWriteFailed(`BatchWriteItem to ${table}: ${left.length} item(s) ${why} after ${attempt + 1} attempts; gave up at the retry deadline, so ${left.length} item(s) were not written`, left.length, { cause });
    }
    tally.retried += left.length;
    pending = left;
    await clock.sleep(delay);
  }
}

/**
 * Write requests to one table; resolves when every one is written (batches of 25, sent one after another).
 * For small writes such as the run history; a seed uses {@link SeedWriter}.
 */
export async function batchWriteAll(
  clients: Dynamo,
  table: string,
  requests: readonly WriteRequest[],
  options: { retryWindowMs?: number; clock?: RetryClock } = {},
): Promise<void> {
  const clock = options.clock ?? realClock;
  for (let start = 0; start < requests.length; start += BATCH_WRITE_MAX_ITEMS) {
    const deadline = clock.now() + (options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS);
    await sendBatch(clients, table, requests.slice(start, start + BATCH_WRITE_MAX_ITEMS), { clock, deadline });
  }
}

/** How the writer writes. */
export interface SeedWriterOptions {
  clients: Dynamo;
  table: string;
  keySchema: SeedKeySchema;
  /** `batch`: BatchWriteItem puts (upsert, insert-if-empty). `conditional`: one PutItem per item that skips existing keys (insert-only). */
  method: 'batch' | 'conditional';
  /** Most batches in flight (default 8); conditional puts may have 4× as many PutItem calls in flight. */
  maxConcurrency?: number;
  clock?: RetryClock;
  /** How long one batch (or put) keeps retrying before the run fails (default {@link DEFAULT_RETRY_WINDOW_MS}). */
  retryWindowMs?: number;
  /** Called after each batch or put settles (progress). */
  onSettled?: () => void;
}

/** Running totals of one writer. */
export interface SeedWriteTotals {
  written: number;
  retried: number;
  /** insert-only: items whose key already existed. */
  skipped: number;
  /** insert-only: the first {@link MAX_REPORTED_SKIPPED_KEYS} of those keys. */
  skippedKeys: Record<string, string>[];
  /** Batches or puts that came back throttled (SDK retries, unprocessed items, throttling errors). */
  throttledCalls: number;
  /** Batches or puts settled. */
  calls: number;
}

/**
 * Streams items into a table with bounded, adaptive concurrency. `add` returns once the item is queued and, when
 * a batch is full, once there is room to send it: that wait is the reader's backpressure. `drain` sends the partial
 * batch and waits for everything in flight. After a failure, `add` throws at once (stop reading) and `drain`
 * throws the first failure once every call in flight has settled, so the totals are final.
 */
export class SeedWriter {
  /** Totals so far; final after {@link drain}. */
  readonly totals: SeedWriteTotals = { written: 0, retried: 0, skipped: 0, skippedKeys: [], throttledCalls: 0, calls: 0 };
  private readonly limiter: AimdLimit;
  private readonly packer: BatchPacker<SeedItem>;
  private readonly clock: RetryClock;
  private readonly retryWindowMs: number;
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();
  private waiters: (() => void)[] = [];
  private failure: unknown;

  constructor(private readonly options: SeedWriterOptions) {
    const max = options.maxConcurrency ?? 8;
    this.limiter = new AimdLimit(options.method === 'conditional' ? max * 4 : max);
    this.packer = new BatchPacker<SeedItem>(batchEnvelopeBytes(options.table));
    this.clock = options.clock ?? realClock;
    this.retryWindowMs = options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS;
  }

  /** The in-flight limit now (for tests and progress). */
  get limit(): number {
    return this.limiter.limit;
  }

  /**
   * Queue one item. Returns a promise only when the caller must wait (a batch is ready and the in-flight limit is
   * reached, or a failure is to be thrown); most items just join the current batch, and a reader of 100,000 items/s
   * should not pay a promise for each of them.
   */
  add(item: SeedItem, wireBytes?: number): Promise<void> | undefined {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.options.method === 'conditional') return this.dispatch(() => this.putIfAbsent(item));
    const ready = this.packer.add(item, wireBytes ?? putRequestWireBytes(item)); // the reader's figure when it has one
    if (ready.length === 0) return undefined;
    return (async () => {
      for (const batch of ready) await this.dispatch(() => this.writeBatch(batch));
    })();
  }

  /** Send what is queued, wait for every call in flight; throws the first failure after all have settled. */
  async drain(): Promise<SeedWriteTotals> {
    if (this.failure === undefined) {
      const rest = this.packer.flush();
      if (rest !== undefined) await this.dispatch(() => this.writeBatch(rest));
    }
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    this.throwIfFailed();
    return this.totals;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits for a free slot, then starts `task` without waiting for it. */
  private async dispatch(task: () => Promise<void>): Promise<void> {
    while (this.inFlight >= this.limiter.limit) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      this.throwIfFailed();
    }
    this.inFlight++;
    const run = task()
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        this.inFlight--;
        this.running.delete(run);
        this.options.onSettled?.();
        const waiting = this.waiters;
        this.waiters = [];
        for (const wake of waiting) wake();
      });
    this.running.add(run);
  }

  private async writeBatch(items: SeedItem[]): Promise<void> {
    const ticket = this.limiter.start();
    const requests: WriteRequest[] = items.map((item) => ({ PutRequest: { Item: toAttributeMap(item) } }));
    const tally: BatchTally = { written: 0, retried: 0, throttled: false };
    try {
      await sendBatch(this.options.clients, this.options.table, requests, { clock: this.clock, deadline: this.clock.now() + this.retryWindowMs, onThrottle: () => this.limiter.throttled(ticket) }, tally);
    } finally {
      this.totals.written += tally.written;
      this.totals.retried += tally.retried;
      this.totals.calls++;
      if (tally.throttled) this.totals.throttledCalls++;
    }
    if (!tally.throttled) this.limiter.clean(ticket);
  }

  /** insert-only: PutItem unless an item with this key exists. */
  private async putIfAbsent(item: SeedItem): Promise<void> {
    const ticket = this.limiter.start();
    const { clients, table, keySchema } = this.options;
    const deadline = this.clock.now() + this.retryWindowMs;
    let throttled = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await clients.dynamodb.send(
          new PutItemCommand({
            TableName: table,
            Item: toAttributeMap(item),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': keySchema.partitionKey.name },
          }),
        );
        this.totals.calls++;
        this.totals.written++;
        if ((response.$metadata?.attempts ?? 1) > 1) throttled = true;
        break;
      } catch (error) {
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
          this.totals.calls++;
          this.totals.skipped++;
          if (this.totals.skippedKeys.length < MAX_REPORTED_SKIPPED_KEYS) this.totals.skippedKeys.push(reportKey(item, keySchema));
          break;
        }
        if (!isThrottleError(error) && !isServerError(error)) throw error;
        throttled = true;
        this.limiter.throttled(ticket);
        const delay = backoffMs(attempt, () => this.clock.random());
        if (this.clock.now() + delay > deadline) {
          throw new SeedWriteFailed(`PutItem to ${table}: still ${(error as Error).name} after ${attempt + 1} attempts; gave up at the retry deadline, so 1 item was not written`, 1, { cause: error });
        }
        this.totals.retried++;
        await this.clock.sleep(delay);
      }
    }
    if (throttled) {
      this.totals.throttledCalls++;
      this.limiter.throttled(ticket);
    } else this.limiter.clean(ticket);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The seed's other DynamoDB reads and the manifest
// ---------------------------------------------------------------------------------------------------------------

/** The table's primary key, from DescribeTable; {@link SeedTableMissing} when there is no such table. */
export async function describeSeedKeySchema(clients: Dynamo, table: string): Promise<SeedKeySchema> {
  let description;
  try {
    description = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: table }))).Table;
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') throw new SeedTableMissing(table);
    throw error;
  }
  const typeOf = (name: string): KeyAttributeType => {
    const type = description?.AttributeDefinitions?.find((definition) => definition.AttributeName === name)?.AttributeType;
    if (type !== 'S' && type !== 'N' && type !== 'B') throw new Error(`DescribeTable ${table}: key attribute ${name} has no S/N/B definition`);
    return type;
  };
  const hash = description?.KeySchema?.find((element) => element.KeyType === 'HASH')?.AttributeName;
  const range = description?.KeySchema?.find((element) => element.KeyType === 'RANGE')?.AttributeName;
  if (hash === undefined) throw new Error(`DescribeTable ${table}: no partition key in the key schema`);
  return { partitionKey: { name: hash, type: typeOf(hash) }, ...(range === undefined ? {} : { sortKey: { name: range, type: typeOf(range) } }) };
}

/** Does the table hold at least one item? One Scan with Limit 1. */
export async function tableHasItems(clients: Dynamo, table: string): Promise<boolean> {
  const response = await clients.dynamodb.send(new ScanCommand({ TableName: table, Limit: 1 }));
  return (response.Count ?? response.Items?.length ?? 0) > 0 || response.LastEvaluatedKey !== undefined;
}

/** The manifest of the last completed seed of `table`, if any (strongly consistent). */
export async function readSeedManifest(clients: Dynamo, stateTable: string, table: string): Promise<SeedManifest | undefined> {
  const { pk, sk } = manifestKey(table);
  const response = await clients.dynamodb.send(new GetItemCommand({ TableName: stateTable, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }));
  const item = response.Item;
  if (item?.checksum?.S === undefined) return undefined;
  const number = (name: string): number => Number(item.counts?.M?.[name]?.N ?? 0);
  return {
    checksum: item.checksum.S,
    source: item.source?.S ?? '',
    mode: (item.mode?.S ?? 'upsert') as SeedManifest['mode'],
    ...(item.rawBytes?.N === undefined ? {} : { rawBytes: Number(item.rawBytes.N) }),
    counts: { read: number('read'), written: number('written'), rejected: number('rejected'), skipped: number('skipped'), retried: number('retried') },
    seededAt: item.seededAt?.S ?? '',
  };
}

/** Records a completed seed (replaces the previous manifest). */
export async function writeSeedManifest(clients: Dynamo, stateTable: string, table: string, manifest: SeedManifest): Promise<void> {
  const { pk, sk } = manifestKey(table);
  const counts: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(manifest.counts)) counts[name] = { N: String(value) };
  await clients.dynamodb.send(
    new PutItemCommand({
      TableName: stateTable,
      Item: {
        pk: { S: pk },
        sk: { S: sk },
        checksum: { S: manifest.checksum },
        source: { S: manifest.source },
        mode: { S: manifest.mode },
        counts: { M: counts },
        seededAt: { S: manifest.seededAt },
        ...(manifest.rawBytes === undefined ? {} : { rawBytes: { N: String(manifest.rawBytes) } }),
      },
    }),
  );
}
