/**
 * TW-CONTRIBUTOR-INSIGHTS — CloudWatch Contributor Insights for the table, as declared.
 *
 * Drives: dynamodb:UpdateContributorInsights (ContributorInsightsAction ENABLE | DISABLE).
 * Binds: control-plane rate limits only.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/contributorinsights_HowItWorks.html
 */
import { compliant, defineControl, nonCompliant, notApplicable } from './control.ts';

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
    const want = desired.spec.contributorInsights;
    if (want === undefined) return notApplicable('contributorInsights is not declared');
    const status = observed.contributorInsights ?? 'DISABLED';
    const on = status === 'ENABLED' || status === 'ENABLING';
    const off = status === 'DISABLED' || status === 'DISABLING';
    if ((want && on) || (!want && off)) return compliant(`Contributor Insights is ${status}`);
    return nonCompliant(`Contributor Insights is ${status}, want ${want ? 'ENABLED' : 'DISABLED'}`, [
      { type: 'UpdateContributorInsights', enabled: want, risk: 'safe', reason: `${want ? 'enable' : 'disable'} Contributor Insights` },
    ]);
  },
});
