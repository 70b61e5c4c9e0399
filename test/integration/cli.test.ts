/**
 * The `tablewarden` binary as scripts use it: real subprocesses, exit codes, stdout/stderr.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { createDriftedAccount } from '../../local/drifted-account.ts';
import { useLocalAws } from '../helpers/local-aws.ts';

const run = promisify(execFile);
const local = useLocalAws();

async function tablewarden(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/tablewarden.js', ...args], { env: { ...process.env, NO_COLOR: '1', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tw-cli-'));
  cpSync('desired-state', dir, { recursive: true });
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('tablewarden validate', () => {
  it('exits 0 on the samples', async () => {
    const result = await tablewarden(['validate', '--dir', dir]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/3 tables and the policy are valid/);
  });

  it('exits 1 with one positioned error per line on stderr', async () => {
    // Prepare
    writeFileSync(join(dir, 'tables', 'broken.yaml'), 'apiVersion: tablewarden.io/v1\nkind: Table\nmetadata: { name: broken }\nspec:\n  keySchema: { partitionKey: { name: id, type: X } }\n  pitr: true\n');
    // Act
    const result = await tablewarden(['validate', '--dir', dir]);
    // Assess
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual([
      expect.stringMatching(/tables\/broken\.yaml:5:48 spec\.keySchema\.partitionKey\.type: must be one of S \(string\), N \(number\), B \(binary\)$/),
      expect.stringMatching(/tables\/broken\.yaml:6:3 spec\.pitr: unknown key "pitr" \(allowed: .*pointInTimeRecovery/),
    ]);
    expect(lines[2]).toMatch(/^2 errors in /);
  });
});

describe('tablewarden plan', () => {
  beforeEach(async () => {
    await local.reset();
  });

  const aws = () => ({ AWS_ENDPOINT_URL: local.endpoint, AWS_REGION: local.region, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });

  it('exits 2 with a terraform-like plan when changes are pending', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    // Act
    const result = await tablewarden(['plan', '--dir', dir], aws());
    // Assess
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('# Orders will be created');
    expect(result.stdout).toMatch(/Plan: 1 to create, 2 to update, 0 in sync, 0 refused, 0 with errors, 1 unmanaged; 11 actions \(0 disruptive\)\./);
  });

  it('skips an invalid table with a positioned error, plans the rest, exits 1 and writes nothing', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    writeFileSync(join(dir, 'tables', 'orders.yaml'), 'apiVersion: tablewarden.io/v1\nkind: Table\nmetadata: { name: Orders }\nspec:\n  keySchema: { partitionKey: { name: id, type: S } }\n  billing: { mode: PROVISIONED }\n');
    // Act
    const result = await tablewarden(['plan', '--dir', dir, '--output', 'json'], aws());
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/tables\/orders\.yaml:6:3 spec\.billing\.readCapacity: is required when billing mode is PROVISIONED/);
    const document = JSON.parse(result.stdout) as { tables: Array<{ name: string; status: string; error?: string }> };
    expect(document.tables.find((table) => table.name === 'Orders')).toMatchObject({ status: 'error', error: expect.stringMatching(/^invalid desired state: spec\.billing\.readCapacity/) });
    expect(document.tables.find((table) => table.name === 'Customers')?.status).toBe('update');
    // Nothing was written: Orders still does not exist, and a second plan is identical.
    const again = await tablewarden(['plan', '--dir', dir, '--output', 'json'], aws());
    expect(again.stdout).toBe(result.stdout);
  });

  it('exits 1 with a one-line message when AWS cannot be reached; the stage and the stack only with -v', async () => {
    // Act
    const result = await tablewarden(['plan', '--dir', dir], { ...aws(), AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' });
    const verbose = await tablewarden(['report', '--dir', dir, '-v'], { ...aws(), AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' });
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^tablewarden: .*127\.0\.0\.1:9/);
    expect(result.stderr).not.toMatch(/ObserveFailed|\n\s+at /);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/^tablewarden: .*\n {2}stage: ObserveFailed\n.*\n\s+at /s);
  });

  it('rejects --table for a table that is not declared', async () => {
    const result = await tablewarden(['plan', '--dir', dir, '--table', 'Nope'], aws());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--table Nope: not declared in');
  });
});

describe('tablewarden local', () => {
  it('prints its endpoint once ready, answers there, and stops cleanly (children included) on SIGTERM', async () => {
    // Prepare
    const { spawn } = await import('node:child_process');
    const logFile = join(mkdtempSync(join(tmpdir(), 'tw-local-log-')), 'requests.log');
    const child = spawn(process.execPath, ['bin/tablewarden.js', 'local', '--log-file', logFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Act
    const endpoint = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no endpoint line; stdout so far: ${stdout}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /^endpoint: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    const answer = await fetch(`${endpoint}/moto-api/`);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const code = await exited;
    // Assess: the request went to the log file, not to the terminal
    expect(answer.ok).toBe(true);
    expect(stdout.trim()).toBe(`endpoint: ${endpoint}`);
    expect(code).toBe(0);
    await expect(fetch(`${endpoint}/moto-api/`)).rejects.toThrow();
    expect(stderr).toBe(`requests are logged to ${logFile} (--verbose prints them here)\n`);
    expect(readFileSync(logFile, 'utf8')).toMatch(/GET \/moto-api\//);
  }, 60_000);

  it.each(['abc', '70000', '-1', '80.5'])('refuses --port %s before starting anything, in one message', async (port) => {
    // Act
    const result = await tablewarden(['local', '--port', port], {});
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe(`error: option '--port <port>' argument '${port}' is invalid. use a whole number from 0 to 65535 (0: any free port)`);
    expect(result.stderr).not.toMatch(/usage: moto|Traceback/i);
  });
});

describe('tablewarden --version', () => {
  it("prints package.json's version", async () => {
    // Act
    const result = await tablewarden(['--version'], {});
    // Assess
    expect(result.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});
