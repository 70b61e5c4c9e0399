/**
 * functions/aws/config-compliance.ts with the exact requests pinned (aws-sdk-client-mock): page size, the
 * NON_COMPLIANT filter, NextToken threading, 25 rule names per StartConfigRulesEvaluation, and what Config's
 * errors mean to the sweep.
 */
import { GetComplianceDetailsByConfigRuleCommand, LimitExceededException, NoSuchConfigRuleException, StartConfigRulesEvaluationCommand } from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { nonCompliantResources, startConfigRulesEvaluation, sweepConfigRules } from '../../functions/aws/config-compliance.ts';
import type { ConfigRuleIdentifier } from '../../functions/core/config/rules.ts';

let clients: AwsClients;
let config: ReturnType<typeof mockClient>;

beforeEach(() => {
  clients = createClients({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  config = mockClient(clients.config);
});

const result = (name: string, annotation?: string) => ({
  EvaluationResultIdentifier: { EvaluationResultQualifier: { ConfigRuleName: 'pitr', ResourceType: 'AWS::DynamoDB::Table', ResourceId: name } },
  ComplianceType: 'NON_COMPLIANT' as const,
  ResultRecordedTime: new Date('2026-01-01T01:00:00.000Z'),
  ...(annotation ? { Annotation: annotation } : {}),
});
const noSuchRule = () => new NoSuchConfigRuleException({ message: 'The ConfigRule does not exist', $metadata: { httpStatusCode: 400 } });

describe('nonCompliantResources', () => {
  it('asks for NON_COMPLIANT results 100 at a time and follows NextToken until it is absent', async () => {
    // Prepare: three pages.
    config
      .on(GetComplianceDetailsByConfigRuleCommand)
      .resolvesOnce({ EvaluationResults: [result('A', 'PITR is off')], NextToken: 't1' })
      .resolvesOnce({ EvaluationResults: [result('B')], NextToken: 't2' })
      .resolvesOnce({ EvaluationResults: [result('C')] });
    // Act
    const resources = await nonCompliantResources(clients.config, 'pitr');
    // Assess
    expect(config.commandCalls(GetComplianceDetailsByConfigRuleCommand).map((call) => call.args[0].input)).toEqual([
      { ConfigRuleName: 'pitr', ComplianceTypes: ['NON_COMPLIANT'], Limit: 100 },
      { ConfigRuleName: 'pitr', ComplianceTypes: ['NON_COMPLIANT'], Limit: 100, NextToken: 't1' },
      { ConfigRuleName: 'pitr', ComplianceTypes: ['NON_COMPLIANT'], Limit: 100, NextToken: 't2' },
    ]);
    expect(resources).toEqual([
      { resourceType: 'AWS::DynamoDB::Table', resourceId: 'A', annotation: 'PITR is off', resultRecordedTime: '2026-01-01T01:00:00.000Z' },
      { resourceType: 'AWS::DynamoDB::Table', resourceId: 'B', resultRecordedTime: '2026-01-01T01:00:00.000Z' },
      { resourceType: 'AWS::DynamoDB::Table', resourceId: 'C', resultRecordedTime: '2026-01-01T01:00:00.000Z' },
    ]);
  });

  it('an empty page with a NextToken is not the end (Config may answer one)', async () => {
    // Prepare
    config.on(GetComplianceDetailsByConfigRuleCommand).resolvesOnce({ EvaluationResults: [], NextToken: 't1' }).resolvesOnce({ EvaluationResults: [result('A')] });
    // Act
    const resources = await nonCompliantResources(clients.config, 'pitr');
    // Assess
    expect(resources.map((resource) => resource.resourceId)).toEqual(['A']);
    expect(config.commandCalls(GetComplianceDetailsByConfigRuleCommand)).toHaveLength(2);
  });
});

describe('sweepConfigRules', () => {
  it('sweeps every rule; a rule Config does not know is reported as missing and the others are still swept', async () => {
    // Prepare
    config.on(GetComplianceDetailsByConfigRuleCommand, { ConfigRuleName: 'deleted-by-another-team' }).rejects(noSuchRule());
    config.on(GetComplianceDetailsByConfigRuleCommand, { ConfigRuleName: 'pitr' }).resolves({ EvaluationResults: [result('Orders')] });
    const rules = new Map<string, ConfigRuleIdentifier>([
      ['deleted-by-another-team', 'DYNAMODB_TABLE_ENCRYPTED_KMS'],
      ['pitr', 'DYNAMODB_PITR_ENABLED'],
    ]);
    // Act
    const findings = await sweepConfigRules(clients.config, rules, new Date('2026-01-02T00:00:00.000Z'));
    // Assess
    expect(findings).toEqual({
      collectedAt: '2026-01-02T00:00:00.000Z',
      rules: [
        { ruleName: 'deleted-by-another-team', identifier: 'DYNAMODB_TABLE_ENCRYPTED_KMS', nonCompliant: [], missing: 'NoSuchConfigRuleException: The ConfigRule does not exist' },
        { ruleName: 'pitr', identifier: 'DYNAMODB_PITR_ENABLED', nonCompliant: [{ resourceType: 'AWS::DynamoDB::Table', resourceId: 'Orders', resultRecordedTime: '2026-01-01T01:00:00.000Z' }] },
      ],
    });
  });

  it('any other error fails the sweep (findings silently lost would hide drift)', async () => {
    // Prepare
    config.on(GetComplianceDetailsByConfigRuleCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    // Act
    const sweep = sweepConfigRules(clients.config, new Map([['pitr', 'DYNAMODB_PITR_ENABLED']]), new Date());
    // Assess
    await expect(sweep).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('startConfigRulesEvaluation', () => {
  const names = (count: number) => Array.from({ length: count }, (_, index) => `rule-${String(index).padStart(2, '0')}`);

  it('sends the rule names 25 a call', async () => {
    // Prepare
    config.on(StartConfigRulesEvaluationCommand).resolves({});
    // Act
    const outcome = await startConfigRulesEvaluation(clients.config, names(53));
    // Assess
    expect(config.commandCalls(StartConfigRulesEvaluationCommand).map((call) => call.args[0].input.ConfigRuleNames)).toEqual([names(53).slice(0, 25), names(53).slice(25, 50), names(53).slice(50)]);
    expect(outcome).toEqual({ started: names(53), inProgress: [], missing: [] });
  });

  it('no rules: no call', async () => {
    // Act
    const outcome = await startConfigRulesEvaluation(clients.config, []);
    // Assess
    expect(config.commandCalls(StartConfigRulesEvaluationCommand)).toHaveLength(0);
    expect(outcome).toEqual({ started: [], inProgress: [], missing: [] });
  });

  it('a chunk naming an unknown rule is retried one rule a call: the known ones start, the unknown one is named', async () => {
    // Prepare
    config.on(StartConfigRulesEvaluationCommand, { ConfigRuleNames: ['pitr', 'gone'] }).rejects(noSuchRule());
    config.on(StartConfigRulesEvaluationCommand, { ConfigRuleNames: ['gone'] }).rejects(noSuchRule());
    config.on(StartConfigRulesEvaluationCommand, { ConfigRuleNames: ['pitr'] }).resolves({});
    // Act
    const outcome = await startConfigRulesEvaluation(clients.config, ['pitr', 'gone']);
    // Assess
    expect(config.commandCalls(StartConfigRulesEvaluationCommand).map((call) => call.args[0].input.ConfigRuleNames)).toEqual([['pitr', 'gone'], ['pitr'], ['gone']]);
    expect(outcome).toEqual({ started: ['pitr'], inProgress: [], missing: ['gone'] });
  });

  it('LimitExceededException (an evaluation is running, or a call less than a minute ago) counts as in progress', async () => {
    // Prepare
    config.on(StartConfigRulesEvaluationCommand).rejects(new LimitExceededException({ message: 'An evaluation is already in progress', $metadata: { httpStatusCode: 400 } }));
    // Act
    const outcome = await startConfigRulesEvaluation(clients.config, ['pitr']);
    // Assess
    expect(outcome).toEqual({ started: [], inProgress: ['pitr'], missing: [] });
  });

  it("the Config client's retry strategy gives up at once on LimitExceededException and still retries throttling", async () => {
    // Prepare: the SDK counts LimitExceededException as throttling; backing off does not end a running evaluation.
    const retrying = createClients({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 3 });
    const strategy = (await (retrying.config.config.retryStrategy as () => Promise<{
      acquireInitialRetryToken(scope: string): Promise<unknown>;
      refreshRetryTokenForRetry(token: unknown, info: unknown): Promise<unknown>;
    }>)());
    const limit = new LimitExceededException({ message: 'An evaluation is already in progress', $metadata: { httpStatusCode: 400 } });
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    // Act
    const token = await strategy.acquireInitialRetryToken('config');
    const onLimit = strategy.refreshRetryTokenForRetry(token, { error: limit, errorType: 'THROTTLING' });
    const onThrottle = strategy.refreshRetryTokenForRetry(await strategy.acquireInitialRetryToken('config'), { error: throttled, errorType: 'THROTTLING' });
    // Assess
    await expect(onLimit).rejects.toBe(limit);
    await expect(onThrottle).resolves.toBeDefined();
  });
});
