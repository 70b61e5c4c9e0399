/**
 * The seed run: one table, one source, streamed from the first byte to the table, with a report that accounts for
 * every record (written, rejected, skipped as an existing key, or not written because the run stopped).
 *
 * Steps: DescribeTable (the key schema the reader validates against; a missing table fails before any write) →
 * the manifest in the operator's state table, when given (the same checksum as last time is `unchanged`, unless
 * forced; another is content drift, applied per mode) → insert-if-empty's emptiness check (one Scan, Limit 1;
 * skipped on a resume, since the table then holds our own earlier part) → records from `source.open()` through the
 * streaming reader (functions/core/seed) into the writer (functions/aws/seed-writer.ts). Rejected records go into
 * the report; valid items are still written. Decisions (packing, AIMD, manifest, report) are pure, in
 * functions/run/core/seed.ts.
 *
 * Checksum and manifest: the checksum is the sha256 of the file's raw bytes, known only after a complete read. So
 * when a manifest exists (and the run is not forced or resuming) the file is hashed first, without writing, unless
 * its stored size already differs from the manifest's: an unchanged seed costs one read of the file and no write.
 *
 * Deadline and checkpoint (Lambda's 15 minutes): after `deadline` (or `maxRecords` new records) no new record is taken; the partial batch is sent,
 * in-flight writes finish (each within its retry window, so set the deadline at least that far before the hard
 * limit), and the run returns `checkpointed` with the number of records done and the byte offset of the next one.
 * Resuming re-reads the file from byte 0 and skips the first `recordsDone` records without writing them. Re-reading
 * rather than seeking is deliberate: it rebuilds the checksum (of the whole file) and the duplicate-key table (a
 * key in the second part that repeats one in the first is still caught), and it costs a read, not a write. Nothing
 * is written twice: every record before the checkpoint was written (or rejected, or skipped) before the checkpoint
 * was returned. If the record at `recordsDone` is not at the checkpoint's byte offset, the file changed since the
 * checkpoint, and the run fails instead of writing a mix of two files. Every resumed part takes at least one record,
 * so a chain of parts always ends.
 *
 * Failure: a SeedReadError (truncated JSON, corrupt gzip part way, ...) or a write that exhausted its retries ends
 * the run as `failed` with the reason and the counts: every item written before is counted, and the reason says
 * how many valid items were read but not written. Any other error is thrown when nothing has been written yet
 * (the source's own "not found", access denied), and reported as `failed` once something has.
 */
import { createHash } from 'node:crypto';
import { SeedReadError } from '../core/seed/errors.ts';
import { readSeed, type SeedFormat, type SeedRejection } from '../core/seed/read-seed.ts';
import type { AwsClients } from '../aws/clients.ts';
import { realClock, type RetryClock } from '../aws/apply/retry.ts';
import { SeedWriter, describeSeedKeySchema, readSeedManifest, tableHasItems, writeSeedManifest } from '../aws/seed-writer.ts';
import {
  SeedWriteFailed,
  buildSeedReport,
  manifestDecision,
  manifestPrecheck,
  type SeedCheckpoint,
  type SeedManifest,
  type SeedMode,
  type SeedOutcome,
  type SeedRunReport,
  type SeedStatus,
} from './core/seed.ts';

export { SEED_MODES, SeedTableMissing, SeedWriteFailed } from './core/seed.ts';
export type { SeedCheckpoint, SeedCounts, SeedMode, SeedRunReport, SeedStatus } from './core/seed.ts';

/** Where the bytes come from: opened by the caller (functions/aws/seed-source.ts: s3://bucket/key or a local path). */
export interface SeedSource {
  /** For messages and the report/manifest ("s3://b/k" or the path). */
  uri: string;
  /** Stored size if known (S3 ContentLength / stat), for ETA and the manifest's cheap drift check. */
  sizeBytes?: number;
  /** A fresh stream from byte 0 each call (a resume, and the manifest's hash-first pass, re-read from the start). */
  open(): AsyncIterable<Uint8Array>;
}

/** Progress, after each batch (or insert-only put) settles. */
export interface SeedProgress {
  recordsRead: number;
  written: number;
  rejected: number;
  skipped: number;
  retried: number;
  /** Raw bytes read (compressed, for a gzip file), comparable with `sizeBytes`. */
  bytesRead: number;
  sizeBytes?: number;
  elapsedMs: number;
}

