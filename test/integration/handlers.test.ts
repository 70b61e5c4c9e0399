/**
 * The Lambda handlers, called in-process against moto in the order the Reconcile workflow calls them.
 */
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { authenticateBundle, publishBundle } from '../../functions/aws/publish.ts';
import { RunStore } from '../../functions/aws/run-store.ts';
import { bundleChecksum, type Bundle } from '../../functions/core/bundle.ts';
import { readDesiredStateFiles } from '../../functions/cli/desired-files.ts';
import { handler as applyBatch } from '../../functions/handlers/apply-batch.ts';
import type { ApplyBatchResult, LoadResult, PlanBatchResult } from '../../functions/handlers/contracts.ts';
import { handler as gate } from '../../functions/handlers/gate.ts';
import { handler as loadDesiredState } from '../../functions/handlers/load-desired-state.ts';
import { handler as lock } from '../../functions/handlers/lock.ts';
import { handler as planBatch } from '../../functions/handlers/plan-batch.ts';
import { handler as report } from '../../functions/handlers/report.ts';
import { resetHandlerClients } from '../../functions/handlers/runtime.ts';
import { createClients } from '../../functions/aws/clients.ts';
import { createDriftedAccount } from '../../local/drifted-account.ts';
import { createOperatorEnvironment } from '../../local/operator-env.ts';
import { useLocalAws } from '../helpers/local-aws.ts';

const local = useLocalAws();

beforeEach(async () => {
  await local.reset();
  resetHandlerClients();
  await createOperatorEnvironment(local);
});

const s3 = () => new S3Client({ ...local.clientConfig, forcePathStyle: true });

async function publishSamples(revision = 'abc123'): Promise<void> {
  const { kms } = createClients(local.clientConfig);
  await publishBundle({ s3: s3(), kms }, process.env.BUNDLE_BUCKET!, await readDesiredStateFiles('desired-state'), revision, { macKeyId: process.env.BUNDLE_MAC_KEY_ARN! });
}

/** Rewrite a published bundle in the bucket (PITR off on Customers, checksum fixed up), as a bucket writer could. */
async function rewriteInBucket(key: string, remac: (bundle: Bundle) => Promise<Bundle>): Promise<void> {
  const store = new RunStore(s3(), process.env.BUNDLE_BUCKET!);
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
    const verdict = await gate({ runId: 'run-1', tables: load.tables, maxDisruptivePercent: load.maxDisruptivePercent, plans });
    const applies = [] as ApplyBatchResult[];
    for (const batch of load.batches) {
      let result: ApplyBatchResult;
      let round = 0;
      do result = await applyBatch({ runId: 'run-1', batch, round: round++ });
      while (result.pending && round < 10);
      applies.push(result);
    }
    const summary = await report({ runId: 'run-1', trigger: 'manual', mode: 'apply', revision: load.revision, outcome: 'succeeded' });
    // Assess
    expect(load).toMatchObject({ revision: 'abc123', tables: 3, invalid: 0, maxDisruptivePercent: 25 });
    expect(load.batches.map((batch) => batch.tables)).toEqual([2, 1]);
    expect(plans.map((plan) => [plan.tables, plan.actions, plan.unmanaged])).toEqual([
      [3, 10, 1], // Customers, Orders and the unmanaged legacy-sessions (reported by the first batch only)
      [1, 1, 0],
    ]);
    expect(verdict).toMatchObject({ proceed: true, actions: 11, disruptiveTables: 0 });
    expect(applies.every((result) => !result.pending && result.failed === 0)).toBe(true);
    expect(summary).toMatchObject({ status: 'in-sync', tables: 4, applied: 11, failed: 0, notified: false });
    // A second plan finds nothing to do.
    const again = await planBatch({ runId: 'run-2', batch: (await loadDesiredState({ runId: 'run-2' })).batches[0]! });
    expect(again.actions).toBe(0);
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
    const store = new RunStore(s3(), process.env.BUNDLE_BUCKET!);
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
    resetHandlerClients();
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
