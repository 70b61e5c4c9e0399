/**
 * BatchWriteItem done right: at most 25 requests per call, and every UnprocessedItems entry retried with capped
 * exponential backoff until written or the attempts run out — then it throws, naming how many items were not
 * written. Nothing is silently lost.
 */
import { BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { AwsClients } from './clients.ts';
import { realClock, type RetryClock } from './apply/retry.ts';

/** DynamoDB's per-call limit. */
export const BATCH_WRITE_LIMIT = 25;

/** Write requests to one table; resolves when every one is written. */
export async function batchWriteAll(
  clients: Pick<AwsClients, 'dynamodb'>,
  table: string,
  requests: readonly WriteRequest[],
  options: { maxAttempts?: number; clock?: RetryClock } = {},
): Promise<void> {
  const clock = options.clock ?? realClock;
  const maxAttempts = options.maxAttempts ?? 10;
  for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
    let pending: WriteRequest[] = requests.slice(start, start + BATCH_WRITE_LIMIT);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= maxAttempts) throw new Error(`BatchWriteItem to ${table}: ${pending.length} item(s) still unprocessed after ${maxAttempts} attempts`);
      if (attempt > 0) await clock.sleep(clock.random() * Math.min(5_000, 50 * 2 ** attempt));
      const response = await clients.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = response.UnprocessedItems?.[table] ?? [];
    }
  }
}
