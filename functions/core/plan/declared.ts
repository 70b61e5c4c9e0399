/**
 * Which tables a run is responsible for, decided once: the declared ones (valid files, and the readable names of
 * invalid files, which still claim their tables) and the unmanaged rest of the account. The planner, the run's
 * batching (functions/run/core/batches.ts) and the CLI all ask here, so "declared" means one thing everywhere.
 */
import { claimsTable, type DesiredState } from '../model/desired.ts';

/** Temporary restore-drill tables are the operator's own and never reported as unmanaged. */
export const DRILL_TABLE_PREFIX = 'tw-drill-';

/**
 * The tag that marks tablewarden's own tables (its state table, created by its CDK stack, not declared in git):
 * they are never reported as unmanaged.
 */
export const OPERATOR_TAG = { key: 'tablewarden:role', value: 'operator' } as const;

/** Every table name git declares: valid tables, and invalid files' readable names. Sorted, unique. */
export function declaredTableNames(desired: Pick<DesiredState, 'tables' | 'invalidTables'>): string[] {
  const names = new Set([...desired.tables.map((table) => table.name), ...desired.invalidTables.flatMap((table) => (table.name ? [table.name] : []))]);
  return [...names].sort();
}

/**
 * The account's tables that git does not declare and no invalid file claims (by name or file stem), minus restore
 * drills and the operator's own tables (`tags`: table name → tags, when known). In `tableNames` order.
 */
export function unmanagedTableNames(
  desired: Pick<DesiredState, 'tables' | 'invalidTables'>,
  tableNames: readonly string[],
  tags: (name: string) => Record<string, string> | undefined = () => undefined,
): string[] {
  const declared = new Set(declaredTableNames(desired));
  return tableNames.filter(
    (name) =>
      !declared.has(name) &&
      !name.startsWith(DRILL_TABLE_PREFIX) &&
      tags(name)?.[OPERATOR_TAG.key] !== OPERATOR_TAG.value &&
      !desired.invalidTables.some((invalid) => claimsTable(invalid, name)),
  );
}
