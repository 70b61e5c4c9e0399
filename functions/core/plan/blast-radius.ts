/**
 * The blast-radius guard: a run that would make disruptive changes to more tables than policy.yaml allows stops
 * before applying anything. One rule, used by the planner (one process) and by the workflow's gate (batches
 * planned separately, judged together).
 *
 * Two allowances, and the guard fires only above both: `maxDisruptivePercent` (a share, which keeps a large account
 * safe) and `maxDisruptiveTables` (a count, which keeps a small account usable: one table of three is 33%). Tables
 * named for one run with `--allow-disruptive` are not counted; the plan and the report record them.
 */

import type { TablePlan } from '../model/plan.ts';

/** Does this table plan make a disruptive change? */
export function isDisruptive(table: Pick<TablePlan, 'actions'>): boolean {
  return table.actions.some((action) => action.risk === 'disruptive');
}

/** A disruptive table the guard counts: not allowed for this run by `--allow-disruptive`. */
export function countsAgainstGuard(table: Pick<TablePlan, 'actions' | 'disruptiveAllowed'>): boolean {
  return isDisruptive(table) && !table.disruptiveAllowed;
}

/** policy.yaml's two allowances (`blastRadius`). */
export interface BlastRadiusPolicy {
  maxDisruptivePercent: number;
  maxDisruptiveTables: number;
}

/** The guard's inputs. */
export interface BlastRadiusInput extends BlastRadiusPolicy {
  /** Tables with at least one disruptive action not allowed for this run (names when known, else just the count). */
  disruptiveTables: readonly string[] | number;
  /** How many tables the run is responsible for. */
  population: number;
}

/** The verdict. */
export interface BlastRadiusVerdict {
  blocked: boolean;
  sharePercent: number;
  reason: string;
}

/** Judge a run. Above both allowances blocks it; at either one exactly is allowed. */
export function blastRadius(input: BlastRadiusInput): BlastRadiusVerdict {
  const names = typeof input.disruptiveTables === 'number' ? undefined : input.disruptiveTables;
  const count = names ? names.length : (input.disruptiveTables as number);
  const share = input.population === 0 ? 0 : (count / input.population) * 100;
  const { maxDisruptivePercent: percent, maxDisruptiveTables: tables } = input;
  const blocked = share > percent && count > tables;
  const which = names && names.length ? `: ${names.join(', ')}` : '';
  const tablesAllowed = `${tables} ${tables === 1 ? 'table' : 'tables'}`;
  const reason = blocked
    ? `blast-radius guard: ${count} of ${input.population} tables (${share.toFixed(0)}%) would get disruptive changes, above both allowances of policy.yaml, ${percent}% (blastRadius.maxDisruptivePercent) and ${tablesAllowed} (blastRadius.maxDisruptiveTables)${which}. Review them, then allow them for one run with --allow-disruptive TABLE..., or raise an allowance in policy.yaml`
    : `${count} of ${input.population} tables (${share.toFixed(0)}%) would get disruptive changes; policy.yaml allows ${percent}% or ${tablesAllowed}`;
  return { blocked, sharePercent: share, reason };
}
