/**
 * The product against the strict local AWS (local/strict/dynamodb.py) where DynamoDB's limits bind:
 * - `tablewarden apply` moves TTL to another attribute in two runs an hour apart (one UpdateTimeToLive per table
 *   per hour), reporting step 2 pending with exit 2 in between and never failing;
 * - a capacity-mode switch limit (LimitExceededException) fails that table at once, naming the limit;
 * - CreateTable of a table that exists now fails that table at once, asking for a new plan.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/switching.capacitymode.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
 */
import { CreateTableCommand, DescribeTimeToLiveCommand, UpdateTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { applyPlan } from '../../functions/aws/apply/apply-plan.ts';
import { createClients } from '../../functions/aws/clients.ts';
import { runApply } from '../../functions/cli/commands/apply.ts';
import type { Action, Plan } from '../../functions/core/model/plan.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { accountWith, bareTable, sampleDesiredState } from '../support/scenario.ts';
import { captureIo, unattended } from '../support/capture.ts';

const local = useLocalAws();
const HOUR = 3600;

beforeEach(async () => {
  await local.reset();
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
});

function desiredDir(ttlAttribute: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tw-ttl-'));
  mkdirSync(join(dir, 'tables'));
  writeFileSync(join(dir, 'policy.yaml'), 'apiVersion: tablewarden.io/v1\nkind: Policy\nmetadata:\n  name: default\nspec:\n  baseline: {}\n  blastRadius: { maxDisruptivePercent: 100 }\n');
  writeFileSync(
    join(dir, 'tables', 'events.yaml'),
    ['apiVersion: tablewarden.io/v1', 'kind: Table', 'metadata:', '  name: Events', 'spec:', '  keySchema:', '    partitionKey: { name: pk, type: S }', `  timeToLive: { attributeName: ${ttlAttribute} }`, ''].join('\n'),
  );
  return dir;
}

async function apply(dir: string) {
  const io = captureIo();
  const clients = createClients(local.clientConfig);
  const code = await runApply({ dir, table: [], output: 'text', autoApprove: true, endpointUrl: local.endpoint, region: local.region }, { io, confirmation: unattended, clients, apply: { pollMs: 10 } });
  const ttlCalls = clients.calls.all().filter((call) => call.iamActions.includes('dynamodb:UpdateTimeToLive')).length;
  return { code, out: io.stdout(), err: io.stderr(), ttlCalls };
}

describe('tablewarden apply: TTL moved in two runs an hour apart (strict local AWS)', () => {
  it('run 1 disables the old attribute and reports step 2 pending (exit 2); a run within the hour stays pending; an hour later it converges (exit 0)', async () => {
    // Prepare: Events exists with TTL on `ttl`, set more than an hour ago.
    expect((await apply(desiredDir('ttl'))).code).toBe(0);
    await local.server.advanceClock(HOUR + 1);
    const moved = desiredDir('expiresAt');
    // Act
    const first = await apply(moved);
    const soon = await apply(moved);
    await local.server.advanceClock(HOUR);
    const later = await apply(moved);
    // Assess
    expect(first.err).toBe('');
    expect(first.out).toContain('step 1 of 2: disable TTL on ttl');
    expect(first.out).toMatch(/pending: TW-TTL step 2 of 2: enable TTL on expiresAt — pending, not before \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
    expect(first.out).toMatch(/Apply done for now: 1 change applied; 1 of 1 managed tables have steps DynamoDB won't take yet; run apply again after /);
    expect(first.code).toBe(2);
    expect(first.ttlCalls).toBe(1);
    expect(soon.code).toBe(2);
    expect(soon.out).not.toMatch(/✗|Apply incomplete/);
    expect(later.code).toBe(0);
    expect(later.out).toContain('Apply complete');
    const { TimeToLiveDescription } = await createClients(local.clientConfig).dynamodb.send(new DescribeTimeToLiveCommand({ TableName: 'Events' }));
    expect(TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: expect.stringMatching(/^ENABL/) });
  }, 60_000);
});

describe('apply: DynamoDB refusals that waiting will not fix (strict local AWS)', () => {
  const plan1 = (action: Action): Plan => ({
    tables: [{ name: action.table, managed: true, status: 'update', findings: [], actions: [action], refusals: [] }],
    summary: { create: 0, update: 1, inSync: 0, refused: 0, error: 0, unmanaged: 0, actions: 1, disruptiveActions: 0 },
  });

  it('the fifth switch to on-demand within 24 hours fails the table at once, naming the limit', async () => {
    // Prepare: four round trips PROVISIONED → PAY_PER_REQUEST → PROVISIONED already today.
    const clients = createClients(local.clientConfig);
    const provisioned = { BillingMode: 'PROVISIONED' as const, ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } };
    await clients.dynamodb.send(new CreateTableCommand({ TableName: 'Busy', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], ...provisioned }));
    for (let i = 0; i < 4; i++) {
      await clients.dynamodb.send(new UpdateTableCommand({ TableName: 'Busy', BillingMode: 'PAY_PER_REQUEST' }));
      await clients.dynamodb.send(new UpdateTableCommand({ TableName: 'Busy', ...provisioned }));
    }
    const toOnDemand: Action = { table: 'Busy', control: 'TW-BILLING', type: 'UpdateBilling', mode: 'PAY_PER_REQUEST', risk: 'disruptive', reason: 'switch to on-demand billing' };
    const started = Date.now();
    // Act
    const result = await applyPlan(clients, plan1(toOnDemand), { ...sampleDesiredState(), tables: [] }, accountWith([bareTable('Busy')]), { pollMs: 10 });
    // Assess
    expect(result.tables[0]).toMatchObject({ status: 'failed', error: { reason: 'ApplyFailed', action: { type: 'UpdateBilling' } } });
    expect(result.tables[0]!.error!.message).toMatch(/^Busy: UpdateTable refused with LimitExceededException: Subscriber limit exceeded: .*provisioned to on-demand at most 4 times in a rolling 24 hours; waiting minutes will not lift this limit, so it was not retried\.$/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('CreateTable of a table created since the plan fails that table at once and asks for a new plan', async () => {
    // Prepare: someone else created Events after the plan was made.
    const clients = createClients(local.clientConfig);
    await clients.dynamodb.send(new CreateTableCommand({ TableName: 'Events', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    const create: Action = { table: 'Events', control: 'TW-TABLE-EXISTS', type: 'CreateTable', spec: { keySchema: { partitionKey: { name: 'pk', type: 'S' } } }, risk: 'safe', reason: 'create the table' };
    const started = Date.now();
    // Act
    const result = await applyPlan(clients, plan1(create), { ...sampleDesiredState(), tables: [] }, accountWith([]), { pollMs: 10 });
    // Assess
    expect(result.tables[0]).toMatchObject({ status: 'failed', error: { reason: 'ApplyFailed', action: { type: 'CreateTable' } } });
    expect(result.tables[0]!.error!.message).toMatch(/^Events: CreateTable refused with ResourceInUseException \(.+\): the table exists now, although it did not when the plan was made\. Nothing was changed; plan again to see what this table needs\.$/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('the strict local AWS refuses a second UpdateTimeToLive within the hour (what the two-step plan avoids)', async () => {
    // Prepare
    const clients = createClients(local.clientConfig);
    await clients.dynamodb.send(new CreateTableCommand({ TableName: 'Events', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    await clients.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: 'Events', TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' } }));
    await local.server.advanceClock(HOUR + 1);
    await clients.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: 'Events', TimeToLiveSpecification: { Enabled: false, AttributeName: 'ttl' } }));
    // Act
    const refused = await clients.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: 'Events', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } })).catch((error: unknown) => error);
    // Assess
    expect(refused).toMatchObject({ name: 'ValidationException', message: 'Time to live has been modified multiple times within a fixed interval' });
  });
});
