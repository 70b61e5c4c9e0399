/**
 * The seed run's decisions, pure: how items are packed into BatchWriteItem calls, how many calls may be in flight
 * (AIMD), how long to wait before resending, whether the manifest says the seed was already applied, and what the
 * report says. The adapter (functions/aws/seed-writer.ts) and the run (functions/run/seed.ts) only act on them.
 *
 * Limits that bind BatchWriteItem (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html):
 * at most 25 put or delete requests per call, and "up to 16MB of data over the network" per call; an item's wire
 * form (DynamoDB-JSON) can be larger than its 400 KB stored size (base64 binary, escaped strings), so the packer
 * budgets the request's JSON bytes, not DynamoDB's size accounting. UnprocessedItems are not retried by the SDK.
 */
import type { SeedItem, SeedKeySchema } from '../../core/seed/attribute-value.ts';
import { jsonStringBytes } from '../../core/seed/wire-size.ts';
import type { SeedRejection } from '../../core/seed/read-seed.ts';

/** How a seed treats the table's existing items. */
export type SeedMode = 'insert-if-empty' | 'upsert' | 'insert-only';

/** Every mode, for CLI and schema checks. */
export const SEED_MODES: readonly SeedMode[] = ['insert-if-empty', 'upsert', 'insert-only'];

/** How a run ended. */
export type SeedStatus = 'completed' | 'checkpointed' | 'unchanged' | 'refused-not-empty' | 'failed';

/** Write requests per BatchWriteItem call (API reference: "up to 25 item put or delete operations"). */
export const BATCH_WRITE_MAX_ITEMS = 25;

/**
 * Bytes of request body one BatchWriteItem may carry. AWS says "16MB over the network" without saying whether it
 * means 10^6 or 2^20; we budget the smaller reading, 16,000,000 bytes of JSON body.
 */
export const BATCH_WRITE_MAX_BYTES = 16_000_000;

// ---------------------------------------------------------------------------------------------------------------
// Wire size and packing
// ---------------------------------------------------------------------------------------------------------------

// The wire-size functions live in functions/core/seed/wire-size.ts, so the reader can compute an item's wire size
// in the same pass that builds it (one walk per item, not one per consumer); re-exported here for the packer's users.
export { itemWireBytes, jsonStringBytes, putRequestWireBytes, valueWireBytes } from '../../core/seed/wire-size.ts';

/** The body's fixed part: `{"RequestItems":{"<table>":[]}}`. */
export function batchEnvelopeBytes(table: string): number {
  return '{"RequestItems":{:[]}}'.length + jsonStringBytes(table);
}

const NOTHING_READY: readonly never[] = Object.freeze([]);

/**
 * Packs items into BatchWriteItem calls: a batch is sent when it holds 25 items, or when the next item would take
 * the body past {@link BATCH_WRITE_MAX_BYTES}. No single item can pass 16 MB on its own (the reader rejects items
 * over 400 KB stored, at most about 2.4 MB on the wire when every byte is an escaped control character); if one
 * did, it would still be sent alone, and DynamoDB's refusal reported, rather than dropped.
 */
export class BatchPacker<T> {
  private items: T[] = [];
  private bytes: number;

  constructor(
    private readonly envelope: number,
    private readonly maxItems = BATCH_WRITE_MAX_ITEMS,
    private readonly maxBytes = BATCH_WRITE_MAX_BYTES,
  ) {
    this.bytes = envelope;
  }

  /** Number of items waiting. */
  get size(): number {
    return this.items.length;
  }

  /** Adds one item of `wireBytes`; returns the batch to send now (the earlier items) when this one doesn't fit, or a full batch. */
  add(item: T, wireBytes: number): readonly T[][] {
    let ready: T[][] | undefined;
    if (this.items.length > 0 && this.bytes + wireBytes > this.maxBytes) ready = [this.take()];
    this.items.push(item);
    this.bytes += wireBytes;
    if (this.items.length >= this.maxItems) (ready ??= []).push(this.take());
    return ready ?? NOTHING_READY;
  }

  /** The partial batch, if any (at the end or at a checkpoint). */
  flush(): T[] | undefined {
    return this.items.length === 0 ? undefined : this.take();
  }

