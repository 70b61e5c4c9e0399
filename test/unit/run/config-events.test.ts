/**
 * Event-driven remediation of AWS Config findings: the pure decisions (functions/run/core/config-events.ts) on the
 * recorded sample event and its variants, and the run step (functions/run/config-events.ts) with the lock read pinned
 * by aws-sdk-client-mock and Step Functions behind a fake that keeps StartExecution's name rules: one batch, one
 * execution; a redelivered batch, the same name; a held lock, the batch back to the queue.
 */
import { readFileSync } from 'node:fs';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../../../functions/aws/clients.ts';
import { defaultConfigRuleNames } from '../../../functions/core/config/rules.ts';
import { remediateConfigEvents } from '../../../functions/run/config-events.ts';
import {
  complianceChangeEventSchema,
  configExecutionName,
  decideConfigEvent,
  executionArnOf,
  planConfigBatch,
  tableOfResourceId,
  type ConfigEventMessage,
} from '../../../functions/run/core/config-events.ts';
import type { StartedExecution, Workflows } from '../../../functions/run/ports.ts';
import { reconcileInputSchema } from '../../../functions/handlers/contracts.ts';
import { complianceChangeEvent, type ComplianceChangeInput } from '../../../local/config-events.ts';

const SAMPLE = JSON.parse(readFileSync('test/fixtures/config/compliance-change-event.json', 'utf8')) as Record<string, unknown> & { detail: Record<string, unknown> };
const RULES = new Map(Object.entries(defaultConfigRuleNames()));
const NOW = new Date('2026-11-30T10:00:00Z');
const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:TableWardenReconcile';

/** The sample event turned into a DynamoDB finding of one of our rules. */
function tableFinding(table: string, overrides: Partial<ComplianceChangeInput> = {}): ReturnType<typeof complianceChangeEvent> {
  return complianceChangeEvent({
    ruleName: 'tablewarden-dynamodb-pitr-enabled',
    ruleArn: 'arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc123',
    resourceType: 'AWS::DynamoDB::Table',
    resourceId: table,
    newType: 'NON_COMPLIANT',
    oldType: 'COMPLIANT',
    time: new Date(NOW.getTime() - 30_000),
    account: '123456789012',
    region: 'us-east-1',
    ...overrides,
  });
}

let messageSeq = 0;
const message = (event: unknown): ConfigEventMessage => ({ messageId: `m-${++messageSeq}`, body: typeof event === 'string' ? event : JSON.stringify(event) });

