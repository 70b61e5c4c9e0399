/**
 * Lambda: one round of one batch's approved plan (functions/run/apply.ts). It never waits for DynamoDB: the state
 * machine waits `waitSeconds` between rounds.
 */
import { applyBatchRound } from '../run/apply.ts';
import { BACKUP_CLIENT, DYNAMODB_CLIENT, KMS_CLIENT, STS_CLIENT, TAGGING_CLIENT } from '../aws/clients.ts';
import { runDependencies, S3_RUN_STORE, type HandlerPorts } from '../run/ports.ts';
import { applyBatchEventSchema, type ApplyBatchResult } from './contracts.ts';
import { metrics } from './metrics.ts';
import { logger, parseEvent } from './runtime.ts';

/**
 * What applying a batch uses (infra/permissions.ts grants the same): the run store, every service a control reads or
 * changes (DynamoDB, KMS, AWS Backup), tagging to refresh its tables' tags, and STS for the operator's identity in
 * key policies (GetCallerIdentity needs no permission).
 */
const PORTS: HandlerPorts = { clients: [DYNAMODB_CLIENT, KMS_CLIENT, BACKUP_CLIENT, TAGGING_CLIENT, STS_CLIENT], store: S3_RUN_STORE };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<ApplyBatchResult> {
  const request = parseEvent(applyBatchEventSchema, event, 'apply-batch');
  const dependencies = runDependencies('apply-batch', PORTS);
  const { result, revision, ...round } = await applyBatchRound(dependencies, { ...request, now: new Date() });
  for (const table of result.tables) {
    for (const action of table.applied) logger.info('applied', { table: table.table, control: action.control, revision, action: action.type });
    if (table.error) logger.error('apply failed', { table: table.table, control: table.error.action?.control, revision, reason: table.error.reason, message: table.error.message });
  }
  metrics.addMetric('ActionsApplied', 'Count', round.applied);
  metrics.addMetric('ApplyFailures', 'Count', round.failed);
  metrics.addMetric('ApiCalls', 'Count', dependencies.clients.calls.all().length);
  metrics.publishStoredMetrics();
  return round;
}
