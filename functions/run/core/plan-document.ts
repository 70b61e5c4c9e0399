/**
 * The stored plan's fingerprints: what each table looked like when it was planned, and the one comparison that
 * tells whether it is still that table. The operator's plan step and rounds (plan.ts, round.ts) and the CLI's
 * saved plan (saved-plan.ts, `plan -out` / `apply FILE`) all use these, so "unchanged since the plan" means one
 * thing everywhere. Kept apart from saved-plan.ts so the Lambda bundles don't carry the file format's parser.
 */
import type { ObservedAccount, ObservedTable } from '../../core/model/observed.ts';
import type { Plan, TablePlan } from '../../core/model/plan.ts';
import { fingerprint } from '../../core/plan/fingerprint.ts';
import type { PlanDocument } from './documents.ts';

/** Table name → `fingerprint(observed table)` for every table of a plan (`absent` for a table to create). */
export function planFingerprints(plan: Plan, observed: ObservedAccount): Record<string, string> {
  return Object.fromEntries(plan.tables.map((table) => [table.name, fingerprint(observed.tables[table.name])]));
}

/** The stored plan of a batch: the plan as approved and what each table looked like when planned. */
export function makePlanDocument(revision: string, plan: Plan, observed: ObservedAccount): PlanDocument {
  return { revision, plan, fingerprints: planFingerprints(plan, observed) };
}

/**
 * How a table differs from the observation its stored plan was made from; undefined when it is the same table.
 * The one comparison the operator's rounds and `apply FILE` both make.
 */
export function fingerprintChange(stored: Pick<PlanDocument, 'fingerprints'>, name: string, current: ObservedTable | undefined): { planned: string; observed: string } | undefined {
  const planned = stored.fingerprints[name];
  const observed = fingerprint(current);
  return planned === observed ? undefined : { planned: planned ?? 'unknown', observed };
}

/** A table the plan changes: it has actions, or steps for later. Refused and error tables are left alone. */
export function isAffected(table: TablePlan): boolean {
  return table.status !== 'refused' && table.status !== 'error' && (table.actions.length > 0 || (table.pending?.length ?? 0) > 0);
}
