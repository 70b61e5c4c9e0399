/**
 * Lambda: the run report (functions/run/report.ts): one report in the run store, each table's outcome in the state
 * table, the posture report (report.json, .md, .html) under reports/, a notification on failure, a blocked run, or drift.
 */
import { DYNAMODB_CLIENT } from '../aws/clients.ts';
import { runDependencies, S3_RUN_STORE, SNS_NOTIFIER, type HandlerPorts } from '../run/ports.ts';
import { reportRun } from '../run/report.ts';
import { reportEventSchema, type ReportResult } from './contracts.ts';
import { metrics } from './metrics.ts';
import { logger, parseEvent } from './runtime.ts';

/**
 * What the report uses (infra/permissions.ts grants the same): the run store (and the posture report's files), the
 * state table (run history written, drill history read), SNS.
 */
const PORTS: HandlerPorts = { clients: [DYNAMODB_CLIENT], store: S3_RUN_STORE, notifier: SNS_NOTIFIER };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<ReportResult> {
  const { batches, ...input } = parseEvent(reportEventSchema, event, 'report');
  const failedBatches = batches.flatMap((batch) => (batch.failed ? [{ index: batch.index, error: batch.error ?? 'unknown error' }] : []));
  const report = await reportRun(runDependencies('report', PORTS), { ...input, failedBatches, now: new Date() });
  logger.info('report', { revision: input.revision, status: report.status, tables: report.totals.tables, applied: report.totals.applied, failed: report.totals.failed, failedBatches: failedBatches.length, posture: report.postureLocation });
  metrics.addMetric('TablesFailed', 'Count', report.totals.failed);
  metrics.publishStoredMetrics();
  return { reportKey: report.reportKey, status: report.status, notified: report.notified, tables: report.totals.tables, applied: report.totals.applied, failed: report.totals.failed };
}
