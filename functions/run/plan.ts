/**
 * Plan one batch: observe only its own tables (per-table reads against the run's account index: zero
 * account-level calls), plan them, and store the plan with each table's fingerprint. The stored plan is what the
 * gate approves and what apply executes.
 */
import type { AwsClients } from '../aws/clients.ts';
import { observeTables } from '../aws/observe.ts';
import type { AccountIndex, ObservedAccount } from '../core/model/observed.ts';
import type { Plan } from '../core/model/plan.ts';
import { declaredTableNames } from '../core/plan/declared.ts';
import { aspectsFor, observeRequestFor } from '../core/plan/observe-request.ts';
import { plan } from '../core/plan/planner.ts';
import type { BatchDocument, PlanDocument } from './core/documents.ts';
import { summarisePlan, type PlanSummary } from './core/gate.ts';
import { runKeys } from './core/keys.ts';
import { makePlanDocument } from './core/plan-document.ts';
import { missingArtefact } from './errors.ts';
import type { BatchRef } from './load.ts';
import type { RunDependencies, RunStore } from './ports.ts';

/** A batch's documents from the store. */
export async function readBatch(store: RunStore, runId: string, batch: BatchRef): Promise<{ document: BatchDocument; index: AccountIndex }> {
  const [document, index] = await Promise.all([store.get(batch.key), store.get(runKeys.index(runId))]);
  if (!document) throw missingArtefact(`batch ${batch.index} of run ${runId}`, batch.key);
  if (!index) throw missingArtefact(`the account index of run ${runId}`, runKeys.index(runId));
  return { document: document as BatchDocument, index: index as AccountIndex };
}

/**
 * Observe some of a batch's tables (all of them by default): declared ones with the aspects their files manage,
 * unmanaged ones with the baseline's.
 */
export async function observeBatchTables(clients: AwsClients, index: AccountIndex, document: BatchDocument, names?: readonly string[]): Promise<ObservedAccount> {
  const wanted = names ? new Set(names) : undefined;
  const declared = declaredTableNames(document.desired).filter((name) => !wanted || wanted.has(name));
  const unmanaged = document.unmanaged.filter((name) => !wanted || wanted.has(name));
  const request = observeRequestFor(document.desired, declared);
  return observeTables(clients, index, { ...request, ...(unmanaged.length > 0 ? { unmanaged: { aspects: aspectsFor(document.desired.policy.baseline), names: unmanaged } } : {}) });
}

/** Plan a batch document against an observation (pure; shared by plan and the tests). */
export function planBatchDocument(document: BatchDocument, observed: ObservedAccount, now: Date): PlanDocument {
  const planned: Plan = plan({
    desired: document.desired,
    observed,
    now,
    only: declaredTableNames(document.desired),
    unmanaged: { names: document.unmanaged },
    ...(document.allowDisruptive ? { allowDisruptive: document.allowDisruptive } : {}),
  });
  return makePlanDocument(document.revision, planned, observed);
}

/** Plan one batch and store its plan; returns the summary the gate adds up. */
export async function planBatch({ clients, store }: RunDependencies, request: { runId: string; batch: BatchRef; now: Date }): Promise<PlanSummary & { planKey: string; plan: Plan; revision: string }> {
  const { runId, batch } = request;
  const { document, index } = await readBatch(store, runId, batch);
  const observed = await observeBatchTables(clients, index, document);
  const planDocument = planBatchDocument(document, observed, request.now);
  const planKey = runKeys.plan(runId, batch.index);
  await store.put(planKey, planDocument);
  const summary = summarisePlan(batch.index, planDocument.plan, document.desired.tables.length, document.desired.policy.unmanagedTables === 'remediate');
  return { ...summary, planKey, plan: planDocument.plan, revision: document.revision };
}
