/**
 * Which DynamoDB refusals apply retries ("not now") and which it reports at once (a limit that minutes of waiting
 * will not lift, a table that exists already). Mocked SDK, virtual time: a retry shows up as a sleep.
 */
import { CreateTableCommand, DescribeTableCommand, UpdateTableCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../functions/aws/apply/apply-plan.ts';
import { isLaterError } from '../../functions/aws/apply/retry.ts';
import type { RetryClock } from '../../functions/aws/apply/retry.ts';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import type { DesiredState } from '../../functions/core/model/desired.ts';
import type { Action, Plan } from '../../functions/core/model/plan.ts';
import { accountWith, bareTable, sampleDesiredState } from '../support/scenario.ts';

function virtualClock(): RetryClock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return { now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)), random: () => 0.5, slept };
}

/** An SDK service error as the client throws it: the error code is the name. */
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $fault: 'client' as const, $metadata: { httpStatusCode: 400 } });

// Messages DynamoDB returns (recorded in public issue threads; see the classification in retry.ts).
const CONCURRENT_TABLES = 'Subscriber limit exceeded: Only 10 tables can be created, updated, or deleted simultaneously';
const CONCURRENT_INDEXES = 'Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table';
const BILLING_SWITCH = 'Subscriber limit exceeded: Update to PayPerRequest mode are limited to once in 1 day(s).';
const TABLE_QUOTA = 'Subscriber limit exceeded: There is a limit of 256 tables per subscriber';

function active(name: string, extra: Partial<TableDescription> = {}): { Table: TableDescription } {
  return { Table: { TableName: name, TableArn: `arn:aws:dynamodb:us-east-1:123456789012:table/${name}`, TableStatus: 'ACTIVE', ...extra } };
}

function onePlan(name: string, actions: Action[]): Plan {
  const full = actions.map((action) => ({ ...action, table: name }));
  return {
    tables: [{ name, managed: true, status: 'update', findings: [], actions: full, refusals: [] }],
    summary: { create: 0, update: 1, inSync: 0, refused: 0, error: 0, unmanaged: 0, actions: full.length, disruptiveActions: 0 },
  };
}

const toOnDemand: Action = { table: 'Orders', type: 'UpdateBilling', mode: 'PAY_PER_REQUEST', control: 'TW-BILLING', risk: 'disruptive', reason: 'switch to on-demand' };
const toIa: Action = { table: 'Orders', type: 'UpdateTableClass', tableClass: 'STANDARD_INFREQUENT_ACCESS', control: 'TW-TABLE-CLASS', risk: 'safe', reason: 'change class' };

let clients: AwsClients;
let dynamodb: ReturnType<typeof mockClient>;
let desired: DesiredState;

