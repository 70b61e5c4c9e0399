/**
 * Lambda: the one-reconcile-at-a-time lock (per account and region), through functions/run/lock.ts.
 * acquire: throws `LockHeld` when another run holds it; release: `released: false` when it was not ours.
 */
import { acquireLock, releaseLock } from '../run/lock.ts';
import { DYNAMODB_CLIENT } from '../aws/clients.ts';
import { runDependencies, type HandlerPorts } from '../run/ports.ts';
import { lockEventSchema, type LockResult } from './contracts.ts';
import { logger, parseEvent } from './runtime.ts';

/** What the lock uses (infra/permissions.ts grants the same): the lock item in the state table. */
const PORTS: HandlerPorts = { clients: [DYNAMODB_CLIENT] };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<LockResult> {
  const { action, owner, ttlSeconds } = parseEvent(lockEventSchema, event, 'lock');
  const dependencies = runDependencies('lock', PORTS);
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
