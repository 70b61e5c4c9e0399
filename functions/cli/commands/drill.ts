/**
 * `tablewarden drill <table> [--source aws-backup|dynamodb-backup|pitr] [--time T] [--remote] [--dir desired-state]`:
 * prove that the table's newest backup restores. The table's declared `restoreDrill` says where from and what to
 * check; flags override it.
 *
 * Where the drill runs:
 * - `--remote`: the deployed Drill state machine (StartExecution, then DescribeExecution until it ends); its output
 *   is the report (a failed drill ends in DrillFailed / NoRecoveryPoint with the report's summary as the cause).
 * - a local AWS (a loopback `--endpoint-url`): the synthesized Drill state machine with the real handlers in-process
 *   (functions/cli/drill-workflow.ts), the definition the operator deploys.
 * - any other account without `--remote`: the run layer's drill steps in this process (functions/run/drill.ts
 *   runDrillLocally: restore, wait with backoff, validate, always clean up, record, as the machine's Catch does); its
 *   lock and history go to the operator's state table (found by its tag, as `apply` finds it).
 *
 * Progress: restoring / validating / cleaning up with the elapsed time, a live line on a terminal and plain lines
 * otherwise; then the drill report (functions/cli/render-drill.ts). Exit codes: see {@link DRILL_EXIT_CODES_HELP}.
 * Bad input (unknown table, invalid file, no restoreDrill and no --source, a bad flag) is one line, before any AWS call.
 */
import type { AwsClients } from '../../aws/clients.ts';
import { DrillRunning } from '../../aws/drill-data.ts';
import { DrillRemoteUnavailable, sfnDrillExecutions, type DrillExecutions } from '../../aws/drill-remote.ts';
import { findOperatorStateTable } from '../../aws/run-lock.ts';
import { realClock, type RetryClock } from '../../aws/apply/retry.ts';
import type { DrillReport } from '../../core/drill/record.ts';
import { drillTimestamp } from '../../core/drill/names.ts';
import { closestMatch } from '../../core/desired/suggest.ts';
import type { SourceFile } from '../../core/desired/parse.ts';
import type { Policy } from '../../core/desired/schema.ts';
import type { DesiredTable } from '../../core/model/desired.ts';
import { runDrillLocally, type DrillDependencies, type DrillSourceKind, type StartDrillInput } from '../../run/drill.ts';
import { declaredFile, declaredTable } from '../declared-table.ts';
import { DrillNotStarted, isLocalEndpoint, runDrillWorkflow } from '../drill-workflow.ts';
import { processIo, type CommandIo } from '../io.ts';
import { readAndValidate } from '../read-desired.ts';
import { DrillProgressRenderer, drillExitCode, renderDrillReport, type DrillProgressEvent, type DrillProgressOptions } from '../render-drill.ts';
import { clientsFor, reportFailure, UsageError, useColor, type ConnectionOptions } from '../run-context.ts';

export { DRILL_EXIT_CODES_HELP } from '../render-drill.ts';

/** The sources `--source` accepts (restoreDrill.source's values). */
export const DRILL_SOURCES: readonly DrillSourceKind[] = ['aws-backup', 'dynamodb-backup', 'pitr'];

/** Options of `tablewarden drill` (commander's camelCase of the flags). */
export interface DrillCommandOptions extends ConnectionOptions {
  source?: string;
  time?: string;
  remote?: boolean;
  dir?: string;
  /** `--remote`: the Drill state machine's ARN (default: found by its tags). */
  stateMachine?: string;
}

/** A drill run in this process: the request, and where its progress goes. */
export interface LocalDrillRequest {
  deps: DrillDependencies;
  input: StartDrillInput;
  onProgress: (event: DrillProgressEvent) => void;
  clock?: RetryClock;
  pollMs?: number;
}

/** Runs a drill in this process and returns its report; throws only when the drill could not start. */
export type LocalDrillRunner = (request: LocalDrillRequest) => Promise<DrillReport>;

