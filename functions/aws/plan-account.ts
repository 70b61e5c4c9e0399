/**
 * Observe, then plan: the read-only half of a reconcile, shared by the CLI and the Lambda handlers.
 */
import type { DesiredState } from '../core/model/desired.ts';
import type { ObservedAccount } from '../core/model/observed.ts';
import type { Plan } from '../core/model/plan.ts';
import { observeRequestFor } from '../core/plan/observe-request.ts';
import { plan } from '../core/plan/planner.ts';
import type { AwsClients } from './clients.ts';
import { observeAccount } from './observe.ts';

/** The plan plus what it was computed from (for reports and for apply's re-observation). */
export interface PlannedAccount {
  plan: Plan;
  observed: ObservedAccount;
}

/** Which tables to plan. */
export interface PlanScope {
  now: Date;
  /** Only these tables (all declared ones when absent). */
  only?: readonly string[];
  /** With `only`: also report unmanaged tables, treating these names as declared (by other batches). */
  declaredElsewhere?: readonly string[];
}

/** Observe what the desired state needs and plan it. Throws ObserveFailed when the account can't be read. */
export async function planAccount(clients: AwsClients, desired: DesiredState, scope: PlanScope): Promise<PlannedAccount> {
  const observed = await observeAccount(clients, observeRequestFor(desired, scope.only, scope.declaredElsewhere));
  const planned = plan({
    desired,
    observed,
    now: scope.now,
    ...(scope.only ? { only: scope.only } : {}),
    ...(scope.only && scope.declaredElsewhere ? { unmanaged: { declaredElsewhere: scope.declaredElsewhere } } : {}),
  });
  return { plan: planned, observed };
}
