/**
 * `tablewarden restore <table> --to <new-name> [--from pitr|dynamodb-backup|aws-backup] [--time T] [--auto-approve]`:
 * a real restore, for an incident. A restored DynamoDB table comes back without its tags, TTL, stream, PITR,
 * deletion protection, Contributor Insights and backup coverage; this command restores and then brings the new table
 * to the table's declared posture, through the very planner and apply engine `tablewarden apply` uses.
 *
 *   1. checks, before any AWS write: the table is declared and valid; `--to` is a valid table name, not a drill name
 *      (`tw-drill-*`: the drill cleanup may delete those), not claimed by a table file, and no such table exists;
 *   2. finds the newest recovery source (functions/aws/restore.ts) and starts the restore with the declared
 *      encryption (SSE override);
 *   3. waits for the new table with progress;
 *   4. plans the new table against the declared spec (same spec, new name: functions/run/observe-and-plan.ts), shows
 *      the plan as `apply` does, asks for confirmation (or `--auto-approve`) and applies it (the apply engine);
 *   5. plans again: the plan must be empty ("No changes").
 *
 * Exit codes: 0 restored and in its declared posture (the plan after is empty); 1 refused, failed or cancelled (the
 * message says whether the new table exists); 2 restored, and the only changes left wait for a step DynamoDB won't take
 * yet (the report gives the time; `tablewarden apply` takes it once a table file declares the new table).
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { applyPlan, type ApplyOptions } from '../../aws/apply/apply-plan.ts';
import { errorName } from '../../aws/async-utils.ts';
import type { AwsClients } from '../../aws/clients.ts';
import { realClock, type RetryClock } from '../../aws/apply/retry.ts';
import { findRecoverySource, resolveDrillSse, startRestore, waitForRestore, type DrillSourceKind } from '../../aws/restore.ts';
import { BACKUP_ROLE_ENV } from '../../core/backup-plan-selection.ts';
import type { ExpectedSse } from '../../core/drill/compare.ts';
import { DRILL_TABLE_PREFIX, MAX_TABLE_NAME_LENGTH } from '../../core/drill/names.ts';
import { closestMatch } from '../../core/desired/suggest.ts';
import { claimsTable, type DesiredState, type DesiredTable } from '../../core/model/desired.ts';
import { observeAndPlan } from '../../run/observe-and-plan.ts';
import { takeCliLock, type CliLockOptions, type HeldCliLock } from '../apply-lock.ts';
import { declaredFile, declaredTable } from '../declared-table.ts';
import { processIo, type CommandIo } from '../io.ts';
import { readAndValidate } from '../read-desired.ts';
import { applyExitCode, renderApplyEvent, renderApplyReport } from '../render-apply.ts';
import { DrillProgressRenderer, type DrillProgressOptions } from '../render-drill.ts';
import { renderPlanText } from '../render-plan.ts';
import { clientsFor, reportFailure, UsageError, useColor, type ConnectionOptions } from '../run-context.ts';
import { terminalConfirmation, type Confirmation } from './apply.ts';
import { checkRestoreTime, DRILL_SOURCES } from './drill.ts';

/** Options of `tablewarden restore` (commander's camelCase of the flags). */
export interface RestoreCommandOptions extends ConnectionOptions {
  to?: string;
  from?: string;
  time?: string;
  autoApprove?: boolean;
  dir?: string;
}

/** What `restore` runs with; every field has a production default, tests replace some. */
export interface RestoreCommandDependencies {
  io?: CommandIo;
  confirmation?: Confirmation;
  /** Clients to use instead of building them from the flags (tests count their calls). */
  clients?: AwsClients;
  now?: () => Date;
  clock?: RetryClock;
  /** First wait between restore checks, ms (default 5 s, doubling to 60 s). */
  pollMs?: number;
  progress?: DrillProgressOptions;
  apply?: ApplyOptions;
  lock?: CliLockOptions;
}

/** How the command ended. */
export interface RestoreCommandResult {
  exitCode: number;
  /** The new table, once its restore was started. */
  restoredTable?: string;
}

/** Exit codes, for `--help`. */
export const RESTORE_EXIT_CODES_HELP = `
Exit codes:
  0  restored, and the new table is in the table's declared posture (the plan after the apply is empty)
  1  refused before anything was written (bad flag, table not declared, --to taken or a tw-drill-* name,
     no recovery point), or the restore or the apply failed or was cancelled (the message says what exists)
  2  restored; the only changes left wait for a step DynamoDB won't take yet (the report gives the time)
`;

/** How long the wait for the new table may last: large tables take hours, and a PITR restore at least 20 minutes. */
export const RESTORE_WAIT_MINUTES = 240;

