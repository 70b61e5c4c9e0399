/**
 * A `validate` warning: Contributor Insights on a customer-managed-key table.
 *
 * Why: DynamoDB's Contributor Insights graphs display the partition and sort key values of the most accessed and
 * throttled items in plain text in CloudWatch; the API reference says not to enable it where key values must be
 * protected by a KMS key. A table that declares a customer-managed key usually does so because its data is
 * sensitive, so turning on the ACCESSED_AND_THROTTLED_KEYS mode (the default) deserves a second look. It is a
 * warning, not an error: key values are not always sensitive. THROTTLED_KEYS shows only throttled keys.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateContributorInsights.html
 */
import { declaredContributorInsights, DEFAULT_CONTRIBUTOR_INSIGHTS_MODE } from '../controls/contributor-insights.ts';
import type { DesiredSpec, DesiredTable } from '../model/desired.ts';

/** A warning to position in the table file: the field path and the message. */
export interface SpecWarning {
  path: Array<string | number>;
  message: string;
}

/**
 * The warning for a table's merged spec, if any. `declared(field)` says whether the table file itself sets a spec
 * field (else the warning points at `spec`, the value coming from the policy baseline). An active waiver of
 * TW-CONTRIBUTOR-INSIGHTS records that the exposure was accepted, and silences it.
 */
export function contributorInsightsWarnings(spec: DesiredSpec, waivers: DesiredTable['waivers'], declared: (field: string) => boolean): SpecWarning[] {
  const insights = declaredContributorInsights(spec);
  if (!insights?.enabled || spec.encryption?.type !== 'CUSTOMER_MANAGED') return [];
  const mode = insights.mode ?? DEFAULT_CONTRIBUTOR_INSIGHTS_MODE;
  if (mode !== 'ACCESSED_AND_THROTTLED_KEYS' || waivers.some((waiver) => waiver.control === 'TW-CONTRIBUTOR-INSIGHTS')) return [];
  return [
    {
      path: declared('contributorInsights') ? ['spec', 'contributorInsights'] : ['spec'],
      message:
        `Contributor Insights in ${mode} mode shows partition and sort key values of the most accessed and throttled items in plain text in CloudWatch graphs, ` +
        `outside the protection of the customer-managed key ${spec.encryption.kmsKeyAlias}; use { enabled: true, mode: THROTTLED_KEYS } (only throttled keys are shown) ` +
        'or waive TW-CONTRIBUTOR-INSIGHTS with a reason',
    },
  ];
}
