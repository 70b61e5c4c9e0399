/**
 * The restore drill's run functions: one step each, called by the RestoreDrill state machine's Lambdas and by the
 * CLI alike, with small JSON inputs and outputs (a {@link DrillState} travels between steps; a few KB at most).
 *
 *   startDrill → (checkRestore, Wait)* → validateDrill → cleanupDrill → recordDrill
 *
 * Every step after startDrill may fail; the state machine's Catch (and {@link runDrillLocally}) then goes to
 * cleanupDrill with the last state and records the drill as failed. startDrill itself never throws once the
 * restore was attempted: a restore that fails to start is a `failed` state (nothing to clean but the lock), so the
 * Catch path always has the copy's name. It throws only before anything exists: {@link DrillRunning} (another
 * drill of the table holds its lock) and errors reading the source.
 *
 * Metrics: the run functions return the figures (RTO, counts, changed share); the handler layer emits them as EMF.
 */
import { BACKUP_ROLE_ENV } from '../core/backup-plan-selection.ts';
import { compareSamples, compareShape, evaluateChecks, checkKey, type DeclaredCheck, type ExpectedSse } from '../core/drill/compare.ts';
import { checksDigest, type ChecksRef } from '../core/drill/checks-ref.ts';
import type { RunStore } from './ports.ts';
import { keyOf, type DrillItem } from '../core/drill/checksum.ts';
import { compactDropped, droppedSettings, type DroppedSetting } from '../core/drill/dropped-settings.ts';
import { drillTableName, drillTags } from '../core/drill/names.ts';
import { drillDetails, drillHistoryItem, type DrillCounts, type DrillDetails, type DrillReport } from '../core/drill/record.ts';
import { compactReasons, drillVerdict, restoreDeadline, rtoSeconds, scanSegments } from '../core/drill/verdict.ts';
import type { Policy } from '../core/desired/schema.ts';
import type { DesiredTable } from '../core/model/desired.ts';
import type { AccountIndex, ObservedKmsKey } from '../core/model/observed.ts';
import { aspectsFor } from '../core/plan/observe-request.ts';
import { describeError } from '../aws/async-utils.ts';
import type { AwsClients } from '../aws/clients.ts';
import { realClock, type RetryClock } from '../aws/apply/retry.ts';
import {
  acquireDrillLock,
  countItems,
  deleteDrillTable,
  listTableTags,
  putDrillHistory,
  putRestoreValidationResult,
  readByKeys,
  releaseDrillLock,
  sampleItems,
  sweepStaleDrillTables,
  type SweptTable,
} from '../aws/drill-data.ts';
import { createKmsObserver } from '../aws/observe-kms.ts';
import { observeTables } from '../aws/observe.ts';
import { normaliseTableDescription, tableKmsKeyArn } from '../aws/normalise-table.ts';
import {
  checkRestoreOnce,
  findRecoverySource,
  resolveDrillSse,
  siblingTableArn,
  sourceId,
  startRestore,
  tagDrillCopy,
  type DrillSourceKind,
  type RecoverySource,
} from '../aws/restore.ts';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';

export type { DrillReport } from '../core/drill/record.ts';
export type { DrillSourceKind, RecoverySource } from '../aws/restore.ts';

/** What the drill steps need from the outside world (a subset of the run's RunDependencies). */
export interface DrillDependencies {
  clients: AwsClients;
  /** The operator's state table (drill lock and history). */
  stateTable: string;
  /** The run store: validation reads a target's declared checks from it when the target carries `checksRef`. */
  store?: Pick<RunStore, 'get' | 'where'>;
}

/** Injectable time for the retries and waits inside a step (tests run in virtual time). */
export interface DrillStepOptions {
  clock?: RetryClock;
}

export type { ChecksRef } from '../core/drill/checks-ref.ts';

/** The table to drill: its declared spec (merged with the baseline) and the policy (for the dropped-settings plan). */
export interface DrillTarget {
  table: DesiredTable;
  policy: Policy;
  /** Set when the checks were moved out of the spec to keep the machine's state small; read back by validateDrill. */
  checksRef?: ChecksRef;
}

