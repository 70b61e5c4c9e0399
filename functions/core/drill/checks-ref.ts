/**
 * Where a drill target's declared checks wait while the Drill state machine runs, and how their integrity is told.
 * Why: 100 checks with keys at DynamoDB's key size limits (255-byte names, 2,048 + 1,024-byte values) are ~360 KB,
 * past Step Functions' 256 KiB between states (the project keeps 64 KiB: test/workflow/drill-budget.test.ts), so
 * drill-targets moves them to the run store and the state carries this reference. Pure; its own module so the drill
 * step bundles that read checks back don't pull in the desired-state parser.
 */
import { createHash } from 'node:crypto';

/** A target's declared checks in the run store. */
export interface ChecksRef {
  key: string;
  count: number;
  /** SHA-256 of their JSON text: what validation reads back must be what the bundle declared. */
  sha256: string;
}

/** The prefix of the checks' objects: content-addressed, so a retried write is the same object. */
export const DRILL_CHECKS_PREFIX = 'runs/drills/checks/';

/** SHA-256 (hex) of the checks as stored (their JSON text). */
export const checksDigest = (checks: unknown): string => createHash('sha256').update(JSON.stringify(checks)).digest('hex');

/** The reference for a list of checks. */
export function checksRefOf(checks: readonly unknown[]): ChecksRef {
  const sha256 = checksDigest(checks);
  return { key: `${DRILL_CHECKS_PREFIX}${sha256}.json`, count: checks.length, sha256 };
}
