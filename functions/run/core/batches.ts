/**
 * Splitting a run into batches: every table the run is responsible for (declared tables in scope, and the
 * account's unmanaged tables on a full run) is dealt out in name order, `batchSize` at a time, so no batch is
 * special and unmanaged tables cost each batch its share, not batch 0 all of them.
 */
import { declaredTableNames, unmanagedTableNames } from '../../core/plan/declared.ts';
import type { DesiredState, DesiredTable } from '../../core/model/desired.ts';
import type { BatchDocument } from './documents.ts';

/** What to split. */
export interface BatchInput {
  revision: string;
  desired: DesiredState;
  /** Tables the run is limited to (empty: a full run, which also covers unmanaged tables). */
  requested: readonly string[];
  /** Every table in the account (AccountIndex.tableNames). */
  tableNames: readonly string[];
  /** Tags by table name (AccountIndex.tags), to leave the operator's own tables out. */
  tags: Readonly<Record<string, Record<string, string>>>;
  batchSize: number;
}

/** The split: documents in batch order, and the counts the workflow needs. */
export interface BatchSplit {
  batches: BatchDocument[];
  /** Declared tables in scope. */
  tables: number;
  invalid: number;
  unmanaged: number;
}

/**
 * Requested names the run refuses: not declared in git, and not among `accountTables` (the account's tables, when
 * known). A requested table that exists but is not declared is unmanaged, and planned as such (a Config finding on a
 * table git does not declare: reported, or given the baseline under `unmanagedTables: remediate`).
 */
export function unknownTables(desired: DesiredState, requested: readonly string[], accountTables: readonly string[] = []): string[] {
  const known = new Set([...declaredTableNames(desired), ...accountTables]);
  return requested.filter((name) => !known.has(name));
}

/** Deal the run's tables into batches. Pure; deterministic. */
export function splitIntoBatches(input: BatchInput): BatchSplit {
  const { desired, requested, batchSize } = input;
  const fullRun = requested.length === 0;
  const inScope = desired.tables.filter((table) => fullRun || requested.includes(table.name));
  const invalid = desired.invalidTables.filter((table) => fullRun || (table.name !== undefined && requested.includes(table.name)));
  // A limited run takes in the unmanaged tables it names (never the operator's own tables or drill copies).
  const unmanaged = unmanagedTableNames(desired, input.tableNames, (name) => input.tags[name]).filter((name) => fullRun || requested.includes(name));
  type Slot = { kind: 'declared'; table: DesiredTable } | { kind: 'unmanaged'; name: string };
  const slots: Slot[] = [
    ...inScope.map((table): Slot => ({ kind: 'declared', table })),
    ...unmanaged.map((name): Slot => ({ kind: 'unmanaged', name })),
  ].sort((a, b) => {
    const nameA = a.kind === 'declared' ? a.table.name : a.name;
    const nameB = b.kind === 'declared' ? b.table.name : b.name;
    return nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
  });
  const batches: BatchDocument[] = [];
  for (let start = 0; start < slots.length; start += batchSize) {
    const chunk = slots.slice(start, start + batchSize);
    batches.push({
      revision: input.revision,
      desired: { policy: desired.policy, tables: chunk.flatMap((slot) => (slot.kind === 'declared' ? [slot.table] : [])), invalidTables: [] },
      unmanaged: chunk.flatMap((slot) => (slot.kind === 'unmanaged' ? [slot.name] : [])),
    });
  }
  // Invalid files are reported once, by the first batch (a run with nothing else still gets one batch for them).
  if (invalid.length > 0 || (batches.length === 0 && fullRun)) {
    if (batches.length === 0) batches.push({ revision: input.revision, desired: { policy: desired.policy, tables: [], invalidTables: [] }, unmanaged: [] });
    batches[0]!.desired.invalidTables = invalid;
  }
  return { batches, tables: inScope.length, invalid: invalid.length, unmanaged: unmanaged.length };
}

/** The tables a batch plans: declared (valid and invalid, by readable name) and its unmanaged share. */
export function batchTableNames(document: BatchDocument): string[] {
  return [...declaredTableNames(document.desired), ...document.unmanaged];
}
