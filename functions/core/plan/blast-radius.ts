/**
 * The blast-radius guard: a run that would make disruptive changes to more than the allowed share of tables
 * stops before applying anything. One rule, used by the planner (one process) and by the workflow's gate
 * (batches planned separately, judged together).
 */

/** The guard's inputs. */
export interface BlastRadiusInput {
  /** Tables with at least one disruptive action (names when known, else just the count). */
  disruptiveTables: readonly string[] | number;
  /** How many tables the run is responsible for. */
  population: number;
  maxDisruptivePercent: number;
}

/** The verdict. */
export interface BlastRadiusVerdict {
  blocked: boolean;
  sharePercent: number;
  reason: string;
}

/** Judge a run. More than the allowed share blocks it; exactly the share is allowed. */
export function blastRadius(input: BlastRadiusInput): BlastRadiusVerdict {
  const names = typeof input.disruptiveTables === 'number' ? undefined : input.disruptiveTables;
  const count = names ? names.length : (input.disruptiveTables as number);
  const share = input.population === 0 ? 0 : (count / input.population) * 100;
  const limit = input.maxDisruptivePercent;
  const blocked = share > limit;
  const which = names && names.length ? ` (${names.join(', ')})` : '';
  const reason = blocked
    ? `blast-radius guard: ${count} of ${input.population} tables (${share.toFixed(0)}%) would get disruptive changes, above the ${limit}% allowed by policy.yaml blastRadius.maxDisruptivePercent${which}`
    : `${count} of ${input.population} tables (${share.toFixed(0)}%) would get disruptive changes; the policy allows ${limit}%`;
  return { blocked, sharePercent: share, reason };
}
