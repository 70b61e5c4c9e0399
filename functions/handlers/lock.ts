/**
 * Lambda: the one-reconcile-at-a-time lock (per account and region). Parse the event, then acquire or release
 * through the shared protocol in functions/aws/run-lock.ts (also used by `tablewarden apply`).
 * acquire: throws `LockHeld` when another run holds it; release: `released: false` when it was not ours.
 */
import { acquireRunLock, releaseRunLock } from '../aws/run-lock.ts';
import { lockEventSchema, type LockResult } from './contracts.ts';
import { handlerClients, logger, parseEvent } from './runtime.ts';

/** Lambda entry point. */
export async function handler(event: unknown): Promise<LockResult> {
  const { action, owner, ttlSeconds } = parseEvent(lockEventSchema, event, 'lock');
  const { dynamodb, env } = handlerClients('lock');
  if (action === 'acquire') {
    const { expiresAt } = await acquireRunLock(dynamodb, { table: env.STATE_TABLE, owner, ttlSeconds });
    logger.info('lock acquired', { owner, expiresAt });
    return { action, owner, expiresAt };
  }
  const released = await releaseRunLock(dynamodb, { table: env.STATE_TABLE, owner });
  if (released) logger.info('lock released', { owner });
  else logger.warn('lock not held by this run at release', { owner });
  return { action, owner, released };
}
