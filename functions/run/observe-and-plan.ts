/**
 * Observe, then plan: the read-only half of a reconcile, for a process that holds the whole desired state (the
 * CLI's plan and apply, the local demo). The workflow splits the same work over batches (plan.ts).
 */
import type { AwsClients } from '../aws/clients.ts';
import { observeAccount } from '../aws/observe.ts';
import type { DesiredState } from '../core/model/desired.ts';
import type { ObservedAccount } from '../core/model/observed.ts';
import type { Plan } from '../core/model/plan.ts';
import { observeRequestFor } from '../core/plan/observe-request.ts';
import { plan } from '../core/plan/planner.ts';

/** The plan plus what it was computed from (apply needs the tables' ARNs and indexes). */
export interface PlannedAccount {
  plan: Plan;
  observed: ObservedAccount;
}

/** Which tables to plan. */
export interface PlanScope {
  now: Date;
  /** Only these tables (all declared ones, and the unmanaged rest, when absent). */
  only?: readonly string[];
  /** Tables whose disruptive changes a person allowed for this run (`--allow-disruptive`). */
  allowDisruptive?: readonly string[];
}

/** Observe what the desired state needs and plan it. Throws ObserveFailed when the account can't be read. */
export async function observeAndPlan(clients: AwsClients, desired: DesiredState, scope: PlanScope): Promise<PlannedAccount> {
  const observed = await observeAccount(clients, observeRequestFor(desired, scope.only));
  const planned = plan({ desired, observed, now: scope.now, ...(scope.only ? { only: scope.only } : {}), ...(scope.allowDisruptive?.length ? { allowDisruptive: scope.allowDisruptive } : {}) });
  return { plan: planned, observed };
}