describe('parsing the compliance-change event', () => {
  it('parses the recorded sample event (configRuleARN spelling, null annotation) and drops it: an account, not a table', () => {
    // Act
    const parsed = complianceChangeEventSchema.safeParse(SAMPLE);
    const decision = decideConfigEvent(message(SAMPLE), new Map([['cloudtrail-enabled', 'DYNAMODB_PITR_ENABLED']]));
    // Assess
    expect(parsed.success).toBe(true);
    expect(parsed.data?.detail.configRuleARN).toBe('arn:aws:config:us-east-2:123456789012:config-rule/config-rule-9rpvxc');
    expect(parsed.data?.detail.newEvaluationResult.annotation).toBeNull();
    expect(parsed.data?.detail.oldEvaluationResult?.complianceType).toBe('NON_COMPLIANT');
    expect(decision).toEqual({ messageId: expect.any(String), action: 'drop', reason: 'resource type AWS::::Account is not handled (only AWS::DynamoDB::Table)' });
  });

  it('the sample event as a DynamoDB finding of our rule asks to reconcile the table', () => {
    // Prepare: the recorded event, only its rule, resource and result changed.
    const qualifier = { configRuleName: 'tablewarden-dynamodb-pitr-enabled', resourceType: 'AWS::DynamoDB::Table', resourceId: 'Customers' };
    const event = structuredClone(SAMPLE) as typeof SAMPLE & { detail: { newEvaluationResult: Record<string, unknown> & { evaluationResultIdentifier: Record<string, unknown> } } };
    Object.assign(event.detail, { configRuleName: qualifier.configRuleName, resourceType: qualifier.resourceType, resourceId: qualifier.resourceId });
    Object.assign(event.detail.newEvaluationResult, { complianceType: 'NON_COMPLIANT', annotation: 'PITR is disabled.' });
    event.detail.newEvaluationResult.evaluationResultIdentifier['evaluationResultQualifier'] = qualifier;
    // Act
    const decision = decideConfigEvent(message(event), RULES);
    // Assess
    expect(decision).toMatchObject({ action: 'reconcile', table: 'Customers', rule: 'tablewarden-dynamodb-pitr-enabled', identifier: 'DYNAMODB_PITR_ENABLED', annotation: 'PITR is disabled.', time: '2016-09-27T19:48:42Z' });
  });

  it.each([
    ['without oldEvaluationResult (a first evaluation)', (event: Record<string, unknown> & { detail: Record<string, unknown> }) => delete event.detail['oldEvaluationResult']],
    ['without annotation and resultToken', (event: { detail: { newEvaluationResult: Record<string, unknown> } }) => {
      delete event.detail.newEvaluationResult['annotation'];
      delete event.detail.newEvaluationResult['resultToken'];
    }],
    ['with extra fields AWS may add', (event: Record<string, unknown> & { detail: Record<string, unknown> }) => Object.assign(event.detail, { evaluationMode: 'DETECTIVE', somethingNew: 1 })],
  ])('accepts the event %s', (_case, edit) => {
    // Prepare
    const event = tableFinding('Orders') as unknown as Record<string, unknown> & { detail: Record<string, unknown> & { newEvaluationResult: Record<string, unknown> } };
    edit(event);
    // Act
    const decision = decideConfigEvent(message(event), RULES);
    // Assess
    expect(decision).toMatchObject({ action: 'reconcile', table: 'Orders' });
    expect(decision).not.toHaveProperty('annotation');
  });

  it.each<[string, unknown, RegExp]>([
    ['a body that is not JSON', '{"source": "aws.config"', /^the message body is not JSON$/],
    ['the rule-invocation spelling only (configRuleArn) and no result', { ...tableFinding('Orders'), detail: { configRuleArn: 'x', resourceType: 'AWS::DynamoDB::Table', resourceId: 'Orders', configRuleName: 'tablewarden-dynamodb-pitr-enabled' } }, /^not a Config Rules Compliance Change event: detail\.newEvaluationResult: /],
    ['another detail-type', { ...tableFinding('Orders'), 'detail-type': 'Config Configuration Item Change' }, /^not a Config Rules Compliance Change event: detail-type: /],
    ['another rule', tableFinding('Orders', { ruleName: 'someone-elses-rule' }), /^rule someone-elses-rule is not one of the configured rules \(CONFIG_RULES\)$/],
    ['a KMS key finding', tableFinding('1234abcd-12ab-34cd-56ef-1234567890ab', { resourceType: 'AWS::KMS::Key', ruleName: 'tablewarden-cmk-backing-key-rotation-enabled' }), /^resource type AWS::KMS::Key is not handled/],
    ['a change to COMPLIANT', tableFinding('Orders', { newType: 'COMPLIANT', oldType: 'NON_COMPLIANT' }), /^the new result is COMPLIANT: nothing to remediate$/],
    ['a resource id that is no table name', tableFinding('a b'), /^resource id "a b" is not a DynamoDB table name$/],
  ])('drops %s, with the reason', (_case, event, reason) => {
    // Act
    const decision = decideConfigEvent(message(event), RULES);
    // Assess
    expect(decision.action).toBe('drop');
    expect(decision.action === 'drop' && decision.reason).toMatch(reason);
  });

  it('takes the table name from a table ARN too', () => {
    // Assess
    expect(tableOfResourceId('arn:aws:dynamodb:us-east-1:123456789012:table/Orders')).toBe('Orders');
    expect(tableOfResourceId('Orders')).toBe('Orders');
    expect(tableOfResourceId('ab')).toBeUndefined();
  });
});

