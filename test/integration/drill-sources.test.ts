/**
 * Restore drills on the strict local AWS from every source (AWS Backup recovery point, PITR), and the fault cases:
 * a restore that fails to start, one that times out, and throttling (20% on every DynamoDB call, and cleanup under
 * heavy throttling). Each ends with a verdict and its reason, and no `tw-drill-*` table left.
 * The drill's clock is the emulator's: waiting moves the emulator clock (advanceClock) instead of sleeping.
 */
import { CreateBackupVaultCommand, StartBackupJobCommand } from '@aws-sdk/client-backup';
import { BatchGetItemCommand, BatchWriteItemCommand, CreateBackupCommand, CreateTableCommand, UpdateContinuousBackupsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand, DisableKeyCommand } from '@aws-sdk/client-kms';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { policyFileSchema } from '../../functions/core/desired/schema.ts';
import type { DesiredTable } from '../../functions/core/model/desired.ts';
import { checkRestore, cleanupDrill, runDrillLocally, startDrill, tagCopyForCleanup, type DrillTarget } from '../../functions/run/drill.ts';
import { operatorStateTableInput } from '../../local/operator-env.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { expectNoDrillTables } from '../support/drill-tables.ts';
import { emulatorClock } from '../support/emulator-clock.ts';

const local = useLocalAws();
const STATE_TABLE = 'tablewarden-state';
const ROLE = 'arn:aws:iam::123456789012:role/tablewarden-backup';
const POLICY = policyFileSchema.shape.spec.parse({});
const ARN = (name: string) => `arn:aws:dynamodb:us-east-1:123456789012:table/${name}`;

let clients: AwsClients;

async function setRestoreSeconds(seconds: number): Promise<void> {
  const response = await fetch(`${local.endpoint}/tablewarden/restore`, { method: 'POST', body: JSON.stringify({ seconds }) });
  expect(response.status).toBe(200);
}

function target(drill: Partial<NonNullable<DesiredTable['spec']['restoreDrill']>>, spec: Partial<DesiredTable['spec']> = {}): DrillTarget {
  return {
    policy: POLICY,
    table: {
      name: 'Orders',
      managed: true,
      waivers: [],
      spec: {
        keySchema: { partitionKey: { name: 'customerID', type: 'S' } },
        stream: 'NONE',
        restoreDrill: { schedule: 'daily', source: 'dynamodb-backup', maxRestoreMinutes: 30, sampleSize: 25, maxChangedPercent: 0, ...drill },
        ...spec,
      },
    },
  };
}

