/**
 * Issue 11's "Done when": a compliance-change event for a managed table leads, through the synthesized workflow on the
 * local AWS, to the table back in its declared state. The config-events handler gets an SQS batch holding the event
 * (as the event source mapping delivers it) and starts Reconcile through a real Step Functions client on moto (moto
 * records the execution and its input, and keeps StartExecution's name rules); the synthesized Reconcile then runs
 * locally with exactly that input. Also: a held lock sends the batch back; an unmanaged table is reported, not
 * changed, under `unmanagedTables: report`; least privilege of config-events, both ways.
 */
import { DescribeContinuousBackupsCommand, UpdateContinuousBackupsCommand, UpdateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { sfnWorkflows } from '../../functions/aws/workflows.ts';
import { publishBundle } from '../../functions/aws/publish.ts';
import { S3RunStore } from '../../functions/aws/run-store.ts';
import { readDesiredStateFiles } from '../../functions/cli/desired-files.ts';
import type { SourceFile } from '../../functions/core/desired/parse.ts';
import { defaultConfigRuleNames } from '../../functions/core/config/rules.ts';
import { handler as configEvents } from '../../functions/handlers/config-events.ts';
import { handler as lock } from '../../functions/handlers/lock.ts';
import { reconcileInputSchema } from '../../functions/handlers/contracts.ts';
import { handlerApiActions } from '../../infra/permissions.ts';
import { complianceChangeEvent } from '../../local/config-events.ts';
import { createDriftedAccount } from '../../local/drifted-account.ts';
import { sqsBatch as sqsBatchAt } from '../../local/workflow/config-events.ts';
import { prepareLocalReconcile, runLocalReconcile } from '../../local/workflow/reconcile.ts';
import { handlerCallRecorders } from '../support/run-dependencies.ts';
import { useWorkflowAccount } from '../support/workflow-account.ts';

const local = useWorkflowAccount({ prepare: prepareLocalReconcile });
const NOW = new Date('2026-11-30T10:00:00Z');
const PITR_RULE = Object.entries(defaultConfigRuleNames()).find(([, identifier]) => identifier === 'DYNAMODB_PITR_ENABLED')![0];
const DELETION_RULE = Object.entries(defaultConfigRuleNames()).find(([, identifier]) => identifier === 'DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED')![0];
let stateMachineArn: string;
let converged = 0;

const sfn = () => new SFNClient(local.clientConfig);
const dynamodb = () => createClients(local.clientConfig).dynamodb;

async function publish(edit: (files: SourceFile[]) => SourceFile[] = (files) => files): Promise<void> {
  const s3 = new S3Client({ ...local.clientConfig, forcePathStyle: true });
  const { kms } = createClients(local.clientConfig);
  await publishBundle({ s3, kms }, process.env.BUNDLE_BUCKET!, edit(await readDesiredStateFiles('desired-state')), 'rev-1', { macKeyId: process.env.BUNDLE_MAC_KEY_ARN! });
}

/** The drifted account, converged by a full run (so a later run changes only what drifts after). */
async function convergedAccount(edit?: (files: SourceFile[]) => SourceFile[]): Promise<void> {
  await createDriftedAccount(createClients(local.clientConfig));
  await publish(edit);
  const result = await runLocalReconcile({ input: { trigger: 'manual' }, executionName: `converge-${++converged}` });
  expect(result.status).toBe('SUCCEEDED');
}

/** An SQS batch as the event source mapping delivers it, sent at NOW (the one builder `npm start` uses too). */
const sqsBatch = (bodies: unknown[]) => sqsBatchAt(bodies, NOW, 'us-east-1');

function finding(table: string, ruleName = PITR_RULE, secondsBefore = 30) {
  return complianceChangeEvent({
    ruleName,
    ruleArn: 'arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc123',
    resourceType: 'AWS::DynamoDB::Table',
    resourceId: table,
    newType: 'NON_COMPLIANT',
    oldType: 'COMPLIANT',
    annotation: 'The table does not have point-in-time recovery enabled.',
    time: new Date(NOW.getTime() - secondsBefore * 1000),
    account: '123456789012',
    region: 'us-east-1',
  });
}

async function pitrStatus(table: string): Promise<string | undefined> {
  const described = await dynamodb().send(new DescribeContinuousBackupsCommand({ TableName: table }));
  return described.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
}

async function executions() {
  const listed = await sfn().send(new ListExecutionsCommand({ stateMachineArn }));
  return listed.executions ?? [];
}

describe('AWS Config remediation (config-events → synthesized Reconcile, local AWS)', () => {
  beforeEach(async () => {
    // The Reconcile machine as Step Functions knows it: moto records the executions config-events starts (it runs
    // nothing: the synthesized definition runs locally, with the recorded input).
    const created = await sfn().send(
      new CreateStateMachineCommand({
        name: 'TableWardenReconcile',
        definition: JSON.stringify({ StartAt: 'Recorded', States: { Recorded: { Type: 'Pass', End: true } } }),
        roleArn: 'arn:aws:iam::123456789012:role/tablewarden-reconcile',
      }),
    );
    stateMachineArn = created.stateMachineArn!;
    vi.stubEnv('RECONCILE_STATE_MACHINE_ARN', stateMachineArn);
  });

  it('a NON_COMPLIANT event for a managed table starts one Reconcile of that table, which puts PITR back on and touches nothing else', async () => {
    // Prepare: converged, then PITR turned off on Customers out of band; Config notices (two rules, and noise).
    await convergedAccount();
    await dynamodb().send(new UpdateContinuousBackupsCommand({ TableName: 'Customers', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }));
    expect(await pitrStatus('Customers')).toBe('DISABLED');
    const batch = sqsBatch([finding('Customers'), finding('Customers', PITR_RULE, 20), 'not an event']);
    const applyWritesBefore = handlerCallRecorders.get('apply-batch')?.writes().length ?? 0;

    // Act: the handler, as the event source mapping invokes it; then the execution it started, run locally.
    const response = await configEvents(batch);
    const started = await executions();
    const described = await sfn().send(new DescribeExecutionCommand({ executionArn: started[0]!.executionArn! }));
    const input: unknown = JSON.parse(described.input!);
    const result = await runLocalReconcile({ input, executionName: described.name! });

    // Assess: one execution, of Customers only, in apply mode; the malformed message is dropped, not retried.
    expect(response).toEqual({ batchItemFailures: [] });
    expect(started).toHaveLength(1);
    expect(described.name).toMatch(/^config-20261130T0959Z-[0-9a-f]{16}$/);
    expect(input).toEqual({ trigger: 'config', mode: 'apply', tables: ['Customers'] });
    expect(reconcileInputSchema.safeParse(input).success).toBe(true);
    // The table is back in its declared state, and the run changed only it.
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'in-sync', tables: 1, applied: 1, failed: 0 });
    expect(await pitrStatus('Customers')).toBe('ENABLED');
    // Writes to the account (the run's own artefacts in S3 aside).
    const applyWrites = (handlerCallRecorders.get('apply-batch')?.writes() ?? []).slice(applyWritesBefore).filter((call) => call.service !== 's3').map((call) => call.action);
    expect(applyWrites).toEqual(['dynamodb:UpdateContinuousBackups']);
    const report = (await new S3RunStore(new S3Client({ ...local.clientConfig, forcePathStyle: true }), process.env.BUNDLE_BUCKET!).get(`runs/${described.name}/report.json`)) as { trigger: string; tables: Array<{ name: string; outcome: string }> };
    expect(report.trigger).toBe('config');
    expect(report.tables.map(({ name, outcome }) => ({ name, outcome }))).toEqual([{ name: 'Customers', outcome: 'changed' }]);
  });

  it('a redelivered batch starts no second execution (same name and input: StartExecution returns the open one)', async () => {
    // Prepare
    await publish();
    const batch = sqsBatch([finding('Orders'), finding('Customers', DELETION_RULE, 10)]);
    await configEvents(batch);
    // Act: SQS delivers the same batch again.
    const again = await configEvents(batch);
    // Assess
    expect(again).toEqual({ batchItemFailures: [] });
    const started = await executions();
    expect(started).toHaveLength(1);
    const described = await sfn().send(new DescribeExecutionCommand({ executionArn: started[0]!.executionArn! }));
    expect(JSON.parse(described.input!)).toEqual({ trigger: 'config', mode: 'apply', tables: ['Customers', 'Orders'] });
  });

  it("the local Step Functions keeps StartExecution's name rules, and the adapter reads ExecutionAlreadyExists as 'exists'", async () => {
    // Prepare: https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html (moto 5.2.1 itself).
    const workflows = sfnWorkflows(sfn());
    const input = { trigger: 'config', mode: 'apply', tables: ['Orders'] };
    const first = await workflows.start({ stateMachineArn, name: 'config-20261130T0959Z-0123456789abcdef', input });
    // Act
    const same = await workflows.start({ stateMachineArn, name: 'config-20261130T0959Z-0123456789abcdef', input });
    const other = await workflows.start({ stateMachineArn, name: 'config-20261130T0959Z-0123456789abcdef', input: { ...input, tables: ['Customers'] } });
    const raw = sfn().send(new StartExecutionCommand({ stateMachineArn, name: 'config-20261130T0959Z-0123456789abcdef', input: '{}' }));
    // Assess: the open execution of the same name and input is returned; another input is refused.
    expect(first.outcome).toBe('started');
    expect(same).toEqual(first);
    expect(other).toEqual({ executionArn: first.executionArn, outcome: 'exists' });
    await expect(raw).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await expect(sfn().send(new StartExecutionCommand({ stateMachineArn, name: 'has space', input: '{}' }))).rejects.toMatchObject({ name: 'InvalidName' });
    expect(await executions()).toHaveLength(1);
  });

  it('while another reconcile holds the lock, starts nothing and returns the batch for redelivery', async () => {
    // Prepare
    await lock({ action: 'acquire', owner: 'arn:aws:states:us-east-1:123456789012:execution:TableWardenReconcile:nightly' });
    const batch = sqsBatch([finding('Customers'), 'not an event', finding('Orders')]);
    // Act
    const response = await configEvents(batch);
    // Assess: the two findings come back; the malformed message does not.
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: batch.Records[0]!.messageId }, { itemIdentifier: batch.Records[2]!.messageId }] });
    expect(await executions()).toEqual([]);
  });

  it('an event for an unmanaged table: with unmanagedTables: report, Reconcile reports it and changes nothing', async () => {
    // Prepare: legacy-sessions exists, is not in git, and has PITR off (it always had).
    await convergedAccount();
    const before = await dynamodb().send(new DescribeTableCommand({ TableName: 'legacy-sessions' }));
    await configEvents(sqsBatch([finding('legacy-sessions')]));
    const described = await sfn().send(new DescribeExecutionCommand({ executionArn: (await executions())[0]!.executionArn! }));
    // Act
    const result = await runLocalReconcile({ input: JSON.parse(described.input!), executionName: described.name! });
    // Assess
    expect(JSON.parse(described.input!)).toEqual({ trigger: 'config', mode: 'apply', tables: ['legacy-sessions'] });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ applied: 0, failed: 0 });
    expect(await pitrStatus('legacy-sessions')).toBe('DISABLED');
    const after = await dynamodb().send(new DescribeTableCommand({ TableName: 'legacy-sessions' }));
    expect(after.Table?.DeletionProtectionEnabled).toBe(before.Table?.DeletionProtectionEnabled);
    const report = (await new S3RunStore(new S3Client({ ...local.clientConfig, forcePathStyle: true }), process.env.BUNDLE_BUCKET!).get(`runs/${described.name}/report.json`)) as { tables: Array<{ name: string; outcome: string }> };
    expect(report.tables.map(({ name, outcome }) => ({ name, outcome }))).toEqual([{ name: 'legacy-sessions', outcome: 'unmanaged' }]);
  });

  it('an event for an unmanaged table: with unmanagedTables: remediate, Reconcile gives it the baseline (and only it)', async () => {
    // Prepare
    await convergedAccount((files) => files.map((file) => (file.path.endsWith('policy.yaml') ? { ...file, text: file.text.replace('unmanagedTables: report', 'unmanagedTables: remediate') } : file)));
    await dynamodb().send(new UpdateTableCommand({ TableName: 'legacy-sessions', DeletionProtectionEnabled: false }));
    await dynamodb().send(new UpdateContinuousBackupsCommand({ TableName: 'legacy-sessions', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }));
    await configEvents(sqsBatch([finding('legacy-sessions')]));
    const described = await sfn().send(new DescribeExecutionCommand({ executionArn: (await executions())[0]!.executionArn! }));
    // Act
    const result = await runLocalReconcile({ input: JSON.parse(described.input!), executionName: described.name! });
    // Assess: the baseline's PITR and deletion protection are back.
    expect(result.status).toBe('SUCCEEDED');
    expect(await pitrStatus('legacy-sessions')).toBe('ENABLED');
    expect((await dynamodb().send(new DescribeTableCommand({ TableName: 'legacy-sessions' }))).Table?.DeletionProtectionEnabled).toBe(true);
    const report = (await new S3RunStore(new S3Client({ ...local.clientConfig, forcePathStyle: true }), process.env.BUNDLE_BUCKET!).get(`runs/${described.name}/report.json`)) as { tables: Array<{ name: string }> };
    expect(report.tables.map(({ name }) => name)).toEqual(['legacy-sessions']);
  });

  it('grants config-events exactly the AWS actions it called (least privilege, both ways)', () => {
    // Assess: GetItem (the lock) and StartExecution (Reconcile); nothing else.
    const called = [...new Set((handlerCallRecorders.get('config-events')?.all() ?? []).flatMap((call) => call.iamActions))].sort();
    expect(called).toEqual(handlerApiActions('config-events'));
  });
});
