/**
 * Restore-drill adapter, restore side: find the newest recovery source of a table, start a restore into a drill
 * copy, tag it, and check on it. Thin: every decision (names, tags, deadlines, the verdict) is in
 * functions/core/drill; this only talks to AWS.
 *
 * APIs and the rules that bind them:
 * - AWS Backup ListRecoveryPointsByResource (COMPLETED points only; ManagedByAWSBackupOnly so DynamoDB's own
 *   backups don't count as AWS Backup ones), StartRestoreJob with DynamoDB's restore metadata keys
 *   (`targetTableName`, `encryptionType` = Default | KMS, `kmsMasterKeyArn`, `deletionProtection`:
 *   https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-inferred-metadata.html,
 *   https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartRestoreJob.html), DescribeRestoreJob
 *   (PENDING → RUNNING → COMPLETED | FAILED | ABORTED).
 * - DynamoDB ListBackups (USER backups, AVAILABLE), RestoreTableFromBackup, DescribeContinuousBackups (PITR on,
 *   EarliestRestorableDateTime..LatestRestorableDateTime), RestoreTableToPointInTime
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html). Neither
 *   restore takes Tags or deletion protection: the copy is created without either, and is tagged right after the
 *   restore is accepted. At most 50 restores run at once per account (LimitExceededException).
 * - TagResource on a table still being created answers ResourceInUseException: retried until a short deadline, and
 *   finished by {@link checkRestoreOnce} otherwise (the copy is never reported ready untagged).
 */
import {
  DescribeRestoreJobCommand,
  ListRecoveryPointsByResourceCommand,
  StartRestoreJobCommand,
  type RecoveryPointByResource,
} from '@aws-sdk/client-backup';
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  ListBackupsCommand,
  RestoreTableFromBackupCommand,
  RestoreTableToPointInTimeCommand,
  TagResourceCommand,
  type BackupSummary,
  type SSESpecification,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import type { ExpectedSse } from '../core/drill/compare.ts';
import type { DesiredSpec } from '../core/model/desired.ts';
import { collectPages, errorName } from './async-utils.ts';
import type { AwsClients } from './clients.ts';
import { realClock, retryLater, WaitTimeout, type RetryClock } from './apply/retry.ts';

/** The source kinds a drill restores from (restoreDrill.source). */
export type DrillSourceKind = 'aws-backup' | 'dynamodb-backup' | 'pitr';

/** The newest recovery source found for a table. Plain JSON: it travels between state machine steps. */
export type RecoverySource =
  | { kind: 'aws-backup'; recoveryPointArn: string; vaultName: string; createdAt: string }
  | { kind: 'dynamodb-backup'; backupArn: string; createdAt: string }
  | { kind: 'pitr'; /** Absent: the latest restorable time. */ restoreTime?: string; earliestRestorable: string; latestRestorable: string };

/** Found a source, or a typed "no recovery point" with the reason (never a crash). */
export type FindSourceResult = { found: true; source: RecoverySource } | { found: false; reason: string };

/** The source's id as the drill tag and history name it. */
export function sourceId(source: RecoverySource): string {
  if (source.kind === 'aws-backup') return source.recoveryPointArn;
  if (source.kind === 'dynamodb-backup') return source.backupArn;
  return source.restoreTime ?? `latest:${source.latestRestorable}`;
}

const iso = (value: Date | string | undefined): string | undefined => (value === undefined ? undefined : new Date(value).toISOString());

/**
 * Find the newest recovery source of `table` of the given kind. For PITR, `time` asks for that point in time
 * (it must lie in the restorable window); without it the latest restorable time is used.
 */
