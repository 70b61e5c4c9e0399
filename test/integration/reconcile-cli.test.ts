/**
 * `tablewarden reconcile --local` through the real binary (a subprocess, as a person or a script runs it): the
 * synthesized Reconcile state machine with the real handlers, against this file's local AWS (`--endpoint`).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeContinuousBackupsCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { createDriftedAccount } from '../../local/drifted-account.ts';
import { useLocalAws } from '../helpers/local-aws.ts';

const run = promisify(execFile);
const local = useLocalAws();

async function tablewarden(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, NO_COLOR: '1', AWS_REGION: local.region, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/tablewarden.js', ...args], { env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The state names of the progress lines (`   +0.1s  <indent>State [batch]`), in order. */
function progressStates(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => /^\s*\+\d+\.\ds {2}(\s*)(\S.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => `${match[1]}${match[2]}`);
}

let dir: string;

beforeEach(async () => {
  await local.reset();
  dir = mkdtempSync(join(tmpdir(), 'tw-reconcile-'));
  cpSync('desired-state', dir, { recursive: true });
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('tablewarden reconcile --local', () => {
  it('plan mode: creates the operator resources, publishes, shows each state as it runs, changes nothing, exits 2 on drift', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    // Act
    const result = await tablewarden(['reconcile', '--local', '--mode', 'plan', '--dir', dir, '--endpoint', local.endpoint]);
    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^published 4 files as s3:\/\/tablewarden-bundles\/bundles\/local-\d+\.json \(sha256:[0-9a-f]{12}…, MAC by arn:aws:kms:/m);
    const states = progressStates(result.stdout);
    expect(states.slice(0, 3)).toEqual(['ApplyInputDefaults', 'MergeInputDefaults', 'FromBundleEvent?']);
    expect(states).toEqual(expect.arrayContaining(['AcquireLock', 'LoadDesiredState', 'PlanBatches', 'PlanBatch [0]', 'Gate', 'Report', 'ReleaseLock']));
    expect(states.some((state) => state.startsWith('ApplyBatch'))).toBe(false);
    expect(result.stdout).toMatch(/execution SUCCEEDED in \d+\.\d s: \d+ history events/);
    expect(result.stdout).toMatch(/report: \{.*"status":"drift".*"applied":0/);
    const pitr = await createClients(local.clientConfig).dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'Customers' }));
    expect(pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('DISABLED');
  }, 180_000);

  it('apply mode converges the account (exit 0); a second run finds the operator resources and has nothing to do', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    // Act
    const first = await tablewarden(['reconcile', '--local', '--dir', dir, '--endpoint', local.endpoint]);
    const second = await tablewarden(['reconcile', '--local', '--dir', dir, '--endpoint', local.endpoint]);
    // Assess
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(progressStates(first.stdout)).toEqual(expect.arrayContaining(['ApplyBatches', 'StartApplyBatchRounds [0]', '  ApplyBatch', '  BatchSettled?', '  BatchApplied', 'Done']));
    expect(first.stdout).toMatch(/report: \{.*"status":"in-sync".*"applied":11,"failed":0\}/);
    const orders = await createClients(local.clientConfig).dynamodb.send(new DescribeTableCommand({ TableName: 'Orders' }));
    expect(orders.Table?.TableStatus).toBe('ACTIVE');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/report: \{.*"status":"in-sync".*"applied":0,"failed":0\}/);
  }, 180_000);

  it('an invalid directory: positioned errors, exit 1, nothing created or published', async () => {
    // Prepare
    writeFileSync(join(dir, 'tables', 'broken.yaml'), 'apiVersion: tablewarden.io/v1\nkind: Table\nmetadata: { name: broken }\nspec:\n  keySchema: { partitionKey: { name: id, type: X } }\n');
    // Act
    const result = await tablewarden(['reconcile', '--local', '--dir', dir, '--endpoint', local.endpoint]);
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/tables\/broken\.yaml:5:48 spec\.keySchema\.partitionKey\.type: must be one of/);
    expect(result.stderr).toMatch(/not reconciled: .* is invalid/);
    expect(result.stdout).toBe('');
    const buckets = await new S3Client({ ...local.clientConfig, forcePathStyle: true }).send(new ListBucketsCommand({}));
    expect(buckets.Buckets ?? []).toEqual([]);
  }, 60_000);

  it('refuses to run without --local (exit 1)', async () => {
    // Act
    const result = await tablewarden(['reconcile', '--dir', dir]);
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/pass --local/);
  }, 60_000);
});
