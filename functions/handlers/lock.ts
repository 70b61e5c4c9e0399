/**
 * Lambda: the one-reconcile-at-a-time lock (per account and region), an item with an expiry in the state table.
 * acquire: conditional put (free, expired, or already ours); otherwise throws `LockHeld`.
 * release: conditional delete (only by its owner).
 */
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { lockEventSchema, type LockResult } from './contracts.ts';
import { handlerClients, logger, namedError, parseEvent } from './runtime.ts';

const LOCK_KEY = { pk: { S: 'LOCK' }, sk: { S: 'reconcile' } };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<LockResult> {
  const { action, owner, ttlSeconds } = parseEvent(lockEventSchema, event, 'lock');
  const { dynamodb, env } = handlerClients('lock');
  const now = Date.now();
  if (action === 'acquire') {
    const expiresAt = new Date(now + ttlSeconds * 1000).toISOString();
    try {
      await dynamodb.send(
        new PutItemCommand({
          TableName: env.STATE_TABLE,
          Item: { ...LOCK_KEY, owner: { S: owner }, expiresAt: { S: expiresAt }, acquiredAt: { S: new Date(now).toISOString() } },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': { S: new Date(now).toISOString() }, ':owner': { S: owner } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      const holder = (error as { Item?: { owner?: { S?: string }; expiresAt?: { S?: string } } }).Item;
      throw namedError('LockHeld', `another reconcile holds the lock: ${holder?.owner?.S ?? 'unknown'} until ${holder?.expiresAt?.S ?? 'unknown'}`);
    }
    logger.info('lock acquired', { owner, expiresAt });
    return { action, owner, expiresAt };
  }
  try {
    await dynamodb.send(
      new DeleteItemCommand({
        TableName: env.STATE_TABLE,
        Key: LOCK_KEY,
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': { S: owner } },
      }),
    );
    logger.info('lock released', { owner });
    return { action, owner, released: true };
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    // Expired and taken over, or never ours: releasing must never remove another run's lock.
    logger.warn('lock not held by this run at release', { owner });
    return { action, owner, released: false };
  }
}
