import { describe, expect, it } from 'vitest';
import { billingControl } from '../../../functions/core/controls/billing.ts';
import { caseContext, cases, expectedAssessment, unmanagedTable } from './fixtures.ts';

const PROVISIONED_10_5 = { mode: 'PROVISIONED', readCapacity: 10, writeCapacity: 5 } as const;

describe('TW-BILLING', () => {
  it.each(cases([
    // Compliant
    { name: 'compliant: on-demand as declared', status: 'COMPLIANT', reason: /^billing is on-demand$/, actions: [] },
    {
      name: 'compliant: provisioned at the declared capacity',
      spec: { billing: PROVISIONED_10_5 },
      observed: { billing: PROVISIONED_10_5 },
      status: 'COMPLIANT',
      reason: /^billing is PROVISIONED at 10 RCU \/ 5 WCU$/,
      actions: [],
    },
    // Mode switches are disruptive both ways
    {
      name: 'mode switch: provisioned → on-demand, disruptive',
      observed: { billing: PROVISIONED_10_5 },
      status: 'NON_COMPLIANT',
      reason: /^billing is PROVISIONED, want PAY_PER_REQUEST$/,
      actions: [{ type: 'UpdateBilling', mode: 'PAY_PER_REQUEST', risk: 'disruptive', reason: 'switch to on-demand billing (DynamoDB allows 4 switches to on-demand per table in a rolling 24 hours)' }],
    },
    {
      name: 'mode switch: on-demand → provisioned with the capacities, disruptive',
      spec: { billing: PROVISIONED_10_5 },
      status: 'NON_COMPLIANT',
      reason: /^billing is PAY_PER_REQUEST, want PROVISIONED 10 RCU \/ 5 WCU$/,
      actions: [{ type: 'UpdateBilling', mode: 'PROVISIONED', readCapacity: 10, writeCapacity: 5, risk: 'disruptive', reason: 'switch to provisioned billing at 10 RCU / 5 WCU (allowed at any time)' }],
    },
    // Capacity changes: raising is safe, lowering (either dimension) is disruptive
    {
      name: 'capacity: raising both → safe',
      spec: { billing: { mode: 'PROVISIONED', readCapacity: 20, writeCapacity: 10 } },
      observed: { billing: PROVISIONED_10_5 },
      status: 'NON_COMPLIANT',
      reason: /^provisioned capacity is 10 RCU \/ 5 WCU, want 20 RCU \/ 10 WCU$/,
      actions: [{ type: 'UpdateBilling', mode: 'PROVISIONED', readCapacity: 20, writeCapacity: 10, risk: 'safe', reason: 'set provisioned capacity to 20 RCU / 10 WCU' }],
    },
    {
      name: 'capacity: lowering read → disruptive',
      spec: { billing: { mode: 'PROVISIONED', readCapacity: 5, writeCapacity: 5 } },
      observed: { billing: PROVISIONED_10_5 },
      status: 'NON_COMPLIANT',
      reason: /capacity is 10 RCU \/ 5 WCU, want 5 RCU \/ 5 WCU/,
      actions: [{ type: 'UpdateBilling', mode: 'PROVISIONED', readCapacity: 5, writeCapacity: 5, risk: 'disruptive', reason: 'set provisioned capacity to 5 RCU / 5 WCU' }],
    },
    {
      name: 'capacity: raising read but lowering write → disruptive',
      spec: { billing: { mode: 'PROVISIONED', readCapacity: 50, writeCapacity: 1 } },
      observed: { billing: PROVISIONED_10_5 },
      status: 'NON_COMPLIANT',
      reason: /want 50 RCU \/ 1 WCU/,
      actions: [{ type: 'UpdateBilling', mode: 'PROVISIONED', readCapacity: 50, writeCapacity: 1, risk: 'disruptive', reason: 'set provisioned capacity to 50 RCU / 1 WCU' }],
    },
    {
      name: 'capacity: observed capacities unreported → setting them is safe',
      spec: { billing: PROVISIONED_10_5 },
      observed: { billing: { mode: 'PROVISIONED' } },
      status: 'NON_COMPLIANT',
      reason: /^provisioned capacity is \? RCU \/ \? WCU, want 10 RCU \/ 5 WCU$/,
      actions: [{ type: 'UpdateBilling', mode: 'PROVISIONED', readCapacity: 10, writeCapacity: 5, risk: 'safe', reason: 'set provisioned capacity to 10 RCU / 5 WCU' }],
    },
    // Not applicable
    {
      name: 'not applicable: billing not declared (provisioned table left as is)',
      spec: { billing: undefined },
      observed: { billing: PROVISIONED_10_5 },
      status: 'NOT_APPLICABLE',
      reason: /^billing is not declared$/,
      actions: [],
    },
    { name: 'not applicable: unmanaged table', desired: unmanagedTable(), status: 'NOT_APPLICABLE', reason: /not declared/, actions: [] },
    // New table
    { name: 'new table: CreateTable sets the mode and capacity', exists: false, spec: { billing: PROVISIONED_10_5 }, status: 'COMPLIANT', reason: /PROVISIONED at 10 RCU/, actions: [] },
  ]))('%s', (_name, row) => {
    // Prepare
    const context = caseContext(row);
    // Act
    const assessment = billingControl.assess(context);
    // Assess
    expect(assessment).toEqual(expectedAssessment(row));
  });
});
