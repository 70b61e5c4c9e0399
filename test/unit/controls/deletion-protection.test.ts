import { describe, expect, it } from 'vitest';
import { deletionProtectionControl } from '../../../functions/core/controls/deletion-protection.ts';
import { caseContext, cases, expectedAssessment, unmanagedTable } from './fixtures.ts';

describe('TW-DELETION-PROTECTION', () => {
  it.each(cases([
    // Compliant
    { name: 'compliant: declared on and on', status: 'COMPLIANT', reason: /^deletion protection is on, as declared$/, actions: [] },
    {
      name: 'compliant: declared false and off',
      spec: { deletionProtection: false },
      observed: { deletionProtection: false },
      status: 'COMPLIANT',
      reason: /^deletion protection is off, as declared$/,
      actions: [],
    },
    // Non-compliant
    {
      name: 'non-compliant: declared on but off → enable, safe',
      observed: { deletionProtection: false },
      status: 'NON_COMPLIANT',
      reason: /^deletion protection is off$/,
      actions: [{ type: 'UpdateDeletionProtection', enabled: true, risk: 'safe', reason: 'enable deletion protection' }],
    },
    {
      name: 'safety: declared false explicitly but on → disable, disruptive',
      spec: { deletionProtection: false },
      status: 'NON_COMPLIANT',
      reason: /on but the desired state turns it off/,
      actions: [{ type: 'UpdateDeletionProtection', enabled: false, risk: 'disruptive', reason: 'disable deletion protection as declared' }],
    },
    // Not applicable: an undeclared setting never turns protection off
    {
      name: 'not applicable: not declared and on → left on',
      spec: { deletionProtection: undefined },
      status: 'NOT_APPLICABLE',
      reason: /deletionProtection is not declared/,
      actions: [],
    },
    {
      name: 'not applicable: not declared and off → not turned on either',
      spec: { deletionProtection: undefined },
      observed: { deletionProtection: false },
      status: 'NOT_APPLICABLE',
      reason: /not declared/,
      actions: [],
    },
    {
      name: 'not applicable: unmanaged table whose baseline does not set it',
      desired: unmanagedTable({ deletionProtection: undefined }),
      status: 'NOT_APPLICABLE',
      reason: /not declared/,
      actions: [],
    },
    {
      name: 'unmanaged table with baseline deletionProtection: true and protection off → enable',
      desired: unmanagedTable(),
      observed: { deletionProtection: false },
      status: 'NON_COMPLIANT',
      reason: /off/,
      actions: [{ type: 'UpdateDeletionProtection', enabled: true, risk: 'safe', reason: 'enable deletion protection' }],
    },
    // New table: CreateTable sets it
    { name: 'new table: CreateTable sets protection', exists: false, status: 'COMPLIANT', reason: /on, as declared/, actions: [] },
  ]))('%s', (_name, row) => {
    // Prepare
    const context = caseContext(row);
    // Act
    const assessment = deletionProtectionControl.assess(context);
    // Assess
    expect(assessment).toEqual(expectedAssessment(row));
  });
});
