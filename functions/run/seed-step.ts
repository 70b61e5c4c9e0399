/**
 * One part of a seed in the Seed workflow (state-machines/seed.ts): open the source, run the seed until its deadline
 * (functions/run/seed.ts), write the report and the full rejection list to the run store, and tell the workflow
 * what to do next in a few fields: `checkpointed` (call again with this checkpoint), or how it ended.
 *
 * Why the report goes to the store and not into the result: a seed of a large file can reject any number of
 * records, and Step Functions passes at most 256 KiB between states. The result carries counts and keys only.
 *
 * The object must stay the same object across parts: each part re-reads it from byte 0 and skips the records the
 * earlier parts did (runSeed's checkpoint). So the first part notes the object's ETag and version id, later parts
 * compare (one HeadObject), and a part that finds another object fails the seed instead of skipping records of a
 * different file. When a seed ends `completed` or `unchanged`, the version it read becomes the table's seed trigger
 * record, which the Reconcile run compares with the object to decide whether to seed again
 * (functions/run/core/seed-trigger.ts).
 */
import { openSeedSource, seedS3Client } from '../aws/seed-source.ts';
import { headSeedObject, writeSeedTrigger } from '../aws/seed-trigger.ts';
import type { SeedFormat } from '../core/seed/read-seed.ts';
import { seedRunKeys } from './core/keys.ts';
import { sourceAllowed, type SourceVersion } from './core/seed-trigger.ts';
import { namedError } from './errors.ts';
import type { RunDependencies } from './ports.ts';
import { runSeed, type SeedCheckpoint, type SeedCounts, type SeedMode, type SeedRunReport, type SeedStatus } from './seed.ts';

/** What one part is asked to do. */
export interface SeedStepRequest {
  /** The Seed execution's name: its artefacts live under runs/seed/<executionName>/. */
  executionName: string;
  table: string;
  source: string;
  format: SeedFormat;
  mode: SeedMode;
  force: boolean;
  /** 0 for the first part. */
  iteration: number;
  /** The previous part's checkpoint (absent for the first part). */
  resume?: SeedCheckpoint | undefined;
  /** The object the earlier parts read (or the trigger saw, for the first part). */
  sourceVersion?: SourceVersion | undefined;
  /** Epoch ms after which no new record is taken. */
  deadline: number;
  /** At most this many new records in this part (see SeedRunOptions.maxRecords). */
  maxRecords?: number | undefined;
  /** Allowed seed locations (`s3://bucket/prefix`); undefined: no restriction. */
  allowedSources?: readonly string[] | undefined;
  now?: () => number;
}

/** What the workflow gets back: small, whatever the file held. */
export interface SeedStepResult {
  status: SeedStatus;
  table: string;
  source: string;
  iteration: number;
  counts: SeedCounts;
  reason?: string;
  checksum?: string;
  contentDrift?: boolean;
  /** Present when `checkpointed`: pass it back as `resume`. */
  checkpoint?: SeedCheckpoint;
  /** The object this part read (pass it back, so the next part can tell whether it changed). */
  sourceVersion: SourceVersion;
  reportKey: string;
  rejectionsKey: string;
}

/** Longest reason carried in the result (the report has the whole text). */
const MAX_REASON = 2_000;

function sameObject(a: SourceVersion, b: SourceVersion): boolean {
  if (a.versionId !== undefined && b.versionId !== undefined) return a.versionId === b.versionId;
  return a.etag === b.etag;
}

/**
 * Runs one part. Throws `SeedSourceError` (the object is missing, not allowed or unreadable; nothing written),
 * `SeedTableMissing` (nothing written), and AWS errors that happen before anything was written; every other
 * outcome is a result (see runSeed).
 */
