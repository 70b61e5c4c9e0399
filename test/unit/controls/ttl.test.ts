import { describe, expect, it } from 'vitest';
import { ttlControl } from '../../../functions/core/controls/ttl.ts';
import { caseContext, cases, expectedAssessment, unmanagedTable } from './fixtures.ts';

const ENABLE = { type: 'UpdateTimeToLive', enabled: true, attributeName: 'expiresAt', risk: 'safe', reason: 'enable TTL on attribute expiresAt' } as const;

describe('TW-TTL', () => {
  it.each(cases([
    // Compliant
    { name: 'compliant: enabled on the declared attribute', status: 'COMPLIANT', reason: /^TTL is on attribute expiresAt$/, actions: [] },
    {
      name: 'compliant: still ENABLING on the declared attribute',
      observed: { timeToLive: { status: 'ENABLING', attributeName: 'expiresAt' } },
      status: 'COMPLIANT',
      reason: /on attribute expiresAt/,
      actions: [],
    },
    {
      name: 'compliant: declared enabled: false and disabled',
      spec: { timeToLive: { attributeName: 'expiresAt', enabled: false } },
      observed: { timeToLive: { status: 'DISABLED' } },
      status: 'COMPLIANT',
      reason: /^TTL is off, as declared$/,
      actions: [],
    },
    {
      name: 'compliant: declared enabled: false and DISABLING',
      spec: { timeToLive: { attributeName: 'expiresAt', enabled: false } },
      observed: { timeToLive: { status: 'DISABLING', attributeName: 'expiresAt' } },
      status: 'COMPLIANT',
      reason: /off, as declared/,
      actions: [],
    },
    // Non-compliant
    {
      name: 'non-compliant: disabled → enable on the declared attribute (safe)',
      observed: { timeToLive: { status: 'DISABLED' } },
      status: 'NON_COMPLIANT',
      reason: /^TTL is off$/,
      actions: [ENABLE],
    },
    {
      name: 'attribute change: disable the old attribute, then enable the new one (both disruptive)',
      observed: { timeToLive: { status: 'ENABLED', attributeName: 'ttl' } },
      status: 'NON_COMPLIANT',
      reason: /^TTL is on attribute ttl, want expiresAt$/,
      actions: [
        { type: 'UpdateTimeToLive', enabled: false, attributeName: 'ttl', risk: 'disruptive', reason: 'disable TTL on ttl before moving it (items stop expiring until re-enabled)' },
        { type: 'UpdateTimeToLive', enabled: true, attributeName: 'expiresAt', risk: 'disruptive', reason: 'enable TTL on expiresAt (DynamoDB allows this up to an hour after the disable)' },
      ],
    },
    {
      name: 'DISABLING while declared on: wait, no action (TTL changes once per hour)',
      observed: { timeToLive: { status: 'DISABLING', attributeName: 'ttl' } },
      status: 'NON_COMPLIANT',
      reason: /still being disabled/,
      actions: [],
    },
    {
      name: 'explicit enabled: false while enabled → disable the observed attribute, disruptive',
      spec: { timeToLive: { attributeName: 'expiresAt', enabled: false } },
      observed: { timeToLive: { status: 'ENABLED', attributeName: 'ttl' } },
      status: 'NON_COMPLIANT',
      reason: /^TTL is on \(ttl\) but the desired state turns it off$/,
      actions: [{ type: 'UpdateTimeToLive', enabled: false, attributeName: 'ttl', risk: 'disruptive', reason: 'disable TTL as declared' }],
    },
    // Not applicable
    {
      name: 'not applicable: not declared, TTL on → left on',
      spec: { timeToLive: undefined },
      status: 'NOT_APPLICABLE',
      reason: /^timeToLive is not declared$/,
      actions: [],
    },
    {
      name: 'not applicable: unmanaged table (baseline has no TTL), observation absent',
      desired: unmanagedTable(),
      observed: { timeToLive: undefined },
      status: 'NOT_APPLICABLE',
      reason: /not declared/,
      actions: [],
    },
    // Missing vs empty: observed undefined (not read) behaves like DISABLED
    {
      name: 'missing: observed undefined, declared on → enable',
      observed: { timeToLive: undefined },
      status: 'NON_COMPLIANT',
      reason: /^TTL is off$/,
      actions: [ENABLE],
    },
    {
      name: 'missing: observed undefined, declared off → compliant, no disable',
      spec: { timeToLive: { attributeName: 'expiresAt', enabled: false } },
      observed: { timeToLive: undefined },
      status: 'COMPLIANT',
      reason: /off, as declared/,
      actions: [],
    },
    // New table: CreateTable cannot set TTL
    { name: 'new table: TTL is enabled after CreateTable', exists: false, status: 'NON_COMPLIANT', reason: /^TTL is off$/, actions: [ENABLE] },
  ]))('%s', (_name, row) => {
    // Prepare
    const context = caseContext(row);
    // Act
    const assessment = ttlControl.assess(context);
    // Assess
    expect(assessment).toEqual(expectedAssessment(row));
  });
});
