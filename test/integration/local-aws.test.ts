// The launcher of the embedded local AWS (local/local-aws.ts): start, ready, reset, stop, failure messages,
// and the foreground runner behind `tablewarden local`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_AWS_REQUIREMENT, startLocalAws, type LocalAws } from '../../local/local-aws.ts';
import { useLocalAws } from '../helpers/local-aws.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const local = useLocalAws();

function dynamo(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function createTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

async function refusesConnections(endpoint: string): Promise<boolean> {
  try {
    await fetch(`${endpoint}/moto-api/config`, { signal: AbortSignal.timeout(1_000) });
    return false;
  } catch {
    return true;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

/** Every process below `root`, from `ps`: what must be gone once the foreground runner has stopped. */
function descendants(root: number): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [pid, ppid] of rows) {
      if (ppid === parent) {
        found.push(pid);
        walk(pid);
      }
    }
  };
  walk(root);
  return found;
}

describe('startLocalAws', () => {
  const extra: LocalAws[] = [];
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((aws) => aws.stop()));
  });

  it('serves on 127.0.0.1 with the default region, reachable with the ready-made client config', async () => {
    // Prepare
    const client = new DynamoDBClient(local.clientConfig);

    // Act
    const tables = await client.send(new ListTablesCommand({}));

    // Assess
    expect(local.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(local.endpoint).toBe(`http://127.0.0.1:${local.port}`);
    expect(local.region).toBe('us-east-1');
    expect(local.clientConfig).toEqual({
      endpoint: local.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    expect(tables.TableNames).toEqual([]);
  });

  it('reset() drops every table', async () => {
    // Prepare
    const client = new DynamoDBClient(local.clientConfig);
    await createTable(client, 'Customers');
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual(['Customers']);

    // Act
    await local.reset();

    // Assess
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
  });

  it('stop() leaves no process behind and closes the port; a second stop() is a no-op', async () => {
    // Prepare
    const aws = await startLocalAws();
    expect(isRunning(aws.pid)).toBe(true);

    // Act
    await aws.stop();
    await aws.stop();

    // Assess
    expect(isRunning(aws.pid)).toBe(false);
    expect(await refusesConnections(aws.endpoint)).toBe(true);
  });

  it('gives each server its own state (one per test file, in parallel)', async () => {
    // Prepare
    const other = await startLocalAws({ region: 'eu-west-1' });
    extra.push(other);

    // Act
    await createTable(dynamo(other.endpoint), 'OnlyHere');

    // Assess
    expect(other.port).not.toBe(local.port);
    expect(other.region).toBe('eu-west-1');
    expect((await dynamo(local.endpoint).send(new ListTablesCommand({}))).TableNames).not.toContain('OnlyHere');
  });

  it('listens on the port it is given', async () => {
    // Prepare
    const port = await freePort();

    // Act
    const aws = await startLocalAws({ port });
    extra.push(aws);

    // Assess
    expect(aws.endpoint).toBe(`http://127.0.0.1:${port}`);
    expect((await dynamo(aws.endpoint).send(new ListTablesCommand({}))).TableNames).toEqual([]);
  });

  it('names what is needed when python is missing (option)', async () => {
    // Act
    const start = startLocalAws({ python: '/nonexistent/python3' });

    // Assess
    await expect(start).rejects.toThrow(LOCAL_AWS_REQUIREMENT);
    await expect(start).rejects.toThrow("moto 5.2.1 in server mode: pip install 'moto[server]==5.2.1'");
  });

  it('names what is needed when python is missing ($TABLEWARDEN_PYTHON)', async () => {
    // Prepare
    const saved = process.env.TABLEWARDEN_PYTHON;
    process.env.TABLEWARDEN_PYTHON = '/nonexistent/python3';

    // Act
    const start = startLocalAws();

    // Assess
    try {
      await expect(start).rejects.toThrow("moto 5.2.1 in server mode: pip install 'moto[server]==5.2.1'");
    } finally {
      if (saved === undefined) delete process.env.TABLEWARDEN_PYTHON;
      else process.env.TABLEWARDEN_PYTHON = saved;
    }
  });

  it('names what is needed when python has no moto', async () => {
    // Prepare: a `moto` package that shadows the real one and fails to import, as if moto were absent
    const dir = mkdtempSync(join(tmpdir(), 'tw-no-moto-'));
    mkdirSync(join(dir, 'moto'));
    writeFileSync(join(dir, 'moto', '__init__.py'), 'raise ImportError("No module named \'moto\'")\n');
    const saved = process.env.PYTHONPATH;
    process.env.PYTHONPATH = dir;

    // Act
    const start = startLocalAws();

    // Assess
    try {
      await expect(start).rejects.toThrow("moto 5.2.1 in server mode: pip install 'moto[server]==5.2.1'");
      await expect(start).rejects.toThrow(/No module named 'moto'/);
    } finally {
      if (saved === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers an operation moto lacks with a JSON error, not an HTML page', async () => {
    // Act
    const response = await fetch(local.endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'DynamoDB_20120810.ListContributorInsights',
        Authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: '{}',
    });

    // Assess
    expect(response.status).toBe(501);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toMatchObject({ __type: 'NotImplementedException' });
  });
});

describe('a parent that goes away without stop()', () => {
  /** Runs `code` (ESM, with `startLocalAws` in scope) in a fresh Node process; resolves with its JSON line. */
  function parent(code: string) {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', `const { startLocalAws } = await import('./local/local-aws.ts');\n${code}`],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const line = eventually(() => stdout.includes('\n'), 30_000).then(() => JSON.parse(stdout) as { moto: number });
    return { child, line, exited };
  }

  it('stops the server when the parent exits', async () => {
    // Act
    const { line, exited } = parent(`const aws = await startLocalAws(); console.log(JSON.stringify({ moto: aws.pid })); process.exit(0);`);
    const { moto } = await line;
    await exited;

    // Assess
    expect(await eventually(() => !isRunning(moto), 5_000)).toBe(true);
  }, 60_000);

  it('stops the server when the parent is killed with SIGKILL (no handlers run)', async () => {
    // Prepare
    const { child, line, exited } = parent(
      `const aws = await startLocalAws(); console.log(JSON.stringify({ moto: aws.pid })); setInterval(() => {}, 1000);`,
    );
    const { moto } = await line;
    expect(isRunning(moto)).toBe(true);

    // Act
    child.kill('SIGKILL');
    await exited;

    // Assess
    expect(await eventually(() => !isRunning(moto), 5_000)).toBe(true);
  }, 60_000);
});

describe('local/serve.ts (the foreground runner behind `tablewarden local`)', () => {
  it('prints exactly the endpoint line, serves, and stops with its server on SIGTERM', async () => {
    // Prepare
    const child = spawn('npx', ['tsx', 'local/serve.ts'], {
      cwd: REPO,
      detached: true, // its own group, like a terminal's foreground job
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.stderr.resume();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    expect(await eventually(() => stdout.includes('\n'), 30_000)).toBe(true);
    const endpoint = /^endpoint: (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(stdout)?.[1];
    expect(endpoint).toBeDefined();
    expect((await dynamo(endpoint!).send(new ListTablesCommand({}))).TableNames).toEqual([]);
    const tree = descendants(child.pid!);
    expect(tree.length).toBeGreaterThan(0);

    // Act: SIGTERM to the group, as Ctrl-C (SIGINT) reaches every process of a terminal's job
    process.kill(-child.pid!, 'SIGTERM');
    await exited;

    // Assess
    expect(await eventually(() => tree.every((pid) => !isRunning(pid)))).toBe(true);
    expect(await refusesConnections(endpoint!)).toBe(true);
    expect(stdout).toBe(`endpoint: ${endpoint}\n`);
  }, 60_000);

  it('exits with code 0 when its own process gets SIGTERM', async () => {
    // Prepare: tsx itself (what `npx tsx` runs), signalled directly rather than through its group
    const child = spawn(join(REPO, 'node_modules/.bin/tsx'), ['local/serve.ts'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.stderr.resume();
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    expect(await eventually(() => stdout.includes('\n'), 30_000)).toBe(true);
    const endpoint = /^endpoint: (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(stdout)?.[1];
    const tree = descendants(child.pid!);

    // Act
    child.kill('SIGTERM');

    // Assess
    expect(await exit).toBe(0);
    expect(await eventually(() => tree.every((pid) => !isRunning(pid)))).toBe(true);
    expect(await refusesConnections(endpoint!)).toBe(true);
  }, 60_000);
});
