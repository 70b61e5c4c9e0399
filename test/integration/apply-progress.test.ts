/**
 * `tablewarden apply`'s progress and `--timeout` against the local AWS, where UpdateTable takes time
 * (local/strict/settle.py: the table UPDATING, a new GSI CREATING and backfilling, for a per-table time on the
 * emulator clock). Not on a terminal, apply prints one plain line per change: each step started and done, each wait
 * with what it waits for and after which step, and how long it lasted. A table still UPDATING at its `--timeout`
 * stops with the reason and nothing more is applied to it; the other table converges; the exit code says not
 * converged. Waits are kept to a second or two of real time with small poll intervals.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html
 */
import { CreateTableCommand, DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { runApply } from '../../functions/cli/commands/apply.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo, unattended } from '../support/capture.ts';

const local = useLocalAws();

/** util-linux script(1): runs a command on a pseudo-terminal, so its stdout is a real TTY. */
const hasScript = spawnSync('script', ['--version']).status === 0;

/** Run a shell command on a pseudo-terminal; resolves with everything it wrote (escape codes included). */
function inTerminal(command: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', `stty cols 120; ${command}`, '/dev/null'], {
      env: { ...process.env, NO_COLOR: '1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

beforeEach(async () => {
  await local.reset();
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
});

/** How long UpdateTable takes to settle, per table, in emulator seconds (local/strict/settle.py). */
async function settleSeconds(tables: Record<string, number>): Promise<void> {
  const answer = await fetch(`${local.endpoint}/tablewarden/settle`, { method: 'POST', body: JSON.stringify({ seconds: 0, tables }) });
  expect(answer.status).toBe(200);
}

/** Customers gains a GSI byEmail; Orders gains a stream, then deletion protection (two UpdateTable changes). */
function desiredDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tw-progress-'));
  mkdirSync(join(dir, 'tables'));
  writeFileSync(join(dir, 'policy.yaml'), 'apiVersion: tablewarden.io/v1\nkind: Policy\nmetadata:\n  name: default\nspec:\n  baseline: {}\n  blastRadius: { maxDisruptivePercent: 100 }\n');
  const table = (name: string, extra: string[]) =>
    ['apiVersion: tablewarden.io/v1', 'kind: Table', 'metadata:', `  name: ${name}`, 'spec:', '  keySchema:', '    partitionKey: { name: pk, type: S }', '  billing: { mode: PAY_PER_REQUEST }', ...extra, ''].join('\n');
  writeFileSync(join(dir, 'tables', 'customers.yaml'), table('Customers', ['  globalSecondaryIndexes:', '    - name: byEmail', '      partitionKey: { name: email, type: S }', '      projection: ALL']));
  writeFileSync(join(dir, 'tables', 'orders.yaml'), table('Orders', ['  stream: NEW_AND_OLD_IMAGES', '  deletionProtection: true']));
  return dir;
}

async function createTables(): Promise<void> {
  const clients = createClients(local.clientConfig);
  for (const name of ['Customers', 'Orders']) {
    await clients.dynamodb.send(
      new CreateTableCommand({ TableName: name, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }),
    );
  }
}

describe('local AWS: UpdateTable takes time (strict/settle.py)', () => {
  it('shows a new GSI CREATING and backfilling (the table ACTIVE) until the settle time passes', async () => {
    // Prepare
    await createTables();
    await settleSeconds({ Customers: 600 });
    const { dynamodb } = createClients(local.clientConfig);
    await dynamodb.send(
      new UpdateTableCommand({
        TableName: 'Customers',
        AttributeDefinitions: [{ AttributeName: 'email', AttributeType: 'S' }],
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: 'byEmail', KeySchema: [{ AttributeName: 'email', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } } }],
      }),
    );
    // Act
    const during = (await dynamodb.send(new DescribeTableCommand({ TableName: 'Customers' }))).Table!;
    await local.server.advanceClock(601);
    const after = (await dynamodb.send(new DescribeTableCommand({ TableName: 'Customers' }))).Table!;
    // Assess
    expect(during.TableStatus).toBe('ACTIVE');
    expect(during.GlobalSecondaryIndexes?.[0]).toMatchObject({ IndexName: 'byEmail', IndexStatus: 'CREATING', Backfilling: true });
    expect(after.TableStatus).toBe('ACTIVE');
    expect(after.GlobalSecondaryIndexes?.[0]).toMatchObject({ IndexName: 'byEmail', IndexStatus: 'ACTIVE' });
  });

  it('shows the table UPDATING after another change, and refuses a second UpdateTable until it settles', async () => {
    // Prepare
    await createTables();
    await settleSeconds({ Orders: 600 });
    const { dynamodb } = createClients(local.clientConfig);
    await dynamodb.send(new UpdateTableCommand({ TableName: 'Orders', DeletionProtectionEnabled: true }));
    // Act
    const during = (await dynamodb.send(new DescribeTableCommand({ TableName: 'Orders' }))).Table!;
    const refused = await dynamodb.send(new UpdateTableCommand({ TableName: 'Orders', StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } })).catch((error: unknown) => error);
    await local.server.advanceClock(601);
    const after = (await dynamodb.send(new DescribeTableCommand({ TableName: 'Orders' }))).Table!;
    const accepted = await dynamodb.send(new UpdateTableCommand({ TableName: 'Orders', StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }));
    // Assess
    expect(during.TableStatus).toBe('UPDATING');
    expect(refused).toMatchObject({ name: 'ResourceInUseException', message: 'Attempt to change a resource which is still in use: Table is being updated: Orders' });
    expect(after.TableStatus).toBe('ACTIVE');
    expect(accepted.TableDescription?.StreamSpecification?.StreamEnabled).toBe(true);
  });

  it('settles at once by default, and after a reset', async () => {
    // Prepare
    await settleSeconds({ Orders: 600 });
    await local.reset();
    await createTables();
    const { dynamodb } = createClients(local.clientConfig);
    // Act
    await dynamodb.send(new UpdateTableCommand({ TableName: 'Orders', DeletionProtectionEnabled: true }));
    const table = (await dynamodb.send(new DescribeTableCommand({ TableName: 'Orders' }))).Table!;
    // Assess
    expect(table.TableStatus).toBe('ACTIVE');
  });
});

