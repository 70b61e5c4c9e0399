import { describe, expect, it } from 'vitest';
import type { ControlContext } from '../../../functions/core/controls/control.ts';
import { CONTROL_IDS, CONTROLS, controlById, UNWAIVABLE_CONTROLS } from '../../../functions/core/controls/index.ts';
import type { ControlId } from '../../../functions/core/model/plan.ts';
import { account, awsManagedKey, context, desiredTable, newTableContext, observedTable, unmanagedTable } from './fixtures.ts';

const ALL_IDS: ControlId[] = [
  'TW-TABLE-EXISTS',
  'TW-SSE',
  'TW-KMS-ROTATION',
  'TW-PITR',
  'TW-DELETION-PROTECTION',
  'TW-BACKUP-COVERAGE',
  'TW-TAGS',
  'TW-TTL',
  'TW-STREAM',
  'TW-BILLING',
  'TW-TABLE-CLASS',
  'TW-CONTRIBUTOR-INSIGHTS',
  'TW-GSI',
];

/** Sample contexts: converged, drifted on every setting, not created yet, unmanaged baseline table. */
const SAMPLES: Array<{ sample: string; build: () => ControlContext }> = [
  { sample: 'converged', build: () => context() },
  {
    sample: 'drifted everywhere',
    build: () =>
      context({
        desired: desiredTable({ contributorInsights: true, billing: { mode: 'PROVISIONED', readCapacity: 10, writeCapacity: 5 } }),
        observed: observedTable({
          keySchema: { partitionKey: { name: 'id', type: 'N' } },
          sse: { type: 'AWS_OWNED' },
          kmsKey: undefined,
          pointInTimeRecovery: { enabled: false },
          deletionProtection: false,
          tags: { team: 'billing' },
          timeToLive: { status: 'ENABLED', attributeName: 'ttl' },
          stream: { enabled: true, viewType: 'KEYS_ONLY' },
          tableClass: 'STANDARD_INFREQUENT_ACCESS',
          contributorInsights: 'DISABLED',
          globalSecondaryIndexes: [{ name: 'legacy', partitionKey: { name: 'oldId', type: 'N' }, projection: { type: 'ALL' }, status: 'ACTIVE' }],
          backup: { planNames: [] },
        }),
        account: account({ kmsKeysByAlias: { 'alias/aws/dynamodb': awsManagedKey() } }),
      }),
  },
  { sample: 'new table', build: () => newTableContext({ contributorInsights: true }) },
  { sample: 'unmanaged baseline table', build: () => context({ desired: unmanagedTable(), observed: observedTable({ deletionProtection: false }) }) },
];

describe('control registry', () => {
  it('lists the 13 controls in report order, each once', () => {
    // Prepare
    const ids = CONTROLS.map((control) => control.id);
    // Act
    const unique = new Set(ids);
    // Assess
    expect(ids).toEqual(ALL_IDS);
    expect(unique.size).toBe(ids.length);
    expect(CONTROL_IDS).toEqual(ids);
  });

  it.each(CONTROLS.map((control) => ({ id: control.id, control })))('$id has a well-formed id and complete documentation', ({ control }) => {
    // Prepare
    const { id, title, rationale, references, permissions } = control;
    // Act
    const url = new URL(references.documentation);
    // Assess
    expect(id).toMatch(/^TW-[A-Z-]+$/);
    expect(title.trim()).not.toBe('');
    expect(rationale.trim()).not.toBe('');
    expect(references.documentation.trim()).not.toBe('');
    expect(url.protocol).toBe('https:');
    expect(url.hostname).toMatch(/(^|\.)amazon\.com$/);
    for (const action of [...permissions.observe, ...permissions.apply]) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
    expect(permissions.observe.length).toBeGreaterThan(0);
    expect(permissions.apply.length).toBeGreaterThan(0);
  });

  it('controlById finds every control and rejects an unknown id', () => {
    // Prepare
    const ids = CONTROLS.map((control) => control.id);
    // Act
    const found = ids.map((id) => controlById(id));
    // Assess
    expect(found).toEqual([...CONTROLS]);
    expect(() => controlById('TW-NOPE' as ControlId)).toThrow('unknown control TW-NOPE');
  });

  it('only TW-TABLE-EXISTS is unwaivable', () => {
    // Prepare
    // Act
    const unwaivable = [...UNWAIVABLE_CONTROLS];
    // Assess
    expect(unwaivable).toEqual(['TW-TABLE-EXISTS']);
  });

  it('every control judges the converged fixture COMPLIANT with no actions', () => {
    // Prepare
    const ctx = context();
    // Act
    const verdicts = Object.fromEntries(CONTROLS.map((control) => [control.id, control.assess(ctx)]));
    // Assess
    expect(verdicts).toEqual(Object.fromEntries(ALL_IDS.map((id) => [id, { status: 'COMPLIANT', reason: expect.any(String), actions: [] }])));
  });

  it('every control has something to say about the drifted fixture', () => {
    // Prepare
    const ctx = SAMPLES[1]!.build();
    // Act
    const statuses = Object.fromEntries(CONTROLS.map((control) => [control.id, control.assess(ctx).status]));
    // Assess
    expect(statuses).toEqual(Object.fromEntries(ALL_IDS.map((id) => [id, 'NON_COMPLIANT'])));
  });

  const pairs = CONTROLS.flatMap((control) => SAMPLES.map(({ sample, build }) => ({ id: control.id, sample, control, build })));
  it.each(pairs)('$id: evaluate and plan agree with assess ($sample)', ({ control, build }) => {
    // Prepare
    const ctx = build();
    // Act
    const assessment = control.assess(ctx);
    const finding = control.evaluate(ctx);
    const actions = control.plan(ctx);
    // Assess
    expect(finding).toEqual({ status: assessment.status, reason: assessment.reason });
    expect(actions).toEqual(assessment.actions);
    if (assessment.status !== 'NON_COMPLIANT') expect(assessment.actions).toEqual([]);
    for (const action of actions) {
      expect(['safe', 'disruptive']).toContain(action.risk);
      expect(action.reason.trim()).not.toBe('');
    }
  });
});
