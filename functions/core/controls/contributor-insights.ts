/**
 * TW-CONTRIBUTOR-INSIGHTS — CloudWatch Contributor Insights for the table, as declared, in the declared mode.
 *
 * Drives: dynamodb:UpdateContributorInsights (ContributorInsightsAction ENABLE | DISABLE, ContributorInsightsMode
 * ACCESSED_AND_THROTTLED_KEYS | THROTTLED_KEYS). ENABLE with a mode also switches an enabled table's mode.
 * Binds: control-plane rate limits only.
 * Its graphs show partition and sort key values in plain text in CloudWatch, outside the table's KMS key:
 * `validate` warns about that for customer-managed-key tables (functions/core/desired/contributor-insights.ts).
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateContributorInsights.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/contributorinsights_HowItWorks.html
 */
import type { DesiredSpec } from '../model/desired.ts';
import { compliant, defineControl, nonCompliant, notApplicable } from './control.ts';

/** The two modes DynamoDB offers. */
export type ContributorInsightsMode = 'ACCESSED_AND_THROTTLED_KEYS' | 'THROTTLED_KEYS';

/** The mode DynamoDB uses when ENABLE names none. */
export const DEFAULT_CONTRIBUTOR_INSIGHTS_MODE: ContributorInsightsMode = 'ACCESSED_AND_THROTTLED_KEYS';

/**
 * The declaration in one shape: `true`/`false` and `{ enabled, mode }` both accepted (existing files keep
 * working). `mode` absent: not managed. Undefined when contributorInsights is not declared.
 */
export function declaredContributorInsights(spec: Pick<DesiredSpec, 'contributorInsights'>): { enabled: boolean; mode?: ContributorInsightsMode } | undefined {
  const value = spec.contributorInsights;
  if (value === undefined) return undefined;
  return typeof value === 'boolean' ? { enabled: value } : value;
}

export const contributorInsightsControl = defineControl({
  id: 'TW-CONTRIBUTOR-INSIGHTS',
  title: 'Contributor Insights is enabled or disabled as declared',
  rationale: 'Contributor Insights shows hot keys and throttled keys; it costs money, so it is on only where declared.',
  references: {
    configRules: [],
    securityHub: [],
    documentation: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/contributorinsights_HowItWorks.html',
  },
  permissions: { observe: ['dynamodb:DescribeContributorInsights'], apply: ['dynamodb:UpdateContributorInsights'] },
  assess({ desired, observed }) {
    const want = declaredContributorInsights(desired.spec);
    if (want === undefined) return notApplicable('contributorInsights is not declared');
    const status = observed.contributorInsights ?? 'DISABLED';
    const on = status === 'ENABLED' || status === 'ENABLING';
    const off = status === 'DISABLED' || status === 'DISABLING';
    const mode = want.mode ? { mode: want.mode } : {};
    if (!want.enabled) {
      if (off) return compliant(`Contributor Insights is ${status}`);
      return nonCompliant(`Contributor Insights is ${status}, want DISABLED`, [{ type: 'UpdateContributorInsights', enabled: false, risk: 'safe', reason: 'disable Contributor Insights' }]);
    }
    if (!on) {
      return nonCompliant(`Contributor Insights is ${status}, want ENABLED${want.mode ? ` (${want.mode})` : ''}`, [
        { type: 'UpdateContributorInsights', enabled: true, ...mode, risk: 'safe', reason: `enable Contributor Insights${want.mode ? ` in ${want.mode} mode` : ''}` },
      ]);
    }
    if (!want.mode) return compliant(`Contributor Insights is ${status}`);
    const have = observed.contributorInsightsMode ?? DEFAULT_CONTRIBUTOR_INSIGHTS_MODE;
    if (have === want.mode) return compliant(`Contributor Insights is ${status} in ${have} mode`);
    return nonCompliant(`Contributor Insights is ${status} in ${have} mode, want ${want.mode}`, [
      { type: 'UpdateContributorInsights', enabled: true, ...mode, risk: 'safe', reason: `switch Contributor Insights to ${want.mode} mode` },
    ]);
  },
});
