/**
 * The one-run-at-a-time lock per account and region: an item with an owner and an expiry in the operator's own
 * state table. The Step Functions workflow (through the `lock` handler) and `tablewarden apply` share this one
 * protocol, so a person applying from a laptop and the nightly reconcile never change the same account at once
 * (two runs at once would each create the KMS key an alias is missing: one key per alias needs one writer).
 *
 * - acquire: a conditional PutItem that succeeds when the lock is free, expired, or already this owner's; otherwise
 *   {@link LockHeld}, naming the holder and its expiry.
 * - release: a conditional DeleteItem by the owner only; `false` when the lock was not (or no longer) ours, so a
 *   release can never remove another run's lock.
 * - the state table is found by its `tablewarden:role=operator` tag (what the CDK stack puts on it), with one
 *   Resource Groups Tagging API call; an account without the operator has no table and so no lock.
 * APIs: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html (ConditionExpression,
 * ReturnValuesOnConditionCheckFailure), https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { OPERATOR_TAG } from '../core/plan/declared.ts';
import { collectPages, errorName } from './async-utils.ts';
import type { AwsClients } from './clients.ts';

/** The lock item's key: one lock per state table, i.e. per account and region. */
export const LOCK_KEY = { pk: { S: 'LOCK' }, sk: { S: 'reconcile' } } as const;

/** Another run holds the lock. `name` is what the workflow's Retry/Catch match. */
export class LockHeld extends Error {
  override name = 'LockHeld';
  constructor(
    readonly table: string,
    readonly holder: string,
    readonly expiresAt: string,
  ) {
    super(`another run holds the lock: ${holder} until ${expiresAt} (lock item in ${table})`);
  }
}

/** A lock this run holds. */
export interface RunLease {
  table: string;
  owner: string;
  /** ISO time after which another run may take the lock over. */
  expiresAt: string;
}

/**
 * Take the lock for `owner` for `ttlSeconds` (free, expired, or already ours: the same owner renews it).
 * @throws LockHeld when another owner holds an unexpired lock
 */
export async function acquireRunLock(
  dynamodb: DynamoDBClient,
  request: { table: string; owner: string; ttlSeconds: number; now?: Date },
): Promise<RunLease> {
  const now = (request.now ?? new Date()).getTime();
  const nowIso = new Date(now).toISOString();
  const expiresAt = new Date(now + request.ttlSeconds * 1000).toISOString();
  try {
    await dynamodb.send(
      new PutItemCommand({
        TableName: request.table,
        Item: { ...LOCK_KEY, owner: { S: request.owner }, expiresAt: { S: expiresAt }, acquiredAt: { S: nowIso } },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':now': { S: nowIso }, ':owner': { S: request.owner } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
    const holder = (error as { Item?: { owner?: { S?: string }; expiresAt?: { S?: string } } }).Item;
    throw new LockHeld(request.table, holder?.owner?.S ?? 'unknown', holder?.expiresAt?.S ?? 'unknown');
  }
  return { table: request.table, owner: request.owner, expiresAt };
}

/** Release the lock if `owner` still holds it; returns whether it did (never removes another run's lock). */
export async function releaseRunLock(dynamodb: DynamoDBClient, lease: { table: string; owner: string }): Promise<boolean> {
  try {
    await dynamodb.send(
      new DeleteItemCommand({
        TableName: lease.table,
        Key: LOCK_KEY,
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': { S: lease.owner } },
      }),
    );
    return true;
  } catch (error) {
    if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
    return false;
  }
}

/**
 * Who holds the lock now: its owner and expiry, or undefined when it is free or expired at `now`. A strongly
 * consistent read (GetItem ConsistentRead), so a lock released a moment ago reads as free. For callers that would
 * rather wait than start a run that fails with {@link LockHeld} (config-events); taking the lock stays acquire's job.
 */
export async function readRunLock(dynamodb: DynamoDBClient, request: { table: string; now: Date }): Promise<{ owner: string; expiresAt: string } | undefined> {
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: request.table, Key: LOCK_KEY, ConsistentRead: true }));
  const owner = Item?.['owner']?.S;
  const expiresAt = Item?.['expiresAt']?.S;
  if (owner === undefined || expiresAt === undefined || expiresAt < request.now.toISOString()) return undefined;
  return { owner, expiresAt };
}

/**
 * The operator's state table in this account and region: the DynamoDB table tagged `tablewarden:role=operator`.
 * Undefined when there is none (the operator is not installed here).
 * @throws Error when several tables carry the tag: which lock would count is ambiguous, so nobody guesses.
 */
export async function findOperatorStateTable(clients: Pick<AwsClients, 'tagging'>): Promise<string | undefined> {
  const request = { ResourceTypeFilters: ['dynamodb:table'], TagFilters: [{ Key: OPERATOR_TAG.key, Values: [OPERATOR_TAG.value] }] };
  const pages = await collectPages(
    (PaginationToken) => clients.tagging.send(new GetResourcesCommand(PaginationToken === undefined ? request : { ...request, PaginationToken })),
    (page) => page.PaginationToken || undefined,
  );
  const names = pages.flatMap((page) => page.ResourceTagMappingList ?? []).flatMap((mapping) => {
    const name = /:table\/([^/]+)$/.exec(mapping.ResourceARN ?? '')?.[1];
    return name === undefined ? [] : [name];
  });
  if (names.length > 1) throw new Error(`several DynamoDB tables are tagged ${OPERATOR_TAG.key}=${OPERATOR_TAG.value} (${names.join(', ')}): cannot tell which holds the run lock`);
  return names[0];
}
