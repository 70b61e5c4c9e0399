/**
 * Lambda: record a drill (functions/run/drill-steps.ts recordStep): its history item in the state table, the
 * AWS Backup validation result for a restore job, and EMF metrics (verdict, RTO, changed share) per table.
 */
import { BACKUP_CLIENT, DYNAMODB_CLIENT } from '../aws/clients.ts';
import type { DrillState } from '../run/drill.ts';
import { recordStep } from '../run/drill-steps.ts';
import { runDependencies, type HandlerPorts } from '../run/ports.ts';
import { drillRecordEventSchema, type DrillRecordResult } from './drill-contracts.ts';
import { metrics } from './metrics.ts';
import { logger, parseEvent } from './runtime.ts';

/** What it uses (infra/permissions.ts grants the same): the state table's history, AWS Backup's validation result. */
const PORTS: HandlerPorts = { clients: [DYNAMODB_CLIENT, BACKUP_CLIENT] };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<DrillRecordResult> {
  const { table, drill, error, now } = parseEvent(drillRecordEventSchema, event, 'drill-record');
  const report = await recordStep(runDependencies('drill-record', PORTS), { table, ...(drill ? { drill: drill as unknown as DrillState } : {}), ...(error ? { error } : {}), ...(now ? { now } : {}) });
  (report.verdict === 'passed' ? logger.info : logger.error).call(logger, 'drill recorded', { table, verdict: report.verdict, reasons: report.reasons, rtoSeconds: report.rtoSeconds, cleanup: report.cleanup });
  metrics.addDimension('table', table);
  metrics.addMetric('DrillPassed', 'Count', report.verdict === 'passed' ? 1 : 0);
  metrics.addMetric('DrillFailed', 'Count', report.verdict === 'passed' ? 0 : 1);
  if (report.rtoSeconds !== undefined) metrics.addMetric('DrillRtoSeconds', 'Seconds', report.rtoSeconds);
  if (report.counts.changedPercent !== undefined) metrics.addMetric('DrillChangedPercent', 'Percent', report.counts.changedPercent);
  metrics.publishStoredMetrics();
  return report;
}