describe('the execution name', () => {
  it('is the same for the same tables in the same minute, in any order; StartExecution-safe and short', () => {
    // Act
    const a = configExecutionName(['Orders', 'Customers'], '2026-11-30T09:59:10Z');
    const b = configExecutionName(['Customers', 'Orders', 'Orders'], '2026-11-30T09:59:59.999Z');
    // Assess
    expect(a).toBe(b);
    expect(a).toMatch(/^config-20261130T0959Z-[0-9a-f]{16}$/);
    expect(a.length).toBeLessThanOrEqual(80);
  });

  it('differs for other tables or another minute', () => {
    // Assess
    expect(configExecutionName(['Orders'], '2026-11-30T09:59:10Z')).not.toBe(configExecutionName(['Customers'], '2026-11-30T09:59:10Z'));
    expect(configExecutionName(['Orders'], '2026-11-30T09:59:10Z')).not.toBe(configExecutionName(['Orders'], '2026-11-30T10:00:00Z'));
  });
});

/** Step Functions' StartExecution name rules, as a fake: same name and input while open → that execution; else exists. */
class FakeWorkflows implements Workflows {
  readonly calls: Array<{ stateMachineArn: string; name: string; input: unknown }> = [];
  readonly executions = new Map<string, { input: string; open: boolean }>();
  async start(request: { stateMachineArn: string; name: string; input: unknown }): Promise<StartedExecution> {
    this.calls.push(request);
    const arn = executionArnOf(request.stateMachineArn, request.name);
    const existing = this.executions.get(arn);
    if (existing && !(existing.open && existing.input === JSON.stringify(request.input))) return { executionArn: arn, outcome: 'exists' };
    this.executions.set(arn, { input: JSON.stringify(request.input), open: true });
    return { executionArn: arn, outcome: 'started' };
  }
}

