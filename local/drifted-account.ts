/**
 * Builds a realistic drifted account on the local AWS, for `npm start` and the integration tests.
 *
 * It mirrors `driftedAccount()` in test/support/scenario.ts (the in-memory model of the same account), so a test
 * can check that observing this account through moto yields the plan the model predicts:
 * - Customers exists, but with PITR off, the AWS owned key and tags missing;
 * - terraform-state-lock is right but for its key rotating every 730 days instead of 365;
 * - Orders is missing; legacy-sessions is unmanaged; a restore-drill table was left over.
 */
import { CreateBackupPlanCommand, CreateBackupSelectionCommand, CreateBackupVaultCommand, StartBackupJobCommand } from '@aws-sdk/client-backup';
import { CreateTableCommand, UpdateContinuousBackupsCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand, EnableKeyRotationCommand } from '@aws-sdk/client-kms';
import type { AwsClients } from '../functions/aws/clients.ts';

const BACKUP_ROLE = 'arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole';

function table(name: string, partitionKey: string, extra: Partial<CreateTableCommandInput> = {}): CreateTableCommand {
  return new CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    ...extra,
  });
}

/** Create the drifted account. Expects an empty account (reset the local AWS first). */
export async function createDriftedAccount(clients: AwsClients): Promise<void> {
  const { dynamodb, kms, backup } = clients;

  const key = await kms.send(new CreateKeyCommand({ Description: 'platform tables', KeyUsage: 'ENCRYPT_DECRYPT' }));
  const keyId = key.KeyMetadata!.KeyId!;
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/tablewarden/platform', TargetKeyId: keyId }));
  await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 730 }));

  await dynamodb.send(
    table('Customers', 'customerID', {
      DeletionProtectionEnabled: true,
      Tags: [
        { Key: 'cost-center', Value: 'payments' },
        { Key: 'team', Value: 'payments-core' },
      ],
    }),
  );
  const lock = await dynamodb.send(
    table('terraform-state-lock', 'LockID', {
      DeletionProtectionEnabled: true,
      SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'alias/tablewarden/platform' },
      Tags: [
        { Key: 'managed-by', Value: 'tablewarden' },
        { Key: 'data-classification', Value: 'internal' },
        { Key: 'cost-center', Value: 'platform' },
      ],
    }),
  );
  await dynamodb.send(
    new UpdateContinuousBackupsCommand({
      TableName: 'terraform-state-lock',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
    }),
  );
  await dynamodb.send(table('legacy-sessions', 'sessionID'));
  await dynamodb.send(table('tw-drill-Customers-20261127', 'customerID'));

  await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'tablewarden-vault' }));
  const plan = await backup.send(
    new CreateBackupPlanCommand({
      BackupPlan: {
        BackupPlanName: 'daily-35d',
        Rules: [{ RuleName: 'daily', TargetBackupVaultName: 'tablewarden-vault', ScheduleExpression: 'cron(0 3 * * ? *)', Lifecycle: { DeleteAfterDays: 35 } }],
      },
    }),
  );
  const lockArn = lock.TableDescription!.TableArn!;
  await backup.send(
    new CreateBackupSelectionCommand({
      BackupPlanId: plan.BackupPlanId!,
      BackupSelection: { SelectionName: 'tw-terraform-state-lock', IamRoleArn: BACKUP_ROLE, Resources: [lockArn] },
    }),
  );
  await backup.send(new StartBackupJobCommand({ BackupVaultName: 'tablewarden-vault', ResourceArn: lockArn, IamRoleArn: BACKUP_ROLE }));
}
