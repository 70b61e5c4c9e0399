/**
 * TW-TTL — time to live on the declared attribute.
 *
 * Drives: dynamodb:UpdateTimeToLive (TimeToLiveSpecification).
 * Binds: one UpdateTimeToLive per table per hour (DynamoDB answers ValidationException "Time to live has been
 * modified multiple times within a fixed interval"); the status reads ENABLING / DISABLING meanwhile. TTL is on
 * one attribute at a time, so moving it is two changes: disable the old attribute (step 1, now), then enable the
 * new one (step 2, an hour later). This control plans step 1 as an action and step 2 as a pending step with its
 * earliest time; the next run (CLI) or the next round after a long Wait (workflow) makes it an action.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html
 */
import type { ProposedAction } from './control.ts';
import { compliant, defineControl, nonCompliant, notApplicable, type Assessment } from './control.ts';

/** DynamoDB's window between two UpdateTimeToLive calls on one table, in seconds. */
export const TTL_CHANGE_INTERVAL_SECONDS = 3600;

const ONE_PER_HOUR = 'DynamoDB accepts one TTL change per table per hour';

function enable(attributeName: string, risk: ProposedAction['risk'], reason: string): ProposedAction {
  return { type: 'UpdateTimeToLive', enabled: true, attributeName, risk, reason };
}

function disable(attributeName: string, reason: string): ProposedAction {
  return { type: 'UpdateTimeToLive', enabled: false, attributeName, risk: 'disruptive', reason };
}

/** Non-compliant with no action now: the next step waits for an interim status whose start AWS does not report. */
function waitForInterim(reason: string, status: 'ENABLING' | 'DISABLING', description: string, action: ProposedAction): Assessment {
  const verb = status === 'ENABLING' ? 'enabled' : 'disabled';
  return { ...nonCompliant(reason), pending: [{ description, action, waitsFor: `TTL to finish ${status} (at most an hour after it was ${verb})` }] };
}

/** Time-to-live control. */
export const ttlControl = defineControl({
  id: 'TW-TTL',
  title: 'Time to live is enabled on the declared attribute',
  rationale: 'TTL expires data the business no longer needs to keep, which is itself a data-protection requirement.',
  references: { configRules: [], securityHub: [], documentation: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html' },
  permissions: { observe: ['dynamodb:DescribeTimeToLive'], apply: ['dynamodb:UpdateTimeToLive'] },
  assess({ desired, observed, now }) {
    const want = desired.spec.timeToLive;
    if (!want) return notApplicable('timeToLive is not declared');
    const have = observed.timeToLive ?? { status: 'DISABLED' as const };
    const on = have.status === 'ENABLED' || have.status === 'ENABLING';
    const current = have.attributeName ?? want.attributeName;
    if (!want.enabled) {
      if (!on) return compliant('TTL is off, as declared');
      const reason = `TTL is on (${have.attributeName ?? '?'}) but the desired state turns it off`;
      const off = disable(current, 'disable TTL as declared');
      return have.status === 'ENABLING' ? waitForInterim(reason, 'ENABLING', 'disable TTL as declared', off) : nonCompliant(reason, [off]);
    }
    if (on && have.attributeName === want.attributeName) return compliant(`TTL is on attribute ${want.attributeName}`);
    if (on) {
      const reason = `TTL is on attribute ${have.attributeName ?? '?'}, want ${want.attributeName}`;
      const step1 = disable(current, `step 1 of 2: disable TTL on ${current} (items stop expiring until step 2 enables ${want.attributeName})`);
      if (have.status === 'ENABLING') {
        return waitForInterim(reason, 'ENABLING', `step 1 of 2: disable TTL on ${current} (step 2, enabling ${want.attributeName}, follows an hour later)`, step1);
      }
      const description = `step 2 of 2: enable TTL on ${want.attributeName}`;
      return {
        ...nonCompliant(reason, [step1]),
        pending: [
          {
            description,
            action: enable(want.attributeName, 'disruptive', description),
            notBefore: new Date(now.getTime() + TTL_CHANGE_INTERVAL_SECONDS * 1000).toISOString(),
            afterOwnActionsSeconds: TTL_CHANGE_INTERVAL_SECONDS,
            waitsFor: `${ONE_PER_HOUR}: step 2 can run an hour after step 1`,
          },
        ],
      };
    }
    const on_ = enable(want.attributeName, 'safe', `enable TTL on attribute ${want.attributeName}`);
    if (have.status === 'DISABLING') {
      return waitForInterim('TTL is still being disabled; it can be enabled once that finishes (up to an hour)', 'DISABLING', `enable TTL on ${want.attributeName}`, on_);
    }
    return nonCompliant('TTL is off', [on_]);
  },
});
