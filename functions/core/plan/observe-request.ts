/**
 * What the observer must read for a given desired state — derived, so the observer reads no more than the
 * controls need (a table without TTL declared costs no DescribeTimeToLive call).
 */
import type { DesiredSpec, DesiredState } from '../model/desired.ts';

/** Which optional per-table reads a table needs. */
export interface ObserveAspects {
  pointInTimeRecovery: boolean;
  timeToLive: boolean;
  contributorInsights: boolean;
}

/** The observer's work order. */
export interface ObserveRequest {
  tables: Array<{ name: string; aspects: ObserveAspects }>;
  /**
   * Also observe every other table (except drill tables and `declaredElsewhere`) with these aspects: the policy
   * baseline's. `declaredElsewhere` names tables that are declared but observed by another batch of the same run.
   * `names`, when set, limits the unmanaged tables observed to these (still minus drill, declared and
   * `declaredElsewhere` tables): a run spreads the account's unmanaged tables over its batches this way, each batch
   * observing only its share. Without it, every unmanaged table in the account's table list is observed.
   */
  unmanaged?: { aspects: ObserveAspects; declaredElsewhere?: string[]; names?: string[] };
  /** KMS aliases the desired state names, so the planner knows whether each key exists and how it rotates. */
  kmsAliases: string[];
}

/** The reads a spec needs. */
export function aspectsFor(spec: DesiredSpec): ObserveAspects {
  return {
    pointInTimeRecovery: spec.pointInTimeRecovery !== undefined,
    timeToLive: spec.timeToLive !== undefined,
    contributorInsights: spec.contributorInsights !== undefined,
  };
}

/**
 * Build the observe request for a desired state, optionally limited to some tables. With `declaredElsewhere`,
 * unmanaged tables are observed even when limited (the batch of a larger run that reports them).
 */
export function observeRequestFor(desired: DesiredState, only?: readonly string[], declaredElsewhere?: readonly string[]): ObserveRequest {
  const tables = desired.tables.filter((table) => !only || only.includes(table.name));
  const aliases = new Set<string>();
  for (const table of tables) {
    if (table.spec.encryption?.type === 'CUSTOMER_MANAGED') aliases.add(table.spec.encryption.kmsKeyAlias);
  }
  const baseline = desired.policy.baseline;
  if (baseline.encryption?.type === 'CUSTOMER_MANAGED') aliases.add(baseline.encryption.kmsKeyAlias);
  return {
    tables: tables.map((table) => ({ name: table.name, aspects: aspectsFor(table.spec) })),
    ...(!only ? { unmanaged: { aspects: aspectsFor(baseline) } } : declaredElsewhere ? { unmanaged: { aspects: aspectsFor(baseline), declaredElsewhere: [...declaredElsewhere] } } : {}),
    kmsAliases: [...aliases].sort(),
  };
}
