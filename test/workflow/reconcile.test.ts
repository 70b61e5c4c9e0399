/**
 * The synthesized Reconcile state machine, run locally (aws-local-stepfunctions) with the real handlers against
 * moto: success, a task failure caught and reported, a lock already held, and the dry-run mode. The last test
 * compares every handler's recorded AWS calls with the IAM actions the stack grants it.
 */
import { DescribeContinuousBackupsCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it, vi } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { publishBundle } from '../../functions/aws/publish.ts';
import { S3RunStore } from '../../functions/aws/run-store.ts';
import { bundleChecksum, type Bundle } from '../../functions/core/bundle.ts';
import { readDesiredStateFiles } from '../../functions/cli/desired-files.ts';
import type { SourceFile } from '../../functions/core/desired/parse.ts';
import { handler as lock } from '../../functions/handlers/lock.ts';
import { handlerCallRecorders, hostHandlers } from '../support/run-dependencies.ts';
import { handlerApiActions, HANDLER_NAMES } from '../../infra/permissions.ts';
import { createDriftedAccount } from '../../local/drifted-account.ts';
import { prepareLocalReconcile, runLocalReconcile } from '../../local/workflow/reconcile.ts';
import { runStateMachine } from '../../local/workflow/run.ts';
import { handler as applyBatch } from '../../functions/handlers/apply-batch.ts';
import { handler as loadDesiredState } from '../../functions/handlers/load-desired-state.ts';
import { useWorkflowAccount } from '../support/workflow-account.ts';

const local = useWorkflowAccount({ prepare: prepareLocalReconcile });
let execution = 0;
const nextName = () => `run-${++execution}`;

async function publish(revision = 'rev-1', edit: (files: SourceFile[]) => SourceFile[] = (files) => files): Promise<void> {
  const s3 = new S3Client({ ...local.clientConfig, forcePathStyle: true });
  const { kms } = createClients(local.clientConfig);
  await publishBundle({ s3, kms }, process.env.BUNDLE_BUCKET!, edit(await readDesiredStateFiles('desired-state')), revision, { macKeyId: process.env.BUNDLE_MAC_KEY_ARN! });
}

async function lockItem() {
  const { Item } = await createClients(local.clientConfig).dynamodb.send(new GetItemCommand({ TableName: process.env.STATE_TABLE!, Key: { pk: { S: 'LOCK' }, sk: { S: 'reconcile' } } }));
  return Item;
}

