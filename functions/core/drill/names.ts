/**
 * Names and tags of restore-drill copies, and the rules that decide which tables a drill may delete.
 *
 * Why this is pure and separate: deleting a table is the one irreversible thing tablewarden does. The rule "only
 * tables named `tw-drill-*` that carry `tablewarden:drill=true`" lives here once, is unit-tested on its own, and is
 * what the cleanup adapter asks before every DeleteTable (the IAM grant is scoped to `table/tw-drill-*` as well).
 * DynamoDB table names: 3–255 characters of `[a-zA-Z0-9_.-]`
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html).
 */
import { createHash } from 'node:crypto';
import { DRILL_TABLE_PREFIX } from '../plan/declared.ts';

export { DRILL_TABLE_PREFIX };

/** DynamoDB's table name limit. */
export const MAX_TABLE_NAME_LENGTH = 255;

/** The tag that marks a drill copy; cleanup deletes nothing without it. */
export const DRILL_TAG = { key: 'tablewarden:drill', value: 'true' } as const;
/** Where the copy came from: `<kind>:<id>` (a backup ARN, a recovery point ARN, `pitr:<time>`). */
export const DRILL_SOURCE_TAG = 'tablewarden:drill-source';
/** The table the copy is a drill of. */
export const DRILL_OF_TAG = 'tablewarden:drill-of';
/** When the drill started (ISO-8601): the sweep ages copies by it. */
export const DRILL_STARTED_TAG = 'tablewarden:drill-started';

/** Tag values are at most 256 characters (DynamoDB tagging restrictions). */
const MAX_TAG_VALUE = 256;

/** Drill copies older than this are left-overs of an aborted run: the nightly sweep deletes them. */
export const DRILL_SWEEP_AGE_MS = 24 * 60 * 60 * 1000;

/** `20261201T081144Z`: compact UTC time, safe in a table name. */
export function drillTimestamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** Parses {@link drillTimestamp}'s format back; undefined for anything else. */
export function parseDrillTimestamp(text: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) return undefined;
  const date = new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The copy's name: `tw-drill-<table>-<yyyymmddThhmmssZ>`. A table name too long to fit keeps its first characters
 * and gets 8 hex digits of its SHA-256 in place of the rest, so two long names with the same start still get
 * different copies, and the same table and time always give the same name.
 */
export function drillTableName(table: string, startedAt: Date): string {
  const suffix = `-${drillTimestamp(startedAt)}`;
  const room = MAX_TABLE_NAME_LENGTH - DRILL_TABLE_PREFIX.length - suffix.length;
  if (table.length <= room) return `${DRILL_TABLE_PREFIX}${table}${suffix}`;
  const hash = createHash('sha256').update(table).digest('hex').slice(0, 8);
  return `${DRILL_TABLE_PREFIX}${table.slice(0, room - hash.length - 1)}-${hash}${suffix}`;
}

/** When a drill copy was started, from its name's timestamp (undefined when the name has none). */
export function drillStartedFromName(name: string): Date | undefined {
  if (!name.startsWith(DRILL_TABLE_PREFIX)) return undefined;
  return parseDrillTimestamp(name.slice(name.lastIndexOf('-') + 1));
}

/** Where a drill restores from, as the tag and the history name it. */
export interface DrillSourceRef {
  kind: 'aws-backup' | 'dynamodb-backup' | 'pitr';
  /** Recovery point ARN, backup ARN, or the restore time for PITR (`latest` when restoring the latest restorable time). */
  id: string;
}

/** The tags a drill copy gets right after its restore is accepted. */
export function drillTags(table: string, source: DrillSourceRef, startedAt: Date): Record<string, string> {
  return {
    [DRILL_TAG.key]: DRILL_TAG.value,
    [DRILL_SOURCE_TAG]: `${source.kind}:${source.id}`.slice(0, MAX_TAG_VALUE),
    [DRILL_OF_TAG]: table.slice(0, MAX_TAG_VALUE),
    [DRILL_STARTED_TAG]: startedAt.toISOString(),
  };
}

/** Whether cleanup may delete a table, and why not. */
export type DeleteDecision = { allowed: true } | { allowed: false; reason: string };

/**
 * The cleanup guard: a table may be deleted only when its name starts with `tw-drill-` AND it carries
 * `tablewarden:drill=true`. Either alone is not enough: a person may name a table `tw-drill-…`, and a tag can be
 * copied onto any table.
 */
export function mayDeleteDrillTable(name: string, tags: Readonly<Record<string, string>>): DeleteDecision {
  if (!name.startsWith(DRILL_TABLE_PREFIX)) return { allowed: false, reason: `refused to delete ${name}: its name does not start with ${DRILL_TABLE_PREFIX}` };
  if (tags[DRILL_TAG.key] !== DRILL_TAG.value) {
    return { allowed: false, reason: `refused to delete ${name}: it does not carry the tag ${DRILL_TAG.key}=${DRILL_TAG.value}` };
  }
  return { allowed: true };
}

/** What the sweep knows about a table. */
export interface SweepCandidate {
  name: string;
  tags: Readonly<Record<string, string>>;
  /** CreationDateTime (ISO-8601), when known. */
  createdAt?: string;
}

/**
 * When a drill copy was started: its `tablewarden:drill-started` tag, else its name's timestamp, else its
 * CreationDateTime. Undefined when none can be read.
 */
export function drillStartedAt(candidate: SweepCandidate): Date | undefined {
  const tagged = candidate.tags[DRILL_STARTED_TAG];
  const fromTag = tagged === undefined ? undefined : new Date(tagged);
  if (fromTag && !Number.isNaN(fromTag.getTime())) return fromTag;
  const fromName = drillStartedFromName(candidate.name);
  if (fromName) return fromName;
  const created = candidate.createdAt === undefined ? undefined : new Date(candidate.createdAt);
  return created && !Number.isNaN(created.getTime()) ? created : undefined;
}

/**
 * The sweep rule: a drill copy (the cleanup guard passes) started more than 24 hours before `now`. A copy whose age
 * can't be told is left alone (and reported), never guessed old.
 */
export function isStaleDrillTable(candidate: SweepCandidate, now: Date, maxAgeMs = DRILL_SWEEP_AGE_MS): boolean {
  if (!mayDeleteDrillTable(candidate.name, candidate.tags).allowed) return false;
  const started = drillStartedAt(candidate);
  return started !== undefined && now.getTime() - started.getTime() > maxAgeMs;
}