export async function findRecoverySource(
  clients: Pick<AwsClients, 'dynamodb' | 'backup'>,
  request: { table: string; tableArn: string; kind: DrillSourceKind; time?: Date },
): Promise<FindSourceResult> {
  if (request.kind === 'aws-backup') {
    const pages = await collectPages(
      (NextToken) =>
        clients.backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: request.tableArn, ManagedByAWSBackupOnly: true, ...(NextToken ? { NextToken } : {}) })),
      (page) => page.NextToken,
    );
    const points = pages.flatMap((page) => page.RecoveryPoints ?? []).filter((point): point is RecoveryPointByResource & { RecoveryPointArn: string; CreationDate: Date } =>
      point.Status === 'COMPLETED' && point.RecoveryPointArn !== undefined && point.CreationDate !== undefined && point.BackupVaultName !== undefined,
    );
    const newest = points.sort((a, b) => new Date(b.CreationDate).getTime() - new Date(a.CreationDate).getTime())[0];
    if (!newest) return { found: false, reason: `no recovery point: AWS Backup holds no COMPLETED recovery point of ${request.table}` };
    return { found: true, source: { kind: 'aws-backup', recoveryPointArn: newest.RecoveryPointArn, vaultName: newest.BackupVaultName as string, createdAt: iso(newest.CreationDate) as string } };
  }
  if (request.kind === 'dynamodb-backup') {
    const pages = await collectPages(
      (ExclusiveStartBackupArn) =>
        clients.dynamodb.send(new ListBackupsCommand({ TableName: request.table, BackupType: 'USER', ...(ExclusiveStartBackupArn ? { ExclusiveStartBackupArn } : {}) })),
      (page) => page.LastEvaluatedBackupArn,
    );
    const backups = pages.flatMap((page) => page.BackupSummaries ?? []).filter((backup): backup is BackupSummary & { BackupArn: string; BackupCreationDateTime: Date } =>
      backup.BackupStatus === 'AVAILABLE' && (backup.BackupType === undefined || backup.BackupType === 'USER') && backup.BackupArn !== undefined && backup.BackupCreationDateTime !== undefined,
    );
    const newest = backups.sort((a, b) => new Date(b.BackupCreationDateTime).getTime() - new Date(a.BackupCreationDateTime).getTime())[0];
    if (!newest) return { found: false, reason: `no recovery point: ${request.table} has no AVAILABLE on-demand DynamoDB backup` };
    return { found: true, source: { kind: 'dynamodb-backup', backupArn: newest.BackupArn, createdAt: iso(newest.BackupCreationDateTime) as string } };
  }
  const described = await clients.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: request.table }));
  const pitr = described.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
  if (pitr?.PointInTimeRecoveryStatus !== 'ENABLED' || !pitr.EarliestRestorableDateTime || !pitr.LatestRestorableDateTime) {
    return { found: false, reason: `no recovery point: point-in-time recovery is not enabled on ${request.table}` };
  }
  const earliest = iso(pitr.EarliestRestorableDateTime) as string;
  const latest = iso(pitr.LatestRestorableDateTime) as string;
  if (request.time) {
    const wanted = request.time.toISOString();
    if (wanted < earliest || wanted > latest) {
      return { found: false, reason: `no recovery point: ${wanted} is outside ${request.table}'s restorable window ${earliest} .. ${latest}` };
    }
    return { found: true, source: { kind: 'pitr', restoreTime: wanted, earliestRestorable: earliest, latestRestorable: latest } };
  }
  return { found: true, source: { kind: 'pitr', earliestRestorable: earliest, latestRestorable: latest } };
}

/** The AWS managed key for DynamoDB. */
const AWS_MANAGED_DYNAMODB_ALIAS = 'alias/aws/dynamodb';

/**
 * The encryption a copy must get, with its key resolved to an ARN through the alias (DescribeKey on the alias, as
 * observe resolves aliases to keys), so the override and the validation name the very key, not a name for it.
 * Without declared encryption the copy keeps the source's (`sourceSse`).
 */
export async function resolveDrillSse(clients: Pick<AwsClients, 'kms'>, encryption: DesiredSpec['encryption'], sourceSse: ExpectedSse): Promise<ExpectedSse> {
  if (!encryption) return sourceSse;
  if (encryption.type === 'AWS_OWNED') return { type: 'AWS_OWNED' };
  const alias = encryption.type === 'AWS_MANAGED' ? AWS_MANAGED_DYNAMODB_ALIAS : encryption.kmsKeyAlias;
  const described = await clients.kms.send(new DescribeKeyCommand({ KeyId: alias }));
  const arn = described.KeyMetadata?.Arn;
  if (!arn) throw new Error(`kms:DescribeKey ${alias} returned no key ARN`);
  return { type: encryption.type, kmsKeyArn: arn };
}

/** The DynamoDB SSESpecificationOverride for the expected encryption (AWS owned = SSE "disabled" in DynamoDB's terms). */
export function sseOverride(sse: ExpectedSse): SSESpecification {
  if (sse.type === 'AWS_OWNED') return { Enabled: false };
  return { Enabled: true, SSEType: 'KMS', ...(sse.kmsKeyArn ? { KMSMasterKeyId: sse.kmsKeyArn } : {}) };
}