describe('Reconcile workflow (synthesized ASL, real handlers, local AWS)', () => {
  it('applies the drifted account, reports in-sync and releases the lock', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    await publish();
    const states: string[] = [];
    // Act
    const result = await runLocalReconcile({ input: { trigger: 'manual' }, executionName: nextName(), onEvent: (event) => event.type === 'TaskStateEntered' && states.push(String(event.state)) });
    // Assess
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'in-sync', tables: 4, applied: 11, failed: 0 });
    expect(states.slice(0, 3)).toEqual(['AcquireLock', 'LoadDesiredState', 'PlanBatch']);
    expect(states).toContain('ApplyBatch');
    // Then the seeding step (no table here declares spec.seed: it starts nothing).
    expect(states.slice(-3)).toEqual(['Report', 'ReleaseLock', 'FindSeeds']);
    expect(result.startedExecutions).toEqual([]);
    const pitr = await createClients(local.clientConfig).dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'Orders' }));
    expect(pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('ENABLED');
    expect(await lockItem()).toBeUndefined();
  });

  it('in plan mode changes nothing, reports drift and notifies', async () => {
    // Prepare
    await createDriftedAccount(createClients(local.clientConfig));
    await publish();
    const writesBefore = handlerCallRecorders.get('apply-batch')?.writes().length ?? 0;
    // Act
    const result = await runLocalReconcile({ input: { trigger: 'schedule', mode: 'plan' }, executionName: nextName() });
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'drift', applied: 0, notified: true });
    expect(handlerCallRecorders.get('apply-batch')?.writes().length ?? 0).toBe(writesBefore);
    const pitr = await createClients(local.clientConfig).dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'Customers' }));
    expect(pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('DISABLED');
    expect(await lockItem()).toBeUndefined();
  });

  it('catches a task failure, reports it, releases the lock and fails with the stage reason', async () => {
    // Prepare: nothing published, so LoadDesiredState fails with BundleNotFound.
    const states: string[] = [];
    const executionName = nextName();
    // Act
    const result = await runLocalReconcile({ input: { trigger: 'manual' }, executionName, onEvent: (event) => event.type === 'TaskStateEntered' && states.push(String(event.state)) });
    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('LoadFailed');
    const report = (await new S3RunStore(new S3Client({ ...local.clientConfig, forcePathStyle: true }), process.env.BUNDLE_BUCKET!).get(`runs/${executionName}/report.json`)) as { status: string; error: { Error: string; Cause: string } };
    expect(report.status).toBe('failed');
    expect(report.error.Error).toBe('BundleNotFound');
    expect(JSON.parse(report.error.Cause)).toMatchObject({ errorType: 'BundleNotFound', errorMessage: expect.stringMatching(/no desired-state bundle at s3:\/\/tablewarden-bundles\/bundles\/latest\.json/) });
    expect(states).toEqual(['AcquireLock', 'LoadDesiredState', 'ReportFailure', 'ReleaseLockAfterFailure']);
    expect(await lockItem()).toBeUndefined();
  });

  it('refuses a bundle rewritten in the bucket at load: BundleNotAuthentic, nothing applied, lock released', async () => {
    // Prepare: someone with write access to the bucket turns PITR off on Orders and fixes the checksum up.
    await createDriftedAccount(createClients(local.clientConfig));
    await publish('rev-9');
    const store = new S3RunStore(new S3Client({ ...local.clientConfig, forcePathStyle: true }), process.env.BUNDLE_BUCKET!);
    const bundle = (await store.get('bundles/rev-9.json')) as Bundle;
    const files = bundle.files.map((file) => (file.path.endsWith('customers.yaml') ? { ...file, text: file.text.replace('pointInTimeRecovery: { enabled: true', 'pointInTimeRecovery: { enabled: false') } : file));
    await new S3Client({ ...local.clientConfig, forcePathStyle: true }).send(
      new PutObjectCommand({ Bucket: store.bucket, Key: 'bundles/rev-9.json', Body: JSON.stringify({ ...bundle, files, checksum: bundleChecksum(files) }) }),
    );
    const writesBefore = handlerCallRecorders.get('apply-batch')?.writes().length ?? 0;
    const states: string[] = [];
    const executionName = nextName();
    // Act
    const result = await runLocalReconcile({ input: { trigger: 'commit', revision: 'rev-9' }, executionName, onEvent: (event) => event.type === 'TaskStateEntered' && states.push(String(event.state)) });
    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('LoadFailed');
    expect(states).toEqual(['AcquireLock', 'LoadDesiredState', 'ReportFailure', 'ReleaseLockAfterFailure']);
    const report = (await store.get(`runs/${executionName}/report.json`)) as { status: string; error: { Error: string; Cause: string } };
    expect(report).toMatchObject({ status: 'failed', error: { Error: 'BundleNotAuthentic' } });
    expect(JSON.parse(report.error.Cause).errorMessage).toMatch(/the MAC does not verify with arn:aws:kms:.*was changed after publishing/);
    expect(handlerCallRecorders.get('apply-batch')?.writes().length ?? 0).toBe(writesBefore);
    const pitr = await createClients(local.clientConfig).dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'Customers' }));
    expect(pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('DISABLED');
    expect(await lockItem()).toBeUndefined();
  });

  it('stops with LockHeld when another reconcile holds the lock, and leaves that lock alone', async () => {
    // Prepare
    await publish();
    await lock({ action: 'acquire', owner: 'arn:aws:states:us-east-1:123456789012:execution:Reconcile:other' });
    // Act
    const result = await runLocalReconcile({ input: { trigger: 'commit', revision: 'rev-1' }, executionName: nextName() });
    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('LockHeld');
    expect((await lockItem())?.owner?.S).toBe('arn:aws:states:us-east-1:123456789012:execution:Reconcile:other');
  });

  it("the release rule's release for a failed run never removes another run's lock", async () => {
    // Prepare: run B fails with LockHeld (outside any Catch that releases), while run A holds the lock.
    await publish();
    const holder = 'arn:aws:states:us-east-1:123456789012:execution:Reconcile:run-a';
    await lock({ action: 'acquire', owner: holder });
    const runB = await runLocalReconcile({ input: { trigger: 'manual' }, executionName: nextName() });
    // Act: the rule fires for B's FAILED status.
    const released = await lock({ action: 'release', owner: runB.executionArn });
    // Assess
    expect(runB.error).toBe('LockHeld');
    expect(released).toMatchObject({ released: false });
    expect((await lockItem())?.owner?.S).toBe(holder);
  });

  it('builds an empty account from scratch (keys, tables, backup vault and plan), then a second run has nothing to do', async () => {
    // Prepare: Orders also turns Contributor Insights on.
    await publish('rev-2', (files) =>
      files.map((file) => (file.path.endsWith('orders.yaml') ? { ...file, text: file.text.replace('  stream: NEW_AND_OLD_IMAGES', '  stream: NEW_AND_OLD_IMAGES\n  contributorInsights: true') } : file)),
    );
    // Act
    const first = await runLocalReconcile({ input: { trigger: 'commit', revision: 'rev-2' }, executionName: nextName() });
    const second = await runLocalReconcile({ input: { trigger: 'schedule' }, executionName: nextName() });
    // Assess
    expect(first.status).toBe('SUCCEEDED');
    expect(first.output).toMatchObject({ status: 'in-sync', tables: 3, failed: 0 });
    expect(second.status).toBe('SUCCEEDED');
    expect(second.output).toMatchObject({ status: 'in-sync', tables: 3, applied: 0, failed: 0 });
  });

  it('a failed batch (its child execution fails) does not stop the other batches, and the report names it', async () => {
    // Prepare: two batches (load with batch size 2); batch 1's apply Lambda crashes on every round.
    await createDriftedAccount(createClients(local.clientConfig));
    await publish();
    const { machine, lambdas, stateMachines } = await prepareLocalReconcile();
    const id = (handler: unknown) => Object.keys(lambdas).find((key) => lambdas[key] === handler)!;
    const executionName = nextName();
    // Act
    const result = await runStateMachine({
      ...machine,
      stateMachines,
      input: { trigger: 'manual' },
      executionName,
      lambdas: {
        ...lambdas,
        [id(loadDesiredState)]: (event) => loadDesiredState({ ...(event as object), batchSize: 2 }),
        [id(applyBatch)]: (event) => {
          if ((event as { batch: { index: number } }).batch.index === 1) throw Object.assign(new Error('apply-batch crashed (simulated)'), { name: 'SimulatedCrash' });
          return applyBatch(event);
        },
      },
      overrides: { waits: 'skip', retryIntervals: 0 },
    });
    // Assess: the run finishes and releases the lock; batch 0 converged; batch 1 is reported failed, with why.
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'failed' });
    expect(result.childExecutions.map((child) => child.status).sort()).toEqual(['FAILED', 'SUCCEEDED']);
    const report = (await new S3RunStore(new S3Client({ ...local.clientConfig, forcePathStyle: true }), process.env.BUNDLE_BUCKET!).get(`runs/${executionName}/report.json`)) as {
      status: string;
      failedBatches: Array<{ index: number; error: string }>;
      tables: Array<{ name: string; outcome: string; error?: string }>;
    };
    expect(report.failedBatches).toEqual([{ index: 1, error: 'SimulatedCrash' }]);
    expect(Object.fromEntries(report.tables.map((table) => [table.name, table.outcome]))).toEqual({ Customers: 'changed', Orders: 'changed', 'legacy-sessions': 'unmanaged', 'terraform-state-lock': 'failed' });
    expect(report.tables.find((table) => table.name === 'terraform-state-lock')?.error).toBe('batch 1 failed: SimulatedCrash');
    const pitr = await createClients(local.clientConfig).dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'Customers' }));
    expect(pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('ENABLED');
    expect(await lockItem()).toBeUndefined();
  });

  it('grants every handler exactly the AWS actions it called (least privilege, both ways)', () => {
    // Actions a handler is granted but that no local scenario can make it call, each with why. The test fails if
    // one of them *is* called (then it belongs in the comparison) or if any other grant goes unused.
    const notExercisedLocally: Record<string, Record<string, string>> = {
      'load-desired-state': { 's3:ListBucket': 'lets GetObject on a missing bundle answer 404 NoSuchKey (BundleNotFound) instead of 403' },
      'plan-batch': {
        'kms:DescribeKey': "describes a table's key only when the account index lacks it (a key behind no alias the desired state names); here every table key is behind a declared alias",
        'kms:GetKeyRotationStatus': 'as kms:DescribeKey: only for a customer managed table key the account index lacks',
      },
      'apply-batch': {
        'backup:StartBackupJob':
          'needs a table older than its backup window with no fresh recovery point; moto creates tables and recovery points "now" (the request is pinned in test/aws/apply-plan.test.ts)',
      },
    };
    const report: string[] = [];
    // The drill handlers' calls are compared in test/workflow/drill-faults.test.ts, the seed handlers' (seed,
    // seed-triggers) in test/workflow/seed.test.ts (no desired state here declares spec.seed), config-events' in
    // test/workflow/config-events.test.ts (nothing here sends a Config event).
    // config-sweep's (the nightly Config sweep) in test/workflow/config-sweep.test.ts, where Config has rules to sweep.
    for (const handler of HANDLER_NAMES.filter((name) => !name.startsWith('drill-') && !name.startsWith('seed') && name !== 'config-events' && name !== 'config-sweep')) {
      const called = new Set((handlerCallRecorders.get(handler)?.all() ?? []).flatMap((call) => call.iamActions).filter((action) => action !== 'sts:GetCallerIdentity'));
      const granted = new Set(handlerApiActions(handler));
      const excused = notExercisedLocally[handler] ?? {};
      const missing = [...called].filter((action) => !granted.has(action));
      const unused = [...granted].filter((action) => !called.has(action) && !(action in excused));
      const staleExcuses = Object.keys(excused).filter((action) => called.has(action));
      if (missing.length || unused.length || staleExcuses.length) report.push(`${handler}: missing ${JSON.stringify(missing)}, unused ${JSON.stringify(unused)}, stale excuses ${JSON.stringify(staleExcuses)}`);
    }
    expect(report).toEqual([]);
  });
});

