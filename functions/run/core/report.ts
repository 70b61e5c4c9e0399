/**
 * The run report's rules: each table's outcome from its approved plan and where its apply ended, and the run's
 * status. Pure; the report handler (and any other front door) only reads the documents and writes the result.
 */
import type { TablePlan } from '../../core/model/plan.ts';
import type { TableRunResult } from '../../core/report/posture.ts';
import type { TableProgress } from './documents.ts';

/** One table's line in the report. */
export interface ReportTable {
  name: string;
  managed: boolean;
  planned: string;
  actions: number;
  applied: number;
  /**
   * blocked: the table changed after approval and its re-plan was refused by the re-gate (nothing changed).
   * failed: an action failed, or its batch failed before the table finished.
   */
  outcome: 'in-sync' | 'changed' | 'drift' | 'failed' | 'refused' | 'error' | 'unmanaged' | 'blocked';
  /** The table differed from its approved observation when apply reached it, and was re-planned. */
  changedSinceApproval?: boolean;
  error?: string;
}

/** A batch whose apply (child execution) failed, with the error Step Functions reported. */
export interface FailedBatch {
  index: number;
  error: string;
}

/** The report's inputs. */
export interface ReportInput {
  mode: 'apply' | 'plan';
  outcome: 'succeeded' | 'failed' | 'blocked';
  /** Each batch's approved plan tables, by batch index. */
  plans: ReadonlyArray<{ index: number; tables: readonly TablePlan[] }>;
  /** Each batch's progress after its last round, by batch index (absent: the batch never applied). */
  progress: ReadonlyMap<number, Readonly<Record<string, TableProgress>>>;
  failedBatches: readonly FailedBatch[];
}

/** What the report says. */
export interface RunReport {
  status: 'in-sync' | 'drift' | 'failed' | 'blocked';
  tables: ReportTable[];
  failedBatches: FailedBatch[];
  totals: { tables: number; applied: number; failed: number; changedSinceApproval: number };
}

const FAILED_OUTCOMES: ReadonlySet<ReportTable['outcome']> = new Set(['failed', 'refused', 'error', 'blocked']);

function tableOutcome(table: TablePlan, progress: TableProgress | undefined, batchFailure: FailedBatch | undefined, input: ReportInput): ReportTable {
  const applied = progress?.applied ?? 0;
  const unfinished = progress !== undefined && (progress.remaining.length > 0 || progress.pending.length > 0);
  const error =
    progress?.failure ? `${progress.failure.reason}: ${progress.failure.message}`
    : progress?.blocked !== undefined ? progress.blocked
    : batchFailure && (unfinished || (progress === undefined && table.actions.length > 0)) ? `batch ${batchFailure.index} failed: ${batchFailure.error}`
    : table.error;
  const outcome: ReportTable['outcome'] =
    table.status === 'refused' ? 'refused'
    : table.status === 'error' ? 'error'
    : progress?.blocked !== undefined ? 'blocked'
    : error ? 'failed'
    : !table.managed && table.actions.length === 0 ? 'unmanaged'
    : table.actions.length === 0 && !table.pending?.length ? 'in-sync'
    : input.mode === 'apply' && input.outcome === 'succeeded' && progress !== undefined && !unfinished ? 'changed'
    : 'drift';
  return {
    name: table.name,
    managed: table.managed,
    planned: table.status,
    actions: table.actions.length,
    applied,
    outcome,
    ...(progress?.changedSinceApproval ? { changedSinceApproval: true } : {}),
    ...(error ? { error } : {}),
  };
}

/** Build the report. */
export function buildReport(input: ReportInput): RunReport {
  const failures = new Map(input.failedBatches.map((batch) => [batch.index, batch]));
  const tables = input.plans.flatMap(({ index, tables: planned }) => planned.map((table) => tableOutcome(table, input.progress.get(index)?.[table.name], failures.get(index), input)));
  const failed = tables.filter((table) => FAILED_OUTCOMES.has(table.outcome));
  const drift = tables.some((table) => table.outcome === 'drift');
  const status: RunReport['status'] =
    input.outcome === 'failed' || failed.length > 0 || input.failedBatches.length > 0 ? 'failed' : input.outcome === 'blocked' ? 'blocked' : drift ? 'drift' : 'in-sync';
  return {
    status,
    tables,
    failedBatches: [...input.failedBatches],
    totals: {
      tables: tables.length,
      applied: tables.reduce((sum, table) => sum + table.applied, 0),
      failed: failed.length,
      changedSinceApproval: tables.filter((table) => table.changedSinceApproval).length,
    },
  };
}

/**
 * Where the posture report of a run is written, in the operator bucket: `reports/<runId>/` and, overwritten by every
 * run, `reports/latest/`. A prefix of its own (not `runs/`): reports are the record people and auditors read, kept
 * longer than the run's working documents (infra's lifecycle rule on `reports/`), readable by a grant on `reports/*`
 * alone, and the newest one has a fixed address that `tablewarden report` and bookmarks use without listing.
 */
export const postureReportKeys = {
  prefix: (runId: string) => `reports/${runId}/`,
  latest: 'reports/latest/',
  files: ['report.json', 'report.md', 'report.html'] as const,
};

/** The Content-Type of each posture report file (browsers open report.html from S3 as a page, not a download). */
export const POSTURE_CONTENT_TYPES: Record<(typeof postureReportKeys.files)[number], string> = {
  'report.json': 'application/json',
  'report.md': 'text/markdown; charset=utf-8',
  'report.html': 'text/html; charset=utf-8',
};

/**
 * What the run did to each table, as the posture report needs it: the actions that ran (the approved plan's, in
 * order, up to where the table's apply stopped), the controls with work left, and the action that failed. A table
 * re-planned after approval ran its re-plan, which the run keeps only as a count.
 */
export function tableRunResults(input: ReportInput, report: RunReport): Record<string, TableRunResult> {
  const outcomes = new Map(report.tables.map((table) => [table.name, table]));
  const results: Record<string, TableRunResult> = {};
  for (const { index, tables } of input.plans) {
    for (const table of tables) {
      const line = outcomes.get(table.name);
      if (!line) continue;
      const progress = input.progress.get(index)?.[table.name];
      const replanned = progress?.changedSinceApproval !== undefined;
      const ran = progress === undefined || replanned ? [] : table.actions.slice(0, Math.max(0, table.actions.length - progress.remaining.length));
      const unfinished = new Set([...(progress?.remaining ?? (line.outcome === 'drift' || line.outcome === 'failed' ? table.actions : [])), ...(progress?.pending ?? table.pending ?? [])].map((item) => item.control));
      results[table.name] = {
        outcome: line.outcome,
        applied: ran,
        appliedCount: progress?.applied ?? 0,
        unfinished: [...unfinished],
        ...(progress?.failure?.action ? { failedAction: progress.failure.action } : {}),
        ...(line.error ? { error: line.error } : {}),
        ...(replanned ? { changedSinceApproval: true } : {}),
      };
    }
  }
  return results;
}
