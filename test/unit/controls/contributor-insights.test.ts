import { describe, expect, it } from 'vitest';
import { contributorInsightsControl } from '../../../functions/core/controls/contributor-insights.ts';
import { caseContext, cases, expectedAssessment, unmanagedTable } from './fixtures.ts';

const ENABLE = { type: 'UpdateContributorInsights', enabled: true, risk: 'safe', reason: 'enable Contributor Insights' } as const;
const DISABLE = { type: 'UpdateContributorInsights', enabled: false, risk: 'safe', reason: 'disable Contributor Insights' } as const;

describe('TW-CONTRIBUTOR-INSIGHTS', () => {
  it.each(cases([
    // Compliant
    { name: 'compliant: declared false and DISABLED', status: 'COMPLIANT', reason: /^Contributor Insights is DISABLED$/, actions: [] },
    { name: 'compliant: declared false and DISABLING', observed: { contributorInsights: 'DISABLING' }, status: 'COMPLIANT', reason: /is DISABLING$/, actions: [] },
    { name: 'compliant: declared true and ENABLED', spec: { contributorInsights: true }, observed: { contributorInsights: 'ENABLED' }, status: 'COMPLIANT', reason: /^Contributor Insights is ENABLED$/, actions: [] },
    { name: 'compliant: declared true and ENABLING', spec: { contributorInsights: true }, observed: { contributorInsights: 'ENABLING' }, status: 'COMPLIANT', reason: /is ENABLING$/, actions: [] },
    // Non-compliant
    {
      name: 'non-compliant: declared true, DISABLED → enable',
      spec: { contributorInsights: true },
      status: 'NON_COMPLIANT',
      reason: /^Contributor Insights is DISABLED, want ENABLED$/,
      actions: [ENABLE],
    },
    {
      name: 'non-compliant: declared false, ENABLED → disable',
      observed: { contributorInsights: 'ENABLED' },
      status: 'NON_COMPLIANT',
      reason: /^Contributor Insights is ENABLED, want DISABLED$/,
      actions: [DISABLE],
    },
    {
      name: 'non-compliant: FAILED, declared true → enable again',
      spec: { contributorInsights: true },
      observed: { contributorInsights: 'FAILED' },
      status: 'NON_COMPLIANT',
      reason: /^Contributor Insights is FAILED, want ENABLED$/,
      actions: [ENABLE],
    },
    {
      name: 'non-compliant: FAILED, declared false → disable',
      observed: { contributorInsights: 'FAILED' },
      status: 'NON_COMPLIANT',
      reason: /FAILED, want DISABLED/,
      actions: [DISABLE],
    },
    // Not applicable
    {
      name: 'not applicable: not declared, even while ENABLED',
      spec: { contributorInsights: undefined },
      observed: { contributorInsights: 'ENABLED' },
      status: 'NOT_APPLICABLE',
      reason: /^contributorInsights is not declared$/,
      actions: [],
    },
    { name: 'not applicable: unmanaged table without it in the baseline', desired: unmanagedTable(), observed: { contributorInsights: undefined }, status: 'NOT_APPLICABLE', reason: /not declared/, actions: [] },
    // Missing vs empty: observed undefined (not read) counts as DISABLED
    { name: 'missing: observed undefined, declared false → compliant', observed: { contributorInsights: undefined }, status: 'COMPLIANT', reason: /is DISABLED$/, actions: [] },
    {
      name: 'missing: observed undefined, declared true → enable',
      spec: { contributorInsights: true },
      observed: { contributorInsights: undefined },
      status: 'NON_COMPLIANT',
      reason: /DISABLED, want ENABLED/,
      actions: [ENABLE],
    },
    // New table: CreateTable cannot enable it
    { name: 'new table, declared true: enabled after CreateTable', exists: false, spec: { contributorInsights: true }, status: 'NON_COMPLIANT', reason: /DISABLED, want ENABLED/, actions: [ENABLE] },
    { name: 'new table, declared false: compliant', exists: false, status: 'COMPLIANT', reason: /DISABLED/, actions: [] },
    // Mode: { enabled, mode } as well as true/false. Without a declared mode, the mode is not managed.
    {
      name: 'mode: declared THROTTLED_KEYS, DISABLED → enable in that mode',
      spec: { contributorInsights: { enabled: true, mode: 'THROTTLED_KEYS' } },
      status: 'NON_COMPLIANT',
      reason: /^Contributor Insights is DISABLED, want ENABLED \(THROTTLED_KEYS\)$/,
      actions: [{ ...ENABLE, mode: 'THROTTLED_KEYS', reason: 'enable Contributor Insights in THROTTLED_KEYS mode' }],
    },
    {
      name: 'mode: declared THROTTLED_KEYS, ENABLED in ACCESSED_AND_THROTTLED_KEYS → switch the mode',
      spec: { contributorInsights: { enabled: true, mode: 'THROTTLED_KEYS' } },
      observed: { contributorInsights: 'ENABLED', contributorInsightsMode: 'ACCESSED_AND_THROTTLED_KEYS' },
      status: 'NON_COMPLIANT',
      reason: /^Contributor Insights is ENABLED in ACCESSED_AND_THROTTLED_KEYS mode, want THROTTLED_KEYS$/,
      actions: [{ ...ENABLE, mode: 'THROTTLED_KEYS', reason: 'switch Contributor Insights to THROTTLED_KEYS mode' }],
    },
    {
      name: 'mode: declared and observed THROTTLED_KEYS → compliant',
      spec: { contributorInsights: { enabled: true, mode: 'THROTTLED_KEYS' } },
      observed: { contributorInsights: 'ENABLED', contributorInsightsMode: 'THROTTLED_KEYS' },
      status: 'COMPLIANT',
      reason: /^Contributor Insights is ENABLED in THROTTLED_KEYS mode$/,
      actions: [],
    },
    {
      name: 'mode: declared true without a mode, ENABLED in THROTTLED_KEYS → compliant (mode not managed)',
      spec: { contributorInsights: true },
      observed: { contributorInsights: 'ENABLED', contributorInsightsMode: 'THROTTLED_KEYS' },
      status: 'COMPLIANT',
      reason: /^Contributor Insights is ENABLED$/,
      actions: [],
    },
    {
      name: 'mode: { enabled: false } while ENABLED → disable',
      spec: { contributorInsights: { enabled: false } },
      observed: { contributorInsights: 'ENABLED', contributorInsightsMode: 'THROTTLED_KEYS' },
      status: 'NON_COMPLIANT',
      reason: /ENABLED, want DISABLED/,
      actions: [DISABLE],
    },
  ]))('%s', (_name, row) => {
    // Prepare
    const context = caseContext(row);
    // Act
    const assessment = contributorInsightsControl.assess(context);
    // Assess
    expect(assessment).toEqual(expectedAssessment(row));
  });
});
