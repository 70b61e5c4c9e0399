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
 * Then AWS Config: the stack's managed rules evaluate the account, PITR is turned off on Customers out of band, and
 * the compliance-change event goes through config-events to the synthesized Reconcile, which puts it back; the
 * run's HTML posture report is saved and its path printed. Nothing reaches real AWS.
 * Exits 1 unless every managed table converges, the seed's report matches the table, the drill passes, no
 * tw-drill-* table is left and the Config finding is remediated.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartBackupJobCommand } from '@aws-sdk/client-backup';
import { ConfigServiceClient, GetComplianceDetailsByConfigRuleCommand, StartConfigRulesEvaluationCommand } from '@aws-sdk/client-config-service';
import { DescribeContinuousBackupsCommand, DescribeTableCommand, ListTablesCommand, ScanCommand, UpdateContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createClient, createClients } from '../functions/aws/clients.ts';
import { renderProgress } from '../functions/cli/commands/reconcile.ts';
import { compileConfigRuleParameters, defaultConfigRuleNames } from '../functions/core/config/rules.ts';
import type { DesiredState } from '../functions/core/model/desired.ts';
import { postureReportKeys } from '../functions/run/core/report.ts';
import { advanceClock } from './clock.ts';
import { complianceChangeEvent } from './config-events.ts';
import { putManagedConfigRule } from './config-rules.ts';
import { deliverConfigEventsLocally } from './workflow/config-events.ts';
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
type LocalConnection = { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };

/**
 * AWS Config remediation (issue 11): the stack's managed rules evaluate the account; PITR is turned off on Customers
 * out of band; Config's evaluator flags it; the matching "Config Rules Compliance Change" event goes through the
 * config-events handler (as its SQS batch) to the synthesized Reconcile, which puts PITR back; Config agrees again.
 * The run's posture report (report.html, written by the report step to the operator bucket) is saved locally.
 */
async function configRemediation(connection: LocalConnection, desired: DesiredState): Promise<void> {
  const config = new ConfigServiceClient(connection);
  const clients = createClients(connection);
  const names = defaultConfigRuleNames();
  const parameters = compileConfigRuleParameters(desired);
  step(`AWS Config: the stack's ${Object.keys(names).length} managed rules (PutConfigRule, parameters compiled from desired-state/) evaluate the account`);
  for (const [name, identifier] of Object.entries(names)) await putManagedConfigRule(config, name, identifier, parameters[identifier]);
  const pitrRule = Object.entries(names).find(([, identifier]) => identifier === 'DYNAMODB_PITR_ENABLED')![0];
  const pitrOf = async (table: string) => {
    const details = await config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: pitrRule, Limit: 100 }));
    return details.EvaluationResults?.find((result) => result.EvaluationResultIdentifier?.EvaluationResultQualifier?.ResourceId === table);
  };
  process.stdout.write(`    ${pitrRule} says Customers is ${(await pitrOf('Customers'))?.ComplianceType ?? 'not evaluated'}\n`);

  step('Out of band: someone turns point-in-time recovery off on Customers (UpdateContinuousBackups)');
  await clients.dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: 'Customers', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }));
  // Config refuses a second StartConfigRulesEvaluation within a minute: a minute passes on the emulator's clock.
  const evaluatedAt = await advanceClock(connection.endpoint, 61);
  await config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: [pitrRule] }));
  const finding = await pitrOf('Customers');
  process.stdout.write(`    ${pitrRule} says Customers is ${finding?.ComplianceType ?? 'not evaluated'}${finding?.Annotation ? ` (${finding.Annotation})` : ''}\n`);

  step('Config Rules Compliance Change → EventBridge → SQS → config-events → Reconcile of Customers only (synthesized state machine, real handlers)');
  const event = complianceChangeEvent({
    ruleName: pitrRule,
    ruleArn: `arn:aws:config:${connection.region}:123456789012:config-rule/${pitrRule}`,
    resourceType: 'AWS::DynamoDB::Table',
    resourceId: 'Customers',
    newType: finding?.ComplianceType === 'NON_COMPLIANT' ? 'NON_COMPLIANT' : 'COMPLIANT',
    oldType: 'COMPLIANT',
    ...(finding?.Annotation ? { annotation: finding.Annotation } : {}),
    time: evaluatedAt,
    account: '123456789012',
    region: connection.region,
  });
  const startedAt = Date.now();
  const delivered = await deliverConfigEventsLocally({ clientConfig: connection, events: [event], now: evaluatedAt, onEvent: (runEvent) => {
    const line = renderProgress(runEvent, startedAt, paint);
    if (line) process.stdout.write(line);
  } });
  const run = delivered.runs[0];
  const pitr = (await clients.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'Customers' }))).ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
  await advanceClock(connection.endpoint, 61);
  await config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: [pitrRule] }));
  const after = await pitrOf('Customers');
  const remediated = delivered.runs.length === 1 && run?.result.status === 'SUCCEEDED' && pitr === 'ENABLED' && after?.ComplianceType === 'COMPLIANT';
  process.stdout.write(
    `\n    ${delivered.runs.length} reconcile started (${run?.name ?? 'none'}, input ${JSON.stringify(run?.input ?? null)}); PITR on Customers: ${pitr}; ${pitrRule}: ${after?.ComplianceType ?? 'not evaluated'} ${remediated ? paint('green', '(remediated)') : paint('red', '(NOT remediated)')}\n`,
  );
  if (!remediated) {
    process.exitCode = 1;
    return;
  }

  // The report step of that run wrote the posture report to the operator bucket; keep a local copy to open.
  const s3 = createClient(S3Client, 's3', clients.connection, clients.calls, { forcePathStyle: true });
  const html = await s3.send(new GetObjectCommand({ Bucket: process.env.BUNDLE_BUCKET!, Key: `${postureReportKeys.prefix(run.name)}report.html` }));
  const saved = join(tmpdir(), `tablewarden-report-${run.name}.html`);
  writeFileSync(saved, await html.Body!.transformToString());
  step(`Posture report of that run: s3://${process.env.BUNDLE_BUCKET}/${postureReportKeys.prefix(run.name)}report.html, saved as ${saved} (open it in a browser)`);
}

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
      else await configRemediation(connection, desired);
    }
  }
} finally {
  await local.stop();
}