/** One seed run's settings (SEED-API.md). */
export interface SeedRunOptions {
  clients: Pick<AwsClients, 'dynamodb'>;
  table: string;
  source: SeedSource;
  /** Default 'auto'. */
  format?: SeedFormat;
  /** Default 'insert-if-empty'. */
  mode?: SeedMode;
  /** Operator state table holding the seed manifest; absent: no manifest. */
  manifestTable?: string;
  /** Write even when the manifest says the same checksum was seeded. */
  force?: boolean;
  /** Epoch ms: stop reading new items after it, drain in-flight writes, return a checkpoint. */
  deadline?: number;
  /**
   * Stop after this many new records (as at the deadline: drain, return a checkpoint). A bound on one part's work,
   * set by the seed Lambda from SEED_MAX_RECORDS_PER_INVOCATION (tests force several checkpoints with it).
   */
  maxRecords?: number;
  resume?: SeedCheckpoint;
  /** Default 8 batches in flight; adaptive below it. */
  maxConcurrency?: number;
  /**
   * How long one batch keeps resending unprocessed items before the run fails (default 120 s). In-flight batches
   * still finish after the deadline, so a Lambda sets `deadline` at least this far before its own end.
   */
  retryWindowMs?: number;
  onProgress?: (progress: SeedProgress) => void;
  /** Backoff sleeps and jitter (functions/aws/apply/retry.ts); also the time source when `now` is not given. */
  clock?: RetryClock;
  now?: () => number;
}

function detectedFormat(summary: { container: string | undefined; encoding: string | undefined }, fallback: SeedFormat): string {
  if (summary.encoding === 'dynamodb-json') return 'dynamodb-json';
  if (summary.container === 'array') return 'json';
  if (summary.container === 'lines') return 'jsonl';
  return fallback;
}

