/**
 * Waiting for DynamoDB to settle between changes, in the caller's process, with a deadline.
 *
 * UpdateTable accepts one change at a time and none while the table, one of its indexes, or its SSE is still
 * changing. So after each change we poll DescribeTable, with backoff, until everything is at rest.
 */
import { DescribeTableCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { unsettledReason as settleReason } from '../../core/plan/settled.ts';
import type { AwsClients } from '../clients.ts';
import { realClock, WaitTimeout, type RetryClock } from './retry.ts';

/** Why a described table is not settled yet, or undefined when it is (the rule lives in core/plan/settled.ts). */
export function unsettledReason(table: TableDescription): string | undefined {
  return settleReason({
    status: table.TableStatus,
    indexes: (table.GlobalSecondaryIndexes ?? []).map((index) => ({ name: index.IndexName, status: index.IndexStatus, backfilling: index.Backfilling })),
    sseStatus: table.SSEDescription?.Status,
  });
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
