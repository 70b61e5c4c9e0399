/**
 * The bad-input corpus: every case in test/corpus/desired-state/ (see its README) runs through the real CLI
 * commands in-process, as a person or CI would run them:
 * - the pure parser over the files as read from disk gives exactly the diagnostics in the case's expected.json;
 * - `tablewarden validate` prints exactly those lines (`file:line:col field: message`) and exits 1, no stack trace;
 * - `tablewarden plan` and `tablewarden apply --auto-approve` against the local AWS make ZERO write calls.
 *
 * Writes are counted by the clients' own CallRecorder (every call the adapters make passes through it, reads and
 * writes classified by IAM action). The recorder of every client set the commands build is collected by wrapping
 * the one client factory, so a command can't write through clients the test doesn't see.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as ClientsModule from '../../functions/aws/clients.ts';
import type { AwsClients } from '../../functions/aws/clients.ts';
import { runApply } from '../../functions/cli/commands/apply.ts';
import { runPlan } from '../../functions/cli/commands/plan.ts';
import { runValidate } from '../../functions/cli/commands/validate.ts';
import { readDesiredStateFiles } from '../../functions/cli/desired-files.ts';
import { formatDiagnostic, sortDiagnostics } from '../../functions/core/desired/diagnostics.ts';
import { parseDesiredState } from '../../functions/core/desired/parse.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo, unattended } from '../support/capture.ts';
import { corpusCases, layOut, readExpected, relativeTo } from './corpus-case.ts';

/** Every client set any command built during the current case. */
const built: AwsClients[] = [];
vi.mock('../../functions/aws/clients.ts', async (importOriginal) => {
  const original = await importOriginal<typeof ClientsModule>();
  return {
    ...original,
    createClients: (...args: Parameters<typeof original.createClients>) => {
      const clients = original.createClients(...args);
      built.push(clients);
      return clients;
    },
  };
});

const local = useLocalAws();
const NOW = new Date('2026-11-28T12:00:00Z');
const CASES = corpusCases();

beforeAll(() => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
});

afterEach(() => {
  built.length = 0;
});

describe('the bad-input corpus', () => {
  it('has at least 40 cases, each with an expected diagnostic', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    for (const name of CASES) expect(readExpected(name).diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length, name).toBeGreaterThan(0);
  });

  it('counts writes: a valid control case does write, so a zero below means zero', async () => {
    // Prepare
    await local.reset();
    const { dir, cleanup } = layOut('table-name-2-chars', {});
    try {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(`${dir}/tables/ab.yaml`, 'apiVersion: tablewarden.io/v1\nkind: Table\nmetadata: { name: abc }\nspec:\n  keySchema: { partitionKey: { name: id, type: S } }\n');
      // Act
      const code = await runApply({ dir, table: [], output: 'json', endpointUrl: local.endpoint, region: local.region, autoApprove: true }, { io: captureIo(), confirmation: unattended, now: NOW });
      // Assess
      expect(code).toBe(0);
      expect(built.flatMap((clients) => clients.calls.writes()).map((call) => call.action)).toContain('dynamodb:CreateTable');
    } finally {
      cleanup();
    }
  });

  it.each(CASES)('%s: exact diagnostics, validate exits 1, plan and apply write nothing', async (name) => {
    // Prepare
    const expected = readExpected(name);
    const { dir, cleanup } = layOut(name, expected);
    try {
      await local.reset();
      const seed = new DynamoDBClient(local.clientConfig);
      for (const table of expected.existingTables ?? []) {
        await seed.send(new CreateTableCommand({ TableName: table, BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }] }));
      }
      seed.destroy();
      const connection = { dir, table: [], output: 'json' as const, endpointUrl: local.endpoint, region: local.region };

      // Act
      const parsed = parseDesiredState(await readDesiredStateFiles(dir), { now: NOW });
      const validateIo = captureIo();
      const validateCode = await runValidate({ dir }, validateIo, NOW);
      const planIo = captureIo();
      const planCode = await runPlan(connection, planIo, NOW);
      const applyIo = captureIo();
      const applyCode = await runApply({ ...connection, autoApprove: true }, { io: applyIo, confirmation: unattended, now: NOW });

      // Assess: the diagnostics, exactly
      const diagnostics = sortDiagnostics(parsed.diagnostics).map((diagnostic) => relativeTo(dir, diagnostic));
      expect(diagnostics).toEqual(expected.diagnostics);
      expect(parsed.failed).toBe(true);
      // validate prints them, one per line, then the summary, and exits 1 with no stack trace
      const printed = validateIo.stderr().split(`${dir}/`).join('').split('\n');
      expect(printed.slice(0, expected.diagnostics.length)).toEqual(expected.diagnostics.map(formatDiagnostic));
      expect(printed[expected.diagnostics.length]).toMatch(/^\d+ errors? in /);
      expect(validateCode).toBe(1);
      for (const output of [validateIo.stderr(), planIo.stderr(), applyIo.stderr()]) expect(output).not.toMatch(/\n\s+at .*:\d+:\d+/);
      // plan and apply fail, and no command wrote anything
      expect([planCode, applyCode]).toEqual([1, 1]);
      expect(built.length).toBeGreaterThanOrEqual(2);
      expect(built.flatMap((clients) => clients.calls.writes()).map((call) => call.action)).toEqual([]);
      // a table the case protects is reported as an error, never as unmanaged
      const plan = JSON.parse(planIo.stdout()) as { tables: Array<{ name: string; status: string; actions: unknown[] }> };
      for (const table of expected.existingTables ?? []) {
        expect(plan.tables.filter((row) => row.name === table).map((row) => [row.status, row.actions.length]), table).toEqual([['error', 0]]);
      }
    } finally {
      cleanup();
    }
  });
});
