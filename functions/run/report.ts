/**
 * The run report: read every batch's approved plan and its last round, apply the report rules (core/report.ts),
 * write one report, record each table's outcome in the state table (its history), and notify on failure, a
 * blocked run, or drift.
 */
import { batchWriteAll } from '../aws/seed-writer.ts';
import type { PlanDocument, RoundDocument, TableProgress } from './core/documents.ts';
import { parseResultKey, runKeys } from './core/keys.ts';
import { buildReport, type FailedBatch, type RunReport } from './core/report.ts';
import type { RunDependencies } from './ports.ts';

/** What the report is about. */
export interface ReportRequest {
  runId: string;
  trigger: string;
  mode: 'apply' | 'plan';
  revision: string;
  outcome: 'succeeded' | 'failed' | 'blocked';
  /** The error caught by the state machine, when the run failed. */
  error?: { Error?: string | undefined; Cause?: string | undefined } | undefined;
  failedBatches: FailedBatch[];
  now: Date;
}

/** The report as written, and whether anyone was told. */
export interface WrittenReport extends RunReport {
  reportKey: string;
  notified: boolean;
}

/** Build, store, record and announce the run report. */
export async function reportRun({ clients, store, notifier, stateTable }: RunDependencies, request: ReportRequest): Promise<WrittenReport> {
  const [planKeys, resultKeys] = await Promise.all([store.list(runKeys.prefix(request.runId, 'plans')), store.list(runKeys.prefix(request.runId, 'results'))]);
  // Only each batch's last round: its document carries the batch's whole progress.
  const lastRound = new Map<number, { round: number; key: string }>();
  for (const key of resultKeys) {
    const parsed = parseResultKey(key);
    if (parsed && (lastRound.get(parsed.index)?.round ?? -1) < parsed.round) lastRound.set(parsed.index, { round: parsed.round, key });
  }
  const [plans, rounds] = await Promise.all([
    Promise.all(planKeys.map(async (key) => ({ index: Number(/(\d+)\.json$/.exec(key)?.[1] ?? -1), document: (await store.get(key)) as PlanDocument }))),
    Promise.all([...lastRound].map(async ([index, { key }]) => [index, ((await store.get(key)) as RoundDocument).progress] as const)),
  ]);
  const progress = new Map<number, Record<string, TableProgress>>(rounds);
  const report = buildReport({
    mode: request.mode,
    outcome: request.outcome,
    plans: plans.map(({ index, document }) => ({ index, tables: document.plan.tables })),
    progress,
    failedBatches: request.failedBatches,
  });
  const reportKey = runKeys.report(request.runId);
  const finishedAt = request.now.toISOString();
  const { now: _now, ...input } = request;
  await store.put(reportKey, { ...input, status: report.status, finishedAt, tables: report.tables, failedBatches: report.failedBatches, totals: report.totals });

  // Per-table history: what each run found and did, queryable by table.
  await batchWriteAll(
    clients,
    stateTable,
    report.tables.map((table) => ({
      PutRequest: {
        Item: {
          pk: { S: `TABLE#${table.name}` },
          sk: { S: `RUN#${finishedAt}#${request.runId}` },
          outcome: { S: table.outcome },
          actions: { N: String(table.actions) },
          applied: { N: String(table.applied) },
          revision: { S: request.revision },
          ...(table.changedSinceApproval ? { changedSinceApproval: { BOOL: true } } : {}),
          ...(table.error ? { error: { S: table.error.slice(0, 1000) } } : {}),
        },
      },
    })),
  );

  let notified = false;
  if (report.status !== 'in-sync') {
    const failed = report.tables.filter((table) => ['failed', 'refused', 'error', 'blocked'].includes(table.outcome));
    const subject = `tablewarden ${request.mode} ${report.status}: ${failed.length} failed, ${report.tables.filter((table) => table.outcome === 'drift').length} drifted`;
    const lines = [
      ...failed.map((table) => `${table.name}: ${table.outcome} — ${table.error ?? ''}`),
      ...report.failedBatches.map((batch) => `batch ${batch.index} failed: ${batch.error}`),
      ...(request.error ? [`run error: ${request.error.Error ?? ''} ${request.error.Cause ?? ''}`] : []),
    ];
    notified = await notifier.notify(subject, `${subject}\nrun ${request.runId}, revision ${request.revision}\n${lines.join('\n')}\nreport: ${store.where(reportKey)}`);
  }
  return { ...report, reportKey, notified };
}
