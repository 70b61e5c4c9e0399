/**
 * `tablewarden apply` takes the operator's run lock when the account has one, so a person applying and the
 * operator's reconcile (or a second person) never change one account at once. Two applies at once would each create
 * the KMS key an alias lacks; one key per alias needs one writer.
 *
 * The protocol is the workflow's own (functions/aws/run-lock.ts): the lock item in the state table tagged
 * `tablewarden:role=operator`. Without such a table the operator is not installed here: apply proceeds and says it
 * runs without the lock. The lock is renewed while apply runs (a GSI backfill can outlast any fixed expiry), and
 * released at the end, on failure and on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { AwsClients } from '../aws/clients.ts';
import { acquireRunLock, findOperatorStateTable, releaseRunLock, type RunLease } from '../aws/run-lock.ts';
import type { CommandIo } from './io.ts';

/** How the CLI holds the lock; tests set the owner or shorten the times. */
export interface CliLockOptions {
  /** Default `cli:<user>@<host>:<pid>:<random>` (the suffix tells two applies of one process apart). */
  owner?: string;
  /** Lock lifetime without renewal (default 30 minutes): how long a killed CLI blocks the operator. */
  ttlSeconds?: number;
  /** Renewal period (default a third of the lifetime). */
  renewMs?: number;
}

/** A lock held (or the decision to run without one); `release` never throws. */
export interface HeldCliLock {
  lease?: RunLease;
  release(): Promise<void>;
}

/** The owner string people see when a lock blocks them. */
export function cliLockOwner(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): the host and pid still identify the run
  }
  return `cli:${user}@${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * Take the operator's run lock for this apply, or note that there is none. Notes go to stdout in text mode and to
 * stderr with `--output json` (whose stdout is the JSON document).
 * @throws LockHeld when another run holds it (naming the holder and its expiry)
 */
export async function takeCliLock(clients: AwsClients, io: CommandIo, options: CliLockOptions & { text: boolean }): Promise<HeldCliLock> {
  const note = (line: string) => (options.text ? io.out : io.err).write(line + '\n');
  const table = await findOperatorStateTable(clients);
  if (table === undefined) {
    note('No operator state table (tag tablewarden:role=operator) in this account and region: applying without the run lock.');
    return { release: async () => {} };
  }
  const ttlSeconds = options.ttlSeconds ?? 30 * 60;
  const owner = options.owner ?? cliLockOwner();
  let lease = await acquireRunLock(clients.dynamodb, { table, owner, ttlSeconds });
  note(`Holding the run lock in ${table} as ${owner} (renewed while apply runs).`);

  const renew = setInterval(() => {
    acquireRunLock(clients.dynamodb, { table, owner, ttlSeconds }).then(
      (renewed) => (lease = renewed),
      (error: unknown) => io.err.write(`tablewarden: warning: could not renew the run lock in ${table}: ${(error as Error).message}\n`),
    );
  }, options.renewMs ?? (ttlSeconds * 1000) / 3);
  renew.unref();

  let released: Promise<void> | undefined;
  const release = () =>
    (released ??= (async () => {
      clearInterval(renew);
      process.off('SIGINT', onInterrupt);
      try {
        if (!(await releaseRunLock(clients.dynamodb, { table, owner }))) {
          io.err.write(`tablewarden: warning: the run lock in ${table} was no longer held by ${owner} at release\n`);
        }
      } catch (error) {
        io.err.write(`tablewarden: warning: could not release the run lock in ${table} (it expires at ${lease.expiresAt}): ${(error as Error).message}\n`);
      }
    })());
  // Ctrl-C: release first, then exit as interrupted (130), instead of leaving the operator blocked until expiry.
  const onInterrupt = () => {
    io.err.write('\ntablewarden: interrupted; releasing the run lock\n');
    void release().finally(() => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  return { lease, release };
}
