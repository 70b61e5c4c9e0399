/**
 * Hostile files on disk, through the real CLI commands in-process: directories, FIFOs, dangling links and huge
 * files named `*.yaml` get `file:line:col field: message` and exit 1, never a stack trace or a hang, and the other
 * tables are still planned.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runPlan } from '../../functions/cli/commands/plan.ts';
import { runValidate } from '../../functions/cli/commands/validate.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo } from '../support/capture.ts';

const local = useLocalAws();
const NOW = new Date('2026-11-28T12:00:00Z');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tw-hostile-'));
  cpSync('desired-state', dir, { recursive: true });
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function validate() {
  const io = captureIo();
  const code = await runValidate({ dir }, io, NOW);
  return { code, stdout: io.stdout(), stderr: io.stderr().split(dir).join('<dir>') };
}

const hostile: Array<[string, (path: string) => void, string]> = [
  ['a directory named *.yaml', (path) => mkdirSync(path), '<dir>/tables/hostile.yaml:1:1 (file): is a directory, not a file'],
  ['a FIFO named *.yaml', (path) => execFileSync('mkfifo', [path]), '<dir>/tables/hostile.yaml:1:1 (file): is a FIFO (named pipe), not a regular file; it is not read'],
  ['a dangling symbolic link', (path) => symlinkSync(join(dir, 'nowhere.yaml'), path), '<dir>/tables/hostile.yaml:1:1 (file): is a symbolic link to a missing file'],
  ['a file over 1 MiB', (path) => writeFileSync(path, `# ${'x'.repeat(1024 * 1024)}\n`), '<dir>/tables/hostile.yaml:1:1 (file): file is larger than 1 MiB (1048579 bytes); desired-state files are small'],
  ['a UTF-16 file', (path) => writeFileSync(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('apiVersion: x\n', 'utf16le')])), '<dir>/tables/hostile.yaml:1:1 (file): is UTF-16 (byte order mark FF FE); desired-state files must be UTF-8'],
];

describe('tablewarden validate on hostile files', () => {
  it.each(hostile)('reports %s with its path and exits 1 (no stack trace, no hang)', async (_case, make, expected) => {
    // Prepare
    make(join(dir, 'tables', 'hostile.yaml'));
    // Act
    const result = await validate();
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe(expected);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 10_000);

  it.each([
    ['a directory', (path: string) => mkdirSync(path), '<dir>/policy.yaml:1:1 (file): is a directory, not a file'],
    ['a dangling symbolic link', (path: string) => symlinkSync(join(dir, 'gone.yaml'), path), '<dir>/policy.yaml:1:1 (file): is a symbolic link to a missing file'],
  ])('refuses a policy.yaml that is %s instead of using defaults', async (_case, make, expected) => {
    // Prepare
    rmSync(join(dir, 'policy.yaml'));
    make(join(dir, 'policy.yaml'));
    // Act
    const result = await validate();
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe(expected);
  });

  it('warns that there is no baseline when policy.yaml is missing, and still validates', async () => {
    // Prepare
    rmSync(join(dir, 'policy.yaml'));
    writeFileSync(join(dir, 'tables', 'customers.yaml'), 'apiVersion: tablewarden.io/v1\nkind: Table\nmetadata: { name: Customers }\nspec:\n  keySchema: { partitionKey: { name: id, type: S } }\n');
    rmSync(join(dir, 'tables', 'orders.yaml'));
    rmSync(join(dir, 'tables', 'terraform-state-lock.yaml'));
    // Act
    const result = await validate();
    // Assess
    expect(result).toEqual({
      code: 0,
      stdout: `1 table and the policy are valid (${dir})\n`,
      stderr: '<dir>/policy.yaml:1:1 (file): warning: policy.yaml not found: no account baseline applies, unmanaged tables are only reported, and no tags are required\n',
    });
  });
});

describe('tablewarden plan with one hostile file', () => {
  beforeEach(async () => {
    await local.reset();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  });

  it('reports the alias bomb with a position and still plans every other table', async () => {
    // Prepare
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefg'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdef'[i]}`).join(', ')}]`)].join('\n') + '\n';
    writeFileSync(join(dir, 'tables', 'bomb.yaml'), bomb);
    const io = captureIo();
    // Act
    const code = await runPlan({ dir, table: [], output: 'json', endpointUrl: local.endpoint, region: local.region }, io, NOW);
    // Assess
    expect(code).toBe(1);
    expect(io.stderr().split(dir).join('<dir>')).toContain('<dir>/tables/bomb.yaml:2:8 (syntax): YAML syntax error: aliases expand too far');
    const document = JSON.parse(io.stdout()) as { tables: Array<{ name: string; status: string }> };
    const statuses = Object.fromEntries(document.tables.map((row) => [row.name.split(dir).join('<dir>'), row.status]));
    expect(statuses).toEqual({ '<dir>/tables/bomb.yaml': 'error', Customers: 'create', Orders: 'create', 'terraform-state-lock': 'create' });
  });
});