describe('remediateConfigEvents (one batch → at most one Reconcile)', () => {
  let clients: AwsClients;
  let dynamodb: ReturnType<typeof mockClient>;
  let workflows: FakeWorkflows;
  const run = (messages: ConfigEventMessage[]) => remediateConfigEvents({ clients, stateTable: 'tablewarden-state', workflows }, { messages, rules: RULES, stateMachineArn: STATE_MACHINE, now: NOW });

  beforeEach(() => {
    clients = createClients({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    dynamodb = mockClient(clients.dynamodb);
    dynamodb.on(GetItemCommand).resolves({});
    workflows = new FakeWorkflows();
  });

  it('a burst of 20 events for one table and 3 for another starts ONE execution of both tables', async () => {
    // Prepare: several rules trip for Orders, one for Customers, spread over the batching window.
    const rules = ['tablewarden-dynamodb-pitr-enabled', 'tablewarden-dynamodb-table-deletion-protection-enabled', 'tablewarden-dynamodb-resources-protected-by-backup-plan'];
    const messages = [
      ...Array.from({ length: 20 }, (_, i) => message(tableFinding('Orders', { ruleName: rules[i % 3]!, time: new Date(NOW.getTime() - 55_000 + i * 1_000) }))),
      ...Array.from({ length: 3 }, (_, i) => message(tableFinding('Customers', { time: new Date(NOW.getTime() - 40_000 + i * 1_000) }))),
    ];
    // Act
    const result = await run(messages);
    // Assess
    expect(workflows.calls).toHaveLength(1);
    expect(workflows.calls[0]).toEqual({ stateMachineArn: STATE_MACHINE, name: expect.stringMatching(/^config-20261130T0959Z-[0-9a-f]{16}$/), input: { trigger: 'config', mode: 'apply', tables: ['Customers', 'Orders'] } });
    expect(reconcileInputSchema.safeParse(workflows.calls[0]!.input).success).toBe(true);
    expect(result).toMatchObject({ tables: ['Customers', 'Orders'], batchItemFailures: [], reconcileMessages: 23, dropped: [], execution: { outcome: 'started' } });
    expect(dynamodb.commandCalls(GetItemCommand).map((call) => call.args[0].input)).toEqual([{ TableName: 'tablewarden-state', Key: { pk: { S: 'LOCK' }, sk: { S: 'reconcile' } }, ConsistentRead: true }]);
  });

  it('a redelivered batch asks for the same execution name and input: no second run', async () => {
    // Prepare
    const messages = [message(tableFinding('Orders')), message(tableFinding('Orders', { ruleName: 'tablewarden-dynamodb-table-deletion-protection-enabled' }))];
    const first = await run(messages);
    // Act: SQS delivers the same messages again (the first invocation timed out after starting).
    const again = await run(messages);
    // Assess
    expect(workflows.calls.map((call) => call.name)).toEqual([first.execution!.name, first.execution!.name]);
    expect(workflows.calls[1]!.input).toEqual(workflows.calls[0]!.input);
    expect(workflows.executions.size).toBe(1);
    expect(again).toMatchObject({ batchItemFailures: [], execution: { name: first.execution!.name, executionArn: first.execution!.executionArn } });
  });

  it('drops a malformed event with its reason, counted, and still reconciles the rest of the batch', async () => {
    // Prepare
    const bad = message('not json at all');
    const other = message(tableFinding('Orders', { ruleName: 'not-ours' }));
    // Act
    const result = await run([bad, other, message(tableFinding('Orders'))]);
    // Assess: dropped messages are not returned as failures (SQS deletes them; retrying can only fail again).
    expect(result.dropped).toEqual([
      { messageId: bad.messageId, action: 'drop', reason: 'the message body is not JSON' },
      { messageId: other.messageId, action: 'drop', reason: 'rule not-ours is not one of the configured rules (CONFIG_RULES)' },
    ]);
    expect(result.batchItemFailures).toEqual([]);
    expect(workflows.calls.map((call) => call.input)).toEqual([{ trigger: 'config', mode: 'apply', tables: ['Orders'] }]);
  });

  it('a batch of nothing to remediate starts nothing and reads no lock', async () => {
    // Act
    const result = await run([message(tableFinding('Orders', { newType: 'COMPLIANT' })), message('{}')]);
    // Assess
    expect(result).toMatchObject({ tables: [], batchItemFailures: [], reconcileMessages: 0 });
    expect(result.dropped).toHaveLength(2);
    expect(workflows.calls).toEqual([]);
    expect(dynamodb.commandCalls(GetItemCommand)).toHaveLength(0);
  });

  it('while another run holds the lock, returns the reconcile messages for redelivery and starts nothing', async () => {
    // Prepare
    dynamodb.on(GetItemCommand).resolves({ Item: { pk: { S: 'LOCK' }, sk: { S: 'reconcile' }, owner: { S: 'arn:aws:states:us-east-1:123456789012:execution:TableWardenReconcile:nightly' }, expiresAt: { S: '2026-11-30T12:00:00.000Z' } } });
    const messages = [message(tableFinding('Orders')), message('oops')];
    // Act
    const result = await run(messages);
    // Assess: only the reconcile message comes back; the dropped one is done with.
    expect(workflows.calls).toEqual([]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: messages[0]!.messageId }]);
    expect(result.deferred).toEqual({ holder: 'arn:aws:states:us-east-1:123456789012:execution:TableWardenReconcile:nightly', expiresAt: '2026-11-30T12:00:00.000Z' });
  });

  it('an expired lock, or one held by this batch\'s own execution, does not hold the batch back', async () => {
    // Prepare
    const messages = [message(tableFinding('Orders'))];
    const own = executionArnOf(STATE_MACHINE, configExecutionName(['Orders'], planConfigBatch(messages, RULES).newestEventTime!));
    for (const [owner, expiresAt] of [['arn:other', '2026-11-30T09:00:00.000Z'], [own, '2026-11-30T12:00:00.000Z']] as const) {
      dynamodb.on(GetItemCommand).resolves({ Item: { pk: { S: 'LOCK' }, sk: { S: 'reconcile' }, owner: { S: owner }, expiresAt: { S: expiresAt } } });
      // Act
      const result = await run(messages);
      // Assess
      expect(result.batchItemFailures).toEqual([]);
      expect(result.execution?.executionArn).toBe(own);
    }
  });
});
