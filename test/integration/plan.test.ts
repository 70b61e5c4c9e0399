/**
 * `tablewarden plan` end to end: the real SDK over HTTP against moto (with the gap layer), the real observer,
 * the real planner and the CLI's JSON output.
 */
import { CreateBackupPlanCommand, CreateBackupSelectionCommand, CreateBackupVaultCommand, StartBackupJobCommand } from '@aws-sdk/client-backup';
import { CreateTableCommand, UpdateContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand, EnableKeyRotationCommand } from '@aws-sdk/client-kms';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { observeAndPlan } from '../../functions/run/observe-and-plan.ts';
import { runPlan } from '../../functions/cli/commands/plan.ts';
import { planToJson } from '../../functions/cli/render-plan.ts';
import { plan as planModel } from '../../functions/core/plan/planner.ts';
import { createDriftedAccount } from '../../local/drifted-account.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo } from '../support/capture.ts';
import { driftedAccount, sampleDesiredState } from '../support/scenario.ts';

const local = useLocalAws();

function clients(): AwsClients {
  return createClients(local.clientConfig);
}

type PlanJson = { tables: Array<{ name: string; status: string; managed: boolean; actions: Array<{ type: string; control: string; risk: string; reason: string }> }>; summary: Record<string, number> };

const summaryOf = (document: PlanJson) =>
  Object.fromEntries(document.tables.map((table) => [table.name, { status: table.status, actions: table.actions.map((action) => `${action.control} ${action.type} ${action.risk}`) }]));

