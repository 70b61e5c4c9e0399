/**
 * The run lock, as the run sees it: one reconcile at a time per account and region, in the operator's state table.
 * The protocol (conditional PutItem/DeleteItem, owner and expiry) is functions/aws/run-lock.ts, shared with
 * `tablewarden apply`; this is the workflow's front to it.
 */
import { acquireRunLock, releaseRunLock, type RunLease } from '../aws/run-lock.ts';
import type { RunDependencies } from './ports.ts';

/** Take the lock for `owner`. @throws LockHeld when another run holds it. */
export function acquireLock({ clients, stateTable }: RunDependencies, owner: string, ttlSeconds: number): Promise<RunLease> {
  return acquireRunLock(clients.dynamodb, { table: stateTable, owner, ttlSeconds });
}

/** Release the lock if `owner` still holds it; false when it was not (or no longer) ours. */
export function releaseLock({ clients, stateTable }: RunDependencies, owner: string): Promise<boolean> {
  return releaseRunLock(clients.dynamodb, { table: stateTable, owner });
}