const USAGE = 'tablewarden restore <table> --to <new-name> [--from pitr|dynamodb-backup|aws-backup]';

/** DynamoDB table names: 3–255 characters of `[a-zA-Z0-9_.-]`. */
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/** The checked request. */
interface RestoreRequest {
  table: DesiredTable;
  desired: DesiredState;
  to: string;
  from: DrillSourceKind;
  time?: string;
}

/** Checks flags and the desired state; nothing is called. */
async function checkRequest(tableName: string | undefined, options: RestoreCommandOptions, io: CommandIo, now: Date, confirmation: Confirmation): Promise<RestoreRequest> {
  const dir = options.dir ?? 'desired-state';
  if (tableName === undefined || tableName.trim() === '') throw new UsageError(`<table>: the table to restore is required (${USAGE})`);
  const to = options.to;
  if (to === undefined || to.trim() === '') throw new UsageError(`--to: required: the name of the new table (${USAGE})`);
  if (!TABLE_NAME.test(to)) throw new UsageError(`--to ${to}: not a DynamoDB table name (3 to ${MAX_TABLE_NAME_LENGTH} characters of a-z, A-Z, 0-9, _ . -)`);
  if (to.startsWith(DRILL_TABLE_PREFIX)) throw new UsageError(`--to ${to}: names starting with ${DRILL_TABLE_PREFIX} are restore-drill copies, which drill cleanup deletes; choose another name`);
  let from: DrillSourceKind | undefined;
  if (options.from !== undefined) {
    if (!(DRILL_SOURCES as readonly string[]).includes(options.from)) {
      const hint = closestMatch(options.from, DRILL_SOURCES);
      throw new UsageError(`--from ${options.from}: expected one of ${DRILL_SOURCES.join(', ')}${hint ? ` (did you mean ${hint}?)` : ''}`);
    }
    from = options.from as DrillSourceKind;
  }
  if (!options.autoApprove && !confirmation.interactive) {
    throw new UsageError('refusing to restore without confirmation: stdin is not a terminal; pass --auto-approve to restore and apply the declared posture unattended');
  }
  const { validation } = await readAndValidate(dir, io, now);
  const table = declaredTable(validation, dir, tableName, USAGE);
  if (to === table.name) throw new UsageError(`--to ${to}: that is the table itself; restore into a new name`);
  const claimant = validation.state.tables.find((entry) => entry.managed && entry.name === to)?.source?.file ?? validation.state.invalidTables.find((entry) => claimsTable(entry, to))?.file;
  if (claimant !== undefined) throw new UsageError(`--to ${to}: ${claimant} declares a table of that name; restore into a name no table file claims`);
  // Default source: the table's drill source (the one its drills prove), else point-in-time recovery.
  const source = from ?? table.spec.restoreDrill?.source ?? 'pitr';
  const time = checkRestoreTime(options.time, source);
  // The new table gets the declared spec under its own name; the file reference stays, so the plan says where the spec is.
  const restored: DesiredTable = { ...table, name: to };
  return { table, desired: { policy: validation.state.policy, tables: [restored], invalidTables: [] }, to, from: source, ...(time ? { time } : {}) };
}

