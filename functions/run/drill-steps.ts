/**
 * The restore drill's run functions (./drill.ts) as the Drill state machine's steps: each check and cleanup attempt
 * also returns the loop's next wait (./core/drill-wait.ts), and the record step also covers a drill that never
 * started (its target could not be loaded, or another drill of the table holds the lock), so every execution ends
 * with a history item and a reason. The handlers in functions/handlers/drill-*.ts only parse, call these and return.
 */
import { checkRestore, cleanupDrill, recordDrill, tagCopyForCleanup, type CaughtError, type DrillDependencies, type DrillReport, type DrillState, type DrillStepOptions } from './drill.ts';
import { nextWait, type DrillWait } from './core/drill-wait.ts';

/** A step's result: the drill's state and the loop's next wait. */
export interface DrillStep {
  drill: DrillState;
  wait: DrillWait;
}

/** One look at the restore, and how long to wait before the next. */
export async function checkStep(deps: DrillDependencies, input: { drill: DrillState; wait: DrillWait; now?: string }, options: DrillStepOptions = {}): Promise<DrillStep> {
  const drill = await checkRestore(deps, { drill: input.drill, ...(input.now ? { now: input.now } : {}) }, options);
  return { drill, wait: nextWait(input.wait, drill.maxRestoreMinutes, 'check') };
}

/** One cleanup attempt, and how long to wait before the next when the copy is still being created. */
export async function cleanupStep(deps: DrillDependencies, input: { drill: DrillState; wait: DrillWait; error?: CaughtError }, options: DrillStepOptions = {}): Promise<DrillStep> {
  const error = input.error && (input.error.Error !== undefined || input.error.Cause !== undefined) ? input.error : undefined;
  const drill = await cleanupDrill(deps, { drill: input.drill, ...(error ? { error } : {}) }, options);
  return { drill, wait: nextWait(input.wait, drill.maxRestoreMinutes, 'cleanup') };
}

/**
 * Tag the drill's own copy when cleanup reported it untagged (drill-check's role: the cleanup role may not tag). The
 * loop state is kept, except that a tagged copy is cleaned up at once: `seconds` 0 says no Wait precedes the next
 * cleanup (the local runner advances its clock by it); an untagged one goes through WaitBeforeCleanup first.
 */
export async function tagStep(deps: DrillDependencies, input: { drill: DrillState; wait: DrillWait }, options: DrillStepOptions = {}): Promise<DrillStep> {
  const drill = await tagCopyForCleanup(deps, { drill: input.drill }, options);
  return { drill, wait: drill.tagged ? { ...input.wait, seconds: 0 } : input.wait };
}

/** The state of a drill that never started: nothing restored, nothing to clean, the error says why. */
export function notStartedDrill(table: string, now: Date): DrillState {
  const at = now.toISOString();
  return { table, sourceKind: 'dynamodb-backup', startedAt: at, maxRestoreMinutes: 0, deadline: at, restore: 'none' };
}

/** A report's one-line summary (the Fail state's Cause): verdict, table, and the first reasons. */
export function reportSummary(report: DrillReport): string {
  const reasons = report.reasons.length ? `: ${report.reasons.join('; ')}` : '';
  return `drill of ${report.table} ${report.verdict}${report.rtoSeconds !== undefined ? ` (RTO ${report.rtoSeconds} s)` : ''}${reasons}`.slice(0, 2_000);
}

/** Record the drill (or the drill that never started), with its summary. `{}` as `error` means none. */
export async function recordStep(deps: DrillDependencies, input: { table: string; drill?: DrillState; error?: CaughtError; now?: string }): Promise<DrillReport & { summary: string }> {
  const now = input.now ? new Date(input.now) : new Date();
  const error = input.error && (input.error.Error !== undefined || input.error.Cause !== undefined) ? input.error : undefined;
  const drill = input.drill ?? notStartedDrill(input.table, now);
  const report = await recordDrill(deps, { drill, ...(error ? { error } : {}), now: now.toISOString() });
  return { ...report, summary: reportSummary(report) };
}
