/**
 * Contributor Insights mode at the AWS edge: DescribeContributorInsights' mode is observed, and the apply request
 * carries ContributorInsightsMode exactly when the plan names one (ENABLE with a mode also switches the mode).
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateContributorInsights.html
 */
import { UpdateContributorInsightsCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../functions/aws/apply/apply-plan.ts';
import { createClients } from '../../functions/aws/clients.ts';
import { normaliseContributorInsightsMode } from '../../functions/aws/normalise-table.ts';
import type { Action, Plan } from '../../functions/core/model/plan.ts';
import { accountWith, bareTable, sampleDesiredState } from '../support/scenario.ts';

function planOf(actions: Action[]): Plan {
  return {
    tables: [{ name: 'Orders', managed: true, status: 'update', findings: [], actions, refusals: [] }],
    summary: { create: 0, update: 1, inSync: 0, refused: 0, error: 0, unmanaged: 0, actions: actions.length, disruptiveActions: 0 },
  };
}

const base = { table: 'Orders', control: 'TW-CONTRIBUTOR-INSIGHTS', type: 'UpdateContributorInsights', risk: 'safe', reason: 'r' } as const;

describe('Contributor Insights mode (AWS edge)', () => {
  it.each([
    ['THROTTLED_KEYS', 'THROTTLED_KEYS'],
    ['ACCESSED_AND_THROTTLED_KEYS', 'ACCESSED_AND_THROTTLED_KEYS'],
    [undefined, undefined],
    ['SOMETHING_NEW', undefined],
  ])('DescribeContributorInsights mode %s → %s', (mode, expected) => {
    // Act
    const observed = normaliseContributorInsightsMode({ ContributorInsightsStatus: 'ENABLED', ...(mode ? { ContributorInsightsMode: mode } : {}) });
    // Assess
    expect(observed).toBe(expected);
  });

  it.each<[string, Action, Record<string, unknown>]>([
    ['enable in a mode', { ...base, enabled: true, mode: 'THROTTLED_KEYS' }, { TableName: 'Orders', ContributorInsightsAction: 'ENABLE', ContributorInsightsMode: 'THROTTLED_KEYS' }],
    ['enable without a mode', { ...base, enabled: true }, { TableName: 'Orders', ContributorInsightsAction: 'ENABLE' }],
    ['disable (never with a mode)', { ...base, enabled: false, mode: 'THROTTLED_KEYS' }, { TableName: 'Orders', ContributorInsightsAction: 'DISABLE' }],
  ])('%s: the exact request', async (_name, action, request) => {
    // Prepare
    const clients = createClients({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    const dynamodb = mockClient(clients.dynamodb);
    dynamodb.on(UpdateContributorInsightsCommand).resolves({});
    // Act
    const result = await applyPlan(clients, planOf([action]), { ...sampleDesiredState(), tables: [] }, accountWith([bareTable('Orders')]));
    // Assess
    expect(result.tables[0]!.status).toBe('applied');
    expect(dynamodb.commandCalls(UpdateContributorInsightsCommand).map((call) => call.args[0].input)).toEqual([request]);
  });
});
