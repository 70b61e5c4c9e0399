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

/**
 * What a person watching the apply is waiting for, short: `table UPDATING`, `GSI byEmail backfilling`,
 * `GSI byEmail CREATING`, `SSE UPDATING`; undefined when the table is settled. Same order as unsettledReason.
 */
export function waitingFor(table: TableDescription): string | undefined {
  if (table.TableStatus !== 'ACTIVE') return `table ${table.TableStatus ?? 'in an unknown state'}`;
  const reason = unsettledReason(table);
  if (reason === undefined) return undefined;
  return reason.replace(/^index (\S+) is /, 'GSI $1 ').replace(/^encryption is /, 'SSE ');
}

/** Options for {@link waitUntilSettled}. */
export interface WaitOptions {
  /** Absolute deadline in clock.now() milliseconds. */
  deadline: number;
  clock?: RetryClock;
  /** First poll delay; doubles up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Called when the wait starts and whenever what it waits for changes (`table UPDATING` → `GSI byEmail backfilling`). */
  onWait?: (waitsFor: string) => void;
}

/** Poll until the table is settled; returns its description. Throws WaitTimeout at the deadline. */
export async function waitUntilSettled(clients: AwsClients, tableName: string, options: WaitOptions): Promise<TableDescription> {
  const clock = options.clock ?? realClock;
  let delay = options.initialDelayMs ?? 1_000;
  const max = options.maxDelayMs ?? 15_000;
  let last: string | undefined;
  for (;;) {
    const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    const reason = Table ? unsettledReason(Table) : 'table not found';
    if (Table && reason === undefined) return Table;
    const waitsFor = Table ? (waitingFor(Table) ?? reason ?? 'settling') : 'table to appear';
    if (waitsFor !== last) options.onWait?.(waitsFor);
    last = waitsFor;
    // The last look is at the deadline itself, so "still UPDATING after 30m" is true of the whole 30 minutes.
    if (clock.now() >= options.deadline) {
      throw new WaitTimeout(`${tableName}: ${reason}; not settled by the deadline`, { table: tableName });
    }
    await clock.sleep(Math.min(delay, options.deadline - clock.now()));
    delay = Math.min(max, delay * 2);
  }
}