describe('tablewarden apply: progress and --timeout (local AWS)', () => {
  it('prints each step and each wait with what it waits for; --timeout stops the table still UPDATING, the other converges', async () => {
    // Prepare: Customers' index backfills for a fraction of a second; Orders stays UPDATING for an hour.
    await createTables();
    await settleSeconds({ Customers: 0.3, Orders: 3600 });
    const io = captureIo();
    const clients = createClients(local.clientConfig);
    // Act
    const code = await runApply(
      { dir: desiredDir(), table: [], output: 'text', autoApprove: true, endpointUrl: local.endpoint, region: local.region, timeout: 2_000 },
      { io, confirmation: unattended, clients, apply: { pollMs: 10 } },
    );
    // Assess
    const out = io.stdout();
    const lines = out.split('\n');
    expect(code).toBe(1);
    // Customers: the step, the wait for the backfill (after which step), its end with a duration, the step done.
    const gsi = 'create index byEmail (backfills from the table)';
    expect(lines).toContain(`  - Customers  1/1 TW-GSI  ${gsi}: started`);
    expect(lines).toContain(`  - Customers  waiting for GSI byEmail backfilling (after TW-GSI: ${gsi})`);
    expect(out).toMatch(/^ {2}- Customers {2}wait over after \d+ms \(TW-GSI\)$/m);
    expect(lines).toContain(`  ✓ Customers  TW-GSI  ${gsi}`);
    // Orders: its first change waits, times out at --timeout, and its second change is not applied.
    expect(lines).toContain('  - Orders  1/2 TW-DELETION-PROTECTION  enable deletion protection: started');
    expect(lines).toContain('  - Orders  waiting for table UPDATING (after TW-DELETION-PROTECTION: enable deletion protection)');
    expect(lines).toContain('  ✗ Orders  TW-DELETION-PROTECTION  enable deletion protection: Orders: still UPDATING after 2s (--timeout): nothing more was applied to it');
    expect(out).not.toMatch(/Orders {2}2\/2/);
    expect(out).toMatch(/not applied: TW-STREAM/);
    expect(out).toMatch(/✓ Customers: in sync/);
    expect(out).not.toContain('\x1b');
    expect(out).not.toContain('\r');
    expect((await clients.dynamodb.send(new DescribeTableCommand({ TableName: 'Orders' }))).Table!.StreamSpecification?.StreamEnabled).not.toBe(true);
  }, 30_000);

  it.skipIf(!hasScript)('on a real terminal (a pty from script(1)): live lines per table redrawn in place, finished steps above', async () => {
    // Prepare: the GSI backfills for a second (several redraws); Orders stays UPDATING past --timeout.
    await createTables();
    await settleSeconds({ Customers: 1, Orders: 3600 });
    const command = ['node', 'bin/tablewarden.js', 'apply', '--dir', desiredDir(), '--auto-approve', '--timeout', '2s', '--endpoint-url', local.endpoint, '--region', local.region];
    // Act
    const { code, output } = await inTerminal(command.map((word) => `'${word}'`).join(' '));
    // Assess
    expect(code).toBe(1);
    // eslint-disable-next-line no-control-regex -- the terminal's escape codes are what is tested
    expect(output).toMatch(/\r {2}Customers {2}1\/1 TW-GSI {2}waiting for GSI byEmail backfilling {2}00:0\d\x1b\[K/);
    // eslint-disable-next-line no-control-regex -- the terminal's escape codes are what is tested
    expect(output).toMatch(/\r\x1b\[1A {2}(Customers|Orders) {2}1\/\d TW-[A-Z-]+ {2}.* {2}00:0\d\x1b\[K\r?\n {2}(Customers|Orders) /);
    expect(output).toMatch(/ {2}Orders {2}1\/2 TW-DELETION-PROTECTION {2}waiting for table UPDATING {2}00:01/);
    expect(output).toContain('  ✓ Customers  TW-GSI  create index byEmail (backfills from the table)');
    expect(output).toContain('Orders: still UPDATING after 2s (--timeout): nothing more was applied to it');
    // No plain per-change lines on a terminal: the live lines say it in place.
    expect(output).not.toContain(': started');
    // A table's line goes when it ends: after its ✓ or ✗ line, it is not drawn again.
    expect(output.slice(output.lastIndexOf('✓ Customers  TW-GSI'))).not.toMatch(/\r {2}Customers {2}1\/1/);
    expect(output.slice(output.lastIndexOf('✗ Orders'))).not.toMatch(/\r {2}Orders {2}1\/2/);
  }, 60_000);

  it('--output json: stdout is only the JSON document; the progress lines go to stderr', async () => {
    // Prepare
    await createTables();
    await settleSeconds({ Customers: 0.1 });
    const io = captureIo();
    // Act
    const code = await runApply(
      { dir: desiredDir(), table: [], output: 'json', autoApprove: true, endpointUrl: local.endpoint, region: local.region },
      { io, confirmation: unattended, clients: createClients(local.clientConfig), apply: { pollMs: 10 } },
    );
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout())).toMatchObject({ apply: { tables: expect.any(Array) } });
    expect(io.stderr()).toMatch(/^ {2}- Customers {2}waiting for .* \(after TW-GSI: .*\)$/m);
    expect(io.stderr()).toMatch(/^ {2}✓ Customers {2}TW-GSI/m);
  }, 30_000);
});
