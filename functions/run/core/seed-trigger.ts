/**
 * Which declared tables the Reconcile run starts a Seed execution for (issue 10, `spec.seed` triggers), pure.
 *
 * The rule: a table whose file declares `spec.seed` is seeded once it exists (ACTIVE), and again whenever the seed
 * object in S3 is another object than the one last seeded. "Another object" is decided cheaply, from one HeadObject
 * per seeded table against the *seed trigger record* the Seed workflow leaves in the operator's state table (pk
 * `SEED#<table>`, sk `source`, next to the run's manifest) when a seed ends `completed` or `unchanged`: the URI,
 * ETag and version id it read. The nightly reconcile then costs one HeadObject and one GetItem per seeded table and
 * reads no seed file. When only the object's metadata changed (same bytes, new ETag, e.g. re-uploaded), the Seed run
 * hashes the file, finds the manifest's checksum and ends `unchanged`; the trigger record then takes the new ETag.
 *
 * Each start is named after the table and the object version (see {@link seedExecutionName}): Step Functions refuses
 * a second execution of the same name (ExecutionAlreadyExists, for 90 days), so two overlapping reconciles, or a
 * reconcile while the first seed of that object is still running, start it once; and a seed of one object version
 * that failed (e.g. refused: the table is not empty and the mode is insert-if-empty) is not retried every night.
 * Changing the object (or the desired state's source) starts a new one.
 *
 * Bounds: the Reconcile state machine starts the seeds in an inline Map, whose input travels in the execution's
 * state (256 KiB quota; the project budget is 64 KiB) and whose iterations cost history events (25,000 quota). So
 * one run starts at most {@link MAX_SEED_STARTS_PER_RUN} seeds and at most {@link MAX_SEED_STARTS_BYTES} of start
 * requests; the others are `deferred` and start on the next run (they still have no trigger record).
 */
import { createHash } from 'node:crypto';
import type { DesiredTable } from '../../core/model/desired.ts';
import type { SeedMode } from './seed.ts';

/** Seeds one Reconcile run starts at most (the Map's items: worst-case history and payload are computed for it). */
export const MAX_SEED_STARTS_PER_RUN = 40;

/** Bytes (JSON) of the start requests one run carries at most; a long S3 key takes room from others. */
export const MAX_SEED_STARTS_BYTES = 24 * 1024;

/** What a table file asks for: its `spec.seed`, with the table's name. */
export interface SeedTarget {
  table: string;
  source: string;
  format: 'auto' | 'json' | 'jsonl' | 'dynamodb-json';
  mode: SeedMode;
}

/** The S3 object as HeadObject saw it (or the seed step read it). */
export interface SourceVersion {
  etag?: string | undefined;
  versionId?: string | undefined;
}

/** What the last seed that ended `completed` or `unchanged` read (pk `SEED#<table>`, sk `source`). */
export interface SeedTriggerRecord extends SourceVersion {
  source: string;
  /** The file's sha256 (the manifest's), for messages. */
  checksum?: string | undefined;
  seededAt: string;
}

/** The state-table key of a table's seed trigger record (beside the manifest's `SEED#<table>` / `manifest`). */
export function seedTriggerKey(table: string): { pk: string; sk: string } {
  return { pk: `SEED#${table}`, sk: 'source' };
}

/** What was observed for one target, by the trigger step's adapter. */
export interface SeedObservation {
  /** DescribeTable's TableStatus, or `missing`. */
  tableStatus: string;
  /** The object, or why it could not be looked at (NotFound, AccessDenied, ...). */
  object: { version: SourceVersion } | { error: string };
  record: SeedTriggerRecord | undefined;
}

/** Why a table is or is not seeded now. */
export type SeedTriggerReason =
  | 'first-seed'
  | 'object-changed'
  | 'source-changed'
  | 'unchanged'
  | 'table-not-ready'
  | 'source-unavailable'
  | 'source-not-allowed';

/** The decision for one table. */
export interface SeedTriggerDecision {
  start: boolean;
  reason: SeedTriggerReason;
  /** One line for the log. */
  detail: string;
}

