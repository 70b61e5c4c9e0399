/**
 * Lambda: one round of changes for one batch.
 *
 * Each round observes and plans again (the plan is a value: recomputing it is how a round knows what is left),
 * then executes only changes the gate approved: the same (table, control, action type) as in the stored plan.
 * It never waits for DynamoDB: a table that is still settling, or that just took a change that needs settling,
 * is left for the next round, and the state machine does the waiting (Lambda time is money and has a 15-minute
 * ceiling; a Wait state costs nothing). A step DynamoDB won't take before a known time (TTL's second step, an
 * hour after the first) makes the round return that wait (`waitSeconds`), so the state machine waits once.
 */
import { applyPlan } from '../aws/apply/apply-plan.ts';
import { planAccount } from '../aws/plan-account.ts';
import { runKeys } from '../aws/run-store.ts';
import { nextRoundWaitSeconds } from '../core/plan/round-wait.ts';
import { isSettled } from '../core/plan/settled.ts';
import type { Action, Plan } from '../core/model/plan.ts';
import type { BatchDocument, PlanDocument } from './batch-document.ts';
import { applyBatchEventSchema, type ApplyBatchResult } from './contracts.ts';
import { batchTableNames } from './plan-batch.ts';
import { handlerClients, logger, metrics, parseEvent } from './runtime.ts';

const approvalKey = (action: Action) => `${action.table}|${action.control}|${action.type}`;

/** Lambda entry point. */
export async function handler(event: unknown): Promise<ApplyBatchResult> {
  const { runId, batch, round, waitSeconds } = parseEvent(applyBatchEventSchema, event, 'apply-batch');
  const clients = handlerClients('apply-batch');
  const [document, approved] = await Promise.all([
    clients.store.get(batch.key) as Promise<BatchDocument | undefined>,
    clients.store.get(runKeys.plan(runId, batch.index)) as Promise<PlanDocument | undefined>,
  ]);
  if (!document || !approved) throw new Error(`apply-batch: batch ${batch.index} of run ${runId} has no ${document ? 'approved plan' : 'batch document'}`);
  // A pending step (TTL's step 2, or a TTL change waiting for ENABLING/DISABLING to end) was in the approved plan
  // too: when a later round finds it due, it runs as the approved change it is.
  const allowed = new Set(
    approved.plan.tables.flatMap((table) => [...table.actions.map(approvalKey), ...(table.pending ?? []).map((step) => approvalKey({ ...step.action, table: table.name, control: step.control }))]),
  );
  const { plan, observed } = await planAccount(clients, document.desired, {
    now: new Date(),
    only: batchTableNames(document),
    ...(document.declaredElsewhere ? { declaredElsewhere: document.declaredElsewhere } : {}),
  });
  const waiting: string[] = [];
  const round_: Plan = {
    ...plan,
    tables: plan.tables.map((table) => {
      const current = observed.tables[table.name];
      if (table.actions.length > 0 && current && !isSettled(current)) {
        waiting.push(table.name);
        return { ...table, actions: [] };
      }
      return { ...table, actions: table.actions.filter((action) => allowed.has(approvalKey(action))) };
    }),
  };
  const result = await applyPlan(clients, round_, document.desired, observed, { settle: 'defer' });
  const resultKey = runKeys.result(runId, batch.index, round);
  await clients.store.put(resultKey, { revision: document.revision, round, waiting, result });
  const applied = result.tables.reduce((sum, table) => sum + table.applied.length, 0);
  const failed = result.tables.filter((table) => table.status === 'failed' || table.status === 'skipped').length;
  for (const table of result.tables) {
    for (const action of table.applied) logger.info('applied', { table: table.table, control: action.control, revision: document.revision, action: action.type });
    if (table.error) logger.error('apply failed', { table: table.table, control: table.error.action?.control, revision: document.revision, reason: table.error.reason, message: table.error.message });
  }
  metrics.addMetric('ActionsApplied', 'Count', applied);
  metrics.addMetric('ApplyFailures', 'Count', failed);
  metrics.addMetric('ApiCalls', 'Count', clients.calls.all().length);
  metrics.publishStoredMetrics();
  const pendingSteps = result.tables.flatMap((table) => table.pending ?? []);
  const settling = waiting.length > 0 || result.tables.some((table) => table.status === 'deferred' && table.notApplied.length > 0);
  const pending = settling || pendingSteps.length > 0 || result.tables.some((table) => table.status === 'deferred');
  return { index: batch.index, round, pending, applied, failed, resultKey, waitSeconds: nextRoundWaitSeconds(new Date(), waitSeconds, { settling, pending: pendingSteps }) };
}