/** The run layer's in-process drill (functions/run/drill.ts runDrillLocally): the state machine's steps and Catch semantics. */
export const runDrillInProcess: LocalDrillRunner = (request) =>
  runDrillLocally(request.deps, request.input, {
    ...(request.clock ? { clock: request.clock } : {}),
    ...(request.pollMs !== undefined ? { pollMs: request.pollMs } : {}),
    onProgress: (phase, drill) =>
      request.onProgress({
        phase,
        ...(drill.copyTable ? { copyTable: drill.copyTable } : {}),
        ...(phase === 'restoring' && drill.restoreDetail ? { detail: drill.restoreDetail } : {}),
      }),
  });

/** What `drill` runs with; every field has a production default, tests and `npm start` replace some. */
export interface DrillCommandDependencies {
  io?: CommandIo;
  /** Clients to use instead of building them from the flags (tests count their calls). */
  clients?: AwsClients;
  /** The operator's state table; default: the table tagged `tablewarden:role=operator`. */
  stateTable?: string;
  /** The local drill (default {@link runDrillInProcess}). */
  runner?: LocalDrillRunner;
  /** `--remote`'s Step Functions port (default: the SDK client). */
  executions?: DrillExecutions;
  /** How progress is drawn (clock, terminal or not). */
  progress?: DrillProgressOptions;
  /** Time for waits and polls (default real time). */
  clock?: RetryClock;
  /** First wait between restore checks, ms (default 1 s locally, 2 s remote; doubling). */
  pollMs?: number;
  /** The drill's start (default now). */
  now?: () => Date;
}

/** How the command ended, and the report when the drill ran. */
export interface DrillCommandResult {
  exitCode: number;
  report?: DrillReport;
}

/** The checked request: the declared table and the effective source. */
interface DrillRequest {
  table: DesiredTable;
  /** The validated files (published as the bundle the local Drill state machine reads). */
  files: SourceFile[];
  /** The account policy (the dropped-settings plan runs the planner, which needs it). */
  policy: Policy;
  source: DrillSourceKind;
  time?: string;
}

const USAGE = 'tablewarden drill <table> [--source aws-backup|dynamodb-backup|pitr]';

/** `--source`: one of the three, with a suggestion for a typo. */
function checkSource(value: string | undefined): DrillSourceKind | undefined {
  if (value === undefined) return undefined;
  if ((DRILL_SOURCES as readonly string[]).includes(value)) return value as DrillSourceKind;
  const hint = closestMatch(value, DRILL_SOURCES);
  throw new UsageError(`--source ${value}: expected one of ${DRILL_SOURCES.join(', ')}${hint ? ` (did you mean ${hint}?)` : ''}`);
}

/** `--time`: an ISO-8601 time with a zone, for PITR only. */
export function checkRestoreTime(value: string | undefined, source: DrillSourceKind, flag = '--time'): string | undefined {
  if (value === undefined) return undefined;
  if (source !== 'pitr') throw new UsageError(`${flag} ${value}: only a point-in-time (pitr) restore takes a time; this one restores from ${source}`);
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? new Date(value) : undefined;
  if (!at || Number.isNaN(at.getTime())) throw new UsageError(`${flag} ${value}: expected an ISO-8601 time with a zone, e.g. 2026-12-01T08:00:00Z`);
  return at.toISOString();
}

/** Read the desired state and check the flags against the table's declaration (no AWS call). */
async function checkRequest(tableName: string | undefined, options: DrillCommandOptions, io: CommandIo, now: Date): Promise<DrillRequest> {
  const dir = options.dir ?? 'desired-state';
  const flagSource = checkSource(options.source);
  if (tableName === undefined || tableName.trim() === '') throw new UsageError(`<table>: the table to drill is required (${USAGE})`);
  const { files, validation } = await readAndValidate(dir, io, now);
  const table = declaredTable(validation, dir, tableName, USAGE);
  const source = flagSource ?? table.spec.restoreDrill?.source;
  if (source === undefined) {
    throw new UsageError(`${declaredFile(table, dir)}: spec.restoreDrill: ${table.name} declares no restore drill; add restoreDrill (source, maxRestoreMinutes) or pass --source aws-backup|dynamodb-backup|pitr`);
  }
  const time = checkRestoreTime(options.time, source);
  return { table, files, policy: validation.state.policy, source, ...(time ? { time } : {}) };
}