/** startDrill's input. */
export interface StartDrillInput {
  target: DrillTarget;
  /** Overrides restoreDrill.source (the CLI's --source). */
  source?: DrillSourceKind;
  /** PITR only: restore to this time (ISO-8601) instead of the latest restorable time. */
  time?: string;
  /** The drill's start (ISO-8601); default the current time. */
  now?: string;
  /** The role AWS Backup assumes for StartRestoreJob; default TABLEWARDEN_BACKUP_ROLE_ARN. */
  backupRoleArn?: string;
}

/** The error a Catch hands on (Step Functions' shape). */
export interface CaughtError {
  Error?: string | undefined;
  Cause?: string | undefined;
}

/** The drill's state between steps. Plain JSON, a few KB at most. */
export interface DrillState {
  table: string;
  sourceKind: DrillSourceKind;
  startedAt: string;
  maxRestoreMinutes: number;
  /** The wait for the copy ends here (restoreDeadline: twice maxRestoreMinutes, at least 10 minutes). */
  deadline: string;
  /** restoring: waiting for the copy; active: ready to validate; failed: the restore failed or timed out; none: nothing was restored. */
  restore: 'none' | 'restoring' | 'active' | 'failed';
  /** Why there is nothing to restore from (a typed result, not an error). */
  noRecoveryPoint?: string;
  /** Why the restore failed, or what it is waiting for. */
  restoreDetail?: string;
  source?: RecoverySource;
  copyTable?: string;
  copyArn?: string;
  restoreJobId?: string;
  /** Whether the drill tags are on the copy (a copy still being created may not take them yet). */
  tagged?: boolean;
  /** The drill's lock owner (the copy's name), released by cleanup. */
  lockOwner?: string;
  expectedSse?: ExpectedSse;
  activeAt?: string;
  rtoSeconds?: number;
  validation?: { passed: boolean; reasons: string[]; counts: DrillCounts; dropped: DroppedSetting[]; details?: DrillDetails };
  /**
   * untagged: the copy exists and is this drill's by name, but lacks the drill tag; cleanup can't tag it (its role may
   * not), so {@link tagCopyForCleanup} (drill-check's role, which restored-side tagging already needs) tags it and
   * cleanup comes again.
   */
  cleanup?: { outcome: 'deleted' | 'gone' | 'refused' | 'waiting' | 'untagged'; reason: string };
}

const nowOf = (text: string | undefined): Date => (text === undefined ? new Date() : new Date(text));

/** Lock expiry: past the wait's deadline by an hour, so a crashed drill's lock lapses on its own. */
const LOCK_GRACE_MS = 60 * 60 * 1000;

/** How long one step may spend retrying a read or a tag (keeps every step well inside a Lambda's 15 minutes). */
const STEP_RETRY_MS = 2 * 60 * 1000;

/** TagResource attempts at start: a copy still CREATING is tagged by checkRestore instead. */
const TAG_AT_START_MS = 20_000;

/**
 * Find the newest recovery source, take the table's drill lock, start the restore into `tw-drill-<table>-<time>`
 * with the declared encryption, and tag the copy. No recovery point: `restore: 'none'` with `noRecoveryPoint`.
 *
 * @throws DrillRunning when another drill of the table holds the lock; errors before the restore is attempted.
 */
