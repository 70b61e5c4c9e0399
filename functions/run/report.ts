/**
 * The run report: read every batch's approved plan and its last round, apply the report rules (core/report.ts),
 * write one report, record each table's outcome in the state table (its history), write the posture report
 * (report.json, report.md, report.html under `reports/<runId>/` and `reports/latest/`), and notify on failure, a
 * blocked run, or drift, with a short summary and the report's address.
 */
import { readLatestDrills } from '../aws/drill-history.ts';
import { batchWriteAll } from '../aws/seed-writer.ts';
import type { DesiredTable } from '../core/model/desired.ts';
import type { AccountIndex } from '../core/model/observed.ts';
import { buildPostureReport, type PostureReport, type ReportDisagreement } from '../core/report/posture.ts';
import { renderPostureHtml } from '../core/report/render-html.ts';
import { renderPostureJson } from '../core/report/render-json.ts';
import { renderPostureMarkdown } from '../core/report/render-md.ts';
import { headline } from '../core/report/sections.ts';
import type { BatchDocument, PlanDocument, RoundDocument, TableProgress } from './core/documents.ts';
import { configReportSection } from './config-sweep.ts';
import { parseResultKey, runKeys } from './core/keys.ts';
import { buildReport, POSTURE_CONTENT_TYPES, postureReportKeys, tableRunResults, type FailedBatch, type ReportInput, type RunReport } from './core/report.ts';
import type { RunDependencies, RunStore } from './ports.ts';

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
  /** AWS Config's verdicts the plan does not share (the Config sweep's, when the run had one). */
  disagreements?: ReportDisagreement[];
  now: Date;
}

/** The report as written, and whether anyone was told. */
export interface WrittenReport extends RunReport {
  reportKey: string;
  notified: boolean;
  /** The posture report, and where its files are (`s3://bucket/reports/<runId>/`). */
  posture: PostureReport;
  postureLocation: string;
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
  const reportInput: ReportInput = {
    mode: request.mode,
    outcome: request.outcome,
    plans: plans.map(({ index, document }) => ({ index, tables: document.plan.tables })),
    progress,
    failedBatches: request.failedBatches,
  };
  const report = buildReport(reportInput);
  const reportKey = runKeys.report(request.runId);
  const finishedAt = request.now.toISOString();
  // The nightly Config sweep's findings beside these plans (functions/run/config-sweep.ts); none on other runs.
  const config = await configReportSection(store, request.runId, plans);
  const { now: _now, disagreements: given, ...input } = request;
  const disagreements = given ?? config?.disagreements;
  const postureLocation = store.where(postureReportKeys.prefix(request.runId));
  await store.put(reportKey, {
    ...input,
    status: report.status,
    finishedAt,
    tables: report.tables,
    failedBatches: report.failedBatches,
    totals: report.totals,
    ...(config || disagreements ? { config: { ...config, disagreements } } : {}),
    posture: postureLocation,
  });

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

  // The posture report: the plans joined with the desired state (waivers, backup and drill targets) of the run's
  // batches, the account index's recovery points, and the drill history.
  const [batches, index] = await Promise.all([
    Promise.all(plans.map(async ({ index: batch }) => (await store.get(runKeys.batch(request.runId, batch))) as BatchDocument | undefined)),
    store.get(runKeys.index(request.runId)) as Promise<AccountIndex | undefined>,
  ]);
  const desired: DesiredTable[] = batches.flatMap((batch) => batch?.desired.tables ?? []);
  const latestRecoveryPoints = Object.fromEntries(desired.flatMap((table) => {
    const arn = index?.tableArns[table.name];
    const latest = arn === undefined ? undefined : index?.backup.lastBackupByArn[arn];
    return latest === undefined ? [] : [[table.name, latest]];
  }));
  const drills = await readLatestDrills(clients.dynamodb, stateTable, desired.filter((table) => table.spec.restoreDrill).map((table) => table.name));
  const posture = buildPostureReport({
    now: request.now,
    plans: reportInput.plans.flatMap((batch) => batch.tables),
    desired,
    run: {
      facts: { runId: request.runId, mode: request.mode, trigger: request.trigger, revision: request.revision, outcome: request.outcome, status: report.status, finishedAt, location: postureLocation },
      results: tableRunResults(reportInput, report),
    },
    ...(disagreements ? { disagreements } : {}),
    latestRecoveryPoints,
    drills,
  });
  await writePostureReport(store, request.runId, posture);

