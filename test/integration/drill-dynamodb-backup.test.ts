/**
 * Restore drills end to end on the local AWS, from a DynamoDB on-demand backup: restore, count, sample, validate,
 * clean up, record. Every test asserts that no `tw-drill-*` table is left behind.
 */
import { BatchWriteItemCommand, CreateBackupCommand, CreateTableCommand, DeleteItemCommand, DeleteTableCommand, DescribeTableCommand, ListTablesCommand, UpdateTableCommand, QueryCommand, TagResourceCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { deleteDrillTable } from '../../functions/aws/drill-data.ts';
import type { DesiredTable } from '../../functions/core/model/desired.ts';
import { policyFileSchema } from '../../functions/core/desired/schema.ts';
import { checkRestore, cleanupDrill, recordDrill, runDrillLocally, startDrill, sweepDrillTables, validateDrill, type DrillDependencies, type DrillState, type DrillTarget } from '../../functions/run/drill.ts';
import { operatorStateTableInput } from '../../local/operator-env.ts';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { useLocalAws } from '../helpers/local-aws.ts';
import { expectNoDrillTables } from '../support/drill-tables.ts';

const local = useLocalAws();
const STATE_TABLE = 'tablewarden-state';
const POLICY = policyFileSchema.shape.spec.parse({});

let clients: AwsClients;

function target(name: string, drill: Partial<NonNullable<DesiredTable['spec']['restoreDrill']>> = {}): DrillTarget {
  return {
    policy: POLICY,
    table: {
      name,
      managed: true,
      waivers: [],
      spec: {
        keySchema: { partitionKey: { name: 'customerID', type: 'S' } },
        stream: 'NONE',
        deletionProtection: true,
        tags: { team: 'payments' },
        restoreDrill: { schedule: 'weekly', source: 'dynamodb-backup', maxRestoreMinutes: 30, sampleSize: 50, maxChangedPercent: 0, ...drill },
      },
    },
  };
}

async function seededTable(dynamodb: DynamoDBClient, name: string, count: number, backup = true): Promise<void> {
  await dynamodb.send(new CreateTableCommand({ TableName: name, AttributeDefinitions: [{ AttributeName: 'customerID', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'customerID', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
  for (let start = 0; start < count; start += 25) {
    const items = Array.from({ length: Math.min(25, count - start) }, (_, i) => {
      const n = start + i;
      return { PutRequest: { Item: { customerID: { S: `c-${String(n).padStart(4, '0')}` }, balance: { N: String(n * 10) }, tags: { SS: ['b', 'a'] }, profile: { M: { tier: { S: n % 2 ? 'gold' : 'silver' } } } } } };
    });
    await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [name]: items } }));
  }
  if (backup) await dynamodb.send(new CreateBackupCommand({ TableName: name, BackupName: `${name}-backup` }));
}

/** Wait for the copy the way the state machine does: check, wait, check again. */
async function untilRestored(deps: DrillDependencies, drill: DrillState): Promise<DrillState> {
  let current = drill;
  while (current.restore === 'restoring') {
    await new Promise((resolve) => setTimeout(resolve, 200));
    current = await checkRestore(deps, { drill: current });
  }
  return current;
}

beforeEach(async () => {
  await local.reset();
  // Restores stay CREATING for 1 s of emulator time here (5 s by default): the tests still wait for them.
  expect((await fetch(`${local.endpoint}/tablewarden/restore`, { method: 'POST', body: JSON.stringify({ seconds: 1 }) })).status).toBe(200);
  clients = createClients({ ...local.clientConfig, maxAttempts: 3 });
  await clients.dynamodb.send(new CreateTableCommand(operatorStateTableInput(STATE_TABLE)));
});

afterEach(async () => {
  await expectNoDrillTables(clients.dynamodb);
});

describe('restore drill from a DynamoDB backup (local AWS)', () => {
  it('restores, counts, samples, passes, reports what a restore drops, deletes the copy and records the history', async () => {
    // Prepare
    await seededTable(clients.dynamodb, 'Customers', 30);
    // Act
    const report = await runDrillLocally({ clients, stateTable: STATE_TABLE }, { target: target('Customers', { checks: [{ key: { customerID: 'c-0001' }, expect: 'present' }, { key: { customerID: 'nobody' }, expect: 'absent' }] }) }, { pollMs: 10 });
    // Assess
    expect(report.reasons).toEqual([]);
    expect(report.verdict).toBe('passed');
    expect(report.copyTable).toMatch(/^tw-drill-Customers-\d{8}T\d{6}Z$/);
    expect(report.counts).toMatchObject({ copyItems: 30, compared: 30, matched: 30, changed: 0, missingInCopy: 0, unreadable: 0, checks: 2, checksFailed: 0 });
    expect(report.rtoSeconds).toBeGreaterThanOrEqual(0);
    expect(report.cleanup?.outcome).toBe('deleted');
    expect(report.dropped.map((setting) => `${setting.control} ${setting.action}`)).toEqual(['TW-DELETION-PROTECTION UpdateDeletionProtection', 'TW-TAGS TagResource']);
    const history = await clients.dynamodb.send(new QueryCommand({ TableName: STATE_TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'DRILL#Customers' } } }));
    expect(history.Items?.map((item) => [item.verdict?.S, item.copyItems?.N, item.cleanup?.S])).toEqual([['passed', '30', 'deleted']]);
  });

  it('fails a tampered copy (one item removed before validation) and names the missing key', async () => {
    // Prepare
    await seededTable(clients.dynamodb, 'Customers', 20);
    const deps = { clients, stateTable: STATE_TABLE };
    const drillTarget = target('Customers');
    let drill = await startDrill(deps, { target: drillTarget });
    drill = await untilRestored(deps, drill);
    await clients.dynamodb.send(new DeleteItemCommand({ TableName: drill.copyTable, Key: { customerID: { S: 'c-0007' } } }));
    // Act
    drill = await validateDrill(deps, { target: drillTarget, drill });
    drill = await cleanupDrill(deps, { drill });
    const report = await recordDrill(deps, { drill });
    // Assess
    expect(report.verdict).toBe('failed');
    expect(report.reasons.join('\n')).toContain('missing from the copy: customerID=c-0007');
    expect(report.counts).toMatchObject({ copyItems: 19, missingInCopy: 1 });
    expect(report.cleanup?.outcome).toBe('deleted');
  });

  it('gives "no recovery point" for a table without backups, creating nothing', async () => {
    // Prepare
    await seededTable(clients.dynamodb, 'Customers', 3, false);
    // Act
    const report = await runDrillLocally({ clients, stateTable: STATE_TABLE }, { target: target('Customers') }, { pollMs: 10 });
    // Assess
    expect(report.verdict).toBe('no-recovery-point');
    expect(report.reasons).toEqual(['no recovery point: Customers has no AVAILABLE on-demand DynamoDB backup']);
    expect(report.copyTable).toBeUndefined();
  });

  it.each([
    ['a tw-drill- table without the drill tag', 'tw-drill-x', {}, 'refused to delete tw-drill-x: it does not carry the tag tablewarden:drill=true'],
    ['a drill-tagged table not named tw-drill-', 'Customers', { 'tablewarden:drill': 'true' }, 'refused to delete Customers: its name does not start with tw-drill-'],
  ])('cleanup refuses %s', async (_case, name, tags, reason) => {
    // Prepare
    await seededTable(clients.dynamodb, name, 1, false);
    const arn = `arn:aws:dynamodb:${local.region}:123456789012:table/${name}`;
    if (Object.keys(tags).length) await clients.dynamodb.send(new TagResourceCommand({ ResourceArn: arn, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
    // Act
    const result = await deleteDrillTable(clients.dynamodb, name, { deadline: Date.now() + 5_000 });
    // Assess
    // A tw-drill- name refused only for the tag is marked untagged (the drill's own copy is then tagged by drill-check).
    expect(result).toEqual({ table: name, outcome: 'refused', reason, ...(name.startsWith('tw-drill-') ? { untagged: true } : {}) });
    expect((await clients.dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table?.TableStatus).toBe('ACTIVE');
    // The refused table still exists; the test removes it itself so the no-drill-table assertion holds.
    await clients.dynamodb.send(new DeleteTableCommand({ TableName: name }));
  });

  it('fails a copy whose encryption is not the declared one, naming both', async () => {
    // Prepare
    await seededTable(clients.dynamodb, 'Customers', 5);
    const key = await clients.kms.send(new CreateKeyCommand({}));
    await clients.kms.send(new CreateAliasCommand({ AliasName: 'alias/tablewarden/customers', TargetKeyId: key.KeyMetadata!.KeyId }));
    const deps = { clients, stateTable: STATE_TABLE };
    const base = target('Customers');
    const drillTarget: DrillTarget = { ...base, table: { ...base.table, spec: { ...base.table.spec, encryption: { type: 'CUSTOMER_MANAGED', kmsKeyAlias: 'alias/tablewarden/customers', rotationPeriodDays: 365 } } } };
    let drill = await startDrill(deps, { target: drillTarget });
    drill = await untilRestored(deps, drill);
    await clients.dynamodb.send(new UpdateTableCommand({ TableName: drill.copyTable, SSESpecification: { Enabled: false } }));
    // Act
    drill = await validateDrill(deps, { target: drillTarget, drill });
    drill = await cleanupDrill(deps, { drill });
    const report = await recordDrill(deps, { drill });
    // Assess
    expect(drill.expectedSse).toEqual({ type: 'CUSTOMER_MANAGED', kmsKeyArn: key.KeyMetadata!.Arn });
    expect(report.verdict).toBe('failed');
    expect(report.reasons).toContain('encryption differs: declared CUSTOMER_MANAGED, copy AWS_OWNED');
  });

  it('goes to cleanup when a step fails (as the Catch does), and records the step error', async () => {
    // Prepare
    await seededTable(clients.dynamodb, 'Customers', 5);
    const noRetries = createClients({ ...local.clientConfig, maxAttempts: 1 });
    const deps = { clients: noRetries, stateTable: STATE_TABLE };
    let failScans = false;
    noRetries.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        if (failScans && context.commandName === 'ScanCommand') throw Object.assign(new Error('User is not authorized to perform: dynamodb:Scan'), { name: 'AccessDeniedException' });
        return next(args);
      },
      { step: 'initialize', name: 'denyScan' },
    );
    // Act
    const report = await runDrillLocally(deps, { target: target('Customers') }, {
      pollMs: 10,
      onProgress: (phase) => {
        failScans = phase === 'validating';
      },
    });
    // Assess
    expect(report.verdict).toBe('failed');
    expect(report.reasons).toEqual(['drill step failed: AccessDeniedException: User is not authorized to perform: dynamodb:Scan']);
    expect(report.cleanup?.outcome).toBe('deleted');
  });

  it('sweeps drill copies older than a day, and only those', async () => {
    // Prepare
    const now = new Date('2026-12-01T08:00:00Z');
    const drillTagged = (started: Date) => ({ 'tablewarden:drill': 'true', 'tablewarden:drill-started': started.toISOString() });
    const make = async (name: string, tags: Record<string, string>) => {
      await clients.dynamodb.send(new CreateTableCommand({ TableName: name, AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST', ...(Object.keys(tags).length ? { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } : {}) }));
    };
    await make('tw-drill-Old-20261129T080000Z', drillTagged(new Date('2026-11-29T08:00:00Z')));
    await make('tw-drill-Young-20261201T070000Z', drillTagged(new Date('2026-12-01T07:00:00Z')));
    await make('tw-drill-Untagged-20261101T000000Z', {});
    await make('Old-not-a-drill', drillTagged(new Date('2026-11-01T00:00:00Z')));
    // Act
    const result = await sweepDrillTables({ clients, stateTable: STATE_TABLE }, { now: now.toISOString() });
    // Assess
    expect(result.swept).toEqual([{ table: 'tw-drill-Old-20261129T080000Z', outcome: 'deleted', reason: 'deleted tw-drill-Old-20261129T080000Z', startedAt: '2026-11-29T08:00:00.000Z' }]);
    const { TableNames } = await clients.dynamodb.send(new ListTablesCommand({}));
    expect(TableNames).toEqual(expect.arrayContaining(['tw-drill-Young-20261201T070000Z', 'tw-drill-Untagged-20261101T000000Z', 'Old-not-a-drill']));
    expect(TableNames).not.toContain('tw-drill-Old-20261129T080000Z');
    for (const name of ['tw-drill-Young-20261201T070000Z', 'tw-drill-Untagged-20261101T000000Z']) await clients.dynamodb.send(new DeleteTableCommand({ TableName: name }));
  });
});