/** AWS Backup's DynamoDB restore metadata for a drill copy: its name, deletion protection off, and the encryption. */
export function awsBackupRestoreMetadata(targetTable: string, sse: ExpectedSse): Record<string, string> {
  const encryption: Record<string, string> = sse.type === 'AWS_OWNED' || !sse.kmsKeyArn ? { encryptionType: 'Default' } : { encryptionType: 'KMS', kmsMasterKeyArn: sse.kmsKeyArn };
  return { targetTableName: targetTable, deletionProtection: 'false', ...encryption };
}

/** What a restore needs. */
export interface StartRestoreRequest {
  source: RecoverySource;
  sourceTable: string;
  sourceTableArn: string;
  targetTable: string;
  sse: ExpectedSse;
  /** The role AWS Backup assumes for StartRestoreJob (aws-backup only). */
  backupRoleArn?: string;
  /** StartRestoreJob's IdempotencyToken / RestoreTableToPointInTime's ClientToken: a retried start makes no second copy. */
  idempotencyToken: string;
}

/** A started restore: the copy's ARN, and the AWS Backup restore job when there is one. */
export interface StartedRestore {
  copyArn: string;
  restoreJobId?: string;
}

/** The ARN a table named `name` has in the same account and region as `sameAccountArn`. */
export function siblingTableArn(sameAccountArn: string, name: string): string {
  const marker = ':table/';
  const at = sameAccountArn.indexOf(marker);
  if (at < 0) throw new Error(`not a DynamoDB table ARN: ${sameAccountArn}`);
  return `${sameAccountArn.slice(0, at + marker.length)}${name}`;
}

/** Start the restore into `targetTable`. Errors (LimitExceeded at 50 restores, a bad key) propagate to the caller. */
export async function startRestore(clients: Pick<AwsClients, 'dynamodb' | 'backup'>, request: StartRestoreRequest): Promise<StartedRestore> {
  const { source } = request;
  if (source.kind === 'aws-backup') {
    if (!request.backupRoleArn) throw new Error('a restore from AWS Backup needs the role AWS Backup assumes (TABLEWARDEN_BACKUP_ROLE_ARN)');
    const started = await clients.backup.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: source.recoveryPointArn,
        ResourceType: 'DynamoDB',
        IamRoleArn: request.backupRoleArn,
        IdempotencyToken: request.idempotencyToken,
        Metadata: awsBackupRestoreMetadata(request.targetTable, request.sse),
      }),
    );
    if (!started.RestoreJobId) throw new Error('backup:StartRestoreJob returned no RestoreJobId');
    return { copyArn: siblingTableArn(request.sourceTableArn, request.targetTable), restoreJobId: started.RestoreJobId };
  }
  const SSESpecificationOverride = sseOverride(request.sse);
  const response =
    source.kind === 'dynamodb-backup'
      ? await clients.dynamodb.send(new RestoreTableFromBackupCommand({ TargetTableName: request.targetTable, BackupArn: source.backupArn, SSESpecificationOverride }))
      : await clients.dynamodb.send(
          new RestoreTableToPointInTimeCommand({
            SourceTableArn: request.sourceTableArn,
            TargetTableName: request.targetTable,
            ...(source.restoreTime ? { RestoreDateTime: new Date(source.restoreTime) } : { UseLatestRestorableTime: true }),
            SSESpecificationOverride,
          }),
        );
  return { copyArn: response.TableDescription?.TableArn ?? siblingTableArn(request.sourceTableArn, request.targetTable) };
}

/** Timing for the retries here (injectable: tests run in virtual time). */
export interface DrillTiming {
  clock?: RetryClock;
  /** Absolute time (clock.now()) after which no new attempt starts. */
  deadline: number;
}

/** "Not yet" answers while a copy is being created: being created (ResourceInUse) or not visible yet (AWS Backup). */
const NOT_YET = new Set(['ResourceInUseException', 'ResourceNotFoundException']);

/**
 * Tag the copy (idempotent: TagResource overwrites). True when tagged; false when the table is still being created
 * (or not yet visible) at the deadline, so a later check must tag it.
 */
