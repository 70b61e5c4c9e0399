/**
 * The Lambda handlers, called in-process against moto in the order the Reconcile workflow calls them.
 */
import { DescribeContinuousBackupsCommand, DescribeTableCommand, UpdateContinuousBackupsCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { authenticateBundle, publishBundle } from '../../functions/aws/publish.ts';
import { S3RunStore } from '../../functions/aws/run-store.ts';
import { bundleChecksum, type Bundle } from '../../functions/core/bundle.ts';
import { readDesiredStateFiles } from '../../functions/cli/desired-files.ts';
import type { SourceFile } from '../../functions/core/desired/parse.ts';
import { handler as applyBatch } from '../../functions/handlers/apply-batch.ts';
import type { ApplyBatchResult, GateResult, LoadResult, PlanBatchResult } from '../../functions/handlers/contracts.ts';
import { handler as gate } from '../../functions/handlers/gate.ts';
import { handler as loadDesiredState } from '../../functions/handlers/load-desired-state.ts';
import { handler as lock } from '../../functions/handlers/lock.ts';
import { handler as planBatch } from '../../functions/handlers/plan-batch.ts';
import { handler as report } from '../../functions/handlers/report.ts';
import { hostHandlers } from '../support/run-dependencies.ts';
import { createClients } from '../../functions/aws/clients.ts';
import { createDriftedAccount } from '../../local/drifted-account.ts';
import { createOperatorEnvironment } from '../../local/operator-env.ts';
import { useLocalAws } from '../helpers/local-aws.ts';

const local = useLocalAws();

beforeEach(async () => {
  await local.reset();
  hostHandlers();
  await createOperatorEnvironment(local);
});

const s3 = () => new S3Client({ ...local.clientConfig, forcePathStyle: true });

async function publishSamples(revision = 'abc123', edit: (files: SourceFile[]) => SourceFile[] = (files) => files): Promise<void> {
  const { kms } = createClients(local.clientConfig);
  await publishBundle({ s3: s3(), kms }, process.env.BUNDLE_BUCKET!, edit(await readDesiredStateFiles('desired-state')), revision, { macKeyId: process.env.BUNDLE_MAC_KEY_ARN! });
}

/** Rewrite a published bundle in the bucket (PITR off on Customers, checksum fixed up), as a bucket writer could. */
async function rewriteInBucket(key: string, remac: (bundle: Bundle) => Promise<Bundle>): Promise<void> {
  const store = new S3RunStore(s3(), process.env.BUNDLE_BUCKET!);
  const bundle = (await store.get(key)) as Bundle;
  const files = bundle.files.map((file) => (file.path.endsWith('customers.yaml') ? { ...file, text: file.text.replace('pointInTimeRecovery: { enabled: true', 'pointInTimeRecovery: { enabled: false') } : file));
  const rewritten = await remac({ ...bundle, files, checksum: bundleChecksum(files) });
  await s3().send(new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: JSON.stringify(rewritten) }));
}

const runObjects = async () => (await s3().send(new ListObjectsV2Command({ Bucket: process.env.BUNDLE_BUCKET!, Prefix: 'runs/' }))).KeyCount ?? 0;

describe('lock handler', () => {
  it('lets one owner hold the lock, refuses others with LockHeld, and releases only for its owner', async () => {
    // Act / Assess
    await expect(lock({ action: 'acquire', owner: 'run-1' })).resolves.toMatchObject({ action: 'acquire', owner: 'run-1' });
    await expect(lock({ action: 'acquire', owner: 'run-2' })).rejects.toMatchObject({ name: 'LockHeld', message: expect.stringMatching(/holds the lock: run-1 until /) });
    await expect(lock({ action: 'acquire', owner: 'run-1' })).resolves.toMatchObject({ owner: 'run-1' });
    await expect(lock({ action: 'release', owner: 'run-2' })).resolves.toMatchObject({ released: false });
    await expect(lock({ action: 'release', owner: 'run-1' })).resolves.toMatchObject({ released: true });
    await expect(lock({ action: 'acquire', owner: 'run-2' })).resolves.toMatchObject({ owner: 'run-2' });
  });

  it('rejects a malformed event with InvalidEvent and makes no call', async () => {
    await expect(lock({ action: 'steal', owner: '' })).rejects.toMatchObject({ name: 'InvalidEvent', message: expect.stringMatching(/action: .*; owner: /) });
  });
});

