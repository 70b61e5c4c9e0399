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
      name: 'attribute change: step 1 of 2 only (disable the old attribute, disruptive); step 2 is pending',
      observed: { timeToLive: { status: 'ENABLED', attributeName: 'ttl' } },
      status: 'NON_COMPLIANT',
      reason: /^TTL is on attribute ttl, want expiresAt$/,
      actions: [{ type: 'UpdateTimeToLive', enabled: false, attributeName: 'ttl', risk: 'disruptive', reason: 'step 1 of 2: disable TTL on ttl (items stop expiring until step 2 enables expiresAt)' }],
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
    expect({ ...assessment, pending: undefined }).toEqual(expectedAssessment(row));
  });

  describe('pending steps (DynamoDB accepts one UpdateTimeToLive per table per hour)', () => {
    it('an attribute change plans step 2 as pending, one hour after step 1', () => {
      // Prepare
      const context = caseContext({ name: 'move', observed: { timeToLive: { status: 'ENABLED', attributeName: 'ttl' } }, status: 'NON_COMPLIANT', reason: /./, actions: [] });
      // Act
      const assessment = ttlControl.assess(context);
      // Assess
      expect(assessment.pending).toEqual([
        {
          description: 'step 2 of 2: enable TTL on expiresAt',
          action: { type: 'UpdateTimeToLive', enabled: true, attributeName: 'expiresAt', risk: 'disruptive', reason: 'step 2 of 2: enable TTL on expiresAt' },
          notBefore: '2026-11-28T13:00:00.000Z',
          afterOwnActionsSeconds: 3600,
          waitsFor: 'DynamoDB accepts one TTL change per table per hour: step 2 can run an hour after step 1',
        },
      ]);
    });

    it.each([
      ['DISABLING, declared on', { attributeName: 'expiresAt', enabled: true }, { status: 'DISABLING', attributeName: 'ttl' }, 'enable TTL on expiresAt', 'TTL to finish DISABLING (at most an hour after it was disabled)'],
      ['ENABLING on another attribute, declared on', { attributeName: 'expiresAt', enabled: true }, { status: 'ENABLING', attributeName: 'ttl' }, 'step 1 of 2: disable TTL on ttl (step 2, enabling expiresAt, follows an hour later)', 'TTL to finish ENABLING (at most an hour after it was enabled)'],
      ['ENABLING, declared off', { attributeName: 'expiresAt', enabled: false }, { status: 'ENABLING', attributeName: 'ttl' }, 'disable TTL as declared', 'TTL to finish ENABLING (at most an hour after it was enabled)'],
    ] as const)('%s: no action now, the step waits for the interim status (its time is unknown)', (_name, spec, observed, description, waitsFor) => {
      // Prepare
      const context = caseContext({ name: 'interim', spec: { timeToLive: spec }, observed: { timeToLive: observed }, status: 'NON_COMPLIANT', reason: /./, actions: [] });
      // Act
      const assessment = ttlControl.assess(context);
      // Assess
      expect(assessment.status).toBe('NON_COMPLIANT');
      expect(assessment.actions).toEqual([]);
      expect(assessment.pending).toEqual([{ description, action: expect.objectContaining({ type: 'UpdateTimeToLive' }), waitsFor }]);
    });

    it('a converged table has no pending step', () => {
      // Prepare
      const context = caseContext({ name: 'converged', status: 'COMPLIANT', reason: /./, actions: [] });
      // Act
      const assessment = ttlControl.assess(context);
      // Assess
      expect(assessment.pending).toBeUndefined();
    });
  });
});