async function seeded(dynamodb: DynamoDBClient, count: number): Promise<void> {
  await dynamodb.send(new CreateTableCommand({ TableName: 'Orders', AttributeDefinitions: [{ AttributeName: 'customerID', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'customerID', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
  const items = Array.from({ length: count }, (_, n) => ({ PutRequest: { Item: { customerID: { S: `c-${n}` }, total: { N: `${n}.50` } } } }));
  for (let i = 0; i < items.length; i += 25) await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { Orders: items.slice(i, i + 25) } }));
}

beforeEach(async () => {
  await local.reset();
  await local.server.clearFaults();
  await setRestoreSeconds(60);
  clients = createClients({ ...local.clientConfig, maxAttempts: 3 });
  await clients.dynamodb.send(new CreateTableCommand(operatorStateTableInput(STATE_TABLE)));
});

afterEach(async () => {
  await local.server.clearFaults();
  await expectNoDrillTables(clients.dynamodb);
});

describe('restore drill sources and faults (strict local AWS)', () => {
  it('restores the newest AWS Backup recovery point with StartRestoreJob, passes, and reports the validation to AWS Backup', async () => {
    // Prepare
    await seeded(clients.dynamodb, 12);
    await clients.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'tw-vault' }));
    await clients.backup.send(new StartBackupJobCommand({ BackupVaultName: 'tw-vault', ResourceArn: ARN('Orders'), IamRoleArn: ROLE }));
    const clock = await emulatorClock(local);
    // Act
    const report = await runDrillLocally({ clients, stateTable: STATE_TABLE }, { target: target({ source: 'aws-backup' }), backupRoleArn: ROLE }, { clock, pollMs: 5_000 });
    // Assess
    expect(report.reasons).toEqual([]);
    expect(report.verdict).toBe('passed');
    expect(report.source?.kind).toBe('aws-backup');
    expect(report.counts).toMatchObject({ copyItems: 12, compared: 12, matched: 12 });
    expect(report.rtoSeconds).toBeGreaterThanOrEqual(60);
    expect(report.awsBackupValidation).toBe('sent');
  });

  it('restores PITR at the latest restorable time', async () => {
    // Prepare
    await seeded(clients.dynamodb, 8);
    await clients.dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: 'Orders', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    await local.server.advanceClock(600);
    const clock = await emulatorClock(local);
    // Act
    const report = await runDrillLocally({ clients, stateTable: STATE_TABLE }, { target: target({ source: 'pitr' }, { pointInTimeRecovery: { enabled: true } }) }, { clock, pollMs: 5_000 });
    // Assess
    expect(report.reasons).toEqual([]);
    expect(report.verdict).toBe('passed');
    expect(report.source?.id).toMatch(/^latest:/);
    expect(report.dropped.map((setting) => setting.control)).toContain('TW-PITR');
  });

  it('fails when the restore fails to start (the declared key is disabled), releasing the lock', async () => {
    // Prepare
    await seeded(clients.dynamodb, 3);
    await clients.dynamodb.send(new CreateBackupCommand({ TableName: 'Orders', BackupName: 'b' }));
    const key = await clients.kms.send(new CreateKeyCommand({}));
    await clients.kms.send(new CreateAliasCommand({ AliasName: 'alias/tablewarden/orders', TargetKeyId: key.KeyMetadata!.KeyId }));
    await clients.kms.send(new DisableKeyCommand({ KeyId: key.KeyMetadata!.KeyId }));
    const drillTarget = target({}, { encryption: { type: 'CUSTOMER_MANAGED', kmsKeyAlias: 'alias/tablewarden/orders', rotationPeriodDays: 365 } });
    const clock = await emulatorClock(local);
    // Act
    const report = await runDrillLocally({ clients, stateTable: STATE_TABLE }, { target: drillTarget }, { clock });
    // Assess
    expect(report.verdict).toBe('failed');
    expect(report.reasons).toEqual([expect.stringMatching(/^the restore failed to start: ValidationException: .*is Disabled/)]);
    expect(report.cleanup?.outcome).toBe('gone');
    // The lock is free again: the next drill starts.
    await clock.sleep(1_000);
    await expect(startDrill({ clients, stateTable: STATE_TABLE }, { target: drillTarget, now: new Date(clock.now()).toISOString() })).resolves.toMatchObject({ restore: 'failed' });
  });

  it('local AWS: an "unprocessed" fault leaves BatchGetItem keys out of Responses and returns them in UnprocessedKeys', async () => {
    // Prepare
    await seeded(clients.dynamodb, 100);
    await local.server.setFaults({ unprocessed: 0.3, seed: 5, services: ['dynamodb'], operations: ['BatchGetItem'] });
    const Keys = Array.from({ length: 100 }, (_, n) => ({ customerID: { S: `c-${n}` } }));
    // Act
    const response = await clients.dynamodb.send(new BatchGetItemCommand({ RequestItems: { Orders: { Keys, ConsistentRead: true } } }));
    const stats = await local.server.clearFaults();
    // Assess: every key is either answered or returned unprocessed (with the request's parameters), never both.
    const read = (response.Responses?.['Orders'] ?? []).map((item) => item['customerID']?.S);
    const left = (response.UnprocessedKeys?.['Orders']?.Keys ?? []).map((key) => key['customerID']?.S);
    expect(left.length).toBeGreaterThan(10);
    expect(left.length).toBe(stats.injected.unprocessed);
    expect(response.UnprocessedKeys?.['Orders']?.ConsistentRead).toBe(true);
    expect(new Set([...read, ...left]).size).toBe(100);
    expect(read.filter((key) => left.includes(key))).toEqual([]);
  });

  it('a drill under 30% unprocessed BatchGetItem keys compares every sampled key and passes, none unreadable', async () => {
    // Prepare: every item sampled both ways (sampleSize above the count), a declared check; reads lose 30% of keys.
    await seeded(clients.dynamodb, 120);
    await clients.dynamodb.send(new CreateBackupCommand({ TableName: 'Orders', BackupName: 'b' }));
    const clock = await emulatorClock(local);
    await local.server.setFaults({ unprocessed: 0.3, seed: 17, services: ['dynamodb'], operations: ['BatchGetItem'] });
    // Act
    const report = await runDrillLocally(
      { clients, stateTable: STATE_TABLE },
      { target: target({ sampleSize: 200, checks: [{ key: { customerID: 'c-7' }, expect: 'present' }, { key: { customerID: 'c-none' }, expect: 'absent' }] }) },
      { clock },
    );
    const stats = await local.server.clearFaults();
    // Assess: the faults acted, the retries read every key: 120 compared, all matched, nothing unreadable.
    expect(stats.injected.unprocessed).toBeGreaterThan(20);
    expect(report.reasons).toEqual([]);
    expect(report.verdict).toBe('passed');
    expect(report.counts).toMatchObject({ copyItems: 120, compared: 120, matched: 120, unreadable: 0, checks: 2, checksFailed: 0 });
    expect(report.cleanup?.outcome).toBe('deleted');
  });

  it('keys still unprocessed when the retry window ends are counted unreadable, and the drill fails naming them', async () => {
    // Prepare: every BatchGetItem key comes back unprocessed (AWS then answers ProvisionedThroughputExceeded).
    await seeded(clients.dynamodb, 10);
    await clients.dynamodb.send(new CreateBackupCommand({ TableName: 'Orders', BackupName: 'b' }));
    const clock = await emulatorClock(local);
    await local.server.setFaults({ unprocessed: 1, seed: 3, services: ['dynamodb'], operations: ['BatchGetItem'] });
    // One SDK attempt per call, in the SDK's standard mode: the SDK's own backoff and the adaptive mode's client-side
    // rate limiter (which slows every send after throttling, even at one attempt) wait in real time; the drill's
    // waits are the emulator's.
    const once = createClients({ ...local.clientConfig, maxAttempts: 1, retryMode: 'standard' });
    // Act
    const report = await runDrillLocally({ clients: once, stateTable: STATE_TABLE }, { target: target({ sampleSize: 20 }) }, { clock });
    await local.server.clearFaults();
    // Assess
    expect(report.verdict).toBe('failed');
    expect(report.counts).toMatchObject({ compared: 0, unreadable: 10 });
    expect(report.reasons[0]).toMatch(/^10 sampled item\(s\) could not be read: customerID=c-/);
    expect(report.cleanup?.outcome).toBe('deleted');
  }, 120_000);

  it('refuses a second drill of the same table while one runs', async () => {
    // Prepare
    await seeded(clients.dynamodb, 3);
    await clients.dynamodb.send(new CreateBackupCommand({ TableName: 'Orders', BackupName: 'b' }));
    const clock = await emulatorClock(local);
    const first = await startDrill({ clients, stateTable: STATE_TABLE }, { target: target({}), now: new Date(clock.now()).toISOString() }, { clock });
    // Act
    const second = runDrillLocally({ clients, stateTable: STATE_TABLE }, { target: target({}) }, { clock: { ...clock, now: () => clock.now() + 1_000 } });
    // Assess
    await expect(second).rejects.toThrow(`a drill of Orders is already running (${first.copyTable}`);
    // The first drill's copy is cleaned up by its own run (as the state machine does: a copy cleanup finds untagged
    // is tagged by the restoring side's step, since cleanup may not tag).
    let drill = first;
    for (let i = 0; i < 20 && drill.cleanup?.outcome !== 'deleted'; i++) {
      drill = await cleanupDrill({ clients, stateTable: STATE_TABLE }, { drill }, { clock });
      if (drill.cleanup?.outcome === 'untagged') drill = await tagCopyForCleanup({ clients, stateTable: STATE_TABLE }, { drill }, { clock });
      if (drill.cleanup?.outcome === 'waiting') await clock.sleep(10_000);
    }
    expect(drill.cleanup?.outcome).toBe('deleted');
  });

  it('times out a restore that outlasts its deadline, then still deletes the copy once DynamoDB lets it', async () => {
    // Prepare
    await setRestoreSeconds(15 * 60);
    await seeded(clients.dynamodb, 3);
    await clients.dynamodb.send(new CreateBackupCommand({ TableName: 'Orders', BackupName: 'b' }));
    const clock = await emulatorClock(local);
    // Act
    const report = await runDrillLocally({ clients, stateTable: STATE_TABLE }, { target: target({ maxRestoreMinutes: 1 }) }, { clock, pollMs: 30_000 });
    // Assess
    expect(report.verdict).toBe('failed');
    expect(report.reasons[0]).toMatch(/^timed out: tw-drill-Orders-\d{8}T\d{6}Z was not ready by /);
    expect(report.cleanup?.outcome).toBe('deleted');
  });

  it('gives the right verdict under 20% injected DynamoDB faults', async () => {
    // Prepare
    await setRestoreSeconds(5);
    await seeded(clients.dynamodb, 30);
    await clients.dynamodb.send(new CreateBackupCommand({ TableName: 'Orders', BackupName: 'b' }));
    // The SDK retries (8 attempts) in its standard mode: the adaptive mode's client-side rate limiter waits in real time.
    const faulted = createClients({ ...local.clientConfig, maxAttempts: 8, retryMode: 'standard' });
    const clock = await emulatorClock(local);
    await local.server.setFaults({ rate: 0.2, seed: 9, kinds: ['throttle', '5xx'], services: ['dynamodb'] });
    // Act
    const report = await runDrillLocally({ clients: faulted, stateTable: STATE_TABLE }, { target: target({}) }, { clock, pollMs: 2_000 });
    const stats = await local.server.clearFaults();
    // Assess
    expect(stats.injected.throttle + stats.injected['5xx']).toBeGreaterThan(0);
    expect(report.reasons).toEqual([]);
    expect(report.verdict).toBe('passed');
    expect(report.cleanup?.outcome).toBe('deleted');
  });

  it('cleanup meets throttling on every call it makes (SDK retries off) and still deletes the copy', async () => {
    // Prepare
    await setRestoreSeconds(5);
    await seeded(clients.dynamodb, 3);
    await clients.dynamodb.send(new CreateBackupCommand({ TableName: 'Orders', BackupName: 'b' }));
    const clock = await emulatorClock(local);
    const deps = { clients, stateTable: STATE_TABLE };
    let drill = await startDrill(deps, { target: target({}), now: new Date(clock.now()).toISOString() }, { clock });
    while (drill.restore === 'restoring') {
      await clock.sleep(5_000);
      drill = await checkRestore(deps, { drill, now: new Date(clock.now()).toISOString() }, { clock });
    }
    // Standard mode: the adaptive mode's client-side rate limiter would slow every send in real time after throttling.
    const noRetries = createClients({ ...local.clientConfig, maxAttempts: 1, retryMode: 'standard' });
    await local.server.setFaults({ rate: 0.6, seed: 4, kinds: ['throttle'], services: ['dynamodb'], operations: ['DescribeTable', 'ListTagsOfResource', 'DeleteTable'] });
    // Act
    const cleaned = await cleanupDrill({ clients: noRetries, stateTable: STATE_TABLE }, { drill }, { clock });
    const stats = await local.server.clearFaults();
    // Assess
    expect(stats.injected.throttle).toBeGreaterThan(0);
    expect(cleaned.cleanup).toEqual({ outcome: 'deleted', reason: `deleted ${drill.copyTable}` });
  });
});
