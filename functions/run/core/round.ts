/**
 * One apply round of one batch, as pure decisions: which tables to look at, whether each is still the table that
 * was approved, what to run now, and what is left for the next round.
 *
 * The approved plan is the plan that runs (Terraform's saved plan): a round executes the stored plan's actions
 * for each table, in order, continuing where the previous round stopped. Before a table's first action its fresh
 * observation is compared with the fingerprint it was planned from. Equal: the stored actions run. Different: the
 * table is re-planned from what it is now and re-gated (the blast-radius rule on the run's approval plus this
 * table); a re-plan within the approval runs and is reported "changed since approval", one beyond it is refused
 * and nothing runs on that table. Steps DynamoDB won't take yet (TTL's second step) are part of the approved plan
 * and run when due.
 */
import { plan as planTables } from '../../core/plan/planner.ts';
import { isSettled } from '../../core/plan/settled.ts';
import { nextRoundWaitSeconds } from '../../core/plan/round-wait.ts';
import type { DesiredState } from '../../core/model/desired.ts';
import type { ObservedAccount } from '../../core/model/observed.ts';
import type { Action, PendingStep, Plan, TablePlan } from '../../core/model/plan.ts';
import type { PlanDocument, RoundDocument, TableFailure, TableProgress } from './documents.ts';
import { regateTable, type Approval } from './gate.ts';
import { fingerprintChange, isAffected } from './plan-document.ts';

/** Does a table plan leave anything to do (actions or steps for later)? Refused and error tables never do. */
function hasWork(table: TablePlan): boolean {
  return isAffected(table); // one definition with apply FILE's "affected table"
}

/** The progress a batch starts its first round with: every table with work, nothing run, nothing verified. */
export function startProgress(plan: Plan): Record<string, TableProgress> {
  return Object.fromEntries(
    plan.tables.filter(hasWork).map((table) => [table.name, { remaining: [...table.actions], pending: [...(table.pending ?? [])], applied: 0, verified: false }]),
  );
}

/** Is the table finished (nothing left), or stopped (failed or blocked)? */
export function isOpen(progress: TableProgress): boolean {
  return !progress.failure && progress.blocked === undefined && (progress.remaining.length > 0 || progress.pending.length > 0);
}

/** The tables a round must observe: those still open. */
export function tablesToObserve(progress: Record<string, TableProgress>): string[] {
  return Object.keys(progress).filter((name) => isOpen(progress[name]!)).sort();
}

/**
 * Re-plan one table from a fresh observation. A declared table is planned with its file's spec; any other table
 * the batch covers is unmanaged and gets the policy baseline, as at plan time.
 */
export function replanTable(desired: DesiredState, observed: ObservedAccount, name: string, now: Date, allowDisruptive: readonly string[] = []): TablePlan | undefined {
  const declared = desired.tables.some((table) => table.name === name);
  const plan = planTables({
    desired: declared ? desired : { ...desired, tables: [], invalidTables: [] },
    observed,
    now,
    allowDisruptive,
    only: declared ? [name] : [],
    ...(declared ? {} : { unmanaged: { names: [name] } }),
  });
  return plan.tables.find((table) => table.name === name);
}

/** A pending step DynamoDB should take now: its time has come, or (time unknown) the interim status is over. */
export function isStepDue(step: PendingStep, observed: ObservedAccount, table: string, now: Date): boolean {
  if (step.notBefore !== undefined) return Date.parse(step.notBefore) <= now.getTime();
  if (step.control === 'TW-TTL') {
    const status = observed.tables[table]?.timeToLive?.status;
    return status !== 'ENABLING' && status !== 'DISABLING';
  }
  return true;
}

/** A pending step as the action it becomes when due (exactly what was approved). */
export function stepAction(table: string, step: PendingStep): Action {
  return { ...step.action, table, control: step.control } as Action;
}

/** What {@link pickRoundWork} needs. */
export interface RoundInput {
  stored: PlanDocument;
  /** The previous round's document (undefined in round 0). */
  previous: RoundDocument | undefined;
  /** Fresh observation of {@link tablesToObserve}'s tables. */
  observed: ObservedAccount;
  desired: DesiredState;
  approval: Approval;
  now: Date;
}

/** What a round runs, and the progress with this round's verifications and re-plans applied. */
export interface RoundWork {
  /** The plan for applyPlan: only tables that run something now, with exactly those actions. */
  work: Plan;
  progress: Record<string, TableProgress>;
  addedDisruptive: number;
  /** Tables with work that wait for DynamoDB to settle. */
  waiting: string[];
}

function copyProgress(progress: Record<string, TableProgress>): Record<string, TableProgress> {
  return Object.fromEntries(Object.entries(progress).map(([name, entry]) => [name, { ...entry, remaining: [...entry.remaining], pending: [...entry.pending] }]));
}

