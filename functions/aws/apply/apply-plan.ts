/**
 * Apply: execute a plan's actions, in the plan's order, and nothing else.
 *
 * - Keys first: KMS key actions are account-level and run before any table that needs them. A table whose key
 *   could not be made is not touched.
 * - Per-table isolation: tables run side by side (bounded), each in order; a table's failure stops that table
 *   only, and the result says exactly which of its actions were applied and which were not.
 * - DynamoDB's pacing: one change per UpdateTable call, then wait until the table, its indexes and its SSE are
 *   settled before the next. "Not now" answers (ResourceInUse, LimitExceeded) are retried until a deadline;
 *   throttling and 5xx are retried by the SDK's own strategy.
 * - Guard rails: a blocked plan (blast radius) makes no call at all. There is no DeleteTable, UntagResource or
 *   ScheduleKeyDeletion anywhere in this module.
 */
import {
  CreateTableCommand,
  TagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateContributorInsightsCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { TableWardenError, type StageReason } from '../../core/errors.ts';
import type { DesiredState, DesiredTable } from '../../core/model/desired.ts';
import type { ObservedAccount } from '../../core/model/observed.ts';
import type { Action, Plan } from '../../core/model/plan.ts';
import { mapWithConcurrency } from '../async-utils.ts';
import type { AwsClients } from '../clients.ts';
import { BackupEnsurer } from './backup-coverage.ts';
import { ensureKmsKey, operatorIdentity, setKeyRotation, type OperatorIdentity } from './kms-keys.ts';
import { createTableInput, updateTableInput } from './requests.ts';
import { LATER_ERRORS, realClock, retryLater, type RetryClock } from './retry.ts';
import { waitUntilSettled } from './wait.ts';

/** Progress, for people watching a long apply. */
export type ApplyEvent =
  | { kind: 'start'; action: Action }
  | { kind: 'done'; action: Action }
  | { kind: 'failed'; action: Action; message: string };

/** Apply settings. */
export interface ApplyOptions {
  /** How long one table may take, waits included (default 30 minutes; GSI backfills can take longer). */
  tableTimeoutMs?: number;
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
   * deferred: stopped to let DynamoDB settle (`settle: 'defer'`), `notApplied` is the rest.
   */
  status: 'applied' | 'failed' | 'skipped' | 'deferred';
  applied: Action[];
  notApplied: Action[];
  error?: { reason: StageReason; message: string; action?: Action };
}

/** What apply did. */
export interface ApplyResult {
  /** Set when the plan was blocked: nothing was attempted. */
  blocked?: string;
  tables: TableApplyResult[];
}

interface TableState {
  arn?: string;
  indexNames: string[];
}

type KeyAction = Extract<Action, { type: 'CreateKmsKey' | 'UpdateKmsKeyRotation' }>;

function isKeyAction(action: Action): action is KeyAction {
  return action.type === 'CreateKmsKey' || action.type === 'UpdateKmsKeyRotation';
}

function errorOf(error: unknown): { reason: StageReason; message: string } {
  if (error instanceof TableWardenError) return { reason: error.reason, message: error.message };
  const name = (error as { name?: string }).name ?? 'Error';
  const throttled = /Throttl|TooManyRequests|RequestLimitExceeded/.test(name);
  return { reason: throttled ? 'Throttled' : 'ApplyFailed', message: `${name}: ${(error as Error).message}` };
}

/** Execute `plan` against the account. `observed` is what the plan was computed from (for ARNs and indexes). */
export async function applyPlan(clients: AwsClients, plan: Plan, desired: DesiredState, observed: ObservedAccount, options: ApplyOptions = {}): Promise<ApplyResult> {
  const withActions = plan.tables.filter((table) => table.actions.length > 0);
  if (plan.blocked) {
    return {
      blocked: plan.blocked.reason,
      tables: withActions.map((table) => ({ table: table.name, status: 'skipped', applied: [], notApplied: table.actions, error: { reason: 'PlanFailed', message: plan.blocked!.reason } })),
    };
  }
  const clock = options.clock ?? realClock;
  const tableTimeout = options.tableTimeoutMs ?? 30 * 60_000;
  const emit = options.onEvent ?? (() => {});
  let identity: Promise<OperatorIdentity> | undefined;
  const who = () => (identity ??= operatorIdentity(clients, options.operatorArn));
  const backup = new BackupEnsurer(clients, desired.policy);
  const desiredByName = new Map<string, DesiredTable>(desired.tables.map((table) => [table.name, table]));

  // Keys first, one at a time: few, account-wide, and needed by the tables' SSE.
  const keyOutcome = new Map<Action, string | undefined>(); // action → error message (undefined: done)
  const missingKeys = new Map<string, string>(); // alias whose creation failed → why
  for (const action of withActions.flatMap((table) => table.actions).filter(isKeyAction)) {
    emit({ kind: 'start', action });
    try {
      if (action.type === 'CreateKmsKey') await ensureKmsKey(clients, action, who);
      else await setKeyRotation(clients, action.keyArn, action.rotationPeriodDays);
      keyOutcome.set(action, undefined);
      emit({ kind: 'done', action });
    } catch (error) {
      const { message } = errorOf(error);
      keyOutcome.set(action, message);
      if (action.type === 'CreateKmsKey') missingKeys.set(action.alias, message);
      emit({ kind: 'failed', action, message });
    }
  }

  const results = await mapWithConcurrency(withActions, options.concurrency ?? 4, async (tablePlan): Promise<TableApplyResult> => {
    const keyActions = tablePlan.actions.filter(isKeyAction);
    const applied: Action[] = keyActions.filter((action) => keyOutcome.has(action) && keyOutcome.get(action) === undefined);
    // Key actions ran in the keys phase above.
    const rest = tablePlan.actions.filter((action): action is Exclude<Action, KeyAction> => !isKeyAction(action));
    const spec = desiredByName.get(tablePlan.name)?.spec ?? desired.policy.baseline;
    const alias = spec.encryption?.type === 'CUSTOMER_MANAGED' ? spec.encryption.kmsKeyAlias : undefined;
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
    const state: TableState = { ...(current ? { arn: current.arn } : {}), indexNames: (current?.globalSecondaryIndexes ?? []).map((index) => index.name) };
    const deadline = clock.now() + tableTimeout;
    const settle = async () => {
      const description = await waitUntilSettled(clients, tablePlan.name, { deadline, clock, ...(options.pollMs !== undefined ? { initialDelayMs: options.pollMs } : {}) });
      state.arn = description.TableArn ?? state.arn;
      state.indexNames = (description.GlobalSecondaryIndexes ?? []).flatMap((index) => (index.IndexName ? [index.IndexName] : []));
    };
    const defer = options.settle === 'defer';
    const later = <T>(what: string, fn: () => Promise<T>) =>
      defer ? fn() : retryLater(fn, { deadline, clock, what: `${tablePlan.name}: ${what}`, table: tablePlan.name });
    /** In defer mode, a change that needs settling ends this table's round. */
    let settling = false;
    const settleOrDefer = async () => {
      if (defer) settling = true;
      else await settle();
    };
    const arn = () => {
      if (!state.arn) throw new Error(`${tablePlan.name}: table ARN unknown`);
      return state.arn;
    };

    for (const [index, action] of rest.entries()) {
      emit({ kind: 'start', action });
      try {
        switch (action.type) {
          case 'CreateTable': {
            const created = await later('CreateTable', () => clients.dynamodb.send(new CreateTableCommand(createTableInput(tablePlan.name, action.spec))));
            state.arn = created.TableDescription?.TableArn;
            await settleOrDefer();
            break;
          }
          case 'UpdatePointInTimeRecovery':
            await later('UpdateContinuousBackups', () =>
              clients.dynamodb.send(
                new UpdateContinuousBackupsCommand({
                  TableName: tablePlan.name,
                  PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: action.enabled, ...(action.enabled && action.recoveryPeriodDays !== undefined ? { RecoveryPeriodInDays: action.recoveryPeriodDays } : {}) },
                }),
              ),
            );
            break;
          case 'TagResource':
            await later('TagResource', () => clients.dynamodb.send(new TagResourceCommand({ ResourceArn: arn(), Tags: Object.entries(action.tags).map(([Key, Value]) => ({ Key, Value })) })));
            break;
          case 'UpdateTimeToLive':
            await later('UpdateTimeToLive', () =>
              clients.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: tablePlan.name, TimeToLiveSpecification: { Enabled: action.enabled, AttributeName: action.attributeName } })),
            );
            break;
          case 'UpdateContributorInsights':
            await later('UpdateContributorInsights', () =>
              clients.dynamodb.send(new UpdateContributorInsightsCommand({ TableName: tablePlan.name, ContributorInsightsAction: action.enabled ? 'ENABLE' : 'DISABLE' })),
            );
            break;
          case 'AddToBackupPlan':
            await backup.addTable(action.plan, tablePlan.name, arn());
            break;
          case 'StartBackupJob':
            await backup.startBackup(action.plan, arn());
            break;
          case 'UpdateSse':
          case 'UpdateDeletionProtection':
          case 'UpdateStream':
          case 'UpdateBilling':
          case 'UpdateTableClass':
          case 'DeleteGlobalSecondaryIndex':
          case 'CreateGlobalSecondaryIndex':
          case 'UpdateGlobalSecondaryIndex':
            await later('UpdateTable', () => clients.dynamodb.send(new UpdateTableCommand(updateTableInput(tablePlan.name, action, spec, state.indexNames))));
            await settleOrDefer();
            break;
          default:
            throw new Error(`no executor for ${(action satisfies never as Action).type}`);
        }
        applied.push(action);
        emit({ kind: 'done', action });
        if (settling && index < rest.length - 1) return { table: tablePlan.name, status: 'deferred', applied, notApplied: rest.slice(index + 1) };
      } catch (error) {
        if (defer && LATER_ERRORS.has((error as { name?: string }).name ?? '')) {
          return { table: tablePlan.name, status: 'deferred', applied, notApplied: rest.slice(index) };
        }
        const failure = errorOf(error);
        emit({ kind: 'failed', action, message: failure.message });
        return { table: tablePlan.name, status: 'failed', applied, notApplied: rest.slice(index), error: { ...failure, action } };
      }
    }
    return { table: tablePlan.name, status: 'applied', applied, notApplied: [] };
  });
  return { tables: results };
}
