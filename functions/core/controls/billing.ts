/**
 * TW-BILLING — on-demand or provisioned capacity, as declared.
 *
 * Drives: dynamodb:UpdateTable (BillingMode, ProvisionedThroughput), or CreateTable for new tables.
 * Binds: provisioned → on-demand at most 4 times per table in a rolling 24 hours; on-demand → provisioned at any
 * time. The switch limit answers `LimitExceededException`, which apply reports at once (it is not a "not now"
 * that lifts in minutes: see functions/aws/apply/refusals.ts). One change type per UpdateTable call.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/switching.capacitymode.html
 */
import { compliant, defineControl, nonCompliant, notApplicable } from './control.ts';

/** Billing mode and capacity control. */
export const billingControl = defineControl({
  id: 'TW-BILLING',
  title: 'Billing mode and provisioned capacity match the declaration',
  rationale: 'Capacity mode decides whether a traffic spike is absorbed (on-demand) or throttled (provisioned).',
  references: {
    configRules: ['dynamodb-autoscaling-enabled', 'dynamodb-throughput-limit-check'],
    securityHub: ['DynamoDB.1'],
    documentation: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/capacity-mode.html',
  },
  permissions: { observe: ['dynamodb:DescribeTable'], apply: ['dynamodb:UpdateTable'] },
  assess({ desired, observed }) {
    const want = desired.spec.billing;
    if (!want) return notApplicable('billing is not declared');
    const have = observed.billing;
    if (want.mode === 'PAY_PER_REQUEST') {
      if (have.mode === 'PAY_PER_REQUEST') return compliant('billing is on-demand');
      return nonCompliant('billing is PROVISIONED, want PAY_PER_REQUEST', [
        { type: 'UpdateBilling', mode: 'PAY_PER_REQUEST', risk: 'disruptive', reason: 'switch to on-demand billing (DynamoDB allows 4 switches to on-demand per table in a rolling 24 hours)' },
      ]);
    }
    const capacity = `${want.readCapacity} RCU / ${want.writeCapacity} WCU`;
    if (have.mode === 'PAY_PER_REQUEST') {
      return nonCompliant(`billing is PAY_PER_REQUEST, want PROVISIONED ${capacity}`, [
        { type: 'UpdateBilling', mode: 'PROVISIONED', readCapacity: want.readCapacity, writeCapacity: want.writeCapacity, risk: 'disruptive', reason: `switch to provisioned billing at ${capacity} (allowed at any time)` },
      ]);
    }
    if (have.readCapacity === want.readCapacity && have.writeCapacity === want.writeCapacity) {
      return compliant(`billing is PROVISIONED at ${capacity}`);
    }
    // Lowering capacity can throttle live traffic; raising it only costs money.
    const lowers = want.readCapacity < (have.readCapacity ?? 0) || want.writeCapacity < (have.writeCapacity ?? 0);
    return nonCompliant(`provisioned capacity is ${have.readCapacity ?? '?'} RCU / ${have.writeCapacity ?? '?'} WCU, want ${capacity}`, [
      { type: 'UpdateBilling', mode: 'PROVISIONED', readCapacity: want.readCapacity, writeCapacity: want.writeCapacity, risk: lowers ? 'disruptive' : 'safe', reason: `set provisioned capacity to ${capacity}` },
    ]);
  },
});