/** Run `drill`; returns the exit code and, when the drill ran, its report. */
export async function runDrillCommand(tableName: string | undefined, options: DrillCommandOptions, dependencies: DrillCommandDependencies = {}): Promise<DrillCommandResult> {
  const io = dependencies.io ?? processIo;
  const now = dependencies.now ?? (() => new Date());
  let progress: DrillProgressRenderer | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  try {
    const request = await checkRequest(tableName, options, io, now());
    const clients = dependencies.clients ?? (await clientsFor(options));
    // --remote: the state machine first, so a missing one is one line and nothing starts.
    const remote = options.remote ? await remoteTarget(options, clients, dependencies) : undefined;
    progress = new DrillProgressRenderer(io.err, `drill ${request.table.name}`, dependencies.progress);
    const renderer = progress;
    if (renderer.live) {
      ticker = setInterval(() => renderer.tick(), 1_000);
      ticker.unref();
    }
    renderer.update({ phase: 'starting', detail: `from ${request.source}${options.remote ? ' (the deployed Drill state machine)' : ''}` });
    const report = remote ? await runRemote(request, remote, renderer, dependencies, now) : await runLocal(request, clients, renderer, dependencies, now);
    renderer.finish();
    progress = undefined;
    io.out.write('\n' + renderDrillReport(report, { color: useColor(io) }));
    return { exitCode: drillExitCode(report), report };
  } catch (error) {
    progress?.clear();
    if (error instanceof DrillRunning || error instanceof DrillRemoteUnavailable || error instanceof DrillNotStarted) return { exitCode: reportFailure(new UsageError(error.message), io) };
    if (error instanceof RemoteDrillEnded) {
      reportFailure(new UsageError(error.message), io);
      return { exitCode: error.exitCode };
    }
    return { exitCode: reportFailure(error, io) };
  } finally {
    if (ticker) clearInterval(ticker);
  }
}

/** The drill in this process, on the run layer's steps; its lock and history in the operator's state table. */
async function runLocal(request: DrillRequest, clients: AwsClients, progress: DrillProgressRenderer, dependencies: DrillCommandDependencies, now: () => Date): Promise<DrillReport> {
  const endpoint = clients.connection.settings.endpoint;
  if (!dependencies.runner && isLocalEndpoint(endpoint)) {
    // A local AWS: the synthesized Drill state machine, as the operator runs it (functions/cli/drill-workflow.ts).
    return runDrillWorkflow({
      endpoint,
      region: clients.region,
      files: request.files,
      table: request.table.name,
      source: request.source,
      ...(request.time ? { time: request.time } : {}),
      now: now(),
      onProgress: (event) => progress.update(event),
    });
  }
  const stateTable = dependencies.stateTable ?? (await findOperatorStateTable(clients));
  if (stateTable === undefined) {
    throw new UsageError(
      'no operator state table (tag tablewarden:role=operator) in this account and region: a drill keeps its lock and history there; deploy the operator stack first (on the local AWS: tablewarden reconcile --local)',
    );
  }
  const runner = dependencies.runner ?? runDrillInProcess;
  return runner({
    deps: { clients, stateTable },
    input: { target: { table: request.table, policy: request.policy }, source: request.source, ...(request.time ? { time: request.time } : {}), now: now().toISOString() },
    onProgress: (event) => progress.update(event),
    ...(dependencies.clock ? { clock: dependencies.clock } : {}),
    ...(dependencies.pollMs !== undefined ? { pollMs: dependencies.pollMs } : {}),
  });
}

/** The Drill state machine's input for one table (the schedules' Map passes the same per table). */
export function remoteDrillInput(request: { table: string; source?: DrillSourceKind; time?: string }): Record<string, string> {
  return { table: request.table, ...(request.source ? { source: request.source } : {}), ...(request.time ? { time: request.time } : {}) };
}

