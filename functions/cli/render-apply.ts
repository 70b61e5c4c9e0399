/**
 * Apply output: live progress lines and the closing convergence report.
 */
import type { ApplyEvent, ApplyResult } from '../aws/apply/apply-plan.ts';
import type { Plan } from '../core/model/plan.ts';
import { painter } from './render-plan.ts';

/** One progress line per finished action (start events are silent: the plan already listed them). */
export function renderApplyEvent(event: ApplyEvent, options: { color: boolean }): string | undefined {
  const paint = painter(options.color);
  const { action } = event;
  if (event.kind === 'done') return `  ${paint('green', '✓')} ${action.table}  ${action.control}  ${action.reason}\n`;
  if (event.kind === 'failed') return `  ${paint('red', '✗')} ${action.table}  ${action.control}  ${action.reason}: ${event.message}\n`;
  return undefined;
}

/** Per table: converged, or what was not applied and why; then one summary line. */
export function renderApplyReport(result: ApplyResult, after: Plan, options: { color: boolean }): string {
  const paint = painter(options.color);
  const lines: string[] = [];
  if (result.blocked) lines.push(paint('red', `Nothing applied: ${result.blocked}`));
  const byTable = new Map(result.tables.map((table) => [table.table, table]));
  for (const table of after.tables.filter((candidate) => candidate.managed)) {
    const applied = byTable.get(table.name);
    if (table.status === 'in-sync') {
      lines.push(`  ${paint('green', '✓')} ${table.name}: in sync${applied ? ` (${applied.applied.length} change${applied.applied.length === 1 ? '' : 's'} applied)` : ''}`);
      continue;
    }
    const why = applied?.error ? `${applied.error.reason}: ${applied.error.message}` : table.error ?? table.refusals.map((refusal) => refusal.reason).join('; ') ?? '';
    lines.push(`  ${paint('red', '✗')} ${table.name}: ${table.status}${why ? ` — ${why}` : ''}`);
    for (const action of applied?.notApplied ?? []) lines.push(`      not applied: ${action.control} ${action.reason}`);
    for (const action of table.actions) if (!applied?.notApplied.includes(action)) lines.push(`      still pending: ${action.control} ${action.reason}`);
  }
  const managed = after.tables.filter((table) => table.managed);
  const inSync = managed.filter((table) => table.status === 'in-sync').length;
  const changes = result.tables.reduce((sum, table) => sum + table.applied.length, 0);
  lines.push('');
  lines.push(
    inSync === managed.length
      ? paint('green', `Apply complete: ${changes} change${changes === 1 ? '' : 's'} applied; all ${managed.length} managed tables are in sync.`)
      : paint('red', `Apply incomplete: ${changes} change${changes === 1 ? '' : 's'} applied; ${managed.length - inSync} of ${managed.length} managed tables are not in sync.`),
  );
  return lines.join('\n') + '\n';
}
