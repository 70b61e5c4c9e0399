/**
 * TW-TTL — time to live on the declared attribute.
 *
 * Drives: dynamodb:UpdateTimeToLive (TimeToLiveSpecification).
 * Binds: TTL can be changed once per hour per table; changing the attribute means disabling and re-enabling.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html
 */
import { compliant, defineControl, nonCompliant, notApplicable } from './control.ts';

/** Time-to-live control. */
export const ttlControl = defineControl({
  id: 'TW-TTL',
  title: 'Time to live is enabled on the declared attribute',
  rationale: 'TTL expires data the business no longer needs to keep, which is itself a data-protection requirement.',
  references: { configRules: [], securityHub: [], documentation: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html' },
  permissions: { observe: ['dynamodb:DescribeTimeToLive'], apply: ['dynamodb:UpdateTimeToLive'] },
  assess({ desired, observed }) {
    const want = desired.spec.timeToLive;
    if (!want) return notApplicable('timeToLive is not declared');
    const have = observed.timeToLive ?? { status: 'DISABLED' as const };
    const on = have.status === 'ENABLED' || have.status === 'ENABLING';
    if (!want.enabled) {
      return on
        ? nonCompliant(`TTL is on (${have.attributeName ?? '?'}) but the desired state turns it off`, [
            { type: 'UpdateTimeToLive', enabled: false, attributeName: have.attributeName ?? want.attributeName, risk: 'disruptive', reason: 'disable TTL as declared' },
          ])
        : compliant('TTL is off, as declared');
    }
    if (on && have.attributeName === want.attributeName) return compliant(`TTL is on attribute ${want.attributeName}`);
    if (on) {
      return nonCompliant(`TTL is on attribute ${have.attributeName ?? '?'}, want ${want.attributeName}`, [
        { type: 'UpdateTimeToLive', enabled: false, attributeName: have.attributeName ?? want.attributeName, risk: 'disruptive', reason: `disable TTL on ${have.attributeName ?? '?'} before moving it (items stop expiring until re-enabled)` },
        { type: 'UpdateTimeToLive', enabled: true, attributeName: want.attributeName, risk: 'disruptive', reason: `enable TTL on ${want.attributeName} (DynamoDB allows this up to an hour after the disable)` },
      ]);
    }
    if (have.status === 'DISABLING') return nonCompliant('TTL is still being disabled; it can be enabled once that finishes (up to an hour)');
    return nonCompliant('TTL is off', [
      { type: 'UpdateTimeToLive', enabled: true, attributeName: want.attributeName, risk: 'safe', reason: `enable TTL on attribute ${want.attributeName}` },
    ]);
  },
});
