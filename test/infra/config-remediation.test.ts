/**
 * Event-driven remediation of AWS Config findings in the stack (infra/config-remediation.ts): the EventBridge rule's
 * exact event pattern, the encrypted queue with its dead-letter queue, the event source mapping (batching window,
 * ReportBatchItemFailures), who may send to the queue and use its key, and the config-events role: StartExecution on
 * Reconcile only. Synthesized with cdk-nag and CloudFormation's default rules as validation plugins (either throws);
 * bundling skipped (the handlers' code doesn't matter here).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_CONFIG_RULES } from '../../functions/core/config/rules.ts';
import { createOperatorApp } from '../../infra/app-factory.ts';
import { CONFIG_EVENTS_BATCH_SIZE, CONFIG_EVENTS_BATCHING_WINDOW, CONFIG_EVENTS_MAX_RECEIVES } from '../../infra/config-remediation.ts';
import type { OperatorStack } from '../../infra/operator-stack.ts';
import { handlerApiActions } from '../../infra/permissions.ts';
import { render, resourcesOfType, roleStatements, type TemplateJson } from './template-helpers.ts';

let outdir: string;
let stack: OperatorStack;
let template: TemplateJson;

const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnResource);
const props = (id: string) => template.Resources[id]!.Properties as Record<string, unknown>;

beforeAll(() => {
  // Prepare / Act: synthesis with cdk-nag (AwsSolutions) as a validation plugin throws on any unacknowledged finding.
  outdir = mkdtempSync(join(tmpdir(), 'tablewarden-config-remediation-'));
  ({ stack } = createOperatorApp({ app: { outdir, context: { 'aws:cdk:bundling-stacks': [] } } }));
  template = Template.fromStack(stack).toJSON() as TemplateJson;
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('ConfigRemediation', () => {
  it('listens for NON_COMPLIANT compliance changes of the DynamoDB rules on AWS::DynamoDB::Table, and sends them to the queue', () => {
    // Prepare
    const remediation = stack.warden.configRemediation;
    const tableRules = MANAGED_CONFIG_RULES.filter((rule) => rule.resourceType === 'AWS::DynamoDB::Table').map((rule) => rule.defaultName).sort();
    // Act
    const rule = props(logicalId(remediation.rule!));
    // Assess: the exact pattern (the KMS rule's findings are keys, not tables).
    expect(rule['EventPattern']).toEqual({
      source: ['aws.config'],
      'detail-type': ['Config Rules Compliance Change'],
      detail: { configRuleName: tableRules, resourceType: ['AWS::DynamoDB::Table'], newEvaluationResult: { complianceType: ['NON_COMPLIANT'] } },
    });
    expect(tableRules).toHaveLength(6);
    expect(rule['State']).toBe('ENABLED');
    expect(rule['Targets']).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [logicalId(remediation.queue), 'Arn'] } })]);
  });

  it('the queue and its dead-letter queue are encrypted with the operator key and refuse plain HTTP', () => {
    // Prepare
    const { queue, deadLetterQueue } = stack.warden.configRemediation;
    const keyArn = { 'Fn::GetAtt': [logicalId(stack.warden.key), 'Arn'] };
    // Assess
    expect(props(logicalId(queue))).toMatchObject({
      KmsMasterKeyId: keyArn,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(deadLetterQueue), 'Arn'] }, maxReceiveCount: CONFIG_EVENTS_MAX_RECEIVES },
    });
    // Six times the function's timeout (1 min) plus the batching window, at least 5 minutes.
    expect(props(logicalId(queue))['VisibilityTimeout']).toBe(420);
    expect(props(logicalId(deadLetterQueue))).toMatchObject({ KmsMasterKeyId: keyArn });
    const policies = Object.values(resourcesOfType(template, 'AWS::SQS::QueuePolicy')).map((policy) => policy.Properties as { Queues: unknown[]; PolicyDocument: { Statement: Array<Record<string, unknown>> } });
    for (const each of [queue, deadLetterQueue]) {
      const statements = policies.filter((policy) => JSON.stringify(policy.Queues) === JSON.stringify([{ Ref: logicalId(each) }])).flatMap((policy) => policy.PolicyDocument.Statement);
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    }
  });

  it('only EventBridge, for this rule, may send to the queue; the key lets EventBridge of this account encrypt for it, without wildcards', () => {
    // Prepare
    const { queue, rule } = stack.warden.configRemediation;
    const queuePolicy = Object.values(resourcesOfType(template, 'AWS::SQS::QueuePolicy'))
      .map((policy) => policy.Properties as { Queues: unknown[]; PolicyDocument: { Statement: Array<Record<string, unknown>> } })
      .find((policy) => JSON.stringify(policy.Queues) === JSON.stringify([{ Ref: logicalId(queue) }]))!;
    const keyStatements = (props(logicalId(stack.warden.key))['KeyPolicy'] as { Statement: Array<Record<string, unknown>> }).Statement;
    // Assess
    expect(queuePolicy.PolicyDocument.Statement.filter((statement) => statement['Effect'] === 'Allow')).toEqual([
      {
        Sid: 'ComplianceChangeEvents',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [logicalId(queue), 'Arn'] },
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(rule!), 'Arn'] } } },
      },
    ]);
    expect(keyStatements.filter((statement) => JSON.stringify(statement['Principal']).includes('events.amazonaws.com'))).toEqual([
      {
        Sid: 'EventBridgeSendsToEncryptedQueue',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });

  it('maps the queue to config-events with a batching window, a batch size and partial batch responses', () => {
    // Prepare
    const mappings = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')).map((mapping) => mapping.Properties);
    // Assess
    expect(mappings).toEqual([
      {
        FunctionName: { Ref: logicalId(stack.warden.functions['config-events']) },
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.warden.configRemediation.queue), 'Arn'] },
        BatchSize: CONFIG_EVENTS_BATCH_SIZE,
        MaximumBatchingWindowInSeconds: CONFIG_EVENTS_BATCHING_WINDOW.toSeconds(),
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      },
    ]);
    expect(CONFIG_EVENTS_BATCHING_WINDOW.toSeconds()).toBeLessThanOrEqual(300);
  });

  it('config-events starts Reconcile only, reads the lock only, consumes its queue only; and knows the machine and the rules', () => {
    // Prepare
    const role = logicalId(stack.warden.roles['config-events']);
    const statements = roleStatements(template, role).filter((statement) => !statement.Action.every((action) => /^(logs|xray):/.test(action)));
    const bySid = Object.fromEntries(statements.map((statement) => [statement.Sid, { actions: statement.Action, resources: statement.Resource.map(render) }]));
    const variables = (props(logicalId(stack.warden.functions['config-events']))['Environment'] as { Variables: Record<string, unknown> }).Variables;
    // Assess
    expect(bySid['StartReconcile']).toEqual({ actions: ['states:StartExecution'], resources: [`\${${logicalId(stack.warden.stateMachine)}}`] });
    expect(bySid['ReadLock']).toEqual({ actions: ['dynamodb:GetItem'], resources: [`\${${logicalId(stack.warden.stateTable)}.Arn}`] });
    expect(bySid['ConsumeConfigEvents']).toEqual({ actions: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'], resources: [`\${${logicalId(stack.warden.configRemediation.queue)}.Arn}`] });
    expect(handlerApiActions('config-events')).toEqual(['dynamodb:GetItem', 'states:StartExecution']);
    expect(variables['RECONCILE_STATE_MACHINE_ARN']).toEqual({ Ref: logicalId(stack.warden.stateMachine) });
    expect(JSON.parse(variables['CONFIG_RULES'] as string)).toEqual(Object.fromEntries(MANAGED_CONFIG_RULES.map((rule) => [rule.defaultName, rule.identifier])));
  });

  it('alarms on dead-lettered events', () => {
    // Prepare
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties as Record<string, unknown>);
    // Assess
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack.warden.configRemediation.deadLetterQueue), 'QueueName'] } }],
        AlarmActions: [{ Ref: logicalId(stack.warden.topic) }],
      }),
    );
  });
});