  private take(): T[] {
    const batch = this.items;
    this.items = [];
    this.bytes = this.envelope;
    return batch;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Adaptive concurrency and backoff
// ---------------------------------------------------------------------------------------------------------------

/**
 * The in-flight limit, by additive increase / multiplicative decrease: a throttled call (an error the SDK had to
 * retry, a ProvisionedThroughputExceeded that outlived its retries, or UnprocessedItems) halves the limit, never
 * below 1; a clean call adds one, up to the maximum. Calls that started before the last cut carry old news (they
 * were sent at the higher rate), so their throttling does not cut again: one burst halves once, not once per call.
 */
export class AimdLimit {
  private current: number;
  private epoch = 0;

  constructor(readonly max: number, initial = max) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`the concurrency limit must be a whole number ≥ 1, got ${max}`);
    this.current = Math.min(max, Math.max(1, Math.floor(initial)));
  }

  /** Calls allowed in flight now. */
  get limit(): number {
    return this.current;
  }

  /** A ticket for a call starting now; pass it back to {@link throttled} or {@link clean}. */
  start(): number {
    return this.epoch;
  }

  /** The call that took `ticket` was throttled: halve, unless a cut since it started already did. */
  throttled(ticket: number): void {
    if (ticket !== this.epoch) return;
    this.current = Math.max(1, Math.floor(this.current / 2));
    this.epoch++;
  }

  /** The call that took `ticket` went through cleanly: one more in flight. */
  clean(ticket: number): void {
    if (ticket !== this.epoch) return;
    this.current = Math.min(this.max, this.current + 1);
  }
}

/** Backoff before resend number `attempt` (0-based): full jitter, `random() × min(cap, base × 2^attempt)`. */
export function backoffMs(attempt: number, random: () => number, baseMs = 50, capMs = 5_000): number {
  return random() * Math.min(capMs, baseMs * 2 ** attempt);
}

/** Error names that mean "too fast, slow down": DynamoDB's item-level throttling and the generic ones. */
const THROTTLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'ThrottledException',
  'TooManyRequestsException',
]);

/** Did this error say "slow down" (after the SDK's own retries)? */
export function isThrottleError(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && THROTTLE_NAMES.has(name);
}

/** A 5xx that outlived the SDK's retries: a put is idempotent, so the writer may send it again. */
export function isServerError(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 500;
}

/** Writing stopped with items unwritten; the message says how many. */
export class SeedWriteFailed extends Error {
  constructor(
    message: string,
    /** Items this failure left unwritten. */
    readonly notWritten: number,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SeedWriteFailed';
  }
}

