/**
 * Lambda: the run report. Reads every batch's plan and apply results from S3, writes one report, records each
 * table's outcome in the state table (its history), and notifies on failure, a blocked run, or drift found in
 * plan mode.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import { listKeys } from '../aws/run-listing.ts';
import { runKeys } from '../aws/run-store.ts';
import { batchWriteAll } from '../aws/batch-write.ts';
import type { ApplyResult } from '../aws/apply/apply-plan.ts';
import type { PlanDocument } from './batch-document.ts';
import { reportEventSchema, type ReportResult } from './contracts.ts';
import { handlerClients, logger, metrics, parseEvent } from './runtime.ts';

/** One table's line in the report. */
export interface ReportTable {
  name: string;
  managed: boolean;
  planned: string;
  actions: number;
  applied: number;
  outcome: 'in-sync' | 'changed' | 'drift' | 'failed' | 'refused' | 'error' | 'unmanaged';
  error?: string;
}

/** Lambda entry point. */
export async function handler(event: unknown): Promise<ReportResult> {
  const input = parseEvent(reportEventSchema, event, 'report');
  const clients = handlerClients('report');
  const { store, env } = clients;
  const planKeys = await listKeys(store, runKeys.prefix(input.runId, 'plans'));
  const resultKeys = await listKeys(store, runKeys.prefix(input.runId, 'results'));
  const plans = (await Promise.all(planKeys.map((key) => store.get(key)))) as PlanDocument[];
  const results = (await Promise.all(resultKeys.map((key) => store.get(key)))) as Array<{ round: number; result: ApplyResult }>;

  const applied = new Map<string, number>();
  const lastError = new Map<string, string | undefined>();
  for (const { result } of results) {
    for (const table of result.tables) {
      applied.set(table.table, (applied.get(table.table) ?? 0) + table.applied.length);
      // Rounds are read in order, so a later success clears an earlier deferral.
      lastError.set(table.table, table.status === 'failed' || table.status === 'skipped' ? `${table.error?.reason}: ${table.error?.message}` : undefined);
    }
  }
  const tables: ReportTable[] = plans.flatMap((document) =>
    document.plan.tables.map((table): ReportTable => {
      const done = applied.get(table.name) ?? 0;
      const error = lastError.get(table.name) ?? table.error;
      const outcome: ReportTable['outcome'] =
        table.status === 'refused' ? 'refused'
        : table.status === 'error' ? 'error'
        : error ? 'failed'
        : !table.managed && table.actions.length === 0 ? 'unmanaged'
        : table.actions.length === 0 ? 'in-sync'
        : input.mode === 'apply' && input.outcome === 'succeeded' ? 'changed'
        : 'drift';
      return { name: table.name, managed: table.managed, planned: table.status, actions: table.actions.length, applied: done, outcome, ...(error ? { error } : {}) };
    }),
  );
  const failedTables = tables.filter((table) => ['failed', 'refused', 'error'].includes(table.outcome));
  const drift = tables.some((table) => table.outcome === 'drift');
  const status: ReportResult['status'] = input.outcome === 'failed' || failedTables.length ? 'failed' : input.outcome === 'blocked' ? 'blocked' : drift ? 'drift' : 'in-sync';
  const totalApplied = tables.reduce((sum, table) => sum + table.applied, 0);
  const reportKey = runKeys.report(input.runId);
  const now = new Date().toISOString();
  await store.put(reportKey, { ...input, status, finishedAt: now, tables, totals: { tables: tables.length, applied: totalApplied, failed: failedTables.length } });

  // Per-table history: what each run found and did, queryable by table.
  await batchWriteAll(
    clients,
    env.STATE_TABLE,
    tables.map((table) => ({
      PutRequest: {
        Item: {
          pk: { S: `TABLE#${table.name}` },
          sk: { S: `RUN#${now}#${input.runId}` },
          outcome: { S: table.outcome },
          actions: { N: String(table.actions) },
          applied: { N: String(table.applied) },
          revision: { S: input.revision },
          ...(table.error ? { error: { S: table.error.slice(0, 1000) } } : {}),
        },
      },
    })),
  );

  let notified = false;
  if (status !== 'in-sync' && env.TOPIC_ARN) {
    const subject = `tablewarden ${input.mode} ${status}: ${failedTables.length} failed, ${tables.filter((table) => table.outcome === 'drift').length} drifted`;
    const lines = [...failedTables.map((table) => `${table.name}: ${table.outcome} — ${table.error ?? ''}`), ...(input.error ? [`run error: ${input.error.Error ?? ''} ${input.error.Cause ?? ''}`] : [])];
    await clients.sns.send(new PublishCommand({ TopicArn: env.TOPIC_ARN, Subject: subject.slice(0, 100), Message: `${subject}\nrun ${input.runId}, revision ${input.revision}\n${lines.join('\n')}\nreport: s3://${store.bucket}/${reportKey}` }));
    notified = true;
  }
  logger.info('report', { revision: input.revision, status, tables: tables.length, applied: totalApplied, failed: failedTables.length });
  metrics.addMetric('TablesFailed', 'Count', failedTables.length);
  metrics.publishStoredMetrics();
  return { reportKey, status, notified, tables: tables.length, applied: totalApplied, failed: failedTables.length };
}
