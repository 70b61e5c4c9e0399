// The local "Config Rules Compliance Change" event (local/config-events.ts) against AWS's documented example
// (test/fixtures/config/compliance-change-event.json; sources: test/fixtures/config/README.md, _source below).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { complianceChangeEvent } from '../../local/config-events.ts';

const _source = 'https://docs.aws.amazon.com/config/latest/developerguide/example-config-rule-compliance-notification.html';
const SAMPLE = JSON.parse(readFileSync(new URL('../fixtures/config/compliance-change-event.json', import.meta.url), 'utf8')) as Record<string, unknown>;

/** Every key path of a JSON value, with the JSON type at it (arrays by their element paths). */
function keyPaths(value: unknown, prefix = '$'): string[] {
  if (Array.isArray(value)) return [`${prefix}:array`, ...value.flatMap((v) => keyPaths(v, `${prefix}[]`))];
  if (value !== null && typeof value === 'object') {
    return [`${prefix}:object`, ...Object.entries(value).flatMap(([k, v]) => keyPaths(v, `${prefix}.${k}`))];
  }
  return [`${prefix}:${value === null ? 'null' : typeof value}`];
}

const NOW = new Date('2026-06-01T12:00:00.000Z');
const input = {
  ruleName: 'tablewarden-dynamodb-pitr-enabled',
  ruleArn: 'arn:aws:config:eu-west-1:111122223333:config-rule/config-rule-abc123',
  resourceType: 'AWS::DynamoDB::Table',
  resourceId: 'orders',
  newType: 'NON_COMPLIANT' as const,
  time: NOW,
  account: '111122223333',
  region: 'eu-west-1',
};

describe('complianceChangeEvent', () => {
  it(`has exactly the key structure of AWS's documented example (${_source})`, () => {
    // Act
    const event = complianceChangeEvent({ ...input, oldType: 'COMPLIANT' });
    // Assess
    expect(keyPaths(event).sort()).toEqual(keyPaths(SAMPLE).sort());
  });

  it('leaves oldEvaluationResult out on a first evaluation, and otherwise keeps the structure', () => {
    // Act
    const event = complianceChangeEvent(input);
    // Assess
    const withoutOld = keyPaths(SAMPLE).filter((path) => !path.startsWith('$.detail.oldEvaluationResult'));
    expect(keyPaths(event).sort()).toEqual(withoutOld.sort());
    expect(event.detail).not.toHaveProperty('oldEvaluationResult');
  });

  it("says configRuleARN (not configRuleArn) and carries the rule, resource, result and annotation it was given", () => {
    // Act
    const event = complianceChangeEvent({ ...input, oldType: 'COMPLIANT', annotation: 'PITR off', id: 'e-1' });
    // Assess
    expect(event).toMatchObject({
      id: 'e-1',
      source: 'aws.config',
      'detail-type': 'Config Rules Compliance Change',
      account: '111122223333',
      region: 'eu-west-1',
      time: '2026-06-01T12:00:01Z',
      detail: {
        configRuleARN: input.ruleArn,
        configRuleName: input.ruleName,
        resourceId: 'orders',
        awsAccountId: '111122223333',
        awsRegion: 'eu-west-1',
        messageType: 'ComplianceChangeNotification',
        newEvaluationResult: {
          evaluationResultIdentifier: { evaluationResultQualifier: { configRuleName: input.ruleName, resourceType: 'AWS::DynamoDB::Table', resourceId: 'orders' } },
          complianceType: 'NON_COMPLIANT',
          resultRecordedTime: NOW.toISOString(),
          annotation: 'PITR off',
        },
        oldEvaluationResult: { complianceType: 'COMPLIANT', annotation: null },
      },
    });
    expect(event.detail).not.toHaveProperty('configRuleArn');
  });
});
