/**
 * Apply: execute a plan's actions, in the plan's order, and nothing else.
 *
 * - Keys first: KMS key actions are account-level and run before any table that needs them. A table whose key
 *   could not be made is not touched.
 * - Per-table isolation: tables run side by side (bounded), each in order; a table's failure stops that table
 *   only, and the result says exactly which of its actions were applied and which were not.
 * - DynamoDB's pacing: one change per UpdateTable call, then wait until the table, its indexes and its SSE are
 *   settled before the next. "Not now" answers (ResourceInUse, the concurrent-operations LimitExceeded) are
 *   retried until a deadline; throttling and 5xx are retried by the SDK's own strategy. Limits that minutes won't
 *   lift (capacity-mode switches, table-class changes) and CreateTable of a table that exists now fail that table
 *   at once (see refusals.ts).
 * - Guard rails: a blocked plan (blast radius) makes no call at all. There is no DeleteTable, UntagResource or
 *   ScheduleKeyDeletion anywhere in this module.
 */
import { formatDurationShort } from '../../core/duration.ts';
import { TableWardenError, type StageReason } from '../../core/errors.ts';
import { customerManagedKeyAlias, type DesiredState, type DesiredTable } from '../../core/model/desired.ts';
import type { ObservedAccount } from '../../core/model/observed.ts';
import type { Action, ControlId, PendingStep, Plan, TablePlan } from '../../core/model/plan.ts';
import { mapWithConcurrency } from '../async-utils.ts';
import type { AwsClients } from '../clients.ts';
import { BackupEnsurer } from './backup-coverage.ts';
import { ensureKmsKey, operatorIdentity, setKeyRotation, type OperatorIdentity } from './kms-keys.ts';
import { executeTableAction, type TableAction, type TableSession } from './execute-action.ts';
import { explainRefusal } from './refusals.ts';
import { isLaterError, realClock, retryLater, type RetryClock } from './retry.ts';
import { waitUntilSettled } from './wait.ts';

/**
 * Progress, for people watching a long apply. A table's actions are `step` of `steps` (its KMS key actions run
 * before, account-wide, without a step number). `wait` says what the table waits for after `action` (again when
 * that changes: `table UPDATING` → `GSI byEmail backfilling`), `waited` that the wait is over and how long it took;
 * `pending` is a step DynamoDB won't take yet (TTL's hour between changes), left for a later run.
 */
export type ApplyEvent =
  | { kind: 'start'; action: Action; step?: number; steps?: number }
  | { kind: 'done'; action: Action }
  | { kind: 'failed'; action: Action; message: string }
  | { kind: 'wait'; action: Action; waitsFor: string }
  | { kind: 'waited'; action: Action; ms: number }
  | { kind: 'pending'; action: Action; waitsFor: string }
  | { kind: 'table-done'; table: string; status: TableApplyResult['status'] };

/** Apply settings. */
export interface ApplyOptions {
  /** How long one table may take, waits included (default 30 minutes; GSI backfills can take longer). */
  tableTimeoutMs?: number;
  /** How the caller lets people set `tableTimeoutMs`, for the timeout message (the CLI: `--timeout`). */
  timeoutName?: string;
  /** Tables applied at once (default 4; DynamoDB allows 500 concurrent control-plane operations per account). */
  concurrency?: number;
  /** The operator's IAM role ARN for key policies (default: from sts:GetCallerIdentity). */
  operatorArn?: string;
  clock?: RetryClock;
  /** First DescribeTable poll after a change (default 1 s). */
  pollMs?: number;
  /**
   * `wait` (default): wait in this process until DynamoDB settles between changes (the CLI).
   * `defer`: never wait; after a change that needs settling, or when DynamoDB says "not now", stop that table and
   * report it `deferred` — the caller (the Step Functions workflow) waits and runs another round.
   */
  settle?: 'wait' | 'defer';
  onEvent?: (event: ApplyEvent) => void;
}

