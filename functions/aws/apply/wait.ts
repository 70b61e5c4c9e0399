/**
 * Waiting for DynamoDB to settle between changes, in the caller's process, with a deadline.
 *
 * UpdateTable accepts one change at a time and none while the table, one of its indexes, or its SSE is still
 * changing. So after each change we poll DescribeTable, with backoff, until everything is at rest.
 */
import { DescribeTableCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import type { AwsClients } from '../clients.ts';
import { realClock, WaitTimeout, type RetryClock } from './retry.ts';

const BUSY_INDEX_STATES = new Set(['CREATING', 'UPDATING', 'DELETING']);

/** Why a table is not settled yet, or undefined when it is. */
export function unsettledReason(table: TableDescription): string | undefined {
  if (table.TableStatus !== 'ACTIVE') return `table is ${table.TableStatus ?? 'in an unknown state'}`;
  const busy = (table.GlobalSecondaryIndexes ?? []).find((index) => BUSY_INDEX_STATES.has(index.IndexStatus ?? '') || index.Backfilling);
  if (busy) return `index ${busy.IndexName} is ${busy.Backfilling ? 'backfilling' : busy.IndexStatus}`;
  if (table.SSEDescription?.Status === 'UPDATING' || table.SSEDescription?.Status === 'ENABLING' || table.SSEDescription?.Status === 'DISABLING') {
    return `encryption is ${table.SSEDescription.Status}`;
  }
  return undefined;
}

/** Options for {@link waitUntilSettled}. */
export interface WaitOptions {
  /** Absolute deadline in clock.now() milliseconds. */
  deadline: number;
  clock?: RetryClock;
  /** First poll delay; doubles up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** Poll until the table is settled; returns its description. Throws WaitTimeout at the deadline. */
export async function waitUntilSettled(clients: AwsClients, tableName: string, options: WaitOptions): Promise<TableDescription> {
  const clock = options.clock ?? realClock;
  let delay = options.initialDelayMs ?? 1_000;
  const max = options.maxDelayMs ?? 15_000;
  for (;;) {
    const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    const reason = Table ? unsettledReason(Table) : 'table not found';
    if (Table && reason === undefined) return Table;
    if (clock.now() + delay > options.deadline) {
      throw new WaitTimeout(`${tableName}: ${reason}; not settled by the deadline`, { table: tableName });
    }
    await clock.sleep(delay);
    delay = Math.min(max, delay * 2);
  }
}
