import { describe, expect, it } from 'vitest';
import { arnMatches, selectionCoversResource, type BackupSelectionRule, type SelectableResource } from '../../functions/core/backup-selection.ts';

const ARN = 'arn:aws:dynamodb:us-east-1:111122223333:table/Customers';
const OTHER_ARN = 'arn:aws:dynamodb:us-east-1:111122223333:table/Orders';
const EBS_ARN = 'arn:aws:ec2:us-east-1:111122223333:volume/vol-0abc';

const table = (tags: Record<string, string> = {}, arn = ARN): SelectableResource => ({ arn, tags });
const eq = (key: string, value: string) => ({ conditionKey: `aws:ResourceTag/${key}`, conditionValue: value });
const listTag = (key: string, value: string, conditionType = 'STRINGEQUALS') => ({ conditionType, conditionKey: key, conditionValue: value });

describe('selectionCoversResource', () => {
  it.each<[string, BackupSelectionRule, SelectableResource, boolean]>([
    // Resources
    ['Resources "*" selects everything', { resources: ['*'] }, table(), true],
    ['an exact ARN selects that table', { resources: [ARN] }, table(), true],
    ['an exact ARN does not select another table', { resources: [OTHER_ARN] }, table(), false],
    ['a wildcard ARN for all DynamoDB tables', { resources: ['arn:aws:dynamodb:*:*:table/*'] }, table(), true],
    ['a prefix wildcard', { resources: ['arn:aws:dynamodb:us-east-1:111122223333:table/Cust*'] }, table(), true],
    ['a wildcard for another service', { resources: ['arn:aws:ec2:*:*:volume/*'] }, table(), false],
    ['Resources are OR-ed', { resources: [OTHER_ARN, ARN] }, table(), true],
    ['ARN matching is case-sensitive', { resources: ['arn:aws:dynamodb:us-east-1:111122223333:table/customers'] }, table(), false],
    ['regex metacharacters in ARNs are literal', { resources: ['arn:aws:dynamodb:us-east-1:111122223333:table/Customers.'] }, table({}, `${ARN}X`), false],
    // NotResources
    ['NotResources excludes a table Resources selected', { resources: ['*'], notResources: [ARN] }, table(), false],
    ['NotResources wildcard excludes', { resources: ['*'], notResources: ['arn:aws:dynamodb:*:*:table/Cust*'] }, table(), false],
    ['NotResources for other resources does not exclude', { resources: ['*'], notResources: ['arn:aws:ec2:*:*:volume/*'] }, table(), true],
    // ListOfTags (OR-ed, and OR-ed with Resources)
    ['ListOfTags matches a tagged table', { listOfTags: [listTag('backup', 'daily')] }, table({ backup: 'daily' }), true],
    ['ListOfTags value mismatch', { listOfTags: [listTag('backup', 'daily')] }, table({ backup: 'weekly' }), false],
    ['ListOfTags missing tag', { listOfTags: [listTag('backup', 'daily')] }, table(), false],
    ['ListOfTags entries are OR-ed', { listOfTags: [listTag('backup', 'weekly'), listTag('tier', 'gold')] }, table({ tier: 'gold' }), true],
    ['ListOfTags accepts the aws:ResourceTag/ key form', { listOfTags: [listTag('aws:ResourceTag/backup', 'daily')] }, table({ backup: 'daily' }), true],
    ['ListOfTags is case-sensitive', { listOfTags: [listTag('backup', 'Daily')] }, table({ backup: 'daily' }), false],
    ['an unknown ListOfTags ConditionType never matches', { listOfTags: [listTag('backup', 'daily', 'STRINGLIKE')] }, table({ backup: 'daily' }), false],
    ['Resources OR ListOfTags: selected by tag only', { resources: [EBS_ARN], listOfTags: [listTag('backup', 'daily')] }, table({ backup: 'daily' }), true],
    ['Resources OR ListOfTags: selected by ARN only', { resources: [ARN], listOfTags: [listTag('backup', 'daily')] }, table(), true],
    ['Resources OR ListOfTags: neither', { resources: [EBS_ARN], listOfTags: [listTag('backup', 'daily')] }, table(), false],
    ['NotResources also removes what ListOfTags selected', { listOfTags: [listTag('backup', 'daily')], notResources: [ARN] }, table({ backup: 'daily' }), false],
    // Conditions (AND-ed, and AND-ed with Resources)
    ['StringEquals holds', { resources: ['*'], conditions: { stringEquals: [eq('backup', 'true')] } }, table({ backup: 'true' }), true],
    ['StringEquals fails on another value', { resources: ['*'], conditions: { stringEquals: [eq('backup', 'true')] } }, table({ backup: 'false' }), false],
    ['StringEquals fails on a missing tag', { resources: ['*'], conditions: { stringEquals: [eq('backup', 'true')] } }, table(), false],
    [
      'Conditions are AND-ed: both hold',
      { resources: ['*'], conditions: { stringEquals: [eq('backup', 'true'), eq('stage', 'prod')] } },
      table({ backup: 'true', stage: 'prod' }),
      true,
    ],
    [
      'Conditions are AND-ed: one fails',
      { resources: ['*'], conditions: { stringEquals: [eq('backup', 'true'), eq('stage', 'prod')] } },
      table({ backup: 'true', stage: 'dev' }),
      false,
    ],
    [
      'Conditions AND-ed across operators',
      { resources: ['*'], conditions: { stringEquals: [eq('backup', 'true')], stringNotEquals: [eq('stage', 'dev')] } },
      table({ backup: 'true', stage: 'dev' }),
      false,
    ],
    ['StringNotEquals holds for another value', { resources: ['*'], conditions: { stringNotEquals: [eq('stage', 'dev')] } }, table({ stage: 'prod' }), true],
    ['StringNotEquals holds when the tag is absent', { resources: ['*'], conditions: { stringNotEquals: [eq('stage', 'dev')] } }, table(), true],
    ['StringLike with a wildcard', { resources: ['*'], conditions: { stringLike: [eq('stage', 'prod*')] } }, table({ stage: 'production' }), true],
    ['StringLike with wildcards on both sides', { resources: ['*'], conditions: { stringLike: [eq('stage', '*rod*')] } }, table({ stage: 'production' }), true],
    ['StringLike wildcard spans spaces in values', { resources: ['*'], conditions: { stringLike: [eq('owner', 'team *')] } }, table({ owner: 'team data platform' }), true],
    ['StringLike mismatch', { resources: ['*'], conditions: { stringLike: [eq('stage', 'prod*')] } }, table({ stage: 'dev' }), false],
    ['StringLike fails on a missing tag', { resources: ['*'], conditions: { stringLike: [eq('stage', '*')] } }, table(), false],
    ['StringNotLike holds', { resources: ['*'], conditions: { stringNotLike: [eq('stage', 'dev*')] } }, table({ stage: 'prod' }), true],
    ['StringNotLike fails', { resources: ['*'], conditions: { stringNotLike: [eq('stage', 'dev*')] } }, table({ stage: 'dev-1' }), false],
    ['StringNotLike holds when the tag is absent', { resources: ['*'], conditions: { stringNotLike: [eq('stage', 'dev*')] } }, table(), true],
    ['Resources AND Conditions: ARN outside Resources', { resources: [EBS_ARN], conditions: { stringEquals: [eq('backup', 'true')] } }, table({ backup: 'true' }), false],
    ['Conditions alone select from every resource', { conditions: { stringEquals: [eq('backup', 'true')] } }, table({ backup: 'true' }), true],
    ['Conditions alone exclude a non-matching resource', { conditions: { stringEquals: [eq('backup', 'true')] } }, table(), false],
    ['Conditions also filter what ListOfTags selected', { listOfTags: [listTag('backup', 'daily')], conditions: { stringEquals: [eq('stage', 'prod')] } }, table({ backup: 'daily', stage: 'dev' }), false],
    ['a condition key that is not aws:ResourceTag/ cannot hold', { resources: ['*'], conditions: { stringEquals: [{ conditionKey: 'backup', conditionValue: 'true' }] } }, table({ backup: 'true' }), false],
    ['empty condition lists are no conditions', { resources: ['*'], conditions: { stringEquals: [], stringNotEquals: [], stringLike: [], stringNotLike: [] } }, table(), true],
    // Nothing at all
    ['an empty selection selects every resource', {}, table(), true],
    ['empty lists are an empty selection', { resources: [], listOfTags: [], notResources: [] }, table(), true],
    ['an empty selection still honours NotResources', { notResources: [ARN] }, table(), false],
  ])('%s', (_name, selection, resource, expected) => {
    // Prepare (the table row)
    // Act
    const covered = selectionCoversResource(selection, resource);
    // Assess
    expect(covered).toBe(expected);
  });

  it('does not treat inherited object properties as tags', () => {
    // Prepare
    const byTag: BackupSelectionRule = { listOfTags: [listTag('constructor', 'x')] };
    const byCondition: BackupSelectionRule = { conditions: { stringLike: [eq('toString', '*')] } };
    const byNegation: BackupSelectionRule = { conditions: { stringNotLike: [eq('hasOwnProperty', '*')] } };
    // Act + Assess
    expect(selectionCoversResource(byTag, table())).toBe(false);
    expect(selectionCoversResource(byCondition, table())).toBe(false);
    expect(selectionCoversResource(byNegation, table())).toBe(true);
  });
});

describe('arnMatches', () => {
  it.each<[string, string, boolean]>([
    ['*', 'anything at all', true],
    ['arn:aws:dynamodb:*:*:table/*', ARN, true],
    ['arn:aws:dynamodb:*:*:table/*', `${ARN}/index/byEmail`, true],
    ['arn:aws:dynamodb:*:*:table/Orders', ARN, false],
    ['arn:aws:dynamodb:*:*:table/C?stomers', ARN, false],
  ])('%s vs %s ⇒ %s', (pattern, arn, expected) => {
    // Act + Assess
    expect(arnMatches(pattern, arn)).toBe(expected);
  });
});