describe('reconcile handlers in workflow order', () => {
  it('load → plan → gate → apply rounds → report converges the drifted account', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    await publishSamples();
    // Act
    const load = (await loadDesiredState({ runId: 'run-1', batchSize: 2 })) as LoadResult;
    const plans = [] as PlanBatchResult[];
    for (const batch of load.batches) plans.push(await planBatch({ runId: 'run-1', batch }));
    const verdict = await gate({ runId: 'run-1', tables: load.tables, maxDisruptivePercent: load.maxDisruptivePercent, maxDisruptiveTables: load.maxDisruptiveTables, plans });
    const applies = [] as ApplyBatchResult[];
    for (const batch of load.batches) {
      let result: ApplyBatchResult;
      let round = 0;
      do result = await applyBatch({ runId: 'run-1', batch, round: round++, approval: verdict.approval });
      while (result.pending && round < 10);
      applies.push(result);
    }
    const summary = await report({ runId: 'run-1', trigger: 'manual', mode: 'apply', revision: load.revision, outcome: 'succeeded' });
    // Assess
    expect(load).toMatchObject({ revision: 'abc123', tables: 3, invalid: 0, unmanaged: 1, maxDisruptivePercent: 25, maxDisruptiveTables: 1 });
    // Declared and unmanaged tables dealt in name order: Customers, Orders | legacy-sessions, terraform-state-lock.
    expect(load.batches.map((batch) => batch.tables)).toEqual([2, 2]);
    expect(plans.map((plan) => [plan.tables, plan.actions, plan.unmanaged])).toEqual([
      [2, 10, 0],
      [2, 1, 1],
    ]);
    expect(verdict).toMatchObject({ proceed: true, actions: 11, disruptiveTables: 0 });
    expect(applies.every((result) => !result.pending && result.failed === 0)).toBe(true);
    expect(summary).toMatchObject({ status: 'in-sync', tables: 4, applied: 11, failed: 0, notified: false });
    // A second plan finds nothing to do.
    const reloaded = (await loadDesiredState({ runId: 'run-2' })) as LoadResult;
    for (const batch of reloaded.batches) expect((await planBatch({ runId: 'run-2', batch })).actions).toBe(0);
  });

  it.each<[string, (bundle: Bundle) => Promise<Bundle>, RegExp]>([
    ['keeps the MAC', async (bundle) => bundle, /the MAC does not verify with arn:aws:kms:.* was changed after publishing/],
    ['drops the MAC', async ({ mac: _mac, ...bundle }) => bundle, /has no MAC/],
    [
      "re-MACs with the writer's own HMAC key",
      async (bundle) => {
        const { kms } = createClients(local.clientConfig);
        const other = await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
        return authenticateBundle(kms, bundle, other.KeyMetadata!.Arn!);
      },
      /It names key arn:aws:kms:.*; the operator trusts only arn:aws:kms:/,
    ],
  ])('load refuses a bundle rewritten in the bucket (PITR off, checksum fixed up) that %s, and writes no batch', async (_case, remac, reason) => {
    // Prepare
    await publishSamples();
    await rewriteInBucket('bundles/abc123.json', remac);
    // Act
    const error = await loadDesiredState({ runId: 'run-1', revision: 'abc123' }).catch((thrown: unknown) => thrown);
    // Assess
    expect(error).toMatchObject({ name: 'BundleNotAuthentic', message: expect.stringMatching(reason) });
    expect(await runObjects()).toBe(0);
  });

  it('load refuses an authentic bundle stored under another revision (a replay)', async () => {
    // Prepare
    await publishSamples('abc123');
    const store = new S3RunStore(s3(), process.env.BUNDLE_BUCKET!);
    await store.put('bundles/def456.json', await store.get('bundles/abc123.json'));
    // Act
    const error = await loadDesiredState({ runId: 'run-1', revision: 'def456' }).catch((thrown: unknown) => thrown);
    // Assess
    expect(error).toMatchObject({ name: 'BundleNotAuthentic', message: expect.stringMatching(/holds revision abc123, not def456/) });
    expect(await runObjects()).toBe(0);
  });

  it('load refuses to run without the MAC key in its environment (fails closed)', async () => {
    // Prepare
    await publishSamples();
    vi.stubEnv('BUNDLE_MAC_KEY_ARN', '');
    hostHandlers();
    // Act
    const error = await loadDesiredState({ runId: 'run-1' }).catch((thrown: unknown) => thrown);
    vi.unstubAllEnvs();
    // Assess
    expect(error).toMatchObject({ name: 'BundleNotAuthentic', message: expect.stringMatching(/BUNDLE_MAC_KEY_ARN is not set/) });
  });

  it('fails clearly when no bundle was published', async () => {
    await expect(loadDesiredState({ runId: 'run-1' })).rejects.toMatchObject({ name: 'BundleNotFound', message: expect.stringMatching(/no desired-state bundle at s3:\/\/tablewarden-bundles\/bundles\/latest\.json/) });
  });
});