export async function tagDrillCopy(clients: Pick<AwsClients, 'dynamodb'>, copyArn: string, tags: Record<string, string>, timing: DrillTiming): Promise<boolean> {
  const Tags = Object.entries(tags)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([Key, Value]) => ({ Key, Value }));
  try {
    await retryLater(() => clients.dynamodb.send(new TagResourceCommand({ ResourceArn: copyArn, Tags })), {
      deadline: timing.deadline,
      clock: timing.clock ?? realClock,
      baseMs: 500,
      capMs: 5_000,
      retryIf: (error) => NOT_YET.has(errorName(error) ?? ''),
      what: `tag drill copy ${copyArn}`,
    });
    return true;
  } catch (error) {
    if (error instanceof WaitTimeout) return false;
    throw error;
  }
}

/** One look at a restore. */
export type RestoreCheck =
  | { state: 'restoring'; detail: string }
  | { state: 'active'; table: TableDescription; /** AWS Backup's CompletionDate, when the job reports one. */ completedAt?: string }
  | { state: 'failed'; reason: string };

/**
 * Look once (no waiting): the restore job (AWS Backup) and the copy's table status. `active` only when the table and
 * every index are ACTIVE. For the state machine's Wait loop and the waiter below.
 */
export async function checkRestoreOnce(clients: Pick<AwsClients, 'dynamodb' | 'backup'>, request: { copyTable: string; restoreJobId?: string }): Promise<RestoreCheck> {
  let completedAt: string | undefined;
  if (request.restoreJobId) {
    const job = await clients.backup.send(new DescribeRestoreJobCommand({ RestoreJobId: request.restoreJobId }));
    if (job.Status === 'FAILED' || job.Status === 'ABORTED') return { state: 'failed', reason: `AWS Backup restore job ${request.restoreJobId} ${job.Status}: ${job.StatusMessage ?? 'no message'}` };
    if (job.Status !== 'COMPLETED') return { state: 'restoring', detail: `restore job ${job.Status ?? 'PENDING'}${job.PercentDone ? ` (${job.PercentDone}%)` : ''}` };
    completedAt = iso(job.CompletionDate);
  }
  let table: TableDescription | undefined;
  try {
    table = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: request.copyTable }))).Table;
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw error;
    return request.restoreJobId
      ? { state: 'failed', reason: `AWS Backup restore job ${request.restoreJobId} COMPLETED but ${request.copyTable} does not exist` }
      : { state: 'failed', reason: `the copy ${request.copyTable} does not exist (the restore was not started or the copy was deleted)` };
  }
  const status = table?.TableStatus ?? 'CREATING';
  if (status === 'CREATING' || status === 'UPDATING') return { state: 'restoring', detail: `table ${status}${table?.RestoreSummary?.RestoreInProgress ? ' (restore in progress)' : ''}` };
  if (status !== 'ACTIVE') return { state: 'failed', reason: `the copy ${request.copyTable} is ${status}` };
  const building = (table?.GlobalSecondaryIndexes ?? []).filter((index) => index.IndexStatus !== undefined && index.IndexStatus !== 'ACTIVE');
  if (building.length > 0) return { state: 'restoring', detail: `indexes ${building.map((index) => `${index.IndexName} ${index.IndexStatus}`).join(', ')}` };
  return { state: 'active', table: table as TableDescription, ...(completedAt ? { completedAt } : {}) };
}

/**
 * The CLI's waiter: {@link checkRestoreOnce} with capped exponential backoff (5 s doubling to 60 s) until active,
 * failed, or the deadline (then `failed` with "timed out").
 */
export async function waitForRestore(
  clients: Pick<AwsClients, 'dynamodb' | 'backup'>,
  request: { copyTable: string; restoreJobId?: string },
  timing: DrillTiming & { onProgress?: (detail: string) => void; baseMs?: number; capMs?: number },
): Promise<RestoreCheck> {
  const clock = timing.clock ?? realClock;
  let delay = timing.baseMs ?? 5_000;
  for (;;) {
    const check = await checkRestoreOnce(clients, request);
    if (check.state !== 'restoring') return check;
    timing.onProgress?.(check.detail);
    if (clock.now() + delay > timing.deadline) return { state: 'failed', reason: `timed out waiting for ${request.copyTable}: still ${check.detail} at the deadline` };
    await clock.sleep(delay);
    delay = Math.min(timing.capMs ?? 60_000, delay * 2);
  }
}

