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

/** Observe what the desired state needs and plan it. Throws ObserveFailed when the account can't be read. */
export async function planAccount(clients: AwsClients, desired: DesiredState, options: { now: Date; only?: readonly string[] }): Promise<PlannedAccount> {
  const observed = await observeAccount(clients, observeRequestFor(desired, options.only));
  return { plan: plan({ desired, observed, now: options.now, ...(options.only ? { only: options.only } : {}) }), observed };
}
