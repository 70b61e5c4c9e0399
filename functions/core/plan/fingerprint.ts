/**
 * A table's observed fingerprint: a stable hash of what the planner saw of it, so apply can tell whether the table
 * it is about to change is still the table that was planned and approved (Terraform's saved plan, per table).
 *
 * Volatile fields are left out: they change without anyone changing the table, and a plan made from them stays
 * right. Left out: the table's, its indexes' and its encryption's transition status (UPDATING → ACTIVE is
 * DynamoDB settling, not drift), the time of the newest recovery point (a nightly backup is not a change), and
 * its KMS key's rotation and aliases (account-level: a shared key is changed by whichever batch plans it).
 * Everything else a control reads is in: a different fingerprint means the plan may no longer be the right one.
 */
import type { ObservedTable } from '../model/observed.ts';

/** The fingerprint of a table that does not exist (a planned CreateTable expects exactly that). */
export const ABSENT_FINGERPRINT = 'absent';

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, field]) => field !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
}

/** FNV-1a, 64-bit: fast, dependency-free and stable across processes (not a security boundary). */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let index = 0; index < text.length; index++) {
    hash ^= BigInt(text.charCodeAt(index));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/** The observation minus its volatile fields (exported so a test can show what a fingerprint covers). */
export function fingerprintedView(table: ObservedTable): unknown {
  const { status: _status, sse, globalSecondaryIndexes, backup, kmsKey, ...rest } = table;
  const { status: _sseStatus, ...stableSse } = sse;
  const { latestRecoveryPointAt: _latest, ...stableBackup } = backup;
  return {
    ...rest,
    sse: stableSse,
    // Which key, and whether it can be used; its rotation and aliases are account-level (another batch's
    // UpdateKmsKeyRotation or CreateAlias on a shared key is not a change to this table).
    ...(kmsKey ? { kmsKey: { arn: kmsKey.arn, keyManager: kmsKey.keyManager, keyState: kmsKey.keyState } } : {}),
    backup: { ...stableBackup, planNames: [...stableBackup.planNames].sort() },
    globalSecondaryIndexes: globalSecondaryIndexes.map(({ status: _indexStatus, ...index }) => index).sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

/** The fingerprint of one observed table, or of its absence. Pure and deterministic. */
export function fingerprint(table: ObservedTable | undefined): string {
  return table === undefined ? ABSENT_FINGERPRINT : fnv1a64(canonicalJson(fingerprintedView(table)));
}
