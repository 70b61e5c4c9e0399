/**
 * Lambda: one round of one batch's approved plan (functions/run/apply.ts). It never waits for DynamoDB: the state
 * machine waits `waitSeconds` between rounds.
 */
import { applyBatchRound } from '../run/apply.ts';
import { runDependencies } from '../run/ports.ts';
import { applyBatchEventSchema, type ApplyBatchResult } from './contracts.ts';
import { logger, metrics, parseEvent } from './runtime.ts';

/** Lambda entry point. */
export async function handler(event: unknown): Promise<ApplyBatchResult> {
  const request = parseEvent(applyBatchEventSchema, event, 'apply-batch');
  const dependencies = runDependencies('apply-batch');
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
