/**
 * The planner: desired state + observed state + now → a deterministic plan. Pure; no I/O.
 *
 * Ordering follows DynamoDB's rules: keys first (a table can't use a key that doesn't exist), then the table,
 * then the fast per-table settings, then billing and class, then GSIs one at a time, then backup (which needs the
 * table's ARN). Apply runs each action as one call, waiting for ACTIVE in between where DynamoDB needs it.
 */
import { CONTROLS } from '../controls/index.ts';
import type { ControlContext } from '../controls/control.ts';
import { baselineTable, claimsTable, type DesiredState, type DesiredTable } from '../model/desired.ts';
import type { ObservedAccount } from '../model/observed.ts';
import type { Action, ActionDetail, Finding, PendingStep, Plan, Refusal, TablePlan } from '../model/plan.ts';
import { blastRadius, countsAgainstGuard, isDisruptive } from './blast-radius.ts';
import { unmanagedTableNames } from './declared.ts';
import { projectCreatedTable } from './project-create.ts';

/** Phase of each action type; lower runs first. Stable within a phase (control order, then proposal order). */
const PHASE: Record<ActionDetail['type'], number> = {
  CreateKmsKey: 0,
  UpdateKmsKeyRotation: 0,
  CreateTable: 1,
  UpdatePointInTimeRecovery: 2,
  UpdateDeletionProtection: 2,
  UpdateTimeToLive: 2,
  UpdateSse: 2,
  TagResource: 2,
  UpdateStream: 2,
  UpdateContributorInsights: 2,
  UpdateBilling: 3,
  UpdateTableClass: 3,
  DeleteGlobalSecondaryIndex: 4,
  CreateGlobalSecondaryIndex: 4,
  UpdateGlobalSecondaryIndex: 4,
  AddToBackupPlan: 5,
  StartBackupJob: 5,
};

export { DRILL_TABLE_PREFIX, OPERATOR_TAG } from './declared.ts';

/** Inputs to `plan`. */
export interface PlanInput {
  desired: DesiredState;
  observed: ObservedAccount;
  now: Date;
  /** Plan only these tables (all when absent). The blast radius is still measured against every managed table. */
  only?: readonly string[];
  /**
   * Report unmanaged tables even though `only` is set: either exactly `names` (the run's batching already decided
   * which unmanaged tables this batch owns, see functions/run/core/batches.ts), or every unmanaged table except
   * `declaredElsewhere` (names declared by other batches of a larger run).
   */
  unmanaged?: { declaredElsewhere?: readonly string[]; names?: readonly string[] };
  /**
   * Tables whose disruptive changes a person allowed for this run (`--allow-disruptive`): the blast-radius guard
   * does not count them, and the plan records them.
   */
  allowDisruptive?: readonly string[];
}

function planTable(desired: DesiredTable, observed: ObservedAccount, input: PlanInput): TablePlan {
  const base = { name: desired.name, managed: desired.managed, ...(desired.source ? { source: desired.source } : {}) };
  const error = observed.errors[desired.name];
  if (error !== undefined) return { ...base, status: 'error', findings: [], actions: [], refusals: [], error };
  const current = observed.tables[desired.name];
  if (!current && !desired.managed) return { ...base, status: 'unmanaged', findings: [], actions: [], refusals: [] };
  const exists = current !== undefined;
  const context: ControlContext = {
    desired,
    observed: current ?? projectCreatedTable(desired.name, desired.spec, observed, input.now),
    exists,
    account: observed,
    policy: input.desired.policy,
    now: input.now,
  };
  const findings: Finding[] = [];
  const proposals: Array<{ action: Action; order: number }> = [];
  const refusals: Refusal[] = [];
  const pending: PendingStep[] = [];
  const today = input.now.toISOString().slice(0, 10);
  for (const control of CONTROLS) {
    // Most tables have no waiver: skip the search (and its closure) for them; planning 10,000 tables is hot.
    const waiver = desired.waivers.length === 0 ? undefined : desired.waivers.find((candidate) => candidate.control === control.id && candidate.expires >= today);
    if (waiver) {
      findings.push({ control: control.id, status: 'WAIVED', reason: `waived until ${waiver.expires} by ${waiver.owner}: ${waiver.reason}` });
      continue;
    }
    const assessment = control.assess(context);
    findings.push(exists || assessment.status === 'NOT_APPLICABLE' || control.id === 'TW-TABLE-EXISTS' ? { control: control.id, status: assessment.status, reason: assessment.reason } : {
      control: control.id,
      status: 'NON_COMPLIANT',
      reason: assessment.status === 'COMPLIANT' ? 'table does not exist yet (CreateTable sets it)' : `table does not exist yet; ${assessment.reason}`,
    });
    for (const proposal of assessment.actions) {
      proposals.push({ action: { ...proposal, table: desired.name, control: control.id }, order: proposals.length });
    }
    for (const refusal of assessment.refusals ?? []) refusals.push({ control: control.id, reason: refusal });
    for (const step of assessment.pending ?? []) pending.push({ control: control.id, ...step });
  }
  const actions = proposals
    .sort((a, b) => PHASE[a.action.type] - PHASE[b.action.type] || a.order - b.order)
    .map((proposal) => proposal.action);
  if (refusals.length > 0) return { ...base, status: 'refused', findings, actions: [], refusals };
  // A pending step (DynamoDB won't take it yet) still means the table is not in sync.
  const status = !desired.managed ? 'unmanaged' : !exists ? 'create' : actions.length > 0 || pending.length > 0 ? 'update' : 'in-sync';
  // Unmanaged tables only get actions when the policy says to remediate them.
  const keep = desired.managed || input.desired.policy.unmanagedTables === 'remediate';
  return { ...base, status, findings, actions: keep ? actions : [], refusals, ...(keep && pending.length > 0 ? { pending } : {}) };
}

