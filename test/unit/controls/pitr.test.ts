import { describe, expect, it } from 'vitest';
import { pitrControl } from '../../../functions/core/controls/pitr.ts';
import { caseContext, cases, context, desiredTable, expectedAssessment, observedTable, unmanagedTable } from './fixtures.ts';

describe('TW-PITR', () => {
  it.each(cases([
    // Compliant
    { name: 'compliant: on with the declared 35-day period', status: 'COMPLIANT', reason: /^PITR is on with a 35-day recovery period$/, actions: [] },
    {
      name: 'compliant: no declared period means 35 days, and an observed 35 days matches',
      spec: { pointInTimeRecovery: { enabled: true } },
      status: 'COMPLIANT',
      reason: /35-day recovery period/,
      actions: [],
    },
    {
      name: 'compliant: observed period unreported counts as the 35-day default',
      observed: { pointInTimeRecovery: { enabled: true } },
      status: 'COMPLIANT',
      reason: /35-day/,
      actions: [],
    },
    {
      name: 'compliant: declared off and observed off',
      spec: { pointInTimeRecovery: { enabled: false } },
      observed: { pointInTimeRecovery: { enabled: false } },
      status: 'COMPLIANT',
      reason: /^PITR is off, as declared$/,
      actions: [],
    },
    // Non-compliant
    {
      name: 'non-compliant: off, declared on → enable (safe) with the declared period',
      spec: { pointInTimeRecovery: { enabled: true, recoveryPeriodDays: 14 } },
      observed: { pointInTimeRecovery: { enabled: false } },
      status: 'NON_COMPLIANT',
      reason: /^PITR is off$/,
      actions: [{ type: 'UpdatePointInTimeRecovery', enabled: true, recoveryPeriodDays: 14, risk: 'safe', reason: 'enable PITR with a 14-day recovery period' }],
    },
    {
      name: 'non-compliant: off, declared on without a period → enable with 35 days',
      spec: { pointInTimeRecovery: { enabled: true } },
      observed: { pointInTimeRecovery: { enabled: false } },
      status: 'NON_COMPLIANT',
      reason: /PITR is off/,
      actions: [{ type: 'UpdatePointInTimeRecovery', enabled: true, recoveryPeriodDays: 35, risk: 'safe', reason: 'enable PITR with a 35-day recovery period' }],
    },
    {
      name: 'non-compliant: shortening the recovery period drops restore points → disruptive',
      spec: { pointInTimeRecovery: { enabled: true, recoveryPeriodDays: 7 } },
      status: 'NON_COMPLIANT',
      reason: /^PITR recovery period is 35 days, want 7$/,
      actions: [{ type: 'UpdatePointInTimeRecovery', enabled: true, recoveryPeriodDays: 7, risk: 'disruptive', reason: 'change the PITR recovery period from 35 to 7 days' }],
    },
    {
      name: 'non-compliant: lengthening the recovery period → safe',
      observed: { pointInTimeRecovery: { enabled: true, recoveryPeriodDays: 7 } },
      status: 'NON_COMPLIANT',
      reason: /period is 7 days, want 35/,
      actions: [{ type: 'UpdatePointInTimeRecovery', enabled: true, recoveryPeriodDays: 35, risk: 'safe', reason: 'change the PITR recovery period from 7 to 35 days' }],
    },
    {
      name: 'safety: on, declared enabled: false explicitly → disable, disruptive',
      spec: { pointInTimeRecovery: { enabled: false } },
      status: 'NON_COMPLIANT',
      reason: /on but the desired state turns it off/,
      actions: [{ type: 'UpdatePointInTimeRecovery', enabled: false, risk: 'disruptive', reason: 'disable PITR as declared (continuous backups are lost)' }],
    },
    // Not applicable: never turns PITR off when the desired state says nothing
    {
      name: 'not applicable: not declared, PITR on → left on',
      spec: { pointInTimeRecovery: undefined },
      status: 'NOT_APPLICABLE',
      reason: /pointInTimeRecovery is not declared/,
      actions: [],
    },
    {
      name: 'not applicable: not declared, PITR off → left off',
      spec: { pointInTimeRecovery: undefined },
      observed: { pointInTimeRecovery: { enabled: false } },
      status: 'NOT_APPLICABLE',
      reason: /not declared/,
      actions: [],
    },
    {
      name: 'not applicable: unmanaged table whose baseline does not set PITR',
      desired: unmanagedTable({ pointInTimeRecovery: undefined }),
      status: 'NOT_APPLICABLE',
      reason: /not declared/,
      actions: [],
    },
    // Missing vs empty: observed undefined (not read) behaves like { enabled: false }
    {
      name: 'missing: observed undefined, declared on → enable',
      observed: { pointInTimeRecovery: undefined },
      status: 'NON_COMPLIANT',
      reason: /^PITR is off$/,
      actions: [{ type: 'UpdatePointInTimeRecovery', enabled: true, recoveryPeriodDays: 35, risk: 'safe', reason: 'enable PITR with a 35-day recovery period' }],
    },
    {
      name: 'empty: observed { enabled: false }, declared on → the same enable',
      observed: { pointInTimeRecovery: { enabled: false } },
      status: 'NON_COMPLIANT',
      reason: /^PITR is off$/,
      actions: [{ type: 'UpdatePointInTimeRecovery', enabled: true, recoveryPeriodDays: 35, risk: 'safe', reason: 'enable PITR with a 35-day recovery period' }],
    },
    {
      name: 'missing: observed undefined, declared off → compliant, no disable',
      spec: { pointInTimeRecovery: { enabled: false } },
      observed: { pointInTimeRecovery: undefined },
      status: 'COMPLIANT',
      reason: /off, as declared/,
      actions: [],
    },
    // New table: CreateTable cannot turn PITR on
    {
      name: 'new table: PITR is enabled right after CreateTable',
      exists: false,
      status: 'NON_COMPLIANT',
      reason: /^PITR is off$/,
      actions: [{ type: 'UpdatePointInTimeRecovery', enabled: true, recoveryPeriodDays: 35, risk: 'safe', reason: 'enable PITR with a 35-day recovery period' }],
    },
  ]))('%s', (_name, row) => {
    // Prepare
    const context = caseContext(row);
    // Act
    const assessment = pitrControl.assess(context);
    // Assess
    expect(assessment).toEqual(expectedAssessment(row));
  });

  it('never proposes turning PITR off unless the desired state says enabled: false', () => {
    // Prepare
    const observedStates = [{ enabled: true }, { enabled: true, recoveryPeriodDays: 1 }, { enabled: true, recoveryPeriodDays: 35 }];
    const declarations = [undefined, { enabled: true }, { enabled: true, recoveryPeriodDays: 1 }, { enabled: true, recoveryPeriodDays: 35 }];
    // Act
    const disables = observedStates.flatMap((pointInTimeRecovery) =>
      declarations.flatMap((declared) =>
        pitrControl.plan(context({ desired: desiredTable({ pointInTimeRecovery: declared }), observed: observedTable({ pointInTimeRecovery }) })),
      ),
    ).filter((action) => action.type === 'UpdatePointInTimeRecovery' && !action.enabled);
    // Assess
    expect(disables).toEqual([]);
  });
});