describe('plan against local AWS', () => {
  beforeEach(async () => {
    await local.reset();
    // The CLI takes credentials from the environment, as the AWS CLI does.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  });

  it('prints the exact plan for the drifted account as JSON, exits 2 and writes nothing', async () => {
    // Prepare
    await createDriftedAccount(clients());
    const io = captureIo();
    // Act
    const code = await runPlan(
      { dir: 'desired-state', table: [], output: 'json', endpointUrl: local.endpoint, region: local.region },
      io,
    );
    // Assess
    expect(io.stderr()).toBe('');
    expect(code).toBe(2);
    const document = JSON.parse(io.stdout()) as PlanJson;
    expect(summaryOf(document)).toEqual({
      Customers: {
        status: 'update',
        actions: [
          'TW-SSE CreateKmsKey safe',
          'TW-SSE UpdateSse safe',
          'TW-PITR UpdatePointInTimeRecovery safe',
          'TW-TAGS TagResource safe',
          // No StartBackupJob: the table was created moments ago, so it has not missed a backup yet.
          'TW-BACKUP-COVERAGE AddToBackupPlan safe',
        ],
      },
      Orders: {
        status: 'create',
        actions: [
          'TW-SSE CreateKmsKey safe',
          'TW-TABLE-EXISTS CreateTable safe',
          'TW-PITR UpdatePointInTimeRecovery safe',
          'TW-TTL UpdateTimeToLive safe',
          'TW-BACKUP-COVERAGE AddToBackupPlan safe',
        ],
      },
      'legacy-sessions': { status: 'unmanaged', actions: [] },
      'terraform-state-lock': { status: 'update', actions: ['TW-KMS-ROTATION UpdateKmsKeyRotation safe'] },
    });
    expect(document.summary).toMatchObject({ create: 1, update: 2, inSync: 0, unmanaged: 1, actions: 11, disruptiveActions: 0 });
  });

  it('observes through moto exactly what the in-memory model of the same account predicts', async () => {
    // Prepare
    await createDriftedAccount(clients());
    const aws = clients();
    const desired = sampleDesiredState();
    const now = new Date();
    // Act
    const { plan } = await observeAndPlan(aws, desired, { now });
    const model = driftedAccount();
    // moto creates tables and recovery points at once: in the model too they are brand new (which matters for
    // backup freshness). Dates relative to `now`, never fixed ones: the test must pass on any date.
    for (const table of Object.values(model.tables)) {
      table.createdAt = now.toISOString();
      if (table.backup.latestRecoveryPointAt !== undefined) table.backup.latestRecoveryPointAt = now.toISOString();
    }
    const predicted = planModel({ desired, observed: model, now });
    // Assess: same tables, statuses, findings and action reasons (ARNs aside, which moto invents).
    const comparable = (value: unknown) => JSON.stringify(planToJson(value as never)).replace(/arn:aws:kms:[^"\s)]+/g, 'ARN').replace(/newest recovery point [^"]+/g, 'RP');
    expect(JSON.parse(comparable(plan))).toEqual(JSON.parse(comparable(predicted)));
    expect(aws.calls.writes()).toEqual([]);
  });

  it('plans a converged table with at most 4 per-table reads and no writes', async () => {
    // Prepare: Customers exactly as declared, built through the real APIs.
    const aws = clients();
    const key = await aws.kms.send(new CreateKeyCommand({}));
    await aws.kms.send(new CreateAliasCommand({ AliasName: 'alias/tablewarden/customers', TargetKeyId: key.KeyMetadata!.KeyId! }));
    await aws.kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyMetadata!.KeyId!, RotationPeriodInDays: 365 }));
    const created = await aws.dynamodb.send(
      new CreateTableCommand({
        TableName: 'Customers',
        AttributeDefinitions: [{ AttributeName: 'customerID', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'customerID', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        TableClass: 'STANDARD',
        DeletionProtectionEnabled: true,
        SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'alias/tablewarden/customers' },
        Tags: [
          { Key: 'managed-by', Value: 'tablewarden' },
          { Key: 'data-classification', Value: 'confidential' },
          { Key: 'cost-center', Value: 'payments' },
        ],
      }),
    );
    await aws.dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: 'Customers', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 } }));
    await aws.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'tablewarden-vault' }));
    const backupPlan = await aws.backup.send(
      new CreateBackupPlanCommand({ BackupPlan: { BackupPlanName: 'daily-35d', Rules: [{ RuleName: 'daily', TargetBackupVaultName: 'tablewarden-vault', ScheduleExpression: 'cron(0 3 * * ? *)' }] } }),
    );
    const role = 'arn:aws:iam::123456789012:role/backup';
    await aws.backup.send(new CreateBackupSelectionCommand({ BackupPlanId: backupPlan.BackupPlanId!, BackupSelection: { SelectionName: 'all-tables', IamRoleArn: role, Resources: ['arn:aws:dynamodb:*:*:table/*'] } }));
    await aws.backup.send(new StartBackupJobCommand({ BackupVaultName: 'tablewarden-vault', ResourceArn: created.TableDescription!.TableArn!, IamRoleArn: role }));
    const observer = clients();
    // Act
    const { plan } = await observeAndPlan(observer, sampleDesiredState(), { now: new Date(), only: ['Customers'] });
    // Assess
    expect(plan.tables.map((table) => [table.name, table.status, table.actions])).toEqual([['Customers', 'in-sync', []]]);
    expect(plan.tables[0]!.findings.filter((finding) => finding.status !== 'COMPLIANT' && finding.status !== 'NOT_APPLICABLE')).toEqual([]);
    const perTable = observer.calls.all().filter((call) => ['DescribeTable', 'DescribeContinuousBackups', 'DescribeTimeToLive', 'DescribeContributorInsights'].includes(call.operation));
    expect(perTable.length).toBeLessThanOrEqual(4);
    expect(observer.calls.writes()).toEqual([]);
    // Everything else is account-level, read once however many tables there are.
    expect(observer.calls.byAction()).toEqual({
      'dynamodb:ListTables': 1,
      'dynamodb:DescribeTable': 1,
      'dynamodb:DescribeContinuousBackups': 1,
      'dynamodb:DescribeContributorInsights': 1,
      'tag:GetResources': 1,
      'kms:ListAliases': 1,
      'kms:DescribeKey': 1,
      'kms:GetKeyRotationStatus': 1,
      'backup:ListBackupPlans': 1,
      'backup:ListBackupSelections': 1,
      'backup:GetBackupSelection': 1,
      'backup:ListProtectedResources': 1,
    });
  });
});
