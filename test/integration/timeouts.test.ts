/**
 * A hung endpoint must not hang tablewarden: every AWS client has a connection timeout and a request timeout, and
 * the failure names the service, the operation and the endpoint. Real `tablewarden plan` subprocesses against two
 * kinds of dead endpoint on loopback:
 * - a server that accepts the TCP connection and never answers (request timeout);
 * - a listening socket whose accept queue is full, so the TCP handshake never completes (connection timeout).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ALL_PORTS, dependenciesFromEnvironment } from '../../functions/run/ports.ts';

interface CliResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Runs the real binary; a run that outlives `killAfterMs` is killed (that is the hang this file guards against). */
function tablewarden(args: string[], env: Record<string, string>, killAfterMs: number): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/tablewarden.js', ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: killAfterMs }, (error, stdout, stderr) => {
      const failed = error as (Error & { code?: number | string; signal?: string }) | null;
      resolve({
        code: failed === null ? 0 : typeof failed.code === 'number' ? failed.code : null,
        signal: failed?.signal ?? null,
        stdout,
        stderr,
        elapsedMs: Date.now() - started,
      });
    });
  });
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  vi.unstubAllEnvs();
});

/** Accepts every connection and never writes a byte. */
async function silentServer(): Promise<number> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return (server.address() as { port: number }).port;
}

/**
 * A socket that listens with a backlog of 0 and never accepts; one connection fills the accept queue, after which
 * Linux drops further SYNs, so a client's connect never completes (a blackhole on loopback). Node's net.Server
 * always accepts, hence a two-line Python listener.
 */
async function neverAcceptingServer(): Promise<number> {
  const child: ChildProcess = spawn('python3', ['-c', "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)"], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(String(chunk).trim());
  const filler = connect(port, '127.0.0.1');
  filler.on('error', () => undefined);
  await once(filler, 'connect');
  cleanups.push(() => {
    filler.destroy();
    child.kill('SIGKILL');
  });
  return port;
}

const env = (port: number) => ({
  AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  // Short timeouts and two attempts keep the test quick; the defaults are 5 s / 30 s and 8 attempts.
  TABLEWARDEN_CONNECT_TIMEOUT_MS: '500',
  TABLEWARDEN_REQUEST_TIMEOUT_MS: '700',
  AWS_MAX_ATTEMPTS: '2',
});

describe('tablewarden plan against a dead endpoint', () => {
  it('fails within the request timeout when the endpoint accepts and never answers, naming the endpoint', async () => {
    // Prepare
    const port = await silentServer();
    // Act
    const result = await tablewarden(['plan', '--dir', 'desired-state'], env(port), 15_000);
    // Assess
    expect(result.signal, `killed after ${result.elapsedMs} ms: plan hung`).toBeNull();
    expect(result.code).toBe(1);
    expect(result.elapsedMs).toBeLessThan(12_000);
    expect(result.stderr).toMatch(new RegExp(`(dynamodb|kms|tag|backup) [A-Za-z]+: no response from http://127\\.0\\.0\\.1:${port} within 0\\.7 s \\(2 attempts\\)`));
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 20_000);

  it('fails within the connection timeout when the endpoint never completes the handshake, naming the endpoint', async () => {
    // Prepare
    const port = await neverAcceptingServer();
    // Act
    const result = await tablewarden(['plan', '--dir', 'desired-state'], env(port), 15_000);
    // Assess
    expect(result.signal, `killed after ${result.elapsedMs} ms: plan hung`).toBeNull();
    expect(result.code).toBe(1);
    expect(result.elapsedMs).toBeLessThan(12_000);
    expect(result.stderr).toMatch(new RegExp(`(dynamodb|kms|tag|backup) [A-Za-z]+: could not connect to http://127\\.0\\.0\\.1:${port} within 0\\.5 s \\(2 attempts\\)`));
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 20_000);
});

describe("the handlers' S3 and SNS clients", () => {
  it('time out like every other client, naming the endpoint', async () => {
    // Prepare
    const port = await silentServer();
    for (const [key, value] of Object.entries({ ...env(port), BUNDLE_BUCKET: 'bundles', STATE_TABLE: 'state', TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t' })) vi.stubEnv(key, value);
    const clients = dependenciesFromEnvironment(ALL_PORTS);
    const started = Date.now();
    // Act
    const s3 = await clients.store.get('bundles/latest.json').catch((error: unknown) => error);
    const sns = await clients.notifier.notify('s', 'm').catch((error: unknown) => error);
    // Assess
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(s3).toMatchObject({ name: 'AwsTimeout', message: `s3 GetObject: no response from http://127.0.0.1:${port} within 0.7 s (2 attempts)` });
    expect(sns).toMatchObject({ name: 'AwsTimeout', message: `sns Publish: no response from http://127.0.0.1:${port} within 0.7 s (2 attempts)` });
    expect(clients.clients.calls.all().map((call) => [call.action, call.error])).toEqual([
      ['s3:GetObject', 'AwsTimeout'],
      ['sns:Publish', 'AwsTimeout'],
    ]);
  }, 20_000);
});
