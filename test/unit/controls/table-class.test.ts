import { describe, expect, it } from 'vitest';
import { tableClassControl } from '../../../functions/core/controls/table-class.ts';
import { caseContext, cases, expectedAssessment, unmanagedTable } from './fixtures.ts';

describe('TW-TABLE-CLASS', () => {
  it.each(cases([
    { name: 'compliant: STANDARD as declared', status: 'COMPLIANT', reason: /^table class is STANDARD$/, actions: [] },
    {
      name: 'compliant: STANDARD_INFREQUENT_ACCESS as declared',
      spec: { tableClass: 'STANDARD_INFREQUENT_ACCESS' },
      observed: { tableClass: 'STANDARD_INFREQUENT_ACCESS' },
      status: 'COMPLIANT',
      reason: /^table class is STANDARD_INFREQUENT_ACCESS$/,
      actions: [],
    },
    {
      name: 'non-compliant: STANDARD → STANDARD_INFREQUENT_ACCESS',
      spec: { tableClass: 'STANDARD_INFREQUENT_ACCESS' },
      status: 'NON_COMPLIANT',
      reason: /^table class is STANDARD, want STANDARD_INFREQUENT_ACCESS$/,
      actions: [{ type: 'UpdateTableClass', tableClass: 'STANDARD_INFREQUENT_ACCESS', risk: 'safe', reason: 'change the table class from STANDARD to STANDARD_INFREQUENT_ACCESS (at most twice in 30 days)' }],
    },
    {
      name: 'non-compliant: STANDARD_INFREQUENT_ACCESS → STANDARD',
      observed: { tableClass: 'STANDARD_INFREQUENT_ACCESS' },
      status: 'NON_COMPLIANT',
      reason: /^table class is STANDARD_INFREQUENT_ACCESS, want STANDARD$/,
      actions: [{ type: 'UpdateTableClass', tableClass: 'STANDARD', risk: 'safe', reason: 'change the table class from STANDARD_INFREQUENT_ACCESS to STANDARD (at most twice in 30 days)' }],
    },
    {
      name: 'not applicable: not declared',
      spec: { tableClass: undefined },
      observed: { tableClass: 'STANDARD_INFREQUENT_ACCESS' },
      status: 'NOT_APPLICABLE',
      reason: /^tableClass is not declared$/,
      actions: [],
    },
    {
      name: 'unmanaged table: the baseline class is enforced',
      desired: unmanagedTable(),
      observed: { tableClass: 'STANDARD_INFREQUENT_ACCESS' },
      status: 'NON_COMPLIANT',
      reason: /want STANDARD$/,
      actions: [{ type: 'UpdateTableClass', tableClass: 'STANDARD', risk: 'safe', reason: 'change the table class from STANDARD_INFREQUENT_ACCESS to STANDARD (at most twice in 30 days)' }],
    },
    { name: 'new table: CreateTable sets the class', exists: false, spec: { tableClass: 'STANDARD_INFREQUENT_ACCESS' }, status: 'COMPLIANT', reason: /STANDARD_INFREQUENT_ACCESS/, actions: [] },
  ]))('%s', (_name, row) => {
    // Prepare
    const context = caseContext(row);
    // Act
    const assessment = tableClassControl.assess(context);
    // Assess
    expect(assessment).toEqual(expectedAssessment(row));
  });
});
