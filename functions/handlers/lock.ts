/**
 * Lambda: the one-reconcile-at-a-time lock (per account and region), through functions/run/lock.ts.
 * acquire: throws `LockHeld` when another run holds it; release: `released: false` when it was not ours.
 */
import { acquireLock, releaseLock } from '../run/lock.ts';
import { runDependencies } from '../run/ports.ts';
import { lockEventSchema, type LockResult } from './contracts.ts';
import { logger, parseEvent } from './runtime.ts';

/** Lambda entry point. */
export async function handler(event: unknown): Promise<LockResult> {
  const { action, owner, ttlSeconds } = parseEvent(lockEventSchema, event, 'lock');
  const dependencies = runDependencies('lock');
  if (action === 'acquire') {
    const { expiresAt } = await acquireLock(dependencies, owner, ttlSeconds);
    logger.info('lock acquired', { owner, expiresAt });
    return { action, owner, expiresAt };
  }
  const released = await releaseLock(dependencies, owner);
  if (released) logger.info('lock released', { owner });
  else logger.warn('lock not held by this run at release', { owner });
  return { action, owner, released };
}
