/**
 * The embedded local AWS: moto 5.2.1 in server mode, extended by `local/moto_server.py`, started and stopped
 * from Node. Integration tests, `npm start` and `tablewarden local` all use this one launcher, so every
 * caller gets the same gap fixes and the same clean shutdown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { advanceClock } from './clock.ts';
import { putConfigEvaluations, type LocalConfigEvaluation } from './config-evaluations.ts';
import { clearFaults, faultStats, FAULTS_ENV, setFaults, type FaultConfig, type FaultStats } from './faults.ts';

export type { FaultConfig, FaultKind, FaultService, FaultStats } from './faults.ts';

/** What the local AWS needs, said the same way wherever it is missing. */
export const LOCAL_AWS_REQUIREMENT = "python3 with moto 5.2.1 in server mode: pip install 'moto[server]==5.2.1'";

/** A running local AWS. Every service answers on the one endpoint; moto routes by the request's signature. */
export interface LocalAws {
  /** `http://127.0.0.1:PORT`, never `localhost` (S3 path style and IPv6 resolution both break on it). */
  endpoint: string;
  port: number;
  region: string;
  /** Process id of the Python server, so callers (and tests) can check that it is gone after `stop()`. */
  pid: number;
  /**
   * Drops every resource in every service (`POST /moto-api/reset`), for a clean slate between tests.
   * Faults are test configuration, not AWS state: a reset leaves them as they are.
   */
  reset(): Promise<void>;
  /** Turns fault injection on with this configuration (see local/faults.ts); counters start over. */
  setFaults(config: FaultConfig): Promise<FaultStats>;
  /** Turns fault injection off; the counters stay readable until the next `setFaults`. */
  clearFaults(): Promise<FaultStats>;
  /** The fault configuration in force and how many requests it saw and faulted. */
  faultStats(): Promise<FaultStats>;
  /**
   * Moves the emulator's clock forward, to step over AWS time windows (one UpdateTimeToLive per hour, ...)
   * without waiting. `reset()` sets it back. Resolves with the emulator's time after the move.
   */
  advanceClock(seconds: number): Promise<Date>;
  /**
   * Records AWS Config evaluation results in this region as if the rule had produced them (test hook, see
   * local/config-evaluations.ts); resolves with how many were recorded.
   */
  putConfigEvaluations(evaluations: readonly LocalConfigEvaluation[]): Promise<number>;
  /** Stops the server and waits until its process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startLocalAws}. */
export interface StartLocalAwsOptions {
  /** Port to listen on; by default the OS picks a free one, so test files can run in parallel. */
  port?: number;
  /** Region the endpoint is meant for (moto serves every region; this is what clients should be given). */
  region?: string;
  /** Don't echo the server's request log (default true). Its stderr is still kept for error messages. */
  quiet?: boolean;
  /** Where the request log goes when not quiet (default: this process's stderr). */
  requestLog?: NodeJS.WritableStream;
  /** Python interpreter; default `$TABLEWARDEN_PYTHON`, else `python3`. */
  python?: string;
  /** How long to wait for the server to answer, in ms (default 20 000). */
  readyTimeoutMs?: number;
  /**
   * Faults from the first request on (passed as `TABLEWARDEN_FAULTS`). Without it the server inherits
   * `TABLEWARDEN_FAULTS` from the environment, so a whole suite can be run under faults; unset, none.
   */
  faults?: FaultConfig;
}

const SERVER_SCRIPT = fileURLToPath(new URL('./moto_server.py', import.meta.url));
const HOST = '127.0.0.1';
const STOP_GRACE_MS = 3_000;
const STDERR_KEPT = 8_192;

/** Process groups still running; killed synchronously if the Node process exits without stopping them. */
const running = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the server leads its own process group (spawned detached)
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a plain kill is. A parent killed by a signal runs no handlers;
  // moto_server.py then notices that it was re-parented and leaves by itself.
  process.on('exit', () => {
    for (const pid of running) killGroup(pid, 'SIGKILL');
  });
}

/** Starts a local AWS and resolves once it answers HTTP requests. */
export async function startLocalAws(options: StartLocalAwsOptions = {}): Promise<LocalAws> {
  return (await launch(options)).aws;
}

/** A started server plus a promise that settles when its process exits (for the foreground runner). */
async function launch(options: StartLocalAwsOptions): Promise<{ aws: LocalAws; exited: Promise<void> }> {
  const region = options.region ?? 'us-east-1';
  // The npm package ships the CLI and the construct, not the emulator (Python, moto patches): say so, once.
  if (!existsSync(SERVER_SCRIPT)) throw new Error('the local AWS is not part of the npm package: run it from a source checkout of tablewarden (git clone, then npm ci)');
  const python = options.python ?? process.env.TABLEWARDEN_PYTHON ?? 'python3';
  const quiet = options.quiet ?? true;
  const started = Date.now();
  const deadline = started + (options.readyTimeoutMs ?? 20_000);

  const child = spawn(python, [SERVER_SCRIPT, '-H', HOST, '-p', String(options.port ?? 0)], {
    detached: true, // own process group: stop() kills the whole group, nothing is left behind
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TABLEWARDEN_EXIT_WITH_PARENT: '1',
      TABLEWARDEN_QUIET: quiet ? '1' : '0',
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1', // don't leave __pycache__ in local/
      ...(options.faults ? { [FAULTS_ENV]: JSON.stringify(options.faults) } : {}),
    },
  });

  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT);
    if (!quiet) (options.requestLog ?? process.stderr).write(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  try {
    const port = await waitForListening(child, () => stderr, python, started, deadline);
    const pid = child.pid;
    if (pid === undefined) throw new Error('local AWS: the server has no process id');
    running.add(pid);
    void exited.then(() => running.delete(pid));
    installExitHook();
    const endpoint = `http://${HOST}:${port}`;
    await waitForHttp(endpoint, child, () => stderr, deadline);

    let stopping: Promise<void> | undefined;
    const aws: LocalAws = {
      endpoint,
      port,
      region,
      pid,
      async reset() {
        const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
        if (!response.ok) throw new Error(`local AWS: reset failed with HTTP ${response.status}`);
      },
      setFaults: (config) => setFaults(endpoint, config),
      clearFaults: () => clearFaults(endpoint),
      faultStats: () => faultStats(endpoint),
      advanceClock: (seconds) => advanceClock(endpoint, seconds),
      putConfigEvaluations: (evaluations) => putConfigEvaluations(endpoint, evaluations, { region }),
      stop() {
        stopping ??= stopChild(child, exited);
        return stopping;
      },
    };
    return { aws, exited };
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  }
}

