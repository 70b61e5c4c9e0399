import { describe, expect, it } from 'vitest';
import { tagsControl } from '../../../functions/core/controls/tags.ts';
import { caseContext, cases, context, desiredTable, expectedAssessment, observedTable, unmanagedTable } from './fixtures.ts';

const DECLARED = { 'managed-by': 'tablewarden', 'data-classification': 'confidential', 'cost-center': 'payments' };

describe('TW-TAGS', () => {
  it.each(cases([
    // Compliant
    { name: 'compliant: all declared tags set', status: 'COMPLIANT', reason: /^all 3 declared tags are set$/, actions: [] },
    {
      name: 'compliant: extra observed tags are someone else’s and are fine',
      observed: { tags: { ...DECLARED, team: 'billing', 'aws:cloudformation:stack-name': 'legacy' } },
      status: 'COMPLIANT',
      reason: /all 3 declared tags are set/,
      actions: [],
    },
    // Non-compliant: only the wrong or missing tags go into one TagResource call, sorted by key
    {
      name: 'non-compliant: one tag missing',
      observed: { tags: { 'managed-by': 'tablewarden', 'data-classification': 'confidential' } },
      status: 'NON_COMPLIANT',
      reason: /^tags differ: cost-center missing$/,
      actions: [{ type: 'TagResource', tags: { 'cost-center': 'payments' }, risk: 'safe', reason: 'set tag cost-center' }],
    },
    {
      name: 'non-compliant: a wrong value and a missing tag, extra tags untouched',
      observed: { tags: { 'managed-by': 'tablewarden', 'data-classification': 'public', team: 'billing' } },
      status: 'NON_COMPLIANT',
      reason: /^tags differ: cost-center missing, data-classification=public \(want confidential\)$/,
      actions: [{ type: 'TagResource', tags: { 'cost-center': 'payments', 'data-classification': 'confidential' }, risk: 'safe', reason: 'set tags cost-center, data-classification' }],
    },
    {
      name: 'non-compliant: an empty value is a value',
      spec: { tags: { ...DECLARED, note: '' } },
      status: 'NON_COMPLIANT',
      reason: /^tags differ: note missing$/,
      actions: [{ type: 'TagResource', tags: { note: '' }, risk: 'safe', reason: 'set tag note' }],
    },
    {
      name: 'non-compliant: no tags at all',
      observed: { tags: {} },
      status: 'NON_COMPLIANT',
      reason: /cost-center missing, data-classification missing, managed-by missing/,
      actions: [{ type: 'TagResource', tags: DECLARED, risk: 'safe', reason: 'set tags cost-center, data-classification, managed-by' }],
    },
    // Missing vs empty: neither absent nor {} ever removes a tag
    {
      name: 'missing: tags not declared → not applicable, observed tags left alone',
      spec: { tags: undefined },
      observed: { tags: { team: 'billing' } },
      status: 'NOT_APPLICABLE',
      reason: /^no tags are declared$/,
      actions: [],
    },
    {
      name: 'empty: tags {} → compliant, observed tags left alone (no UntagResource)',
      spec: { tags: {} },
      observed: { tags: { ...DECLARED, team: 'billing' } },
      status: 'COMPLIANT',
      reason: /^no tags are declared$/,
      actions: [],
    },
    {
      name: 'unmanaged table: baseline tags only',
      desired: unmanagedTable(),
      observed: { tags: { team: 'billing' } },
      status: 'NON_COMPLIANT',
      reason: /^tags differ: managed-by missing$/,
      actions: [{ type: 'TagResource', tags: { 'managed-by': 'tablewarden' }, risk: 'safe', reason: 'set tag managed-by' }],
    },
    // New table: CreateTable carries the tags
    { name: 'new table: CreateTable sets the tags', exists: false, status: 'COMPLIANT', reason: /all 3 declared tags/, actions: [] },
  ]))('%s', (_name, row) => {
    // Prepare
    const ctx = caseContext(row);
    // Act
    const assessment = tagsControl.assess(ctx);
    // Assess
    expect(assessment).toEqual(expectedAssessment(row));
  });

  it('never proposes an action that removes or rewrites an undeclared tag', () => {
    // Prepare
    const ctx = context({
      desired: desiredTable({ tags: { 'cost-center': 'payments' } }),
      observed: observedTable({ tags: { 'cost-center': 'marketing', team: 'billing', owner: 'someone-else' } }),
    });
    // Act
    const actions = tagsControl.plan(ctx);
    // Assess
    expect(actions).toEqual([{ type: 'TagResource', tags: { 'cost-center': 'payments' }, risk: 'safe', reason: 'set tag cost-center' }]);
  });
});

describe('TW-TAGS with tag keys that are also Object.prototype names', () => {
  it('reports a missing "constructor" tag as missing', () => {
    // Prepare
    // Act
    const result = tagsControl.assess(context({ desired: desiredTable({ tags: { constructor: 'x' } }), observed: observedTable({ tags: {} }) }));
    // Assess
    expect(result.reason).toBe('tags differ: constructor missing');
  });
});