/** The table to seed does not exist; nothing was written. */
export class SeedTableMissing extends Error {
  constructor(readonly table: string) {
    super(`table ${table} does not exist; create it first (tablewarden apply), then seed it`);
    this.name = 'SeedTableMissing';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Keys in the report
// ---------------------------------------------------------------------------------------------------------------

/** An item's key as plain JSON for the report (numbers stay exact text, binary as base64). */
export function reportKey(item: SeedItem, schema: SeedKeySchema): Record<string, string> {
  const key: Record<string, string> = {};
  for (const part of [schema.partitionKey, schema.sortKey]) {
    if (part === undefined) continue;
    const value = item[part.name];
    if (value === undefined) continue;
    if ('S' in value) key[part.name] = value.S;
    else if ('N' in value) key[part.name] = value.N;
    else if ('B' in value) key[part.name] = Buffer.from(value.B).toString('base64');
  }
  return key;
}

/** Longest list of skipped keys a report carries (the count is always complete). */
export const MAX_REPORTED_SKIPPED_KEYS = 100;

// ---------------------------------------------------------------------------------------------------------------
// Manifest
// ---------------------------------------------------------------------------------------------------------------

/** What a completed seed left in the operator's state table (pk `SEED#<table>`, sk `manifest`). */
export interface SeedManifest {
  checksum: string;
  source: string;
  mode: SeedMode;
  /** Bytes of the file as stored, so a size change is drift without re-reading the file. */
  rawBytes?: number | undefined;
  counts: SeedCounts;
  seededAt: string;
}

/** The manifest's key in the state table. */
export function manifestKey(table: string): { pk: string; sk: string } {
  return { pk: `SEED#${table}`, sk: 'manifest' };
}

/** Before reading the file: what the manifest lets the run know already. */
export type ManifestPrecheck =
  /** Nothing to compare (no manifest, forced, or a resume): seed; drift is known only at the end. */
  | { kind: 'seed' }
  /** The stored size differs from the manifest's: the content changed, no need to hash first. */
  | { kind: 'drift' }
  /** Same size (or unknown): hash the file before writing anything. */
  | { kind: 'hash-first' };

/** Decides whether the file must be hashed before writing, from the manifest and the source's stored size. */
export function manifestPrecheck(previous: SeedManifest | undefined, options: { force: boolean; resuming: boolean; sizeBytes?: number | undefined }): ManifestPrecheck {
  if (previous === undefined || options.force || options.resuming) return { kind: 'seed' };
  if (options.sizeBytes !== undefined && previous.rawBytes !== undefined && options.sizeBytes !== previous.rawBytes) return { kind: 'drift' };
  return { kind: 'hash-first' };
}

/** After hashing: the same content was seeded already (skip, unless forced), or it drifted. */
export function manifestDecision(previous: SeedManifest | undefined, checksum: string): { unchanged: boolean; contentDrift: boolean } {
  if (previous === undefined) return { unchanged: false, contentDrift: false };
  return previous.checksum === checksum ? { unchanged: true, contentDrift: false } : { unchanged: false, contentDrift: true };
}

// ---------------------------------------------------------------------------------------------------------------
// Counts, checkpoint, report
// ---------------------------------------------------------------------------------------------------------------

/** The report's counts. `read` counts records (items and rejected ones); `retried` counts write requests sent again. */
export interface SeedCounts {
  read: number;
  written: number;
  rejected: number;
  skipped: number;
  retried: number;
}

/** Where to stop and how to continue: resuming re-reads from byte 0 and skips the first `recordsDone` records without writing. */
export interface SeedCheckpoint {
  recordsDone: number;
  byteOffset: number;
  written: number;
  rejected: number;
  skipped: number;
  retried: number;
}

/** The run report (SEED-API.md). */
export interface SeedRunReport {
  table: string;
  source: string;
  format: string;
  mode: SeedMode;
  status: SeedStatus;
  reason?: string;
  counts: SeedCounts;
  checksum?: string;
  contentDrift?: boolean;
  rejections: SeedRejection[];
  skippedKeys?: unknown[];
  checkpoint?: SeedCheckpoint;
  durationMs: number;
}

/** What a run gathered, for {@link buildSeedReport}. */
export interface SeedOutcome {
  table: string;
  source: string;
  format: string;
  mode: SeedMode;
  status: SeedStatus;
  reason?: string | undefined;
  /** Records read in this pass (the resumed part included, since a resume re-reads it). */
  read: number;
  /** Written, skipped and retried in this pass only; a resume adds the checkpoint's. */
  written: number;
  skipped: number;
  retried: number;
  rejections: SeedRejection[];
  skippedKeys: unknown[];
  checksum?: string | undefined;
  contentDrift?: boolean | undefined;
  resume?: SeedCheckpoint | undefined;
  checkpoint?: SeedCheckpoint | undefined;
  durationMs: number;
}

/**
 * The report: counts are of the whole seed so far (a resumed run adds what earlier parts wrote, skipped and
 * retried; read and rejected come from this pass, which re-read the earlier part). A failed run's reason says how
 * many valid items read were not written, so nothing is half-written without the report saying so.
 */
export function buildSeedReport(outcome: SeedOutcome): SeedRunReport {
  const earlier = outcome.resume;
  const counts: SeedCounts = {
    read: outcome.read,
    written: outcome.written + (earlier?.written ?? 0),
    rejected: outcome.rejections.length,
    skipped: outcome.skipped + (earlier?.skipped ?? 0),
    retried: outcome.retried + (earlier?.retried ?? 0),
  };
  let reason = outcome.reason;
  if (outcome.status === 'failed') {
    const notWritten = Math.max(0, counts.read - counts.rejected - counts.written - counts.skipped);
    const progress = `${counts.written} item(s) written before it stopped, ${notWritten} valid item(s) read but not written`;
    reason = reason === undefined ? progress : `${reason}; ${progress}`;
  }
  return {
    table: outcome.table,
    source: outcome.source,
    format: outcome.format,
    mode: outcome.mode,
    status: outcome.status,
    ...(reason === undefined ? {} : { reason }),
    counts,
    ...(outcome.checksum === undefined ? {} : { checksum: outcome.checksum }),
    ...(outcome.contentDrift === undefined ? {} : { contentDrift: outcome.contentDrift }),
    rejections: outcome.rejections,
    ...(outcome.mode === 'insert-only' ? { skippedKeys: outcome.skippedKeys } : {}),
    ...(outcome.checkpoint === undefined ? {} : { checkpoint: outcome.checkpoint }),
    durationMs: outcome.durationMs,
  };
}