export async function startDrill(deps: DrillDependencies, input: StartDrillInput, options: DrillStepOptions = {}): Promise<DrillState> {
  const { table } = input.target;
  const drill = table.spec.restoreDrill;
  const startedAt = nowOf(input.now);
  const sourceKind = input.source ?? drill?.source ?? 'dynamodb-backup';
  const maxRestoreMinutes = drill?.maxRestoreMinutes ?? 60;
  const deadline = restoreDeadline(startedAt, maxRestoreMinutes);
  const base: DrillState = { table: table.name, sourceKind, startedAt: startedAt.toISOString(), maxRestoreMinutes, deadline: deadline.toISOString(), restore: 'none' };
  const clock = options.clock ?? realClock;

  const described = (await deps.clients.dynamodb.send(new DescribeTableCommand({ TableName: table.name }))).Table;
  if (!described?.TableArn) throw new Error(`DescribeTable ${table.name} returned no TableArn`);
  const found = await findRecoverySource(deps.clients, { table: table.name, tableArn: described.TableArn, kind: sourceKind, ...(input.time ? { time: new Date(input.time) } : {}) });
  if (!found.found) return { ...base, noRecoveryPoint: found.reason };

  const copyTable = drillTableName(table.name, startedAt);
  await acquireDrillLock(deps.clients.dynamodb, { stateTable: deps.stateTable, table: table.name, owner: copyTable, now: startedAt, expiresAt: new Date(deadline.getTime() + LOCK_GRACE_MS) });
  const state: DrillState = { ...base, source: found.source, copyTable, lockOwner: copyTable, copyArn: siblingTableArn(described.TableArn, copyTable) };
  try {
    const sourceSse: ExpectedSse = described.SSEDescription?.KMSMasterKeyArn ? { type: 'CUSTOMER_MANAGED', kmsKeyArn: described.SSEDescription.KMSMasterKeyArn } : { type: 'AWS_OWNED' };
    state.expectedSse = await resolveDrillSse(deps.clients, table.spec.encryption, sourceSse);
    const backupRoleArn = input.backupRoleArn ?? process.env[BACKUP_ROLE_ENV];
    const started = await startRestore(deps.clients, {
      source: found.source,
      sourceTable: table.name,
      sourceTableArn: described.TableArn,
      targetTable: copyTable,
      sse: state.expectedSse,
      idempotencyToken: copyTable,
      ...(backupRoleArn ? { backupRoleArn } : {}),
    });
    state.copyArn = started.copyArn;
    if (started.restoreJobId) state.restoreJobId = started.restoreJobId;
    state.restore = 'restoring';
  } catch (error) {
    // Nothing was created: the drill failed to start. Cleanup (which finds no copy) releases the lock.
    return { ...state, restore: 'failed', restoreDetail: compactReasons([`the restore failed to start: ${describeError(error)}`])[0] as string };
  }
  try {
    state.tagged = await tagDrillCopy(deps.clients, state.copyArn as string, drillTags(table.name, { kind: found.source.kind, id: sourceId(found.source) }, startedAt), {
      clock,
      deadline: clock.now() + TAG_AT_START_MS,
    });
  } catch {
    state.tagged = false;
  }
  return state;
}

/** One look at the restore (no waiting): still restoring, active (tagged, RTO measured), or failed / timed out. */
export async function checkRestore(deps: DrillDependencies, input: { drill: DrillState; now?: string }, options: DrillStepOptions = {}): Promise<DrillState> {
  const drill = input.drill;
  if (drill.restore !== 'restoring' || !drill.copyTable) return drill;
  const now = nowOf(input.now);
  const clock = options.clock ?? realClock;
  const check = await checkRestoreOnce(deps.clients, { copyTable: drill.copyTable, ...(drill.restoreJobId ? { restoreJobId: drill.restoreJobId } : {}) });
  if (check.state === 'failed') return { ...drill, restore: 'failed', restoreDetail: compactReasons([check.reason])[0] as string };
  const next: DrillState = { ...drill };
  if (!next.tagged && next.source && next.copyArn) {
    next.tagged = await tagDrillCopy(deps.clients, next.copyArn, drillTags(drill.table, { kind: next.source.kind, id: sourceId(next.source) }, new Date(drill.startedAt)), {
      clock,
      deadline: clock.now(),
    }).catch(() => false);
  }
  if (check.state === 'active' && next.tagged) {
    const activeAt = check.completedAt ?? now.toISOString();
    return { ...next, restore: 'active', activeAt, rtoSeconds: rtoSeconds(drill.startedAt, activeAt), restoreDetail: 'ACTIVE' };
  }
  if (now.getTime() > new Date(drill.deadline).getTime()) {
    return { ...next, restore: 'failed', restoreDetail: `timed out: ${drill.copyTable} was not ready by ${drill.deadline} (${check.state === 'restoring' ? check.detail : 'not tagged yet'})` };
  }
  return { ...next, restoreDetail: check.state === 'restoring' ? check.detail : 'tagging the copy' };
}

/** Keys of some items. */
const keysOf = (items: readonly DrillItem[], keySchema: Parameters<typeof keyOf>[1]): DrillItem[] =>
  items.map((item) => keyOf(item, keySchema)).filter((key): key is DrillItem => key !== undefined);

/**
 * Validate the copy: its shape (key schema, indexes, encryption), the exact item count next to the source's
 * approximate one, the two-way sample by checksum, the declared checks, and the RTO; plus what a real restore would
 * have to re-apply. Sets `validation` (the verdict and its reasons).
 */
