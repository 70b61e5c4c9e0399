/**
 * `npm start`: the operator end to end on the embedded local AWS.
 *
 * Boots moto with the gap layer, builds a realistic drifted account and the operator's own resources, publishes
 * desired-state/ as a bundle (what a merge does), then runs the *synthesized* Reconcile state machine with the
 * real Lambda handlers, state by state, and prints the posture before and after. Nothing reaches real AWS.
 * Exits 1 unless every managed table converges.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { createClient, createClients } from '../functions/aws/clients.ts';
import { planAccount } from '../functions/aws/plan-account.ts';
import { publishBundle } from '../functions/aws/publish.ts';
import { readDesiredStateFiles } from '../functions/cli/desired-files.ts';
import { painter, renderPlanText } from '../functions/cli/render-plan.ts';
import { renderPostureTable } from '../functions/cli/render-posture.ts';
import { parseDesiredState } from '../functions/core/desired/parse.ts';
import { createDriftedAccount } from './drifted-account.ts';
import { startLocalAws } from './local-aws.ts';
import { createOperatorEnvironment } from './operator-env.ts';
import { runLocalReconcile } from './workflow/reconcile.ts';

// The lockfile pins an AWS SDK that supports Node 20; its "Node 22 after January 2027" notice is for upgrades.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const paint = painter(color);
const step = (text: string) => process.stdout.write(`${paint('bold', '==>')} ${text}\n`);

step('Starting the local AWS (moto 5.2.1 + tablewarden gap layer)');
const local = await startLocalAws();
try {
  process.stdout.write(`    endpoint ${local.endpoint}, region ${local.region}\n`);
  const connection = { endpoint: local.endpoint, region: local.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

  step('Building a drifted account: Customers (PITR off, AWS owned key, tags missing), terraform-state-lock (key rotates every 730 days), Orders missing, legacy-sessions unmanaged');
  await createDriftedAccount(createClients(connection));
  const operator = await createOperatorEnvironment(local);

  step('Publishing desired-state/ as revision "demo" (what a merge to main does)');
  const files = await readDesiredStateFiles('desired-state');
  const publisher = createClients(connection);
  const s3 = createClient(S3Client, 's3', publisher.connection, publisher.calls, { forcePathStyle: true });
  const { bundle } = await publishBundle({ s3, kms: publisher.kms }, operator.BUNDLE_BUCKET, files, 'demo', { macKeyId: operator.BUNDLE_MAC_KEY_ARN });
  process.stdout.write(`    s3://${operator.BUNDLE_BUCKET}/bundles/demo.json (${files.length} files, ${bundle.checksum.slice(0, 19)}…, MAC by the operator's HMAC key)\n`);

  const desired = parseDesiredState(files, { now: new Date() }).state;
  const before = await planAccount(createClients(connection), desired, { now: new Date() });
  step('The plan the workflow will find (tablewarden plan)');
  process.stdout.write('\n' + renderPlanText(before.plan, { color }) + '\n');

  step('Running the synthesized Reconcile state machine (CDK → ASL → aws-local-stepfunctions, real handlers)');
  const started = Date.now();
  const result = await runLocalReconcile({
    input: { trigger: 'commit', revision: 'demo' },
    executionName: `demo-${started}`,
    onEvent: (event) => {
      if (event.type === 'TaskStateExited') {
        const where = event.mapIndex !== undefined ? ` [batch ${event.mapIndex}]` : '';
        process.stdout.write(`    ${paint('green', '✓')} ${event.state}${where}\n`);
      } else if (event.type === 'TaskFailed') {
        process.stdout.write(`    ${paint('red', '✗')} ${event.state}: ${event.error} ${event.cause ?? ''}\n`);
      } else if (event.type === 'WaitStateEntered') {
        process.stdout.write(`    … ${event.state} (DynamoDB settling; skipped locally)\n`);
      }
    },
  });
  process.stdout.write(`    execution ${result.status} in ${((Date.now() - started) / 1000).toFixed(1)} s, ${result.historyEventCount} history events\n`);
  process.stdout.write(`    ${JSON.stringify(result.output ?? { error: result.error, cause: result.cause })}\n\n`);

  const after = await planAccount(createClients(connection), desired, { now: new Date() });
  step('Plan after the run (should be empty)');
  process.stdout.write('\n' + renderPlanText(after.plan, { color }) + '\n');
  step('Posture before');
  process.stdout.write(renderPostureTable(before.plan, { color }) + '\n');
  step('Posture after');
  process.stdout.write(renderPostureTable(after.plan, { color }) + '\n');
  const converged = result.status === 'SUCCEEDED' && after.plan.tables.filter((table) => table.managed).every((table) => table.status === 'in-sync');
  if (!converged) process.exitCode = 1;
} finally {
  await local.stop();
}
