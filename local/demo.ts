/**
 * `npm start`: the operator end to end on the embedded local AWS.
 *
 * Boots moto with the gap layer, builds a realistic drifted account, prints the plan, then runs
 * `tablewarden reconcile --local` against it: the operator's own resources are created, desired-state/ is published
 * as a bundle (what a merge does), and the *synthesized* Reconcile state machine runs with the real Lambda
 * handlers, state by state. Then the plan again and the posture before and after. Then seed/customers.json is
 * uploaded to the local S3 and seeded into Customers by `tablewarden seed`'s own code path, and the report's written
 * count is checked against a Scan. Then AWS Backup takes a recovery point of the seeded Customers and
 * `tablewarden drill Customers` restores it into a tw-drill-* copy, validates it and deletes it, printing its report.
 * Nothing reaches real AWS.
 * Exits 1 unless every managed table converges, the seed's report matches the table, the drill passes and no
 * tw-drill-* table is left.
 */
import { readFileSync } from 'node:fs';
import { StartBackupJobCommand } from '@aws-sdk/client-backup';
import { DescribeTableCommand, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createClients } from '../functions/aws/clients.ts';
import { seedS3Client } from '../functions/aws/seed-source.ts';
import { runDrillCommand } from '../functions/cli/commands/drill.ts';
import { runSeedCommand } from '../functions/cli/commands/seed.ts';
import { observeAndPlan } from '../functions/run/observe-and-plan.ts';
import { runReconcileCommand } from '../functions/cli/commands/reconcile.ts';
import { readDesiredStateFiles } from '../functions/cli/desired-files.ts';
import { painter, renderPlanText } from '../functions/cli/render-plan.ts';
import { renderPostureTable } from '../functions/cli/render-posture.ts';
import { parseDesiredState } from '../functions/core/desired/parse.ts';
import { DRILL_TABLE_PREFIX } from '../functions/core/drill/names.ts';
import { setRestoreSeconds } from './clock.ts';
import { createDriftedAccount } from './drifted-account.ts';
import { startLocalAws } from './local-aws.ts';
import { LOCAL_BACKUP_ROLE_ARN } from './operator-env.ts';

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

  const desired = parseDesiredState(await readDesiredStateFiles('desired-state'), { now: new Date() }).state;
  const before = await observeAndPlan(createClients(connection), desired, { now: new Date() });
  step('The plan the workflow will find (tablewarden plan)');
  process.stdout.write('\n' + renderPlanText(before.plan, { color }) + '\n');

  step('tablewarden reconcile --local --endpoint ' + local.endpoint + ' (publish desired-state/ as revision "demo", then run the synthesized Reconcile state machine with the real handlers)');
  const { run } = await runReconcileCommand({ local: true, dir: 'desired-state', mode: 'apply', endpoint: local.endpoint, region: local.region, revision: 'demo' });
  process.stdout.write('\n');

  const after = await observeAndPlan(createClients(connection), desired, { now: new Date() });
  step('Plan after the run (should be empty)');
  process.stdout.write('\n' + renderPlanText(after.plan, { color }) + '\n');
  step('Posture before');
  process.stdout.write(renderPostureTable(before.plan, { color }) + '\n');
  step('Posture after');
  process.stdout.write(renderPostureTable(after.plan, { color }) + '\n');
  const converged = run?.status === 'SUCCEEDED' && after.plan.tables.filter((table) => table.managed).every((table) => table.status === 'in-sync');
  if (!converged) process.exitCode = 1;

  if (converged) {
    // Seeding (issue 10): the sample Customers data set goes to the local S3, then `tablewarden seed` (the same
    // function the CLI runs) streams it into Customers; its report must agree with a Scan of the table.
    const seedClients = createClients(connection);
    const bucket = 'tablewarden-demo-seeds';
    await seedS3Client(seedClients).send(new CreateBucketCommand({ Bucket: bucket }));
    await seedS3Client(seedClients).send(new PutObjectCommand({ Bucket: bucket, Key: 'customers.json', Body: readFileSync(new URL('../seed/customers.json', import.meta.url)), ContentType: 'application/json' }));
    const from = `s3://${bucket}/customers.json`;
    step(`tablewarden seed Customers --from ${from} (seed/customers.json uploaded to the local S3)`);
    const seeded = await runSeedCommand('Customers', { from }, { clients: seedClients });
    let scanned = 0;
    let start: Record<string, never> | undefined;
    do {
      const page = await seedClients.dynamodb.send(new ScanCommand({ TableName: 'Customers', Select: 'COUNT', ...(start ? { ExclusiveStartKey: start } : {}) }));
      scanned += page.Count ?? 0;
      start = page.LastEvaluatedKey as typeof start;
    } while (start);
    const written = seeded.report?.counts.written;
    const agrees = seeded.exitCode === 0 && written === scanned;
    process.stdout.write(`\n    report: ${written ?? 'no report'} written; Scan COUNT of Customers: ${scanned} ${agrees ? paint('green', '(match)') : paint('red', '(MISMATCH)')}\n`);
    if (!agrees) process.exitCode = 1;

    if (agrees) {
      // Restore drill (issue 9): AWS Backup takes the recovery point its nightly plan would (now with the seeded
      // items), then `tablewarden drill Customers` (the same function the CLI runs) restores it from the declared
      // source into a tw-drill-* copy, validates it, deletes it and prints the report. The local restore stays
      // CREATING for a short, emulated delay here so the demo stays quick.
      const drillClients = createClients(connection);
      const customersArn = (await drillClients.dynamodb.send(new DescribeTableCommand({ TableName: 'Customers' }))).Table!.TableArn!;
      step('AWS Backup takes a recovery point of Customers (StartBackupJob into tablewarden-vault, as the daily-35d plan does)');
      await drillClients.backup.send(new StartBackupJobCommand({ BackupVaultName: 'tablewarden-vault', ResourceArn: customersArn, IamRoleArn: LOCAL_BACKUP_ROLE_ARN }));
      await setRestoreSeconds(local.endpoint, 2);
      step('tablewarden drill Customers (restore the newest recovery point into tw-drill-Customers-*, validate, clean up)');
      // The drifted account has an untagged look-alike (tw-drill-Customers-20261127) that cleanup must never touch:
      // what counts is that the drill leaves no table behind.
      const drillTables = async () => (await drillClients.dynamodb.send(new ListTablesCommand({}))).TableNames?.filter((name) => name.startsWith(DRILL_TABLE_PREFIX)) ?? [];
      const before = new Set(await drillTables());
      const drilled = await runDrillCommand('Customers', { dir: 'desired-state' }, { clients: drillClients, pollMs: 500 });
      const left = (await drillTables()).filter((name) => !before.has(name));
      process.stdout.write(`\n    drill exit code ${drilled.exitCode}; tw-drill-* tables the drill left: ${left.length === 0 ? paint('green', 'none') : paint('red', left.join(', '))}\n`);
      if (drilled.exitCode !== 0 || left.length > 0) process.exitCode = 1;
    }
  }
} finally {
  await local.stop();
}
