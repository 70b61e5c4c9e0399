/**
 * Lambda: observe and plan one batch of tables (functions/run/plan.ts); the plan, with each table's fingerprint,
 * goes to the run store.
 */
import { planBatch } from '../run/plan.ts';
import { DYNAMODB_CLIENT, KMS_CLIENT } from '../aws/clients.ts';
import { runDependencies, S3_RUN_STORE, type HandlerPorts } from '../run/ports.ts';
import { planBatchEventSchema, type PlanBatchResult } from './contracts.ts';
import { metrics } from './metrics.ts';
import { logger, parseEvent } from './runtime.ts';

/**
 * What planning a batch uses (infra/permissions.ts grants the same): the run store, and the batch's per-table reads
 * (DynamoDB, and KMS for keys the account index lacks). Account-level reads are load's.
 */
const PORTS: HandlerPorts = { clients: [DYNAMODB_CLIENT, KMS_CLIENT], store: S3_RUN_STORE };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<PlanBatchResult> {
  const { runId, batch } = parseEvent(planBatchEventSchema, event, 'plan-batch');
  const dependencies = runDependencies('plan-batch', PORTS);
  const { plan, revision, ...summary } = await planBatch(dependencies, { runId, batch, now: new Date() });
  const drifted = plan.tables.filter((table) => table.actions.length > 0);
  for (const table of drifted) logger.info('drift', { table: table.name, revision, actions: table.actions.map((action) => `${action.control}:${action.type}`) });
  metrics.addMetric('TablesWithDrift', 'Count', drifted.length);
  metrics.addMetric('ApiCalls', 'Count', dependencies.clients.calls.all().length);
  metrics.publishStoredMetrics();
  return summary;
}
