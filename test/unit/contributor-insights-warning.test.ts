/**
 * Contributor Insights and customer-managed keys: its graphs show partition and sort key values in plain text in
 * CloudWatch, outside the table's CMK. `validate` warns (never fails) where a CMK table turns it on in
 * ACCESSED_AND_THROTTLED_KEYS mode (the default when no mode is given), at the contributorInsights field.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateContributorInsights.html
 */
import { describe, expect, it } from 'vitest';
import { parseDesiredState, type SourceFile } from '../../functions/core/desired/parse.ts';
import { NOW } from '../support/scenario.ts';

const POLICY: SourceFile = {
  path: 'desired-state/policy.yaml',
  text: 'apiVersion: tablewarden.io/v1\nkind: Policy\nmetadata:\n  name: default\nspec:\n  baseline: {}\n',
};

function table(encryption: string, insights: string, extra = ''): SourceFile {
  return {
    path: 'desired-state/tables/orders.yaml',
    text: [
      'apiVersion: tablewarden.io/v1',
      'kind: Table',
      'metadata:',
      '  name: Orders',
      'spec:',
      '  keySchema:',
      '    partitionKey: { name: customerID, type: S }',
      `  encryption: ${encryption}`,
      `  contributorInsights: ${insights}`,
      extra,
    ].join('\n'),
  };
}

const CMK = '{ type: CUSTOMER_MANAGED, kmsKeyAlias: alias/tablewarden/orders }';
const WARNING =
  'warning: Contributor Insights in ACCESSED_AND_THROTTLED_KEYS mode shows partition and sort key values of the most accessed and throttled items in plain text in CloudWatch graphs, ' +
  'outside the protection of the customer-managed key alias/tablewarden/orders; use { enabled: true, mode: THROTTLED_KEYS } (only throttled keys are shown) or waive TW-CONTRIBUTOR-INSIGHTS with a reason';

describe('validate: Contributor Insights on a customer-managed-key table', () => {
  it.each([
    ['true (the default mode)', 'true', '9:24', 'spec.contributorInsights'],
    ['{ enabled: true, mode: ACCESSED_AND_THROTTLED_KEYS }', '{ enabled: true, mode: ACCESSED_AND_THROTTLED_KEYS }', '9:3', 'spec.contributorInsights'],
  ])('warns for %s, at the field, and the file stays valid', (_name, insights, position, field) => {
    // Prepare
    const files = [POLICY, table(CMK, insights)];
    // Act
    const result = parseDesiredState(files, { now: NOW });
    // Assess
    expect(result.failed).toBe(false);
    expect(result.state.tables.map((t) => t.name)).toEqual(['Orders']);
    const warnings = result.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.line}:${d.column} ${d.field}: warning: ${d.message}`);
    expect(warnings).toEqual([`${position} ${field}: ${WARNING}`]);
  });

  it.each([
    ['THROTTLED_KEYS mode', CMK, '{ enabled: true, mode: THROTTLED_KEYS }', ''],
    ['Contributor Insights off', CMK, 'false', ''],
    ['{ enabled: false }', CMK, '{ enabled: false }', ''],
    ['an AWS-managed key', '{ type: AWS_MANAGED }', 'true', ''],
    ['a waiver of TW-CONTRIBUTOR-INSIGHTS', CMK, 'true', '  waivers:\n    - { control: TW-CONTRIBUTOR-INSIGHTS, reason: "hot keys are not sensitive", owner: alice, expires: 2099-01-01 }'],
  ])('does not warn with %s', (_name, encryption, insights, extra) => {
    // Prepare
    const files = [POLICY, table(encryption, insights, extra)];
    // Act
    const result = parseDesiredState(files, { now: NOW });
    // Assess
    expect(result.failed).toBe(false);
    expect(result.diagnostics.filter((d) => /Contributor Insights/.test(d.message))).toEqual([]);
  });

  it('rejects an unknown mode with a positioned error', () => {
    // Prepare
    const files = [POLICY, table(CMK, '{ enabled: true, mode: ALL_KEYS }')];
    // Act
    const result = parseDesiredState(files, { now: NOW });
    // Assess
    expect(result.failed).toBe(true);
    expect(result.diagnostics.find((d) => d.severity === 'error')).toMatchObject({ line: 9, field: expect.stringMatching(/^spec\.contributorInsights/) });
  });
});