export async function validateDrill(deps: DrillDependencies, input: { target: DrillTarget; drill: DrillState; now?: string }, options: DrillStepOptions = {}): Promise<DrillState> {
  const { drill, target } = input;
  if (drill.restore !== 'active' || !drill.copyTable) throw new Error(`validateDrill: the copy of ${drill.table} is not ready (restore ${drill.restore})`);
  const now = nowOf(input.now);
  const clock = options.clock ?? realClock;
  const spec = target.table.spec;
  const settings = spec.restoreDrill;
  const sampleSize = settings?.sampleSize ?? 50;
  const segments = scanSegments(sampleSize);
  const { clients } = deps;
  const copyTable = drill.copyTable;

  // The source as it is now (shape and approximate count), and the copy observed as the planner sees tables.
  const sourceDescription = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: drill.table }))).Table;
  if (!sourceDescription) throw new Error(`DescribeTable ${drill.table} returned no Table`);
  const kms = createKmsObserver(clients, Promise.resolve(kmsAliasList(spec.encryption, drill.expectedSse)));
  const sourceKeyArn = tableKmsKeyArn(sourceDescription);
  const source = normaliseTableDescription(sourceDescription, sourceKeyArn ? await kms.key(sourceKeyArn) : undefined);
  const copyIndex = await copyAccountIndex(clients, copyTable, drill, spec.encryption, kms, now);
  const observed = await observeTables(clients, copyIndex, {
    tables: [{ name: copyTable, aspects: aspectsFor(spec) }],
    ...(spec.encryption?.type === 'CUSTOMER_MANAGED' ? { kmsAliases: [spec.encryption.kmsKeyAlias] } : { kmsAliases: [] }),
  });
  const copy = observed.tables[copyTable];
  if (!copy) throw new Error(`could not observe the copy ${copyTable}: ${observed.errors[copyTable] ?? 'not found'}`);

  // Declared encryption: the copy must have exactly it. None declared: the copy keeps the source's (normalised, so an
  // AWS managed key is AWS_MANAGED on both sides).
  const shape = compareShape(source, copy, spec.encryption && drill.expectedSse ? drill.expectedSse : source.sse);
  const keySchema = source.keySchema;
  const timing = { clock, deadline: clock.now() + STEP_RETRY_MS };
  const [copyItems, copySample, sourceSample] = await Promise.all([
    countItems(clients.dynamodb, copyTable, segments),
    sampleItems(clients.dynamodb, copyTable, sampleSize, segments),
    sampleItems(clients.dynamodb, drill.table, sampleSize, segments),
  ]);
  const checks = await declaredChecks(deps, target);
  const [fromSource, fromCopy, checked] = await Promise.all([
    readByKeys(clients.dynamodb, drill.table, keySchema, keysOf(copySample, keySchema), timing),
    readByKeys(clients.dynamodb, copyTable, keySchema, keysOf(sourceSample, keySchema), timing),
    readByKeys(clients.dynamodb, copyTable, keySchema, checks.map((check) => checkKey(check, keySchema)), timing),
  ]);
  const comparison = compareSamples({ keySchema, copySample, sourceByKey: fromSource.items, sourceSample, copyByKey: fromCopy.items, unreadable: [...fromSource.unreadable, ...fromCopy.unreadable] });
  const checkResults = evaluateChecks(checks, keySchema, checked.items, checked.unreadable);
  const verdict = drillVerdict({ shape, comparison, maxChangedPercent: settings?.maxChangedPercent ?? 0, checks: checkResults, rtoSeconds: drill.rtoSeconds, maxRestoreMinutes: drill.maxRestoreMinutes });
  const dropped = droppedSettings({ table: target.table, copy, kmsKeysByAlias: observed.kmsKeysByAlias, policy: target.policy, now });
  const counts: DrillCounts = {
    copyItems,
    ...(sourceDescription.ItemCount !== undefined ? { sourceItemsApproximate: sourceDescription.ItemCount } : {}),
    compared: comparison.compared,
    matched: comparison.matched,
    changed: comparison.changed.length,
    missingInCopy: comparison.missingInCopy.length,
    missingInSource: comparison.missingInSource.length,
    unreadable: comparison.unreadable.length,
    changedPercent: Math.round(comparison.changedPercent * 100) / 100,
    checks: checkResults.length,
    checksFailed: checkResults.filter((check) => !check.passed).length,
  };
  const details = drillDetails({ shape, ...(drill.expectedSse ? { expectedSse: drill.expectedSse } : {}), comparison, checks: checkResults });
  return { ...drill, validation: { passed: verdict.passed, reasons: compactReasons(verdict.reasons), counts, dropped: compactDropped(dropped), details } };
}