/**
 * KMS keys are account-level: two tables that name the same new alias must not both create it. The first table
 * (in name order) keeps the action; apply runs key actions before any table action that needs the key.
 */
function dedupeAccountActions(tables: TablePlan[]): void {
  const seen = new Set<string>();
  for (const table of tables) {
    // Only key actions are deduplicated: leave every other table's actions as they are (no copy per table).
    if (!table.actions.some((action) => action.type === 'CreateKmsKey' || action.type === 'UpdateKmsKeyRotation')) continue;
    table.actions = table.actions.filter((action) => {
      if (action.type !== 'CreateKmsKey' && action.type !== 'UpdateKmsKeyRotation') return true;
      const key = `${action.type}:${action.alias}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (table.status === 'update' && table.actions.length === 0 && !table.pending?.length) table.status = 'in-sync';
  }
}

/** Compute the plan. Deterministic: tables sorted by name, actions in phase order. */
export function plan(input: PlanInput): Plan {
  const { desired, observed } = input;
  const inScope = (name: string) => !input.only || input.only.includes(name);

  const tables: TablePlan[] = desired.tables.filter((table) => inScope(table.name)).map((table) => planTable(table, observed, input));
  // A file that failed to validate still claims its tables (readable names, and existing tables its file stem
  // names): each is reported as an error, and none is ever planned as unmanaged.
  for (const invalid of desired.invalidTables) {
    if (invalid.name && !inScope(invalid.name)) continue;
    const existing = observed.allTableNames.filter((name) => name !== invalid.name && claimsTable(invalid, name));
    const names = [...(invalid.name ? [invalid.name] : []), ...existing];
    for (const name of names.length > 0 ? names : [invalid.file]) {
      tables.push({
        name,
        managed: true,
        status: 'error',
        source: { file: invalid.file, line: 1 },
        findings: [],
        actions: [],
        refusals: [],
        error: `invalid desired state: ${invalid.errors.join('; ')}`,
      });
    }
  }
  if (!input.only || input.unmanaged) {
    // `names`: the run already decided which unmanaged tables this plan covers (its batch's share of the account).
    const elsewhere = new Set(input.unmanaged?.declaredElsewhere ?? []);
    const unmanaged =
      input.unmanaged?.names ??
      unmanagedTableNames(desired, observed.allTableNames, (name) => observed.tables[name]?.tags).filter((name) => !elsewhere.has(name));
    for (const name of unmanaged) tables.push(planTable(baselineTable(name, desired.policy.baseline), observed, input));
  }
  tables.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  dedupeAccountActions(tables);

  const allowed = new Set(input.allowDisruptive ?? []);
  for (const table of tables) if (allowed.has(table.name) && isDisruptive(table)) table.disruptiveAllowed = true;
  const disruptiveTables = tables.filter(countsAgainstGuard);
  const population = desired.tables.length + (desired.policy.unmanagedTables === 'remediate' ? tables.filter((table) => !table.managed).length : 0);
  const guard = blastRadius({ disruptiveTables: disruptiveTables.map((table) => table.name), population, ...desired.policy.blastRadius });
  const count = (status: TablePlan['status']) => tables.filter((table) => table.status === status).length;
  const allActions = tables.flatMap((table) => table.actions);
  return {
    tables,
    ...(guard.blocked ? { blocked: { reason: guard.reason } } : {}),
    ...(allowed.size ? { allowDisruptive: [...allowed].sort() } : {}),
    summary: {
      create: count('create'),
      update: count('update'),
      inSync: count('in-sync'),
      refused: count('refused'),
      error: count('error'),
      unmanaged: count('unmanaged'),
      actions: allActions.length,
      disruptiveActions: allActions.filter((action) => action.risk === 'disruptive').length,
    },
  };
}