/** Pick this round's work. Pure: the same inputs always give the same work. */
export function pickRoundWork(input: RoundInput): RoundWork {
  const { stored, observed, desired, approval, now } = input;
  // The state machine waited at least the previous round's wait since it ended: steps due by then are due now,
  // whatever this process's clock says (a skipped or shortened Wait runs the round early, as tests do).
  const previousEnd = input.previous?.finishedAt === undefined ? Number.NaN : Date.parse(input.previous.finishedAt) + (input.previous.waitSeconds ?? 0) * 1000;
  const dueBy = new Date(Number.isNaN(previousEnd) ? now.getTime() : Math.max(now.getTime(), previousEnd));
  const progress = copyProgress(input.previous?.progress ?? startProgress(stored.plan));
  let addedDisruptive = input.previous?.addedDisruptive ?? 0;
  const approvedTables = new Map(stored.plan.tables.map((table) => [table.name, table]));
  const waiting: string[] = [];
  const work: TablePlan[] = [];
  for (const name of tablesToObserve(progress)) {
    const entry = progress[name]!;
    const approvedPlan = approvedTables.get(name)!;
    const observeError = observed.errors[name];
    if (observeError !== undefined) {
      entry.failure = { reason: 'ObserveFailed', message: observeError };
      continue;
    }
    const current = observed.tables[name];
    if (!entry.verified) {
      entry.verified = true;
      const difference = fingerprintChange(stored, name, current);
      if (difference !== undefined) {
        const replanned = replanTable(desired, observed, name, now, stored.plan.allowDisruptive);
        const changed = { ...difference, actions: replanned?.actions.length ?? 0 };
        entry.changedSinceApproval = changed;
        if (!replanned || replanned.status === 'refused' || replanned.status === 'error') {
          entry.blocked = `changed since approval, and the re-plan ${replanned ? `is ${replanned.status}: ${replanned.error ?? replanned.refusals.map((refusal) => refusal.reason).join('; ')}` : 'found no table'}; nothing was changed`;
          continue;
        }
        const verdict = regateTable(approval, addedDisruptive, approvedPlan, replanned);
        if (!verdict.allowed) {
          entry.blocked = `changed since approval, and its re-plan needs disruptive changes beyond the approved blast radius (${verdict.reason}); nothing was changed`;
          continue;
        }
        addedDisruptive += verdict.addedDisruptive;
        entry.remaining = [...replanned.actions];
        entry.pending = [...(replanned.pending ?? [])];
        if (!isOpen(entry)) continue;
      }
    }
    const due = entry.remaining.length === 0 ? entry.pending.filter((step) => isStepDue(step, observed, name, dueBy)) : [];
    const actions = [...entry.remaining, ...due.map((step) => stepAction(name, step))];
    if (actions.length === 0) continue; // only steps whose time has not come
    if (current !== undefined && !isSettled(current)) {
      waiting.push(name);
      continue;
    }
    const notDue = entry.pending.filter((step) => !due.includes(step));
    work.push({ ...approvedPlan, actions, ...(notDue.length > 0 ? { pending: notDue } : { pending: undefined }) });
    entry.remaining = actions;
    entry.pending = notDue;
  }
  return { work: { tables: work.map(({ pending, ...table }) => (pending ? { ...table, pending } : table)), summary: stored.plan.summary }, progress, addedDisruptive, waiting };
}

/** One table of an apply result, as the round needs it (functions/aws/apply's TableApplyResult fits). */
export interface AppliedTable {
  table: string;
  status: 'applied' | 'failed' | 'skipped' | 'deferred';
  applied: readonly Action[];
  notApplied: readonly Action[];
  pending?: readonly PendingStep[];
  error?: TableFailure;
}

/** Fold a round's apply result into the progress: what ran is done; what did not is left for the next round. */
export function mergeRoundResult(progress: Record<string, TableProgress>, results: readonly AppliedTable[]): Record<string, TableProgress> {
  const next = copyProgress(progress);
  for (const result of results) {
    const entry = next[result.table];
    if (!entry) continue;
    entry.applied += result.applied.length;
    entry.remaining = [...result.notApplied];
    entry.pending = [...(result.pending ?? [])];
    if (result.status === 'failed' || result.status === 'skipped') entry.failure = result.error ?? { reason: 'ApplyFailed', message: `${result.table}: ${result.status}` };
  }
  return next;
}

/** What the state machine needs from a round. */
export interface RoundOutcome {
  /** Another round is needed (some table still has work). */
  pending: boolean;
  waitSeconds: number;
  failed: number;
}

/** Classify a batch after a round: done, or wait (how long) and go again. */
export function roundOutcome(progress: Record<string, TableProgress>, waiting: readonly string[], now: Date, settleSeconds: number): RoundOutcome {
  const open = Object.values(progress).filter(isOpen);
  const settling = waiting.length > 0 || open.some((entry) => entry.remaining.length > 0);
  const steps = open.flatMap((entry) => entry.pending);
  const failed = Object.values(progress).filter((entry) => entry.failure !== undefined || entry.blocked !== undefined).length;
  return { pending: open.length > 0, waitSeconds: nextRoundWaitSeconds(now, settleSeconds, { settling, pending: steps }), failed };
}
