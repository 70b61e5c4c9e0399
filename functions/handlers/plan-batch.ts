/**
 * Lambda: observe and plan one batch of tables; the plan (with what it was computed from) goes to S3.
 */
import { planAccount } from '../aws/plan-account.ts';
import { runKeys } from '../aws/run-store.ts';
import type { BatchDocument, PlanDocument } from './batch-document.ts';
import { planBatchEventSchema, type PlanBatchResult } from './contracts.ts';
import { handlerClients, logger, metrics, parseEvent } from './runtime.ts';

/** The tables a batch document is about: its valid and invalid tables. */
export function batchTableNames(document: BatchDocument): string[] {
  return [...document.desired.tables.map((table) => table.name), ...document.desired.invalidTables.flatMap((table) => (table.name ? [table.name] : []))];
}

/** Lambda entry point. */
export async function handler(event: unknown): Promise<PlanBatchResult> {
  const { runId, batch } = parseEvent(planBatchEventSchema, event, 'plan-batch');
  const clients = handlerClients('plan-batch');
  const document = (await clients.store.get(batch.key)) as BatchDocument | undefined;
  if (!document) throw new Error(`plan-batch: batch ${batch.key} not found`);
  const { plan, observed } = await planAccount(clients, document.desired, {
    now: new Date(),
    only: batchTableNames(document),
    ...(document.declaredElsewhere ? { declaredElsewhere: document.declaredElsewhere } : {}),
  });
  const planKey = runKeys.plan(runId, batch.index);
  const planDocument: PlanDocument = { revision: document.revision, plan, observed };
  await clients.store.put(planKey, planDocument);
  for (const table of plan.tables.filter((candidate) => candidate.actions.length > 0)) {
    logger.info('drift', { table: table.name, revision: document.revision, actions: table.actions.map((action) => `${action.control}:${action.type}`) });
  }
  const remediated = document.desired.policy.unmanagedTables === 'remediate' ? plan.summary.unmanaged : 0;
  metrics.addMetric('TablesWithDrift', 'Count', plan.tables.filter((table) => table.actions.length > 0).length);
  metrics.addMetric('ApiCalls', 'Count', clients.calls.all().length);
  metrics.publishStoredMetrics();
  return {
    index: batch.index,
    planKey,
    tables: plan.tables.length,
    actions: plan.summary.actions,
    disruptiveTables: plan.tables.filter((table) => table.actions.some((action) => action.risk === 'disruptive')).length,
    errors: plan.summary.error,
    refused: plan.summary.refused,
    unmanaged: plan.summary.unmanaged,
    population: document.desired.tables.length + remediated,
  };
}
