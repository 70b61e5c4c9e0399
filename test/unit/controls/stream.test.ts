import { describe, expect, it } from 'vitest';
import { streamControl } from '../../../functions/core/controls/stream.ts';
import { caseContext, cases, expectedAssessment, unmanagedTable } from './fixtures.ts';

describe('TW-STREAM', () => {
  it.each(cases([
    // Compliant
    { name: 'compliant: NONE declared and no stream', status: 'COMPLIANT', reason: /^no stream, as declared$/, actions: [] },
    {
      name: 'compliant: stream on with the declared view type',
      spec: { stream: 'NEW_AND_OLD_IMAGES' },
      observed: { stream: { enabled: true, viewType: 'NEW_AND_OLD_IMAGES' } },
      status: 'COMPLIANT',
      reason: /^stream is on with NEW_AND_OLD_IMAGES$/,
      actions: [],
    },
    // Non-compliant
    {
      name: 'non-compliant: no stream, one declared → enable (safe)',
      spec: { stream: 'NEW_IMAGE' },
      status: 'NON_COMPLIANT',
      reason: /^no stream, want NEW_IMAGE$/,
      actions: [{ type: 'UpdateStream', enabled: true, viewType: 'NEW_IMAGE', risk: 'safe', reason: 'enable a NEW_IMAGE stream' }],
    },
    {
      name: 'view-type change: disable, then enable with the new type (both disruptive)',
      spec: { stream: 'NEW_AND_OLD_IMAGES' },
      observed: { stream: { enabled: true, viewType: 'KEYS_ONLY' } },
      status: 'NON_COMPLIANT',
      reason: /^stream view type is KEYS_ONLY, want NEW_AND_OLD_IMAGES$/,
      actions: [
        { type: 'UpdateStream', enabled: false, risk: 'disruptive', reason: 'disable the KEYS_ONLY stream to change its view type' },
        { type: 'UpdateStream', enabled: true, viewType: 'NEW_AND_OLD_IMAGES', risk: 'disruptive', reason: 'enable a NEW_AND_OLD_IMAGES stream (new stream ARN for consumers)' },
      ],
    },
    // Missing vs NONE: undefined is "not managed" (unmanaged baseline tables), NONE means the stream must be off
    {
      name: "NONE: a stream is on but 'NONE' is declared → disable, disruptive",
      observed: { stream: { enabled: true, viewType: 'NEW_IMAGE' } },
      status: 'NON_COMPLIANT',
      reason: /^stream is on \(NEW_IMAGE\) but none is declared$/,
      actions: [{ type: 'UpdateStream', enabled: false, risk: 'disruptive', reason: 'disable the stream (its consumers stop receiving changes)' }],
    },
    {
      name: 'missing: stream undefined on an unmanaged baseline table with a stream → not managed, left on',
      desired: unmanagedTable(),
      observed: { stream: { enabled: true, viewType: 'NEW_IMAGE' } },
      status: 'NOT_APPLICABLE',
      reason: /^stream is not managed for this table$/,
      actions: [],
    },
    {
      name: 'missing: stream undefined, no stream → not applicable either',
      spec: { stream: undefined },
      status: 'NOT_APPLICABLE',
      reason: /not managed/,
      actions: [],
    },
    // New table: CreateTable carries the stream specification
    { name: "new table with 'NONE': compliant", exists: false, status: 'COMPLIANT', reason: /no stream, as declared/, actions: [] },
    { name: 'new table with a view type: compliant', exists: false, spec: { stream: 'OLD_IMAGE' }, status: 'COMPLIANT', reason: /on with OLD_IMAGE/, actions: [] },
  ]))('%s', (_name, row) => {
    // Prepare
    const context = caseContext(row);
    // Act
    const assessment = streamControl.assess(context);
    // Assess
    expect(assessment).toEqual(expectedAssessment(row));
  });
});