/** Run `restore`; returns the exit code (and the new table's name once its restore started). */
export async function runRestoreCommand(tableName: string | undefined, options: RestoreCommandOptions, dependencies: RestoreCommandDependencies = {}): Promise<RestoreCommandResult> {
  const io = dependencies.io ?? processIo;
  const confirmation = dependencies.confirmation ?? terminalConfirmation;
  const now = dependencies.now ?? (() => new Date());
  const color = useColor(io);
  let progress: DrillProgressRenderer | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  let lock: HeldCliLock | undefined;
  let restoredTable: string | undefined;
  const dir = options.dir ?? 'desired-state';
  try {
    const request = await checkRequest(tableName, options, io, now(), confirmation);
    const clients = dependencies.clients ?? (await clientsFor(options));
    const { table, to } = request;

    // Reads only, up to the restore: a taken name or a missing recovery point leaves the account untouched.
    if (await tableExists(clients, to)) throw new UsageError(`--to ${to}: a table named ${to} already exists in this account and region; restore into a new name`);
    const described = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: table.name }))).Table;
    if (!described?.TableArn) throw new Error(`DescribeTable ${table.name} returned no TableArn`);
    const found = await findRecoverySource(clients, { table: table.name, tableArn: described.TableArn, kind: request.from, ...(request.time ? { time: new Date(request.time) } : {}) });
    if (!found.found) throw new UsageError(`${table.name}: ${found.reason}; nothing was restored`);
    const sourceSse: ExpectedSse = described.SSEDescription?.KMSMasterKeyArn ? { type: 'CUSTOMER_MANAGED', kmsKeyArn: described.SSEDescription.KMSMasterKeyArn } : { type: 'AWS_OWNED' };
    const sse = await resolveDrillSse(clients, table.spec.encryption, sourceSse);

    progress = new DrillProgressRenderer(io.err, `restore ${table.name}`, dependencies.progress);
    const renderer = progress;
    if (renderer.live) {
      ticker = setInterval(() => renderer.tick(), 1_000);
      ticker.unref();
    }
    renderer.update({ phase: 'starting', copyTable: to, detail: `from ${request.from}` });
    const backupRoleArn = process.env[BACKUP_ROLE_ENV];
    const started = await startRestore(clients, {
      source: found.source,
      sourceTable: table.name,
      sourceTableArn: described.TableArn,
      targetTable: to,
      sse,
      idempotencyToken: `tablewarden-restore-${to}`.slice(0, 64),
      ...(backupRoleArn ? { backupRoleArn } : {}),
    });
    restoredTable = to;
    const clock = dependencies.clock ?? realClock;
    const check = await waitForRestore(
      clients,
      { copyTable: to, ...(started.restoreJobId ? { restoreJobId: started.restoreJobId } : {}) },
      {
        clock,
        deadline: clock.now() + RESTORE_WAIT_MINUTES * 60_000,
        ...(dependencies.pollMs !== undefined ? { baseMs: dependencies.pollMs } : {}),
        onProgress: (detail) => renderer.update({ phase: 'restoring', copyTable: to, detail }),
      },
    );
    renderer.finish();
    progress = undefined;
    if (check.state !== 'active') throw new Error(`the restore of ${table.name} into ${to} did not complete: ${check.state === 'failed' ? check.reason : check.detail}`);
    io.out.write(`Restored ${table.name} into ${to} from ${found.source.kind}. A restored table comes back without its tags, TTL, stream, PITR, deletion protection, Contributor Insights and backup coverage; the plan below re-applies the declared posture (${declaredFile(table, dir)}).\n\n`);

    // From here on, as `apply`: the run lock, the plan, confirmation, apply, observe again.
    lock = await takeCliLock(clients, io, { ...dependencies.lock, text: true });
    const scope = { only: [to] };
    const { plan, observed } = await observeAndPlan(clients, request.desired, { now: now(), ...scope });
    io.out.write(renderPlanText(plan, { color }));
    if (plan.blocked) throw new Error(`${plan.blocked.reason}; ${to} was restored but nothing was applied to it`);
    if (plan.summary.actions > 0 && !options.autoApprove) {
      const answer = await confirmation.ask(`\nApply ${plan.summary.actions} change${plan.summary.actions === 1 ? '' : 's'} to ${to}? Only 'yes' will be accepted: `);
      if (answer.trim() !== 'yes') {
        io.err.write(`Apply cancelled: ${to} exists, restored, without its declared posture; add a table file that declares ${to} and run tablewarden apply.\n`);
        return { exitCode: 1, restoredTable };
      }
    }
    const applyOptions = dependencies.apply ?? {};
    const result = await applyPlan(clients, plan, request.desired, observed, {
      ...applyOptions,
      onEvent: (event) => {
        const line = renderApplyEvent(event, { color });
        if (line) io.out.write(line);
        applyOptions.onEvent?.(event);
      },
    });
    const { plan: after } = await observeAndPlan(clients, request.desired, { now: now(), ...scope });
    io.out.write('\n' + renderApplyReport(result, after, { color }));
    io.out.write(`\nPlan for ${to} after the restore:\n\n` + renderPlanText(after, { color }));
    io.out.write(`\n${to} is not in git yet: add a table file for it (a copy of ${declaredFile(table, dir)} with metadata.name: ${to}), or plan will list it as unmanaged.\n`);
    return { exitCode: applyExitCode(result, after, false), restoredTable };
  } catch (error) {
    progress?.clear();
    const exitCode = reportFailure(error, io);
    if (restoredTable !== undefined) io.err.write(`tablewarden: note: the restore into ${restoredTable} was started; the table may exist without its declared posture\n`);
    return { exitCode, ...(restoredTable ? { restoredTable } : {}) };
  } finally {
    if (ticker) clearInterval(ticker);
    await lock?.release();
  }
}

/** DescribeTable: true when the table exists (in any status). */
async function tableExists(clients: AwsClients, name: string): Promise<boolean> {
  try {
    await clients.dynamodb.send(new DescribeTableCommand({ TableName: name }));
    return true;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return false;
    throw error;
  }
}