/** Execution names: 1–80 of `[A-Za-z0-9-_]`, unique per state machine for 90 days. */
export function remoteExecutionName(table: string, at: Date): string {
  const safe = table.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 50);
  return `cli-drill-${safe}-${drillTimestamp(at)}`.slice(0, 80);
}

/** The deployed Drill state machine and the port to start it. */
interface RemoteTarget {
  executions: DrillExecutions;
  stateMachine: string;
}

/** Find the Drill state machine (flag, environment, else its tags). @throws UsageError when there is none */
async function remoteTarget(options: DrillCommandOptions, clients: AwsClients, dependencies: DrillCommandDependencies): Promise<RemoteTarget> {
  const executions = dependencies.executions ?? sfnDrillExecutions(clients);
  const stateMachine = options.stateMachine ?? process.env['TABLEWARDEN_DRILL_STATE_MACHINE'] ?? (await executions.findStateMachine());
  if (!stateMachine) {
    throw new UsageError(
      'no Drill state machine (tags tablewarden:role=operator, tablewarden:workflow=drill) in this account and region: deploy the operator stack, or pass --state-machine ARN (stack output DrillStateMachineArn)',
    );
  }
  return { executions, stateMachine };
}

/** Start the deployed Drill state machine and follow it until it ends; its output is the report. */
async function runRemote(request: DrillRequest, remote: RemoteTarget, progress: DrillProgressRenderer, dependencies: DrillCommandDependencies, now: () => Date): Promise<DrillReport> {
  const { executions, stateMachine } = remote;
  const clock = dependencies.clock ?? realClock;
  const executionArn = await executions.start(stateMachine, remoteExecutionName(request.table.name, now()), remoteDrillInput({ table: request.table.name, source: request.source, ...(request.time ? { time: request.time } : {}) }));
  let delay = dependencies.pollMs ?? 2_000;
  for (;;) {
    const execution = await executions.describe(executionArn);
    if (execution.status === 'SUCCEEDED') {
      const report = parseReport(execution.output);
      if (!report) throw new Error(`the drill execution ${executionArn} succeeded without a drill report in its output`);
      return report;
    }
    if (execution.status !== 'RUNNING') {
      // The Drill machine ends a failed drill in a Fail state named for the verdict, the report's summary as its cause.
      const verdict = execution.error ? REMOTE_VERDICTS[execution.error] : undefined;
      if (verdict) throw new RemoteDrillEnded(verdict, `the drill execution ${executionArn} ended ${execution.error}: ${(execution.cause ?? '').slice(0, 1_000)}`);
      throw new Error(`the drill execution ${executionArn} ended ${execution.status}${execution.error ? `: ${execution.error}` : ''}${execution.cause ? `: ${execution.cause.slice(0, 500)}` : ''}`);
    }
    progress.update({ phase: 'running', detail: `execution ${executionArn.slice(executionArn.lastIndexOf(':') + 1)} RUNNING` });
    await clock.sleep(delay);
    delay = Math.min(15_000, delay * 2);
  }
}

/** The Drill machine's Fail states and the exit code each stands for. */
const REMOTE_VERDICTS: Record<string, 2 | 3> = { DrillFailed: 2, NoRecoveryPoint: 3 };

/** A remote drill that ended failed (or with no recovery point): the execution's cause is all the CLI gets. */
class RemoteDrillEnded extends Error {
  constructor(
    readonly exitCode: 2 | 3,
    message: string,
  ) {
    super(message);
  }
}

/** The report in an execution's output: the output itself, or its `report` field. */
function parseReport(output: string | undefined): DrillReport | undefined {
  if (!output) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    return undefined;
  }
  const candidate = (parsed as { report?: unknown }).report ?? parsed;
  const report = candidate as Partial<DrillReport>;
  return typeof report.table === 'string' && typeof report.verdict === 'string' && Array.isArray(report.reasons) ? (candidate as DrillReport) : undefined;
}