/** Load, plan every batch and gate, as the workflow does before it applies. */
async function planAndGate(runId: string): Promise<{ load: LoadResult; verdict: GateResult }> {
  const load = (await loadDesiredState({ runId, batchSize: 2 })) as LoadResult;
  const plans = [] as PlanBatchResult[];
  for (const batch of load.batches) plans.push(await planBatch({ runId, batch }));
  const verdict = await gate({ runId, tables: load.tables, maxDisruptivePercent: load.maxDisruptivePercent, maxDisruptiveTables: load.maxDisruptiveTables, plans });
  return { load, verdict };
}

/** Apply every batch in rounds, then report. */
async function applyAndReport(runId: string, load: LoadResult, verdict: GateResult) {
  for (const batch of load.batches) {
    let round = 0;
    let result: ApplyBatchResult;
    do result = await applyBatch({ runId, batch, round: round++, approval: verdict.approval });
    while (result.pending && round < 10);
  }
  await report({ runId, trigger: 'manual', mode: 'apply', revision: load.revision, outcome: 'succeeded' });
  return (await new S3RunStore(s3(), process.env.BUNDLE_BUCKET!).get(`runs/${runId}/report.json`)) as { status: string; tables: Array<{ name: string; outcome: string; changedSinceApproval?: boolean; error?: string }> };
}

describe('the approved plan is the plan that runs', () => {
  it('re-plans a table changed after planning (PITR switched off out of band), runs the re-plan, and reports it changed since approval', async () => {
    // Prepare: terraform-state-lock is approved with only its key rotation to fix; then someone turns its PITR off.
    await createDriftedAccount(createClients(local.clientConfig));
    await publishSamples();
    const { load, verdict } = await planAndGate('run-1');
    const dynamodb = createClients(local.clientConfig).dynamodb;
    await dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: 'terraform-state-lock', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }));
    const approved = (await new S3RunStore(s3(), process.env.BUNDLE_BUCKET!).get('runs/run-1/plans/00001.json')) as { plan: { tables: Array<{ name: string; actions: Array<{ type: string }> }> } };
    // Act
    const written = await applyAndReport('run-1', load, verdict);
    // Assess: the stale plan had no PITR change; the re-plan did, and ran; the report says the table changed.
    expect(approved.plan.tables.find((table) => table.name === 'terraform-state-lock')?.actions.map((action) => action.type)).toEqual(['UpdateKmsKeyRotation']);
    const pitr = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'terraform-state-lock' }));
    expect(pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('ENABLED');
    expect(written.tables.find((table) => table.name === 'terraform-state-lock')).toMatchObject({ outcome: 'changed', changedSinceApproval: true });
    expect(written.tables.filter((table) => table.changedSinceApproval).map((table) => table.name)).toEqual(['terraform-state-lock']);
    expect(written.status).toBe('in-sync');
  });

  it('never bypasses approval: a change after planning that makes the re-plan disruptive beyond the blast radius leaves the table alone', async () => {
    // Prepare: approved with 0 disruptive tables of 3 (limits 25% and no table); then terraform-state-lock is switched
    // to provisioned billing out of band, so its re-plan needs a disruptive switch back to on-demand (1 of 3: 33%).
    await createDriftedAccount(createClients(local.clientConfig));
    await publishSamples('abc123', (files) => files.map((file) => (file.path.endsWith('policy.yaml') ? { ...file, text: file.text.replace('maxDisruptiveTables: 1', 'maxDisruptiveTables: 0') } : file)));
    const { load, verdict } = await planAndGate('run-1');
    const { dynamodb } = createClients(local.clientConfig);
    await dynamodb.send(new UpdateTableCommand({ TableName: 'terraform-state-lock', BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }));
    // Act
    const written = await applyAndReport('run-1', load, verdict);
    // Assess: nothing ran on that table (not even the approved key rotation), and the report says why.
    expect(verdict.approval).toEqual({ disruptiveTables: 0, population: 3, maxDisruptivePercent: 25, maxDisruptiveTables: 0 });
    expect(written.tables.find((table) => table.name === 'terraform-state-lock')).toMatchObject({
      outcome: 'blocked',
      changedSinceApproval: true,
      error: expect.stringMatching(/changed since approval, and its re-plan needs disruptive changes beyond the approved blast radius .*1 of 3 tables \(33%\).*nothing was changed/),
    });
    expect(written.status).toBe('failed');
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: 'terraform-state-lock' }));
    expect(Table?.BillingModeSummary?.BillingMode ?? 'PROVISIONED').toBe('PROVISIONED');
    // The other tables, unchanged since approval, ran their approved plans.
    expect(written.tables.find((table) => table.name === 'Customers')?.outcome).toBe('changed');
  });
});
