/**
 * Apply and DynamoDB's one-UpdateTimeToLive-per-table-per-hour rule: step 1 runs, step 2 is reported pending an
 * hour after step 1 really ran; an UpdateTimeToLive that comes too soon is a pending step, not a failure.
 */
import { DescribeTableCommand, UpdateContinuousBackupsCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../functions/aws/apply/apply-plan.ts';
import type { RetryClock } from '../../functions/aws/apply/retry.ts';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import type { DesiredState } from '../../functions/core/model/desired.ts';
import type { Action, PendingStep, Plan } from '../../functions/core/model/plan.ts';
import { accountWith, bareTable, NOW, sampleDesiredState } from '../support/scenario.ts';

/** Virtual time starting five minutes after the plan was made. */
function virtualClock(): RetryClock & { slept: number[] } {
  let now = NOW.getTime() + 5 * 60_000;
  const slept: number[] = [];
  return { now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)), random: () => 0.5, slept };
}

const disableTtl: Action = { table: 'Orders', control: 'TW-TTL', type: 'UpdateTimeToLive', enabled: false, attributeName: 'ttl', risk: 'disruptive', reason: 'step 1 of 2: disable TTL on ttl' };
const enablePitr: Action = { table: 'Orders', control: 'TW-PITR', type: 'UpdatePointInTimeRecovery', enabled: true, recoveryPeriodDays: 35, risk: 'safe', reason: 'enable PITR' };
const step2: PendingStep = {
  control: 'TW-TTL',
  description: 'step 2 of 2: enable TTL on expiresAt',
  action: { type: 'UpdateTimeToLive', enabled: true, attributeName: 'expiresAt', risk: 'disruptive', reason: 'step 2 of 2: enable TTL on expiresAt' },
  notBefore: '2026-11-28T13:00:00.000Z',
  afterOwnActionsSeconds: 3600,
  waitsFor: 'DynamoDB accepts one TTL change per table per hour: step 2 can run an hour after step 1',
};

function ordersPlan(actions: Action[], pending: PendingStep[]): Plan {
  return {
    tables: [{ name: 'Orders', managed: true, status: 'update', findings: [], actions, refusals: [], ...(pending.length ? { pending } : {}) }],
    summary: { create: 0, update: 1, inSync: 0, refused: 0, error: 0, unmanaged: 0, actions: actions.length, disruptiveActions: 1 },
  };
}

let clients: AwsClients;
let dynamodb: ReturnType<typeof mockClient>;
let desired: DesiredState;

beforeEach(() => {
  clients = createClients({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  dynamodb = mockClient(clients.dynamodb);
  dynamodb.on(DescribeTableCommand).resolves({ Table: { TableName: 'Orders', TableStatus: 'ACTIVE' } });
  dynamodb.on(UpdateContinuousBackupsCommand).resolves({});
  desired = { ...sampleDesiredState(), tables: [] };
});

describe('apply: TTL one change per table per hour', () => {
  it.each(['wait', 'defer'] as const)('runs step 1 only, and reports step 2 pending an hour after step 1 really ran (%s mode)', async (settle) => {
    // Prepare
    dynamodb.on(UpdateTimeToLiveCommand).resolves({});
    const clock = virtualClock();
    // Act
    const result = await applyPlan(clients, ordersPlan([disableTtl], [step2]), desired, accountWith([bareTable('Orders')]), { clock, settle });
    // Assess
    expect(dynamodb.commandCalls(UpdateTimeToLiveCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: 'Orders', TimeToLiveSpecification: { Enabled: false, AttributeName: 'ttl' } },
    ]);
    expect(result.tables).toEqual([
      expect.objectContaining({ table: 'Orders', status: 'applied', applied: [disableTtl], notApplied: [], pending: [{ ...step2, notBefore: '2026-11-28T13:05:00.000Z' }] }),
    ]);
  });

  it('an UpdateTimeToLive that comes too soon is pending (no failure, no retry), and the table\'s other changes still run', async () => {
    // Prepare: TTL was changed by hand minutes ago.
    const enableTtl: Action = { ...disableTtl, enabled: true, attributeName: 'expiresAt', risk: 'safe', reason: 'enable TTL on attribute expiresAt' };
    dynamodb.on(UpdateTimeToLiveCommand).rejects(Object.assign(new Error('Time to live has been modified multiple times within a fixed interval'), { name: 'ValidationException', $fault: 'client', $metadata: {} }));
    const clock = virtualClock();
    // Act
    const result = await applyPlan(clients, ordersPlan([enableTtl, enablePitr], []), desired, accountWith([bareTable('Orders')]), { clock });
    // Assess
    const [orders] = result.tables;
    expect(orders).toMatchObject({ status: 'deferred', applied: [enablePitr], notApplied: [] });
    expect(orders!.error).toBeUndefined();
    expect(orders!.pending).toEqual([
      {
        control: 'TW-TTL',
        description: 'enable TTL on attribute expiresAt',
        action: { type: 'UpdateTimeToLive', enabled: true, attributeName: 'expiresAt', risk: 'safe', reason: 'enable TTL on attribute expiresAt' },
        waitsFor: "DynamoDB accepts one TTL change per table per hour, and Orders's TTL changed less than an hour ago",
      },
    ]);
    expect(dynamodb.commandCalls(UpdateTimeToLiveCommand)).toHaveLength(1);
    expect(clock.slept).toEqual([]);
  });

  it('a table whose only change is pending is reported deferred with it, and nothing is called', async () => {
    // Prepare
    const waiting: PendingStep = { ...step2, description: 'enable TTL on expiresAt', waitsFor: 'TTL to finish DISABLING (at most an hour after it was disabled)' };
    delete waiting.notBefore;
    delete waiting.afterOwnActionsSeconds;
    // Act
    const result = await applyPlan(clients, ordersPlan([], [waiting]), desired, accountWith([bareTable('Orders')]), { clock: virtualClock() });
    // Assess
    expect(result.tables).toEqual([{ table: 'Orders', status: 'deferred', applied: [], notApplied: [], pending: [waiting] }]);
    expect(dynamodb.calls()).toHaveLength(0);
  });
});
