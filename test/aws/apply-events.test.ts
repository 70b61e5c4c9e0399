/**
 * applyPlan's progress events and its per-table deadline, with a mocked SDK and virtual time: each step numbered,
 * each wait with what it waits for (again when that changes) and how long it took, the table's end; and a table
 * still UPDATING at its deadline stops with a message naming the limit and the flag that sets it, looking one last
 * time at the deadline itself. Nothing here sleeps for real.
 */
import { DescribeTableCommand, UpdateContinuousBackupsCommand, UpdateTableCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyPlan, type ApplyEvent } from '../../functions/aws/apply/apply-plan.ts';
import type { RetryClock } from '../../functions/aws/apply/retry.ts';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import type { DesiredState } from '../../functions/core/model/desired.ts';
import { plan } from '../../functions/core/plan/planner.ts';
import { driftedAccount, NOW, sampleDesiredState } from '../support/scenario.ts';

function virtualClock(): RetryClock {
  let now = 0;
  return { now: () => now, sleep: async (ms) => void (now += ms), random: () => 0.5 };
}

function described(extra: Partial<TableDescription>): { Table: TableDescription } {
  return { Table: { TableName: 'Customers', TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/Customers', TableStatus: 'ACTIVE', ...extra } };
}

let clients: AwsClients;
let dynamodb: ReturnType<typeof mockClient>;

beforeEach(() => {
  clients = createClients({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  dynamodb = mockClient(clients.dynamodb);
  mockClient(clients.sts).on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/tablewarden-operator/run-1' });
  mockClient(clients.tagging).on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
  dynamodb.on(UpdateTableCommand).resolves({});
  dynamodb.on(UpdateContinuousBackupsCommand).resolves({});
});

/** Customers' plan: UpdateSse (waits), then PITR, tags and backup; its key exists already. */
function customers() {
  const desired: DesiredState = { ...sampleDesiredState(), tables: sampleDesiredState().tables.filter((table) => table.name === 'Customers') };
  const observed = driftedAccount();
  observed.kmsKeysByAlias['alias/tablewarden/customers'] = { ...observed.kmsKeysByAlias['alias/tablewarden/platform']!, aliases: ['alias/tablewarden/customers'], rotationPeriodDays: 365 };
  return { desired, observed, planned: plan({ desired, observed, now: NOW, only: ['Customers'] }) };
}

describe('applyPlan progress events', () => {
  it('numbers the steps, says what each wait is for as it changes, and how long it took', async () => {
    // Prepare: after UpdateSse, SSE is UPDATING, then the table is UPDATING, then all settled.
    const { desired, observed, planned } = customers();
    dynamodb
      .on(DescribeTableCommand)
      .resolvesOnce(described({ SSEDescription: { Status: 'UPDATING' } }))
      .resolvesOnce(described({ SSEDescription: { Status: 'UPDATING' } }))
      .resolvesOnce(described({ TableStatus: 'UPDATING' }))
      .resolves(described({ SSEDescription: { Status: 'ENABLED' } }));
    const events: ApplyEvent[] = [];
    // Act
    await applyPlan(clients, planned, desired, observed, { clock: virtualClock(), pollMs: 1_000, onEvent: (event) => events.push(event) });
    // Assess
    const steps = planned.tables[0]!.actions.length;
    const sse = planned.tables[0]!.actions[0]!;
    expect(sse.type).toBe('UpdateSse');
    expect(events.slice(0, 5)).toEqual([
      { kind: 'start', action: sse, step: 1, steps },
      { kind: 'wait', action: sse, waitsFor: 'SSE UPDATING' },
      { kind: 'wait', action: sse, waitsFor: 'table UPDATING' },
      { kind: 'waited', action: sse, ms: 1_000 + 2_000 + 4_000 },
      { kind: 'done', action: sse },
    ]);
    // Steps count from 1 in order (this table's later backup steps fail here: no Backup mocks, which ends the table).
    const starts = events.flatMap((event) => (event.kind === 'start' ? [event] : []));
    expect(starts.map((event) => event.step)).toEqual(starts.map((_event, index) => index + 1));
    expect(starts.every((event) => event.steps === steps)).toBe(true);
    expect(events.at(-1)).toMatchObject({ kind: 'table-done', table: 'Customers' });
  });

  it('stops a table still UPDATING at its deadline: the reason names the limit and the flag, nothing more is applied', async () => {
    // Prepare
    const { desired, observed, planned } = customers();
    dynamodb.on(DescribeTableCommand).resolves(described({ TableStatus: 'UPDATING' }));
    const clock = virtualClock();
    const events: ApplyEvent[] = [];
    // Act
    const result = await applyPlan(clients, planned, desired, observed, { clock, pollMs: 1_000, tableTimeoutMs: 60_000, timeoutName: '--timeout', onEvent: (event) => events.push(event) });
    // Assess
    const [table] = result.tables;
    expect(table).toMatchObject({ status: 'failed', applied: [], error: { reason: 'WaitTimeout', message: 'Customers: still UPDATING after 1m (--timeout): nothing more was applied to it' } });
    expect(table!.notApplied).toEqual(planned.tables[0]!.actions);
    expect(clock.now()).toBe(60_000);
    expect(events.map((event) => event.kind)).toEqual(['start', 'wait', 'failed', 'table-done']);
    expect(dynamodb.commandCalls(UpdateContinuousBackupsCommand)).toHaveLength(0);
  });

  it('names the limit on a "not now" answer retried until the deadline too, keeping what DynamoDB said', async () => {
    // Prepare
    const { desired, observed, planned } = customers();
    dynamodb.on(UpdateTableCommand).rejects(Object.assign(new Error('busy'), { name: 'ResourceInUseException', $fault: 'client', $metadata: {} }));
    const events: ApplyEvent[] = [];
    // Act
    const result = await applyPlan(clients, planned, desired, observed, { clock: virtualClock(), tableTimeoutMs: 60_000, onEvent: (event) => events.push(event) });
    // Assess
    expect(result.tables[0]!.error!.message).toMatch(/^Customers: UpdateTable: still ResourceInUseException after \d+ attempts; gave up at the deadline \(1m, the table's time limit\): nothing more was applied to it$/);
    expect(events.find((event) => event.kind === 'wait')).toMatchObject({ waitsFor: 'DynamoDB to accept UpdateTable (ResourceInUseException)' });
  });
});
