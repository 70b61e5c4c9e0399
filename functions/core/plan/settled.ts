/**
 * Whether DynamoDB will accept another change to a table now: the table, its indexes and its encryption are all
 * at rest. (UpdateTable answers ResourceInUseException otherwise.)
 */
import type { ObservedTable } from '../model/observed.ts';

const BUSY = new Set(['CREATING', 'UPDATING', 'DELETING', 'ENABLING', 'DISABLING']);

/** True when no part of the table is in transition. */
export function isSettled(table: ObservedTable): boolean {
  if (table.status !== 'ACTIVE') return false;
  if (table.globalSecondaryIndexes.some((index) => index.status !== undefined && BUSY.has(index.status))) return false;
  return table.sse.status === undefined || !BUSY.has(table.sse.status);
}
