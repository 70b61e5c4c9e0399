/**
 * Coverage lookup: `plansCovering` files tag selections under the (key, value) they require, so a table meets only
 * the selections it can match. It must answer exactly what testing every selection with the core predicate answers.
 */
import { describe, expect, it } from 'vitest';
import { plansCovering, type BackupIndex } from '../../functions/aws/observe-backup.ts';
import { selectionCoversResource, type BackupSelectionRule, type SelectableResource } from '../../functions/core/backup-selection.ts';

const ARN = (name: string) => `arn:aws:dynamodb:us-east-1:123456789012:table/${name}`;
const eq = (key: string, value: string) => ({ conditionKey: `aws:ResourceTag/${key}`, conditionValue: value });

const RULES: Array<[string, BackupSelectionRule]> = [
  ['tablewarden', { resources: ['arn:aws:dynamodb:*:*:table/*'], conditions: { stringEquals: [eq('tablewarden:backup-plan', 'daily')] } }],
  ['two-conditions', { resources: ['arn:aws:dynamodb:*:*:table/*'], conditions: { stringEquals: [eq('team', 'a'), eq('env', 'prod')] } }],
  ['list-of-tags', { listOfTags: [{ conditionType: 'STRINGEQUALS', conditionKey: 'backup', conditionValue: 'yes' }, { conditionType: 'STRINGEQUALS', conditionKey: 'aws:ResourceTag/tier', conditionValue: 'gold' }] }],
  ['list-of-tags-bad-type', { listOfTags: [{ conditionType: 'STRINGLIKE', conditionKey: 'backup', conditionValue: 'y*' }] }],
  ['resources-or-tags', { resources: [ARN('Orders')], listOfTags: [{ conditionType: 'STRINGEQUALS', conditionKey: 'backup', conditionValue: 'yes' }] }],
  ['by-arn', { resources: [ARN('Cust*')], notResources: [ARN('Customers-old')] }],
  ['like', { conditions: { stringLike: [{ conditionKey: 'aws:ResourceTag/team', conditionValue: 'pay*' }] } }],
  ['not-equals', { resources: ['*'], conditions: { stringNotEquals: [eq('env', 'dev')] } }],
  ['unknown-key', { conditions: { stringEquals: [{ conditionKey: 'aws:RequestTag/x', conditionValue: 'y' }] } }],
  ['everything', {}],
];

const RESOURCES: SelectableResource[] = [
  { arn: ARN('Orders'), tags: {} },
  { arn: ARN('Customers'), tags: { 'tablewarden:backup-plan': 'daily', team: 'payments' } },
  { arn: ARN('Customers-old'), tags: { backup: 'yes', env: 'dev' } },
  { arn: ARN('Ledger'), tags: { team: 'a', env: 'prod', tier: 'gold' } },
  { arn: ARN('Scratch'), tags: { team: 'a', env: 'dev', 'tablewarden:backup-plan': 'weekly' } },
];

describe('plansCovering', () => {
  it.each(RESOURCES.map((resource) => [resource.arn.split('/')[1], resource] as const))('%s: same plans as testing every selection', (_name, resource) => {
    // Prepare: every rule in its own plan, and every rule again in one shared plan.
    const index: BackupIndex = {
      selections: [...RULES.map(([name, rule]) => ({ planName: name, selectionName: name, rule })), ...RULES.map(([name, rule]) => ({ planName: 'shared', selectionName: `s-${name}`, rule }))],
      lastBackupByArn: {},
    };
    const expected = [...new Set(index.selections.filter((selection) => selectionCoversResource(selection.rule, resource)).map((selection) => selection.planName))].sort();
    // Act
    const plans = plansCovering(index, resource);
    // Assess
    expect(plans).toEqual(expected);
  });

  it('finds the tag-based selection among many without testing the others', () => {
    // Prepare: 1,000 plans, each with its own tag-based selection.
    const index: BackupIndex = {
      selections: Array.from({ length: 1000 }, (_, i) => ({
        planName: `plan-${i}`,
        selectionName: `tablewarden-plan-${i}`,
        rule: { resources: ['arn:aws:dynamodb:*:*:table/*'], conditions: { stringEquals: [eq('tablewarden:backup-plan', `plan-${i}`)] } },
      })),
      lastBackupByArn: {},
    };
    // Act
    const plans = plansCovering(index, { arn: ARN('T'), tags: { 'tablewarden:backup-plan': 'plan-731' } });
    // Assess
    expect(plans).toEqual(['plan-731']);
  });
});
