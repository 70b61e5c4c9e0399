/**
 * The one table a command acts on (`drill <table>`, `restore <table>`), looked up in a validated desired state.
 *
 * Why its own module: both commands must refuse the same way, before any AWS call, a table that git does not declare
 * and a table whose file is invalid (an invalid file still claims its table: it is never acted on from a guess).
 */
import type { ValidationResult } from '../core/desired/parse.ts';
import { closestMatch } from '../core/desired/suggest.ts';
import { claimsTable, type DesiredTable } from '../core/model/desired.ts';
import { UsageError } from './run-context.ts';

/**
 * The declared table named `name`.
 * @throws UsageError naming the argument, when the table is not declared in `dir`, or its file is invalid
 */
export function declaredTable(validation: ValidationResult, dir: string, name: string | undefined, usage: string): DesiredTable {
  if (name === undefined || name.trim() === '') throw new UsageError(`<table>: the table is required (${usage})`);
  const invalid = validation.state.invalidTables.find((entry) => claimsTable(entry, name));
  if (invalid) throw new UsageError(`<table> ${name}: its file ${invalid.file} is invalid (see the errors above); fix it first`);
  const table = validation.state.tables.find((entry) => entry.managed && entry.name === name);
  if (!table) {
    const hint = closestMatch(name, validation.state.tables.filter((entry) => entry.managed).map((entry) => entry.name));
    throw new UsageError(`<table> ${name}: not declared in ${dir}/tables${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
  return table;
}

/** Where a table is declared, for messages: `desired-state/tables/customers.yaml`, else the directory. */
export function declaredFile(table: DesiredTable, dir: string): string {
  return table.source?.file ?? `${dir}/tables`;
}
