/**
 * `tablewarden report`: the posture report (the same one the operator writes after every run) rendered from the
 * account now and the last run. Read-only.
 *
 * - The matrix, drift, refusals, waivers and backup freshness: the desired state (--dir) planned against the account,
 *   as `plan` does (observe + plan).
 * - The last run (its actions applied, failures and AWS Config disagreements): `reports/latest/report.json` in the
 *   operator bucket (--bucket, TABLEWARDEN_BUCKET), when it is given and holds one; otherwise the report says so.
 * - The latest drill per table: the drill history in the operator's state table (tag `tablewarden:role=operator`),
 *   when the operator is installed; otherwise every drill shows as "no drill yet" and a note says why.
 *
 * Exit codes, as `plan`'s: 0 in sync; 2 drift (non-compliant controls the operator would fix); 1 errors (a table
 * could not be planned, a refused change, a failed read of the account).
 */
import { writeFileSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { createClient } from '../../aws/clients.ts';
import { describeError } from '../../aws/async-utils.ts';
import { readLatestDrills } from '../../aws/drill-history.ts';
import { findOperatorStateTable } from '../../aws/run-lock.ts';
import { S3RunStore } from '../../aws/run-store.ts';
import { buildPostureReport, isPostureReport, type DrillSummary, type LastRun, type PostureReport, type ReportDisagreement } from '../../core/report/posture.ts';
import { renderPostureHtml } from '../../core/report/render-html.ts';
import { renderPostureJson } from '../../core/report/render-json.ts';
import { renderPostureMarkdown } from '../../core/report/render-md.ts';
import { renderPostureText } from '../../core/report/render-text.ts';
import { observeAndPlan } from '../../run/observe-and-plan.ts';
import { postureReportKeys } from '../../run/core/report.ts';
import { processIo, type CommandIo } from '../io.ts';
import { painter } from '../render-plan.ts';
import { prepareRun, reportFailure, useColor, type RunOptions } from '../run-context.ts';

/** The formats `--output` takes. */
export const REPORT_FORMATS = ['text', 'md', 'json', 'html'] as const;

/** Options of `tablewarden report`. */
export interface ReportOptions extends RunOptions {
  output: (typeof REPORT_FORMATS)[number];
  /** Write the report to this file instead of stdout. */
  out?: string;
  /** The operator bucket (default: TABLEWARDEN_BUCKET). */
  bucket?: string;
}

/** The exit codes, for `--help`. */
export const REPORT_EXIT_CODES_HELP = '\nExit codes: 0 in sync, 2 drift (non-compliant controls), 1 errors (a table could not be planned, a refused change, AWS failures).\n';

/** Render a report in one of the formats (colour only for text on a terminal). */
export function renderPosture(report: PostureReport, format: ReportOptions['output'], color = false): string {
  if (format === 'json') return renderPostureJson(report);
  if (format === 'md') return renderPostureMarkdown(report);
  if (format === 'html') return renderPostureHtml(report);
  return renderPostureText(report, painter(color));
}

/** The exit code of a posture (as `plan`: 0 in sync, 2 drift, 1 errors). */
export function reportExitCode(report: PostureReport): 0 | 1 | 2 {
  return report.status === 'in-sync' ? 0 : report.status === 'drift' ? 2 : 1;
}

/** The last run's posture report in the operator bucket, and what it says about the run. */
async function lastRunFrom(store: S3RunStore): Promise<{ lastRun: LastRun; disagreements: ReportDisagreement[] } | undefined> {
  const key = `${postureReportKeys.latest}report.json`;
  const document = await store.get(key);
  if (document === undefined) return undefined;
  if (!isPostureReport(document) || document.source.kind !== 'run') throw new Error(`${store.where(key)} is not a posture report this version reads (apiVersion ${String((document as { apiVersion?: unknown }).apiVersion)})`);
  const { source } = document;
  return {
    lastRun: { runId: source.runId, status: source.status, finishedAt: source.finishedAt, location: source.location ?? store.where(postureReportKeys.prefix(source.runId)), actionsApplied: document.actionsApplied, failures: document.failures },
    disagreements: document.disagreements,
  };
}

/** Run `report`; returns the exit code. */
export async function runReport(options: ReportOptions, io: CommandIo = processIo, now = new Date()): Promise<number> {
  try {
    const { validation, clients, only } = await prepareRun(options, io, now);
    const note = (line: string) => io.err.write(`${line}\n`);
    const { plan, observed } = await observeAndPlan(clients, validation.state, { now, ...(only ? { only } : {}) });
    const desired = validation.state.tables.filter((table) => !only || only.includes(table.name));

    let last: Awaited<ReturnType<typeof lastRunFrom>>;
    const bucket = options.bucket ?? process.env.TABLEWARDEN_BUCKET;
    if (!bucket) {
      note('No operator bucket (--bucket or TABLEWARDEN_BUCKET): the report is from the account alone, without the last run.');
    } else {
      const s3 = createClient(S3Client, 's3', clients.connection, clients.calls, options.endpointUrl ? { forcePathStyle: true } : {});
      try {
        last = await lastRunFrom(new S3RunStore(s3, bucket));
        if (!last) note(`No run report in s3://${bucket}/${postureReportKeys.latest}: the report is from the account alone.`);
      } catch (error) {
        note(`Could not read the last run's report from s3://${bucket}/${postureReportKeys.latest}: ${describeError(error)}; the report is from the account alone.`);
      }
    }

    let drills: Record<string, DrillSummary> = {};
    const stateTable = await findOperatorStateTable(clients);
    if (stateTable === undefined) {
      note('No operator state table (tag tablewarden:role=operator) in this account and region: no drill history to show.');
    } else {
      drills = await readLatestDrills(clients.dynamodb, stateTable, desired.filter((table) => table.spec.restoreDrill).map((table) => table.name));
    }

    const report = buildPostureReport({
      now,
      plans: plan.tables,
      desired,
      ...(last ? { lastRun: last.lastRun, disagreements: last.disagreements.filter((entry) => !only || only.includes(entry.table)) } : {}),
      latestRecoveryPoints: Object.fromEntries(Object.values(observed.tables).map((table) => [table.name, table.backup.latestRecoveryPointAt])),
      drills,
    });
    const text = renderPosture(report, options.output, options.out === undefined && options.output === 'text' && useColor(io));
    if (options.out !== undefined) {
      writeFileSync(options.out, text);
      note(`Wrote the ${options.output} report to ${options.out} (${report.status}).`);
    } else {
      io.out.write(text);
    }
    return reportExitCode(report);
  } catch (error) {
    return reportFailure(error, io);
  }
}