/** What happened to one table. */
export interface TableApplyResult {
  table: string;
  /**
   * applied: every action ran; failed: stopped at `error.action`; skipped: nothing ran (a prerequisite failed);
   * deferred: stopped to let DynamoDB settle (`settle: 'defer'`), or DynamoDB won't take the next step yet
   * (`pending`); `notApplied` is the rest.
   */
  status: 'applied' | 'failed' | 'skipped' | 'deferred';
  applied: Action[];
  notApplied: Action[];
  /**
   * Steps DynamoDB will not take yet (absent when none), with `notBefore` moved to the real time this table's own
   * actions ran (a TTL move's step 2 is due an hour after step 1 ran, not an hour after the plan was made).
   */
  pending?: PendingStep[];
  error?: { reason: StageReason; message: string; action?: Action };
}

/** What apply did. */
export interface ApplyResult {
  /** Set when the plan was blocked: nothing was attempted. */
  blocked?: string;
  tables: TableApplyResult[];
}

type KeyAction = Extract<Action, { type: 'CreateKmsKey' | 'UpdateKmsKeyRotation' }>;

function isKeyAction(action: Action): action is KeyAction {
  return action.type === 'CreateKmsKey' || action.type === 'UpdateKmsKeyRotation';
}

/** UpdateTimeToLive within an hour of the table's last TTL change (DynamoDB's wording, API_UpdateTimeToLive). */
const TTL_TOO_SOON = /modified multiple times within a fixed interval/;

function isTtlTooSoon(action: Action, error: unknown): boolean {
  const { name, message } = error as { name?: unknown; message?: unknown };
  return action.type === 'UpdateTimeToLive' && name === 'ValidationException' && typeof message === 'string' && TTL_TOO_SOON.test(message);
}

/** The plan's pending steps, re-anchored on when this table's own actions for their control ran. */
function anchoredPending(tablePlan: TablePlan, doneAt: ReadonlyMap<ControlId, number>): PendingStep[] {
  return (tablePlan.pending ?? []).map((step) => {
    const ranAt = doneAt.get(step.control);
    if (step.afterOwnActionsSeconds === undefined || ranAt === undefined) return step;
    return { ...step, notBefore: new Date(ranAt + step.afterOwnActionsSeconds * 1000).toISOString() };
  });
}

/**
 * A table's deadline passed: `Orders: still UPDATING after 30m (--timeout): nothing more was applied to it`, or
 * with the wait's own message when nothing said what it waited for.
 */
function timeoutMessage(table: string, message: string, waitsFor: string | undefined, limitMs: number, limitName = "the table's time limit"): string {
  const limit = formatDurationShort(limitMs);
  if (waitsFor === undefined) return `${message} (${limit}, ${limitName}): nothing more was applied to it`;
  return `${table}: still ${waitsFor.replace(/^table /, '')} after ${limit} (${limitName}): nothing more was applied to it`;
}

function errorOf(error: unknown): { reason: StageReason; message: string } {
  if (error instanceof TableWardenError) return { reason: error.reason, message: error.message };
  const name = (error as { name?: string }).name ?? 'Error';
  const throttled = /Throttl|TooManyRequests|RequestLimitExceeded/.test(name);
  return { reason: throttled ? 'Throttled' : 'ApplyFailed', message: `${name}: ${(error as Error).message}` };
}

/** Run the account-level KMS key actions first; returns each action's error message (undefined: done). */
async function runKeyPhase(clients: AwsClients, actions: KeyAction[], who: () => Promise<OperatorIdentity>, emit: (event: ApplyEvent) => void): Promise<Map<Action, string | undefined>> {
  const outcome = new Map<Action, string | undefined>();
  for (const action of actions) {
    emit({ kind: 'start', action });
    try {
      if (action.type === 'CreateKmsKey') await ensureKmsKey(clients, action, who);
      else await setKeyRotation(clients, action.keyArn, action.rotationPeriodDays);
      outcome.set(action, undefined);
      emit({ kind: 'done', action });
    } catch (error) {
      const { message } = errorOf(error);
      outcome.set(action, message);
      emit({ kind: 'failed', action, message });
    }
  }
  return outcome;
}

