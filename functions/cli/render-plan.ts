/**
 * Plan output for people (reads like `terraform plan`) and for scripts (stable JSON).
 */
import { styleText } from 'node:util';
import type { Action, PendingStep, Plan, TablePlan } from '../core/model/plan.ts';

type Style = Parameters<typeof styleText>[0];

/** Colour only when writing to a terminal and NO_COLOR is not set. */
export function painter(enabled: boolean): (style: Style, text: string) => string {
  return enabled ? (style, text) => styleText(style, text) : (_style, text) => text;
}

const CREATES = new Set<Action['type']>(['CreateTable', 'CreateKmsKey', 'CreateGlobalSecondaryIndex']);

function symbolFor(action: Action): '+' | '~' | '!' {
  if (action.risk === 'disruptive') return '!';
  return CREATES.has(action.type) ? '+' : '~';
}

const HEADLINE: Record<TablePlan['status'], string> = {
  create: 'will be created',
  update: 'will be updated in place',
  'in-sync': 'is in sync',
  refused: 'has changes DynamoDB cannot make (nothing will be applied)',
  error: 'could not be planned',
  unmanaged: 'is not declared in desired-state/ (unmanaged; checked against the policy baseline)',
};

/**
 * One line for a step DynamoDB will not take yet, e.g. "step 2 of 2: enable TTL on expiresAt — pending, not
 * before 2026-11-28T13:00:00Z (DynamoDB accepts one TTL change per table per hour: ...)". Shared with apply's
 * report, so a pending step reads the same before and after apply.
 */
export function pendingText(step: PendingStep): string {
  const when = step.notBefore ? `not before ${step.notBefore.replace(/\.\d{3}Z$/, 'Z')}` : `waits for ${step.waitsFor}`;
  return `${step.description} — pending, ${when}${step.notBefore ? ` (${step.waitsFor})` : ''}`;
}

/** Tables with at least one pending step. */
function pendingTables(plan: Plan): TablePlan[] {
  return plan.tables.filter((table) => (table.pending?.length ?? 0) > 0);
}

/** Render a plan as text. `verbose` also lists compliant tables and every finding. */
export function renderPlanText(plan: Plan, options: { color: boolean; verbose?: boolean }): string {
  const paint = painter(options.color);
  const lines: string[] = [];
  const width = Math.max(0, ...plan.tables.flatMap((table) => [...table.actions, ...table.refusals, ...(table.pending ?? [])].map((item) => item.control.length)));
  for (const table of plan.tables) {
    if (table.status === 'in-sync' && !options.verbose) continue;
    const where = table.source ? paint('dim', `  (${table.source.file}:${table.source.line})`) : '';
    lines.push(`  ${paint('bold', `# ${table.name}`)} ${HEADLINE[table.status]}${where}`);
    for (const action of table.actions) {
      const symbol = symbolFor(action);
      const colour: Style = symbol === '+' ? 'green' : symbol === '~' ? 'yellow' : 'red';
      const risk = action.risk === 'disruptive' ? paint('red', ' (disruptive)') : '';
      lines.push(`  ${paint(colour, symbol)} ${action.control.padEnd(width)}  ${action.reason}${risk}`);
    }
    for (const step of table.pending ?? []) lines.push(`  ${paint('cyan', '…')} ${step.control.padEnd(width)}  ${pendingText(step)}`);
    for (const refusal of table.refusals) lines.push(`  ${paint('red', '!')} ${refusal.control.padEnd(width)}  ${refusal.reason}`);
    if (table.error) lines.push(`  ${paint('red', '!')} ${paint('red', table.error)}`);
    // Findings that no action fixes still matter to a reviewer: say so rather than hide them.
    const acted = new Set([...table.actions, ...(table.pending ?? [])].map((action) => action.control));
    for (const finding of table.findings) {
      const silent = finding.status === 'NON_COMPLIANT' && !acted.has(finding.control) && table.status !== 'create' && table.refusals.length === 0;
      if (silent || finding.status === 'WAIVED' || (options.verbose && !acted.has(finding.control))) {
        lines.push(`    ${paint('dim', `${finding.control}: ${finding.status.toLowerCase().replace('_', '-')} — ${finding.reason}`)}`);
      }
    }
    lines.push('');
  }
  const s = plan.summary;
  const steps = pendingTables(plan).reduce((sum, table) => sum + table.pending!.length, 0);
  if (plan.summary.actions === 0 && s.refused === 0 && s.error === 0 && steps === 0) {
    lines.push(paint('green', 'No changes. The account matches the desired state.'));
  } else {
    lines.push(
      `${paint('bold', 'Plan:')} ${s.create} to create, ${s.update} to update, ${s.inSync} in sync, ${s.refused} refused, ${s.error} with errors, ${s.unmanaged} unmanaged; ` +
        `${s.actions} action${s.actions === 1 ? '' : 's'} (${s.disruptiveActions} disruptive)` +
        (steps > 0 ? `; ${steps} step${steps === 1 ? '' : 's'} pending for a later run (…).` : '.'),
    );
  }
  const allowed = plan.tables.filter((table) => table.disruptiveAllowed).map((table) => table.name);
  if (plan.allowDisruptive?.length) {
    lines.push(paint('yellow', `Allowed for this run by --allow-disruptive: ${plan.allowDisruptive.join(', ')} (${allowed.length ? `disruptive changes to ${allowed.join(', ')} not counted by the blast-radius guard` : 'none of them has a disruptive change'}).`));
  }
  if (plan.blocked) lines.push(paint('red', `Blocked: ${plan.blocked.reason}. Apply will make no change.`));
  return lines.join('\n') + '\n';
}

/** The JSON document scripts consume; field names are a contract. */
export function planToJson(plan: Plan): unknown {
  return {
    tables: plan.tables.map((table) => ({
      name: table.name,
      managed: table.managed,
      status: table.status,
      ...(table.source ? { source: table.source } : {}),
      findings: table.findings.map(({ control, status, reason }) => ({ control, status, reason })),
      actions: table.actions.map(({ table: _table, ...action }) => action),
      refusals: table.refusals.map(({ control, reason }) => ({ control, reason })),
      ...(table.pending?.length ? { pending: table.pending } : {}),
      ...(table.error ? { error: table.error } : {}),
      ...(table.disruptiveAllowed ? { disruptiveAllowed: true } : {}),
    })),
    ...(plan.blocked ? { blocked: plan.blocked } : {}),
    ...(plan.allowDisruptive ? { allowDisruptive: plan.allowDisruptive } : {}),
    summary: plan.summary,
  };
}

/**
 * Exit code contract: 0 no changes, 2 changes pending, 1 errors or refusals. A step DynamoDB won't take yet (TTL's
 * second step) is a change pending too: the account does not match the desired state.
 */
export function planExitCode(plan: Plan): 0 | 1 | 2 {
  if (plan.summary.error > 0 || plan.summary.refused > 0) return 1;
  return plan.summary.actions > 0 || pendingTables(plan).length > 0 ? 2 : 0;
}