/** The target's declared checks: in its spec, or read back from the run store (digest and count checked). */
async function declaredChecks(deps: DrillDependencies, target: DrillTarget): Promise<DeclaredCheck[]> {
  const ref = target.checksRef;
  if (!ref) return target.table.spec.restoreDrill?.checks ?? [];
  if (!deps.store) throw new Error(`the declared checks of ${target.table.name} are in the run store (${ref.key}), and this step has no run store`);
  const stored = await deps.store.get(ref.key);
  if (!Array.isArray(stored) || stored.length !== ref.count || checksDigest(stored) !== ref.sha256) {
    throw new Error(`the declared checks of ${target.table.name} at ${deps.store.where(ref.key)} are missing or not the ${ref.count} declared (digest ${ref.sha256})`);
  }
  return stored as DeclaredCheck[];
}

/** The aliases the KMS observer should know, so the key behind the declared alias carries its alias name. */
function kmsAliasList(encryption: DesiredTable['spec']['encryption'], expected: ExpectedSse | undefined): Array<{ aliasName: string; targetKeyId: string }> {
  if (encryption?.type !== 'CUSTOMER_MANAGED' || !expected?.kmsKeyArn) return [];
  return [{ aliasName: encryption.kmsKeyAlias, targetKeyId: expected.kmsKeyArn.slice(expected.kmsKeyArn.lastIndexOf('/') + 1) }];
}

/**
 * The account index for observing the copy alone: its own name, ARN and tags, and the declared key. No backup
 * selections: tablewarden's are tag-based, and a restored table carries no tags, so it is in no plan.
 */
async function copyAccountIndex(
  clients: AwsClients,
  copyTable: string,
  drill: DrillState,
  encryption: DesiredTable['spec']['encryption'],
  kms: ReturnType<typeof createKmsObserver>,
  now: Date,
): Promise<AccountIndex> {
  const arn = drill.copyArn as string;
  const kmsKeysByAlias: Record<string, ObservedKmsKey | null> = {};
  const kmsAliasesByKeyId: Record<string, string[]> = {};
  if (encryption?.type === 'CUSTOMER_MANAGED' && drill.expectedSse?.kmsKeyArn) {
    const key = await kms.key(drill.expectedSse.kmsKeyArn);
    kmsKeysByAlias[encryption.kmsKeyAlias] = key;
    kmsAliasesByKeyId[key.keyId] = [encryption.kmsKeyAlias];
  }
  return {
    observedAt: now.toISOString(),
    tableNames: [copyTable],
    tableArns: { [copyTable]: arn },
    tags: { [copyTable]: await listTableTags(clients.dynamodb, arn) },
    kmsKeysByAlias,
    backup: { selections: [], lastBackupByArn: {} },
    kmsAliasesByKeyId,
  };
}

/** Whether the copy is this drill's own by name: the one it derived from the table and its start time. */
const isOwnCopy = (drill: DrillState): boolean => drill.copyTable !== undefined && drill.copyTable === drillTableName(drill.table, new Date(drill.startedAt));

/**
 * Delete the copy (only through the guard) and release the table's drill lock once the copy is gone. Never tags:
 * the cleanup role holds DeleteTable on tagged `tw-drill-*` tables and must not hold TagResource too (with both it
 * could tag any `tw-drill-*` table and delete it). `waiting`: the copy is still being created; call again.
 * `untagged`: the copy is this drill's by name but lacks the drill tag; {@link tagCopyForCleanup} tags it, then call
 * again. A `tw-drill-*` table that is not this drill's by name and lacks the tag is `refused`.
 */