/** Execute `plan` against the account. `observed` is what the plan was computed from (for ARNs and indexes). */
export async function applyPlan(clients: AwsClients, plan: Plan, desired: DesiredState, observed: ObservedAccount, options: ApplyOptions = {}): Promise<ApplyResult> {
  const withActions = plan.tables.filter((table) => table.actions.length > 0);
  // Tables whose only change is a step DynamoDB won't take yet: nothing to call, reported deferred with it.
  const onlyPending: TableApplyResult[] = plan.tables
    .filter((table) => table.actions.length === 0 && (table.pending?.length ?? 0) > 0)
    .map((table) => ({ table: table.name, status: 'deferred', applied: [], notApplied: [], pending: table.pending! }));
  if (plan.blocked) {
    const reason = plan.blocked.reason;
    return {
      blocked: reason,
      tables: withActions.map((table) => ({ table: table.name, status: 'skipped', applied: [], notApplied: table.actions, error: { reason: 'PlanFailed', message: reason } })),
    };
  }
  const clock = options.clock ?? realClock;
  const tableTimeout = options.tableTimeoutMs ?? 30 * 60_000;
  const emit = options.onEvent ?? (() => {});
  const defer = options.settle === 'defer';
  let identity: Promise<OperatorIdentity> | undefined;
  const who = () => (identity ??= operatorIdentity(clients, options.operatorArn));
  const backup = new BackupEnsurer(clients, desired.policy);
  const desiredByName = new Map<string, DesiredTable>(desired.tables.map((table) => [table.name, table]));

  // Keys first, one at a time: few, account-wide, and needed by the tables' SSE.
  const keyOutcome = await runKeyPhase(clients, withActions.flatMap((table) => table.actions).filter(isKeyAction), who, emit);
  // Aliases whose key could not be created → why; tables that need them are skipped.
  const missingKeys = new Map([...keyOutcome].flatMap(([action, error]) => (error !== undefined && action.type === 'CreateKmsKey' ? [[action.alias, error] as const] : [])));

  const applyTable = async (tablePlan: TablePlan): Promise<TableApplyResult> => {
    const keyActions = tablePlan.actions.filter(isKeyAction);
    const applied: Action[] = keyActions.filter((action) => keyOutcome.has(action) && keyOutcome.get(action) === undefined);
    const rest = tablePlan.actions.filter((action): action is TableAction => !isKeyAction(action));
    const spec = desiredByName.get(tablePlan.name)?.spec ?? desired.policy.baseline;
    const alias = customerManagedKeyAlias(spec.encryption);
    const failedKeyAction = keyActions.find((action) => keyOutcome.get(action) !== undefined);
    if (failedKeyAction || (alias && missingKeys.has(alias))) {
      const message = failedKeyAction ? keyOutcome.get(failedKeyAction)! : `KMS key ${alias} could not be created: ${missingKeys.get(alias!)}`;
      return {
        table: tablePlan.name,
        status: applied.length ? 'failed' : 'skipped',
        applied,
        notApplied: tablePlan.actions.filter((action) => !applied.includes(action)),
        error: { reason: 'ApplyFailed', message, ...(failedKeyAction ? { action: failedKeyAction } : {}) },
      };
    }
    const current = observed.tables[tablePlan.name];
    const deadline = clock.now() + tableTimeout;
    // What this table waits for now (for the events and the timeout message), and since when.
    let currentAction: Action | undefined;
    let waiting: { waitsFor: string; since: number } | undefined;
    let lastWaitsFor: string | undefined;
    /** `settling`: DynamoDB settling after a change (named in a timeout), not a "not now" answer being retried. */
    const waitFor = (waitsFor: string, settling = true) => {
      waiting = { waitsFor, since: waiting?.since ?? clock.now() };
      lastWaitsFor = settling ? waitsFor : undefined;
      if (currentAction) emit({ kind: 'wait', action: currentAction, waitsFor });
    };
    /** A wait that ends well says how long it took; one that times out is reported by the failure. */
    const timed = <T>(promise: Promise<T>): Promise<T> =>
      promise.then(
        (value) => {
          if (waiting && currentAction) emit({ kind: 'waited', action: currentAction, ms: clock.now() - waiting.since });
          waiting = undefined;
          lastWaitsFor = undefined;
          return value;
        },
        (error: unknown) => {
          waiting = undefined;
          throw error;
        },
      );
    const doneAt = new Map<ControlId, number>();
    /** Planned actions DynamoDB refused as too soon (TTL): pending, not failed. */
    const tooSoon: PendingStep[] = [];
    const withPending = (result: TableApplyResult): TableApplyResult => {
      const pending = [...tooSoon, ...anchoredPending(tablePlan, doneAt)];
      return pending.length > 0 ? { ...result, pending } : result;
    };
    const session: TableSession = {
      name: tablePlan.name,
      spec,
      clients,
      backup,
      ...(current ? { arn: current.arn } : {}),
      indexNames: (current?.globalSecondaryIndexes ?? []).map((index) => index.name),
      later: (what, call) =>
        defer
          ? call()
          : timed(retryLater(call, { deadline, clock, what: `${tablePlan.name}: ${what}`, table: tablePlan.name, onRetry: (name) => waitFor(`DynamoDB to accept ${what} (${name})`, false) })),
    };
    for (const [index, action] of rest.entries()) {
      currentAction = action;
      emit({ kind: 'start', action, step: index + 1, steps: rest.length });
      try {
        const { settle } = await executeTableAction(session, action);
        if (settle && !defer) {
          const description = await timed(waitUntilSettled(clients, tablePlan.name, { deadline, clock, onWait: waitFor, ...(options.pollMs !== undefined ? { initialDelayMs: options.pollMs } : {}) }));
          session.arn = description.TableArn ?? session.arn;
          session.indexNames = (description.GlobalSecondaryIndexes ?? []).flatMap((gsi) => (gsi.IndexName ? [gsi.IndexName] : []));
        }
        applied.push(action);
        doneAt.set(action.control, clock.now());
        emit({ kind: 'done', action });
        // In defer mode a change that needs settling ends this table's round; the workflow waits, then resumes.
        if (settle && defer && index < rest.length - 1) return withPending({ table: tablePlan.name, status: 'deferred', applied, notApplied: rest.slice(index + 1) });
      } catch (caught) {
        // A TTL change within the hour of the last one: not a failure, the step is pending (AWS doesn't say until
        // when; the table's TTL changed less than an hour ago, perhaps by hand or by a run that stopped).
        // The table's other changes don't depend on it, so they go ahead.
        if (isTtlTooSoon(action, caught)) {
          const { table: _table, control, ...detail } = action;
          const waitsFor = `DynamoDB accepts one TTL change per table per hour, and ${tablePlan.name}'s TTL changed less than an hour ago`;
          tooSoon.push({ control, description: action.reason, action: detail, waitsFor });
          emit({ kind: 'pending', action, waitsFor: 'TTL change cooling down (one change per table per hour)' });
          continue;
        }
        // A limit that minutes won't lift, or a table that exists now: a clear failure of this table, at once.
        const error = explainRefusal(tablePlan.name, action, caught) ?? caught;
        if (defer && isLaterError(error)) {
          return withPending({ table: tablePlan.name, status: 'deferred', applied, notApplied: rest.slice(index) });
        }
        const failure = errorOf(error);
        if (failure.reason === 'WaitTimeout') failure.message = timeoutMessage(tablePlan.name, failure.message, lastWaitsFor, tableTimeout, options.timeoutName);
        emit({ kind: 'failed', action, message: failure.message });
        return withPending({ table: tablePlan.name, status: 'failed', applied, notApplied: rest.slice(index), error: { ...failure, action } });
      }
    }
    return withPending({ table: tablePlan.name, status: tooSoon.length > 0 ? 'deferred' : 'applied', applied, notApplied: [] });
  };
  const results = await mapWithConcurrency(withActions, options.concurrency ?? 4, async (tablePlan) => {
    const result = await applyTable(tablePlan);
    emit({ kind: 'table-done', table: tablePlan.name, status: result.status });
    return result;
  });
  return { tables: [...results, ...onlyPending] };
}