export async function runSeedStep(dependencies: Pick<RunDependencies, 'clients' | 'store' | 'stateTable'>, request: SeedStepRequest): Promise<SeedStepResult> {
  const { clients, store, stateTable } = dependencies;
  const now = request.now ?? Date.now;
  const keys = { reportKey: seedRunKeys.report(request.executionName), rejectionsKey: seedRunKeys.rejections(request.executionName) };
  if (!sourceAllowed(request.source, request.allowedSources)) {
    throw namedError('SeedSourceError', `${request.source} is outside the operator's seed sources (${(request.allowedSources ?? []).join(', ')}); add its location to the TableWarden seedSources prop`);
  }

  let version: SourceVersion = {};
  if (request.source.startsWith('s3://')) {
    const head = await headSeedObject(seedS3Client(clients), request.source);
    if ('error' in head) throw namedError('SeedSourceError', `${request.source}: ${head.error}`);
    version = head.version;
  }
  const base = { table: request.table, source: request.source, iteration: request.iteration, sourceVersion: version, ...keys };
  if (request.iteration > 0 && request.sourceVersion !== undefined && !sameObject(request.sourceVersion, version)) {
    const reason = `${request.source} changed since the seed started (ETag ${request.sourceVersion.etag ?? '-'} → ${version.etag ?? '-'}): the records already written came from the old object; start the seed again`;
    const counts = request.resume === undefined ? zeroCounts() : { read: request.resume.recordsDone, written: request.resume.written, rejected: request.resume.rejected, skipped: request.resume.skipped, retried: request.resume.retried };
    await store.put(keys.reportKey, { executionName: request.executionName, iteration: request.iteration, status: 'failed', table: request.table, source: request.source, reason, counts });
    return { ...base, status: 'failed', counts, reason };
  }

  const source = await openSeedSource(request.source, { clients });
  const report = await runSeed({
    clients,
    table: request.table,
    source,
    format: request.format,
    mode: request.mode,
    manifestTable: stateTable,
    force: request.force,
    deadline: request.deadline,
    ...(request.maxRecords === undefined ? {} : { maxRecords: request.maxRecords }),
    ...(request.resume === undefined ? {} : { resume: request.resume }),
    now,
  });
  await writeArtefacts(store, request, report, version, keys);
  if (report.status === 'completed' || report.status === 'unchanged') {
    await writeSeedTrigger(clients, stateTable, request.table, {
      source: request.source,
      ...version,
      ...(report.checksum === undefined ? {} : { checksum: report.checksum }),
      seededAt: new Date(now()).toISOString(),
    });
  }
  return {
    ...base,
    status: report.status,
    counts: report.counts,
    ...(report.reason === undefined ? {} : { reason: report.reason.length > MAX_REASON ? `${report.reason.slice(0, MAX_REASON)}…` : report.reason }),
    ...(report.checksum === undefined ? {} : { checksum: report.checksum }),
    ...(report.contentDrift === undefined ? {} : { contentDrift: report.contentDrift }),
    ...(report.checkpoint === undefined ? {} : { checkpoint: report.checkpoint }),
  };
}

function zeroCounts(): SeedCounts {
  return { read: 0, written: 0, rejected: 0, skipped: 0, retried: 0 };
}

/** The report (without the rejections) and the rejection list, one JSON object a line. */
async function writeArtefacts(
  store: Pick<RunDependencies['store'], 'put' | 'putText'>,
  request: SeedStepRequest,
  report: SeedRunReport,
  version: SourceVersion,
  keys: { reportKey: string; rejectionsKey: string },
): Promise<void> {
  if (store.putText === undefined) throw new Error('seed step: the run store cannot write text (JSON Lines); use the S3 run store');
  const { rejections, ...rest } = report;
  await store.putText(keys.rejectionsKey, rejections.map((rejection) => JSON.stringify(rejection)).join('\n') + (rejections.length > 0 ? '\n' : ''), 'application/x-ndjson');
  await store.put(keys.reportKey, { executionName: request.executionName, iteration: request.iteration, sourceVersion: version, ...rest, rejectionsKey: keys.rejectionsKey });
}