export async function cleanupDrill(deps: DrillDependencies, input: { drill: DrillState; error?: CaughtError }, options: DrillStepOptions = {}): Promise<DrillState> {
  const drill = input.drill;
  const clock = options.clock ?? realClock;
  const timing = { clock, deadline: clock.now() + STEP_RETRY_MS };
  let cleanup: NonNullable<DrillState['cleanup']> = { outcome: 'gone', reason: 'no copy was created' };
  if (drill.copyTable) {
    const result = await deleteDrillTable(deps.clients.dynamodb, drill.copyTable, timing);
    cleanup =
      result.untagged && isOwnCopy(drill) && drill.source && drill.copyArn
        ? { outcome: 'untagged', reason: `${drill.copyTable} is this drill's copy but does not carry the drill tag yet: the restoring role tags it, then cleanup deletes it` }
        : { outcome: result.outcome, reason: result.reason };
  }
  if (drill.lockOwner && (cleanup.outcome === 'deleted' || cleanup.outcome === 'gone')) {
    await releaseDrillLock(deps.clients.dynamodb, { stateTable: deps.stateTable, table: drill.table, owner: drill.lockOwner });
  }
  return { ...drill, cleanup: { outcome: cleanup.outcome, reason: cleanup.reason } };
}

/**
 * Tag the drill's own copy so cleanup may delete it: called (by drill-check's role, which tags copies the restore
 * created) when cleanup reported `untagged`. Only the copy whose name this drill derived from the table and its start
 * time is tagged; anything else is left as it is. Sets `tagged` (false: not taggable yet; cleanup comes again).
 */
export async function tagCopyForCleanup(deps: DrillDependencies, input: { drill: DrillState }, options: DrillStepOptions = {}): Promise<DrillState> {
  const drill = input.drill;
  if (!isOwnCopy(drill) || !drill.source || !drill.copyArn) return drill;
  const clock = options.clock ?? realClock;
  const tagged = await tagDrillCopy(deps.clients, drill.copyArn, drillTags(drill.table, { kind: drill.source.kind, id: sourceId(drill.source) }, new Date(drill.startedAt)), {
    clock,
    deadline: clock.now() + TAG_AT_START_MS,
  });
  return { ...drill, tagged };
}

/** Build the drill's report from its last state (and the error a Catch caught, if any). Pure. */
export function drillReport(drill: DrillState, error: CaughtError | undefined, finishedAt: Date): DrillReport {
  const reasons: string[] = [];
  if (drill.noRecoveryPoint) reasons.push(drill.noRecoveryPoint);
  if (drill.restore === 'failed') reasons.push(drill.restoreDetail ?? 'the restore failed');
  if (error) reasons.push(`drill step failed: ${error.Error ?? 'Error'}: ${(error.Cause ?? '').slice(0, 1_000)}`);
  if (drill.validation) reasons.push(...drill.validation.reasons);
  else if (drill.restore === 'active' && !error) reasons.push('the copy was never validated');
  if (drill.cleanup && drill.cleanup.outcome !== 'deleted' && drill.cleanup.outcome !== 'gone') reasons.push(`cleanup: ${drill.cleanup.reason}`);
  const verdict = drill.noRecoveryPoint ? 'no-recovery-point' : reasons.length === 0 && drill.validation?.passed ? 'passed' : 'failed';
  return {
    table: drill.table,
    verdict,
    reasons,
    startedAt: drill.startedAt,
    finishedAt: finishedAt.toISOString(),
    ...(drill.source ? { source: { kind: drill.source.kind, id: sourceId(drill.source) } } : {}),
    ...(drill.copyTable ? { copyTable: drill.copyTable } : {}),
    ...(drill.rtoSeconds !== undefined ? { rtoSeconds: drill.rtoSeconds } : {}),
    maxRestoreMinutes: drill.maxRestoreMinutes,
    counts: drill.validation?.counts ?? {},
    dropped: drill.validation?.dropped ?? [],
    ...(drill.cleanup ? { cleanup: drill.cleanup } : {}),
    ...(drill.validation?.details ? { details: drill.validation.details } : {}),
  };
}

/**
 * Record the drill: its history item in the state table (pk `DRILL#<table>`, sk its start time) and, for an AWS
 * Backup restore, PutRestoreValidationResult. Returns the report (with the figures the handler emits as metrics).
 */
export async function recordDrill(deps: DrillDependencies, input: { drill: DrillState; error?: CaughtError; now?: string }): Promise<DrillReport> {
  const report = drillReport(input.drill, input.error, nowOf(input.now));
  await putDrillHistory(deps.clients.dynamodb, deps.stateTable, drillHistoryItem(report) as never);
  // AWS Backup takes a validation result only for a COMPLETED restore job: one whose copy became ACTIVE.
  if (input.drill.restoreJobId && input.drill.activeAt) {
    try {
      await putRestoreValidationResult(deps.clients, input.drill.restoreJobId, report.verdict === 'passed', report.verdict === 'passed' ? 'tablewarden drill passed' : report.reasons.join('; '));
      report.awsBackupValidation = 'sent';
    } catch (error) {
      // The drill's own verdict and history stand; the report says the result did not reach AWS Backup.
      report.awsBackupValidation = `not sent: ${describeError(error)}`;
    }
  }
  return report;
}

