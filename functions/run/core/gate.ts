/**
 * Gate and approval: the account-wide blast-radius rule (functions/core/plan/blast-radius.ts) over every batch's
 * plan, before any batch applies anything, and the same rule again for a table that changed after approval and
 * had to be re-planned: a re-plan may never add disruptive changes beyond what the run was allowed.
 */
import { blastRadius, countsAgainstGuard, isDisruptive, type BlastRadiusPolicy } from '../../core/plan/blast-radius.ts';
import type { Plan, TablePlan } from '../../core/model/plan.ts';

/** A batch plan in a few numbers (what PlanBatch returns and the gate adds up). */
export interface PlanSummary {
  index: number;
  tables: number;
  actions: number;
  /** Tables with at least one disruptive action, except those allowed for this run (`--allow-disruptive`). */
  disruptiveTables: number;
  errors: number;
  refused: number;
  unmanaged: number;
  /** Tables this batch is responsible for: its managed tables, plus unmanaged ones it remediates. */
  population: number;
}

/** What the run was approved for; apply re-gates a changed table against it. */
export interface Approval extends BlastRadiusPolicy {
  disruptiveTables: number;
  population: number;
}

/** The gate's verdict. */
export interface GateVerdict {
  proceed: boolean;
  actions: number;
  disruptiveTables: number;
  reason: string;
  approval: Approval;
}

/** Summarise one batch's plan for the gate. `remediatesUnmanaged`: policy.yaml's `unmanagedTables: remediate`. */
export function summarisePlan(index: number, plan: Plan, managedTables: number, remediatesUnmanaged: boolean): PlanSummary {
  return {
    index,
    tables: plan.tables.length,
    actions: plan.summary.actions,
    disruptiveTables: plan.tables.filter(countsAgainstGuard).length,
    errors: plan.summary.error,
    refused: plan.summary.refused,
    unmanaged: plan.summary.unmanaged,
    population: managedTables + (remediatesUnmanaged ? plan.summary.unmanaged : 0),
  };
}

/** Judge the whole run from its batches' summaries. */
export function gateRun(summaries: readonly Pick<PlanSummary, 'actions' | 'disruptiveTables' | 'population'>[], policy: BlastRadiusPolicy): GateVerdict {
  const disruptiveTables = summaries.reduce((sum, plan) => sum + plan.disruptiveTables, 0);
  const population = summaries.reduce((sum, plan) => sum + plan.population, 0);
  const actions = summaries.reduce((sum, plan) => sum + plan.actions, 0);
  const verdict = blastRadius({ disruptiveTables, population, ...policy });
  return { proceed: !verdict.blocked, actions, disruptiveTables, reason: verdict.reason, approval: { disruptiveTables, population, ...policy } };
}

/** The re-gate's verdict on one re-planned table. */
export interface RegateVerdict {
  allowed: boolean;
  /** 1 when the re-plan makes the table disruptive and the approved plan did not (counted from then on). */
  addedDisruptive: number;
  reason: string;
}

/**
 * Re-gate a table that changed since approval: its re-plan counts as one more disruptive table when it is
 * disruptive and the approved plan for it was not, on top of what the run was approved for (and what this batch
 * already added). Within the share: allowed; above it: refused, and the table is left alone.
 */
export function regateTable(
  approval: Approval,
  alreadyAdded: number,
  approved: Pick<TablePlan, 'actions' | 'disruptiveAllowed'> | undefined,
  /** Planned with the run's `allowDisruptive`, so an allowed table's re-plan is marked `disruptiveAllowed` too. */
  replanned: Pick<TablePlan, 'name' | 'actions' | 'disruptiveAllowed'>,
): RegateVerdict {
  if (replanned.disruptiveAllowed) return { allowed: true, addedDisruptive: 0, reason: `disruptive changes to ${replanned.name} are allowed for this run (--allow-disruptive)` };
  const addedDisruptive = isDisruptive(replanned) && !(approved && countsAgainstGuard(approved)) ? 1 : 0;
  if (addedDisruptive === 0) return { allowed: true, addedDisruptive, reason: 'the re-plan adds no disruptive table' };
  const verdict = blastRadius({
    disruptiveTables: approval.disruptiveTables + alreadyAdded + addedDisruptive,
    population: approval.population,
    maxDisruptivePercent: approval.maxDisruptivePercent,
    maxDisruptiveTables: approval.maxDisruptiveTables,
  });
  return { allowed: !verdict.blocked, addedDisruptive, reason: verdict.reason };
}