beforeEach(() => {
  clients = createClients({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  dynamodb = mockClient(clients.dynamodb);
  mockClient(clients.sts).on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/op/run' });
  dynamodb.on(DescribeTableCommand).callsFake((input: { TableName: string }) => active(input.TableName));
  desired = { ...sampleDesiredState(), tables: [] };
});

describe('isLaterError', () => {
  it.each([
    ['ResourceInUseException', 'Attempt to change a resource which is still in use: Table is being updated', true],
    ['ContinuousBackupsUnavailableException', 'Backups are being enabled for the table', true],
    ['LimitExceededException', CONCURRENT_TABLES, true],
    ['LimitExceededException', CONCURRENT_INDEXES, true],
    ['LimitExceededException', 'Too many operations for a given subscriber', true],
    ['LimitExceededException', BILLING_SWITCH, false],
    ['LimitExceededException', TABLE_QUOTA, false],
    ['LimitExceededException', 'Table class can be updated at most 2 times in 30 days', false],
    ['LimitExceededException', '', false],
    ['ValidationException', 'One or more parameter values were invalid', false],
  ])('%s "%s" → later: %s', (name, message, later) => {
    // Prepare
    const error = awsError(name, message);
    // Act
    const verdict = isLaterError(error);
    // Assess
    expect(verdict).toBe(later);
  });
});

describe('apply: limits that waiting will not lift', () => {
  it.each(['wait', 'defer'] as const)('a capacity-mode switch limit fails the table at once, naming the limit (%s mode)', async (settle) => {
    // Prepare
    dynamodb.on(UpdateTableCommand).rejects(awsError('LimitExceededException', BILLING_SWITCH));
    const clock = virtualClock();
    // Act
    const result = await applyPlan(clients, onePlan('Orders', [toOnDemand, toIa]), desired, accountWith([bareTable('Orders', { billing: { mode: 'PROVISIONED', readCapacity: 5, writeCapacity: 5 } })]), { clock, settle });
    // Assess
    const [orders] = result.tables;
    expect(orders!.status).toBe('failed');
    expect(orders!.error).toMatchObject({ reason: 'ApplyFailed', action: { type: 'UpdateBilling' } });
    expect(orders!.error!.message).toBe(
      'Orders: UpdateTable refused with LimitExceededException: ' + BILLING_SWITCH +
        ' — DynamoDB allows switching a table from provisioned to on-demand at most 4 times in a rolling 24 hours; waiting minutes will not lift this limit, so it was not retried.',
    );
    expect(orders!.notApplied.map((action) => action.type)).toEqual(['UpdateBilling', 'UpdateTableClass']);
    expect(dynamodb.commandCalls(UpdateTableCommand)).toHaveLength(1);
    expect(clock.slept).toEqual([]);
  });

  it('a table-class change limit names the table-class limit', async () => {
    // Prepare
    dynamodb.on(UpdateTableCommand).rejects(awsError('LimitExceededException', 'Table class can be updated at most 2 times in 30 days'));
    // Act
    const result = await applyPlan(clients, onePlan('Orders', [toIa]), desired, accountWith([bareTable('Orders')]), { clock: virtualClock() });
    // Assess
    expect(result.tables[0]!.error!.message).toMatch(/DynamoDB allows 2 table-class changes per table in 30 days; waiting minutes will not lift this limit/);
    expect(dynamodb.commandCalls(UpdateTableCommand)).toHaveLength(1);
  });

  it('the concurrent control-plane operations limit is still retried until it lifts', async () => {
    // Prepare
    dynamodb.on(UpdateTableCommand).rejectsOnce(awsError('LimitExceededException', CONCURRENT_TABLES)).resolves({});
    const clock = virtualClock();
    // Act
    const result = await applyPlan(clients, onePlan('Orders', [toOnDemand]), desired, accountWith([bareTable('Orders')]), { clock, pollMs: 1 });
    // Assess
    expect(result.tables[0]!.status).toBe('applied');
    expect(dynamodb.commandCalls(UpdateTableCommand)).toHaveLength(2);
    expect(clock.slept.length).toBeGreaterThan(0);
  });

  it('in defer mode the concurrent-operations limit defers the table to the next round', async () => {
    // Prepare
    dynamodb.on(UpdateTableCommand).rejects(awsError('LimitExceededException', CONCURRENT_TABLES));
    // Act
    const result = await applyPlan(clients, onePlan('Orders', [toOnDemand]), desired, accountWith([bareTable('Orders')]), { clock: virtualClock(), settle: 'defer' });
    // Assess
    expect(result.tables[0]).toMatchObject({ status: 'deferred', notApplied: [{ type: 'UpdateBilling' }] });
  });
});

describe('apply: CreateTable of a table that exists now', () => {
  it.each(['wait', 'defer'] as const)('fails that table at once and asks for a new plan, never retrying for half an hour (%s mode)', async (settle) => {
    // Prepare: the table was created between observe and apply (another run, a person).
    const spec = { keySchema: { partitionKey: { name: 'id', type: 'S' as const } }, billing: { mode: 'PAY_PER_REQUEST' as const } };
    dynamodb.on(CreateTableCommand).rejects(awsError('ResourceInUseException', 'Table already exists: Orders'));
    const clock = virtualClock();
    const planned = onePlan('Orders', [{ table: 'Orders', type: 'CreateTable', spec, control: 'TW-TABLE-EXISTS', risk: 'safe', reason: 'create the table' }]);
    // Act
    const result = await applyPlan(clients, planned, desired, accountWith([]), { clock, settle });
    // Assess
    const [orders] = result.tables;
    expect(orders!.status).toBe('failed');
    expect(orders!.error).toMatchObject({ reason: 'ApplyFailed', action: { type: 'CreateTable' } });
    expect(orders!.error!.message).toBe(
      'Orders: CreateTable refused with ResourceInUseException (Table already exists: Orders): the table exists now, although it did not when the plan was made. Nothing was changed; plan again to see what this table needs.',
    );
    expect(dynamodb.commandCalls(CreateTableCommand)).toHaveLength(1);
    expect(clock.slept).toEqual([]);
  });
});