/** The nightly sweep's result. */
export interface SweepReport {
  swept: SweptTable[];
}

/** Delete drill copies older than a day that an aborted run left behind (guarded like every cleanup). */
export async function sweepDrillTables(deps: DrillDependencies, input: { now?: string } = {}, options: DrillStepOptions = {}): Promise<SweepReport> {
  const clock = options.clock ?? realClock;
  return { swept: await sweepStaleDrillTables(deps.clients.dynamodb, nowOf(input.now), { clock, deadline: clock.now() + STEP_RETRY_MS }) };
}

/** How {@link runDrillLocally} waits. */
export interface LocalDrillOptions extends DrillStepOptions {
  /** The time source of the drill's own steps (ISO strings passed as `now`); default the clock's. */
  now?: () => Date;
  /** First wait between checks (doubles up to 30 s); default 1 s. */
  pollMs?: number;
  /** Called with each state as the drill moves (the CLI's progress lines). */
  onProgress?: (phase: 'restoring' | 'validating' | 'cleaning-up' | 'recording', drill: DrillState) => void;
}

/**
 * The whole drill in one process, with the state machine's semantics: wait for the copy with backoff until its
 * deadline, validate, and always clean up (a failing step goes to cleanup, as the Catch does), then record. For
 * tests and `tablewarden drill` without --remote. Throws only what startDrill throws (DrillRunning, reading the source).
 */
export async function runDrillLocally(deps: DrillDependencies, input: StartDrillInput, options: LocalDrillOptions = {}): Promise<DrillReport> {
  const clock = options.clock ?? realClock;
  const now = options.now ?? (() => new Date(clock.now()));
  let drill = await startDrill(deps, { ...input, now: input.now ?? now().toISOString() }, options);
  let error: CaughtError | undefined;
  try {
    let delay = options.pollMs ?? 1_000;
    while (drill.restore === 'restoring') {
      options.onProgress?.('restoring', drill);
      drill = await checkRestore(deps, { drill, now: now().toISOString() }, options);
      if (drill.restore !== 'restoring') break;
      await clock.sleep(delay);
      delay = Math.min(30_000, delay * 2);
    }
    if (drill.restore === 'active') {
      options.onProgress?.('validating', drill);
      drill = await validateDrill(deps, { target: input.target, drill, now: now().toISOString() }, options);
    }
  } catch (caught) {
    error = { Error: (caught as Error).name ?? 'Error', Cause: (caught as Error).message ?? String(caught) };
  }
  try {
    options.onProgress?.('cleaning-up', drill);
    let delay = options.pollMs ?? 1_000;
    // A copy still being created can't be deleted: wait for it as long as a restore may take (the state machine
    // loops the same way), at least 10 minutes.
    const cleanupDeadline = clock.now() + Math.max(10 * 60_000, 2 * drill.maxRestoreMinutes * 60_000);
    drill = await cleanupDrill(deps, { drill, ...(error ? { error } : {}) }, options);
    while ((drill.cleanup?.outcome === 'waiting' || drill.cleanup?.outcome === 'untagged') && clock.now() + delay <= cleanupDeadline) {
      // An untagged copy of ours is tagged as the state machine does it (TagDrillCopy), and deleted right after.
      if (drill.cleanup.outcome === 'untagged') drill = await tagCopyForCleanup(deps, { drill }, options);
      if (!drill.tagged || drill.cleanup?.outcome === 'waiting') {
        await clock.sleep(delay);
        delay = Math.min(30_000, delay * 2);
      }
      drill = await cleanupDrill(deps, { drill }, options);
    }
  } catch (caught) {
    error ??= { Error: (caught as Error).name ?? 'Error', Cause: (caught as Error).message ?? String(caught) };
    drill = { ...drill, cleanup: { outcome: 'waiting', reason: `cleanup failed: ${describeError(caught)}` } };
  }
  options.onProgress?.('recording', drill);
  return recordDrill(deps, { drill, ...(error ? { error } : {}), now: now().toISOString() });
}