/** Resolves with the port once moto_server.py reports that its socket listens. */
function waitForListening(
  child: ChildProcess,
  stderr: () => string,
  python: string,
  started: number,
  deadline: number,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(
      () => fail(new Error(`local AWS: the server did not start in ${Date.now() - started} ms\n${stderr()}`)),
      Math.max(0, deadline - Date.now()),
    );
    const onData = (chunk: string) => {
      stdout += chunk;
      const match = /tablewarden-moto listening on https?:\/\/[^:\s]+:(\d+)/.exec(stdout);
      if (match?.[1]) done(() => resolve(Number(match[1])));
    };
    const onError = (error: NodeJS.ErrnoException) =>
      fail(
        new Error(
          error.code === 'ENOENT'
            ? `local AWS: '${python}' not found. Local AWS needs ${LOCAL_AWS_REQUIREMENT}`
            : `local AWS: cannot start '${python}': ${error.message}`,
        ),
      );
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      // Wait a tick for the last stderr chunk, which may arrive after 'exit'.
      setImmediate(() => {
        const why = stderr().trim();
        const missing = code === 3 || /No module named/.test(why);
        fail(
          new Error(
            `local AWS: the server exited (${signal ?? `code ${code}`}) before it was ready.` +
              (missing ? ` Local AWS needs ${LOCAL_AWS_REQUIREMENT}.` : '') +
              (why ? `\n${why}` : ''),
          ),
        );
      });
    const done = (settle: () => void) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('error', onError);
      child.off('exit', onExit);
      settle();
    };
    const fail = (error: Error) => done(() => reject(error));
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', onData);
    child.once('error', onError);
    child.once('exit', onExit);
  });
}

/** Polls moto's own API until it answers: the socket listening is not yet the app serving. */
async function waitForHttp(endpoint: string, child: ChildProcess, stderr: () => string, deadline: number) {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`local AWS: the server exited before it answered\n${stderr()}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/config`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`local AWS: ${endpoint} did not answer in time\n${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** SIGTERM to the process group, SIGKILL after a grace period; resolves once the server has exited. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  killGroup(pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STOP_GRACE_MS);
  });
  if ((await Promise.race([exited, graceOver])) === 'timeout') {
    killGroup(pid, 'SIGKILL');
    await exited;
  }
  clearTimeout(timer);
  child.stdout?.destroy();
  child.stderr?.destroy();
}

/** Options of {@link runLocalAwsForeground}. */
export interface ForegroundOptions {
  port?: number;
  /** Where the `endpoint: …` line goes; default stdout. */
  log?: (line: string) => void;
  /** Where moto's request log goes; default this process's stderr. */
  requestLog?: NodeJS.WritableStream;
}

/** A port for the local AWS: 0 (any free one) to 65535; anything else is refused before moto starts. */
export function parsePort(value: string): number {
  const port = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) throw new Error(`--port '${value}': use a whole number from 0 to 65535 (0: any free port)`);
  return port;
}

/**
 * Runs a local AWS until SIGINT or SIGTERM, for `tablewarden local` and `local/serve.ts`. Prints exactly
 * one line, `endpoint: http://127.0.0.1:PORT`, once the server answers (moto's request log goes to
 * stderr), then stops the server cleanly and resolves. Rejects if the server dies on its own.
 */
export async function runLocalAwsForeground(options: ForegroundOptions = {}): Promise<void> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  // The handlers go in before anything starts: until a process has one, SIGTERM's default action ends it at once,
  // so a script that kills the server right after reading the endpoint line would leave moto running.
  // Ctrl-C reaches every process of the terminal's group, and tsx relays it once more: a repeated signal while
  // stopping must be ignored, not fall through to Node's default (exit before moto has stopped).
  let stopRequested = false;
  let stop: (() => void) | undefined;
  const onSignal = () => {
    if (stopRequested) return;
    stopRequested = true;
    stop?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { aws, exited } = await launch({ port: options.port, quiet: false, ...(options.requestLog ? { requestLog: options.requestLog } : {}) });
    await new Promise<void>((resolve, reject) => {
      stop = () => aws.stop().then(resolve, reject);
      void exited.then(() => {
        if (!stopRequested) reject(new Error('local AWS: the server stopped unexpectedly'));
      });
      // A signal that came while moto was starting stops it now; otherwise the endpoint is announced.
      if (stopRequested) stop();
      else log(`endpoint: ${aws.endpoint}`);
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