  let notified = false;
  if (report.status !== 'in-sync') {
    const failed = report.tables.filter((table) => ['failed', 'refused', 'error', 'blocked'].includes(table.outcome));
    const drifted = report.tables.filter((table) => table.outcome === 'drift');
    const subject = `tablewarden ${request.mode} ${report.status}: ${failed.length} failed, ${drifted.length} drifted`;
    notified = await notifier.notify(subject, notificationText(request, report, posture, `${postureLocation}report.html`));
  }
  return { ...report, reportKey, notified, posture, postureLocation };
}

/** Lines of a list shown in a notification before "and N more" (SNS e-mail stays short; the report has them all). */
const NOTIFY_LIST = 20;

/** The SNS message: counts, the failed and drifted tables with why, and where the report is. */
function notificationText(request: ReportRequest, report: RunReport, posture: PostureReport, where: string): string {
  const some = (lines: string[]) => (lines.length > NOTIFY_LIST ? [...lines.slice(0, NOTIFY_LIST), `and ${lines.length - NOTIFY_LIST} more`] : lines);
  const failed = report.tables.filter((table) => ['failed', 'refused', 'error', 'blocked'].includes(table.outcome));
  const drifted = report.tables.filter((table) => table.outcome === 'drift');
  const { counts } = posture;
  return [
    headline(posture),
    `run ${request.runId}, revision ${request.revision}, trigger ${request.trigger}`,
    `tables: ${report.totals.tables}; actions applied: ${report.totals.applied}; failed tables: ${failed.length}; drifted tables: ${drifted.length}; Config disagreements: ${counts.disagreements}; stale backups: ${counts.staleBackups}; failing drills: ${counts.failedDrills}; expired waivers: ${counts.expiredWaivers}`,
    ...(failed.length > 0 ? ['failed:', ...some(failed.map((table) => `  ${table.name}: ${table.outcome}${table.error ? ` — ${table.error.slice(0, 300)}` : ''}`))] : []),
    ...(drifted.length > 0 ? ['drifted:', ...some(drifted.map((table) => `  ${table.name}: ${table.actions} action(s) pending`))] : []),
    ...report.failedBatches.map((batch) => `batch ${batch.index} failed: ${batch.error}`),
    ...(request.error ? [`run error: ${request.error.Error ?? ''} ${request.error.Cause ?? ''}`] : []),
    `report: ${where}`,
  ].join('\n');
}

/** Write report.json, report.md and report.html under the run's prefix and under `reports/latest/`. */
async function writePostureReport(store: RunStore, runId: string, posture: PostureReport): Promise<void> {
  if (store.putText === undefined) throw new Error('report: the run store cannot write text (report.md, report.html); use the S3 run store');
  const putText = store.putText.bind(store);
  const bodies = { 'report.json': renderPostureJson(posture), 'report.md': renderPostureMarkdown(posture), 'report.html': renderPostureHtml(posture) };
  // The run's own copy first: `latest` never points at a report that was not written.
  await Promise.all(postureReportKeys.files.map((file) => putText(`${postureReportKeys.prefix(runId)}${file}`, bodies[file], POSTURE_CONTENT_TYPES[file])));
  await Promise.all(postureReportKeys.files.map((file) => putText(`${postureReportKeys.latest}${file}`, bodies[file], POSTURE_CONTENT_TYPES[file])));
}