/** Decides whether to start a seed for `target` from what was observed (see the module comment). */
export function decideSeed(target: SeedTarget, observed: SeedObservation): SeedTriggerDecision {
  if (observed.tableStatus !== 'ACTIVE') {
    return { start: false, reason: 'table-not-ready', detail: `${target.table} is ${observed.tableStatus === 'missing' ? 'not created yet' : observed.tableStatus}; seeded by a later run once ACTIVE` };
  }
  if ('error' in observed.object) {
    return { start: false, reason: 'source-unavailable', detail: `${target.source}: ${observed.object.error}` };
  }
  const record = observed.record;
  if (record === undefined) return { start: true, reason: 'first-seed', detail: `${target.table} has no seed record: seeding from ${target.source}` };
  if (record.source !== target.source) return { start: true, reason: 'source-changed', detail: `${target.table} was seeded from ${record.source}; the table file now names ${target.source}` };
  const version = observed.object.version;
  if (!sameVersion(record, version)) {
    return { start: true, reason: 'object-changed', detail: `${target.source} changed since ${record.seededAt} (ETag ${record.etag ?? '-'} → ${version.etag ?? '-'})` };
  }
  return { start: false, reason: 'unchanged', detail: `${target.source} is the object seeded at ${record.seededAt}` };
}

function sameVersion(a: SourceVersion, b: SourceVersion): boolean {
  // A version id, where the bucket has one, names the object exactly; the ETag names its content otherwise.
  if (a.versionId !== undefined && b.versionId !== undefined) return a.versionId === b.versionId;
  return a.etag !== undefined && a.etag === b.etag;
}

/** The seed targets of a batch's declared tables: those with `spec.seed`. */
export function seedTargets(tables: readonly DesiredTable[]): SeedTarget[] {
  return tables.flatMap((table) => {
    const seed = table.spec.seed;
    if (!table.managed || seed === undefined) return [];
    return [{ table: table.name, source: seed.source, format: seed.format, mode: seed.mode }];
  });
}

/**
 * Whether `source` lies under one of the allowed seed locations (`s3://bucket/prefix`, the stack's `seedSources`).
 * Undefined `allowed`: no restriction configured (local runs).
 */
export function sourceAllowed(source: string, allowed: readonly string[] | undefined): boolean {
  if (allowed === undefined) return true;
  // `s3://bucket` means the whole bucket; anything else is a key prefix (`s3://bucket/seed/`).
  return allowed.some((prefix) => source.startsWith(/^s3:\/\/[^/]+$/.test(prefix) ? `${prefix}/` : prefix));
}

/** Parses the comma-separated SEED_SOURCES environment variable (unset or empty: no restriction). */
export function parseAllowedSources(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
}

/** Characters Step Functions refuses in an execution name (StartExecution `name`), and whitespace. */
// eslint-disable-next-line no-control-regex -- StartExecution refuses control characters in a name (API reference)
const NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/g;

/** Longest execution name Step Functions accepts. */
export const MAX_EXECUTION_NAME = 80;

/**
 * The execution name of a seed of `target` from one object version: `seed-<table>-<hash>`, where the hash covers
 * the table, the URI and the object version (so a new object, or another source, is a new name). At most 80
 * characters; the table part is cut, the hash never.
 */
export function seedExecutionName(target: Pick<SeedTarget, 'table' | 'source'>, version: SourceVersion): string {
  const hash = createHash('sha256').update(JSON.stringify([target.table, target.source, version.etag ?? null, version.versionId ?? null])).digest('hex').slice(0, 16);
  const table = target.table.replace(NAME_FORBIDDEN, '_').slice(0, MAX_EXECUTION_NAME - 'seed--'.length - hash.length);
  return `seed-${table}-${hash}`;
}

/** One Seed execution the Reconcile run starts: its name and its input (the Seed state machine's). */
export interface SeedStart {
  name: string;
  input: SeedTarget & { sourceVersion: SourceVersion };
}

/** What the trigger step found, in counts (the log has each table's detail). */
export interface SeedTriggerCounts {
  /** Declared tables with `spec.seed` in this run. */
  declared: number;
  started: number;
  unchanged: number;
  notReady: number;
  /** Wanted a seed but over this run's bound: started by the next run. */
  deferred: number;
  /** The source could not be looked at, or lies outside the allowed seed sources. */
  failed: number;
}

/** Takes the starts that fit one run (count and bytes), in order; the rest are deferred. */
export function boundStarts(starts: readonly SeedStart[]): { starts: SeedStart[]; deferred: number } {
  const kept: SeedStart[] = [];
  let bytes = 2;
  for (const start of starts) {
    const size = Buffer.byteLength(JSON.stringify(start), 'utf8') + 1;
    if (kept.length >= MAX_SEED_STARTS_PER_RUN || bytes + size > MAX_SEED_STARTS_BYTES) break;
    kept.push(start);
    bytes += size;
  }
  return { starts: kept, deferred: starts.length - kept.length };
}