async function sha256Of(source: SeedSource): Promise<{ checksum: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of source.open()) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { checksum: hash.digest('hex'), bytes };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Seeds one table from one source; see the module comment for the steps, the checkpoint and the failure rules. */
export async function runSeed(options: SeedRunOptions): Promise<SeedRunReport> {
  const clock = options.clock ?? realClock;
  const now = options.now ?? (() => clock.now());
  const started = now();
  const { clients, table, source } = options;
  const mode = options.mode ?? 'insert-if-empty';
  const format = options.format ?? 'auto';
  const resume = options.resume;
  const outcome = (status: SeedStatus, fields: Partial<SeedOutcome>): SeedRunReport =>
    buildSeedReport({ table, source: source.uri, format, mode, status, read: 0, written: 0, skipped: 0, retried: 0, rejections: [], skippedKeys: [], ...fields, durationMs: now() - started });

  const keySchema = await describeSeedKeySchema(clients, table);

  const previous = options.manifestTable === undefined ? undefined : await readSeedManifest(clients, options.manifestTable, table);
  let contentDrift: boolean | undefined = options.manifestTable === undefined ? undefined : false;
  const precheck = manifestPrecheck(previous, { force: options.force === true, resuming: resume !== undefined, sizeBytes: source.sizeBytes });
  if (precheck.kind === 'drift') contentDrift = true;
  if (precheck.kind === 'hash-first') {
    const { checksum } = await sha256Of(source);
    const decision = manifestDecision(previous, checksum);
    if (decision.unchanged) {
      return outcome('unchanged', {
        checksum,
        contentDrift: false,
        reason: `${source.uri} has the checksum seeded into ${table} at ${previous!.seededAt}; nothing written (force to write it again)`,
      });
    }
    contentDrift = decision.contentDrift;
  }

  if (mode === 'insert-if-empty' && resume === undefined && (await tableHasItems(clients, table))) {
    return outcome('refused-not-empty', {
      ...(contentDrift === undefined ? {} : { contentDrift }),
      reason: `${table} already has items and mode insert-if-empty seeds only an empty table; nothing written (use mode upsert to overwrite items with the same key, or insert-only to add only new keys)`,
    });
  }

  const reader = readSeed(source.open(), { keySchema, format });
  const skip = resume?.recordsDone ?? 0;
  let taken = 0;
  const rejections: SeedRejection[] = [];
  const progress = (): void => {
    if (options.onProgress === undefined) return;
    const totals = writer.totals;
    options.onProgress({
      recordsRead: taken,
      written: totals.written + (resume?.written ?? 0),
      rejected: rejections.length,
      skipped: totals.skipped + (resume?.skipped ?? 0),
      retried: totals.retried + (resume?.retried ?? 0),
      bytesRead: reader.summary.rawBytes,
      ...(source.sizeBytes === undefined ? {} : { sizeBytes: source.sizeBytes }),
      elapsedMs: now() - started,
    });
  };
  const writer = new SeedWriter({
    clients,
    table,
    keySchema,
    method: mode === 'insert-only' ? 'conditional' : 'batch',
    ...(options.maxConcurrency === undefined ? {} : { maxConcurrency: options.maxConcurrency }),
    ...(options.retryWindowMs === undefined ? {} : { retryWindowMs: options.retryWindowMs }),
    clock,
    onSettled: progress,
  });

  let stoppedAt: number | undefined;
  let stoppedBy: string | undefined;
  let failure: unknown;
  try {
    for await (const record of reader) {
      if (taken === skip && resume !== undefined && record.offset !== resume.byteOffset) {
        throw new SeedResumeMismatch(`${source.uri} changed since the checkpoint: record ${skip} is at byte ${record.offset}, the checkpoint says byte ${resume.byteOffset}; start the seed over`);
      }
      // At least one new record per part, so a chain of resumed parts always ends.
      if (taken > skip) {
        if (options.deadline !== undefined && now() >= options.deadline) stoppedBy = 'at the deadline';
        else if (options.maxRecords !== undefined && taken - skip >= options.maxRecords) stoppedBy = `at this part's limit of ${options.maxRecords} records`;
        if (stoppedBy !== undefined) {
          stoppedAt = record.offset;
          break;
        }
      }
      taken++;
      if (record.kind === 'rejected') rejections.push(record);
      else if (taken > skip) {
        const wait = writer.add(record.item, record.wireBytes);
        if (wait !== undefined) await wait;
      }
    }
    if (stoppedAt === undefined && taken < skip) {
      throw new SeedResumeMismatch(`${source.uri} changed since the checkpoint: it has ${taken} records, the checkpoint says ${skip} were done; start the seed over`);
    }
  } catch (error) {
    failure = error;
  }
  try {
    await writer.drain();
  } catch (error) {
    failure ??= error;
  }
  progress();

  const totals = writer.totals;
  const summary = reader.summary;
  const common = {
    format: detectedFormat(summary, format),
    read: taken,
    written: totals.written,
    skipped: totals.skipped,
    retried: totals.retried,
    rejections,
    skippedKeys: totals.skippedKeys,
    ...(resume === undefined ? {} : { resume }),
  };
  if (failure !== undefined) {
    const known = failure instanceof SeedReadError || failure instanceof SeedWriteFailed || failure instanceof SeedResumeMismatch;
    const nothingWritten = totals.written + totals.skipped + (resume?.written ?? 0) + (resume?.skipped ?? 0) === 0;
    if (!known && nothingWritten) throw failure;
    const reason = failure instanceof SeedReadError ? `reading stopped: ${failure.message}` : known ? (failure as Error).message : describeError(failure);
    return outcome('failed', { ...common, reason, ...(contentDrift === undefined ? {} : { contentDrift }) });
  }

  if (stoppedAt !== undefined) {
    const partial = outcome('checkpointed', common);
    const checkpoint: SeedCheckpoint = {
      recordsDone: taken,
      byteOffset: stoppedAt,
      written: partial.counts.written,
      rejected: partial.counts.rejected,
      skipped: partial.counts.skipped,
      retried: partial.counts.retried,
    };
    return outcome('checkpointed', {
      ...common,
      checkpoint,
      ...(contentDrift === undefined ? {} : { contentDrift }),
      reason: `stopped ${stoppedBy ?? 'at the deadline'} after ${taken} records (byte ${stoppedAt}); resume with the checkpoint to continue`,
    });
  }

  const checksum = summary.sha256;
  if (previous !== undefined && checksum !== undefined) contentDrift = previous.checksum !== checksum;
  const report = outcome('completed', { ...common, ...(checksum === undefined ? {} : { checksum }), ...(contentDrift === undefined ? {} : { contentDrift }) });
  if (options.manifestTable !== undefined && checksum !== undefined) {
    const manifest: SeedManifest = { checksum, source: source.uri, mode, rawBytes: summary.rawBytes, counts: report.counts, seededAt: new Date(now()).toISOString() };
    try {
      await writeSeedManifest(clients, options.manifestTable, table, manifest);
    } catch (error) {
      report.reason = `every item was handled, but the manifest could not be recorded in ${options.manifestTable} (${describeError(error)}); the next run will not know this seed was applied`;
    }
  }
  report.durationMs = now() - started;
  return report;
}

/** A resumed run found another file than the one its checkpoint was made from. */
export class SeedResumeMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedResumeMismatch';
  }
}
