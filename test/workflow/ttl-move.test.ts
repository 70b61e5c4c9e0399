/**
 * Moving TTL to another attribute through the synthesized Reconcile workflow, with the real handlers on the strict
 * local AWS (one UpdateTimeToLive per table per hour): round 0 disables the old attribute, the state machine then
 * waits once, for about an hour, and the next round enables the new attribute. The Wait is skipped in real time
 * and counted; the emulator clock is moved forward by what it would have waited before the next round runs.
 */
import { DescribeTimeToLiveCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { publishBundle } from '../../functions/aws/publish.ts';
import { readDesiredStateFiles } from '../../functions/cli/desired-files.ts';
import { handler as applyBatch } from '../../functions/handlers/apply-batch.ts';
import type { ApplyBatchResult } from '../../functions/handlers/contracts.ts';
import { prepareLocalReconcile } from '../../local/workflow/reconcile.ts';
import { runStateMachine, type LocalLambdaHandler, type RunResult } from '../../local/workflow/run.ts';
import { useWorkflowAccount } from '../support/workflow-account.ts';

const local = useWorkflowAccount({ prepare: prepareLocalReconcile });
let execution = 0;

/** Publish Orders alone, with TTL on `attribute`; AWS-managed SSE and no backup keep this test about TTL. */
async function publishOrders(revision: string, attribute: string): Promise<void> {
  const files = (await readDesiredStateFiles('desired-state')).flatMap((file) => {
    if (file.path.endsWith('policy.yaml')) {
      return [{ ...file, text: file.text.replace(/^ {4}backup: .*\n/m, '').replace('maxDisruptivePercent: 25', 'maxDisruptivePercent: 100') }];
    }
    if (!file.path.endsWith('orders.yaml')) return [];
    return [{ ...file, text: file.text.replace(/encryption: \{[^}]*\}/, 'encryption: { type: AWS_MANAGED }').replace('attributeName: expiresAt', `attributeName: ${attribute}`) }];
  });
  const s3 = new S3Client({ ...local.clientConfig, forcePathStyle: true });
  await publishBundle({ s3, kms: createClients(local.clientConfig).kms }, process.env.BUNDLE_BUCKET!, files, revision, { macKeyId: process.env.BUNDLE_MAC_KEY_ARN! });
}

/**
 * Run Reconcile; every Wait is skipped but counted, and the emulator clock catches up before the next round. The
 * catch-up happens in the ApplyBatch task itself (by the previous round's `waitSeconds`, which is what the Wait
 * state reads): the runner forwards events inside a Map iteration only when the iteration ends, too late to act on.
 */
async function reconcile(revision: string): Promise<{ result: RunResult; waits: number[]; rounds: ApplyBatchResult[] }> {
  const { machine, lambdas, stateMachines } = await prepareLocalReconcile();
  const applyBatchId = Object.keys(lambdas).find((id) => lambdas[id] === (applyBatch as unknown as LocalLambdaHandler));
  if (!applyBatchId) throw new Error('apply-batch handler not found in the synthesized stack');
  const waits: number[] = [];
  const rounds: ApplyBatchResult[] = [];
  const result = await runStateMachine({
    ...machine,
    stateMachines,
    input: { trigger: 'commit', revision },
    executionName: `ttl-${++execution}`,
    lambdas: {
      ...lambdas,
      [applyBatchId]: async (event) => {
        const previous = rounds.at(-1);
        if (previous?.pending) await local.server.advanceClock(previous.waitSeconds);
        const round = (await applyBatch(event)) as ApplyBatchResult;
        rounds.push(round);
        return round;
      },
    },
    overrides: { waits: 'skip', retryIntervals: 0 },
  });
  // The rounds run in each batch's child execution (ApplyBatchRounds), where the Wait is.
  for (const event of [...result.events, ...result.childExecutions.flatMap((child) => child.events)]) {
    if (event.type === 'WaitStateEntered' && event.state === 'WaitForDynamoDB') waits.push((event.input as { result: { waitSeconds: number } }).result.waitSeconds);
  }
  return { result, waits, rounds };
}

async function ttlOf(table: string) {
  const { TimeToLiveDescription } = await createClients(local.clientConfig).dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table }));
  return TimeToLiveDescription;
}

describe('Reconcile moves TTL to another attribute in two steps an hour apart', () => {
  it('disables the old attribute, waits once for about an hour in the state machine, then enables the new one', async () => {
    // Prepare: Orders exists with TTL on `ttl`, changed more than an hour ago.
    await publishOrders('rev-ttl', 'ttl');
    const setup = await reconcile('rev-ttl');
    expect(setup.result.status).toBe('SUCCEEDED');
    expect(await ttlOf('Orders')).toMatchObject({ AttributeName: 'ttl' });
    await local.server.advanceClock(3601);
    await publishOrders('rev-expires', 'expiresAt');
    // Act
    const { result, waits, rounds } = await reconcile('rev-expires');
    // Assess
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'in-sync', failed: 0 });
    // One long wait (not ~120 rounds of 30 s): step 2 is due an hour after step 1.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(3590);
    expect(waits[0]).toBeLessThanOrEqual(3600);
    expect(rounds.map((round) => [round.round, round.pending, round.applied])).toEqual([
      [0, true, 1],
      [1, false, 1],
    ]);
    expect(await ttlOf('Orders')).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: expect.stringMatching(/^ENABL/) });
  }, 120_000);

  it('a table whose TTL is still DISABLING when planned (only a pending step) converges in the same run', async () => {
    // Prepare: Orders has TTL on `ttl` (set over an hour ago), then someone disabled it by hand just now.
    await publishOrders('rev-ttl', 'ttl');
    expect((await reconcile('rev-ttl')).result.status).toBe('SUCCEEDED');
    await local.server.advanceClock(3601);
    await createClients(local.clientConfig).dynamodb.send(new UpdateTimeToLiveCommand({ TableName: 'Orders', TimeToLiveSpecification: { Enabled: false, AttributeName: 'ttl' } }));
    await publishOrders('rev-expires', 'expiresAt');
    // Act
    const { result, waits, rounds } = await reconcile('rev-expires');
    // Assess: the enable was approved as the plan's pending step, and runs once DynamoDB takes it (within the hour).
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'in-sync', failed: 0 });
    expect(rounds.at(-1)).toMatchObject({ pending: false, applied: 1 });
    expect(waits.reduce((sum, seconds) => sum + seconds, 0)).toBeGreaterThanOrEqual(3600);
    expect(waits.length).toBeLessThanOrEqual(5);
    expect(await ttlOf('Orders')).toMatchObject({ AttributeName: 'expiresAt' });
  }, 120_000);
});
