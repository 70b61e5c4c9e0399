/**
 * Whether DynamoDB will accept another change to a table now: the table, its indexes and its encryption are all
 * at rest (UpdateTable answers ResourceInUseException otherwise). The one home of the status lists: the workflow
 * (observed tables, `isSettled`) and the CLI's in-process wait (raw DescribeTable, functions/aws/apply/wait.ts)
 * both ask `unsettledReason`.
 */
import type { ObservedTable } from '../model/observed.ts';

/** Table statuses in which DynamoDB accepts changes: only ACTIVE. */
export const SETTLED_TABLE_STATUS = 'ACTIVE';
/** GSI statuses that block the next change. */
export const BUSY_INDEX_STATES: ReadonlySet<string> = new Set(['CREATING', 'UPDATING', 'DELETING']);
/** SSE statuses that block the next change. */
export const BUSY_SSE_STATES: ReadonlySet<string> = new Set(['UPDATING', 'ENABLING', 'DISABLING']);

/** What settling depends on, in either shape (observed model or raw DescribeTable). */
export interface SettleFacts {
  status: string | undefined;
  indexes: ReadonlyArray<{ name?: string | undefined; status?: string | undefined; backfilling?: boolean | undefined }>;
  sseStatus: string | undefined;
}

/** Why the table is not settled yet, or undefined when it is. */
export function unsettledReason(facts: SettleFacts): string | undefined {
  if (facts.status !== SETTLED_TABLE_STATUS) return `table is ${facts.status ?? 'in an unknown state'}`;
  const busy = facts.indexes.find((index) => (index.status !== undefined && BUSY_INDEX_STATES.has(index.status)) || index.backfilling);
  if (busy) return `index ${busy.name} is ${busy.backfilling ? 'backfilling' : busy.status}`;
  if (facts.sseStatus !== undefined && BUSY_SSE_STATES.has(facts.sseStatus)) return `encryption is ${facts.sseStatus}`;
  return undefined;
}

/** True when no part of the observed table is in transition. */
export function isSettled(table: ObservedTable): boolean {
  return unsettledReason({ status: table.status, indexes: table.globalSecondaryIndexes, sseStatus: table.sse.status }) === undefined;
}