// After the least-privilege check on purpose: this test rebuilds the handlers' clients (two SDK attempts instead of
// eight), which starts their call recorders afresh.
describe('Reconcile workflow when the lock cannot be released', () => {
  it('a failed ReleaseLock keeps the report Report wrote, fails with ReleaseFailed, and the release rule frees the lock', async () => {
    // Prepare: every DeleteItem (the lock release) answers 500; two SDK attempts keep the run short.
    await createDriftedAccount(createClients(local.clientConfig));
    await publish();
    vi.stubEnv('AWS_MAX_ATTEMPTS', '2');
    hostHandlers();
    await local.server.setFaults({ rate: 1, kinds: ['5xx'], services: ['dynamodb'], operations: ['DeleteItem'] });
    const states: string[] = [];
    const executionName = nextName();
    // Act
    const result = await runLocalReconcile({ input: { trigger: 'manual' }, executionName, onEvent: (event) => event.type === 'TaskStateEntered' && states.push(String(event.state)) });
    await local.server.clearFaults();
    // Assess: the converged run's report stands (in-sync, tables "changed"), never rewritten as a failure or drift.
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ReleaseFailed');
    expect(states.slice(-2)).toEqual(['Report', 'ReleaseLock']);
    expect(states).not.toContain('ReportFailure');
    const report = (await new S3RunStore(new S3Client({ ...local.clientConfig, forcePathStyle: true }), process.env.BUNDLE_BUCKET!).get(`runs/${executionName}/report.json`)) as {
      status: string;
      outcome: string;
      tables: Array<{ name: string; outcome: string }>;
    };
    expect(report).toMatchObject({ status: 'in-sync', outcome: 'succeeded' });
    expect(report.tables.filter((table) => table.outcome === 'drift' || table.outcome === 'failed')).toEqual([]);
    expect((await lockItem())?.owner?.S).toBe(result.executionArn);
    // Act: what the ReleaseLockOfStoppedRun rule does for the FAILED execution (its target's input).
    const released = await lock({ action: 'release', owner: result.executionArn });
    // Assess
    expect(released).toMatchObject({ released: true });
    expect(await lockItem()).toBeUndefined();
  });
});
