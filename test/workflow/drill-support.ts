/**
 * Shared set-up of the drill workflow tests: two declared tables (a bundle published to the local operator
 * environment, as `tablewarden publish` would), and seeding a source table with a few hundred items through
 * BatchWriteItem, with an on-demand backup when asked.
 */
import { CreateBackupCommand, BatchWriteItemCommand, CreateTableCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../functions/aws/clients.ts';
import { createClients } from '../../functions/aws/clients.ts';
import { publishBundle } from '../../functions/aws/publish.ts';
import { setRestoreSeconds } from '../../local/clock.ts';
import { prepareLocalDrill } from '../../local/workflow/drill.ts';
import type { LocalAwsHandle } from '../helpers/local-aws.ts';
import { drillTables as listDrillTables, expectNoDrillTables } from '../support/drill-tables.ts';
import { useWorkflowAccount } from '../support/workflow-account.ts';


/** What a drill workflow file adds to the shared workflow set-up. */
export interface DrillAccountOptions {
  /** The emulated restore time, in local-AWS seconds (default: the local AWS's own). */
  restoreSeconds?: number;
  /** Publish the drill tables' bundle before each test. */
  publish?: boolean;
  /** Receives the test's clients, made anew for each test. */
  onClients: (clients: AwsClients) => void;
}

/**
 * The drill workflow files' set-up: the shared workflow set-up (test/support/workflow-account.ts) with the Drill
 * machines, then per test fresh clients, the restore delay and the published tables; after each test, no `tw-drill-*`
 * table may be left.
 */
export function useDrillAccount(options: DrillAccountOptions): LocalAwsHandle {
  let clients: AwsClients | undefined;
  return useWorkflowAccount({
    prepare: prepareLocalDrill,
    beforeEach: async (local) => {
      clients = createClients(local.clientConfig);
      options.onClients(clients);
      if (options.restoreSeconds !== undefined) await setRestoreSeconds(local.endpoint, options.restoreSeconds);
      if (options.publish) await publishDrillTables(local);
    },
    afterEach: async () => {
      if (clients) await expectNoDrillTables(clients.dynamodb);
    },
  });
}

/**
 * A table drilled from its on-demand DynamoDB backups, daily; every item sampled (sampleSize above its count); two
 * declared checks (drill-targets moves them to the run store, validation reads them back).
 */
export const LEDGER = 'Ledger';
/** A table with a customer managed key, drilled from AWS Backup recovery points, daily. */
export const ACCOUNTS = 'Accounts';
/** A table drilled weekly from PITR; it declares TTL and Contributor Insights, which a restore drops. */
export const PROFILES = 'Profiles';
/** Its key alias. */
export const ACCOUNTS_KEY_ALIAS = 'alias/tablewarden/accounts';

const POLICY = `apiVersion: tablewarden.io/v1
kind: Policy
metadata: { name: default }
spec:
  baseline:
    deletionProtection: true
  backupPlans:
    daily-35d: { schedule: cron(0 3 * * ? *), retentionDays: 35, vault: tablewarden-vault }
`;

const table = (name: string, key: string, extra: string) => `apiVersion: tablewarden.io/v1
kind: Table
metadata: { name: ${name} }
spec:
  keySchema:
    partitionKey: { name: ${key}, type: S }
  billing: { mode: PAY_PER_REQUEST }
${extra}`;

/** The desired-state files: Ledger, Accounts and Profiles, with `maxRestoreMinutes` of Ledger as given. */
export function drillFiles(ledgerMinutes = 30): Array<{ path: string; text: string }> {
  return [
    { path: 'desired-state/policy.yaml', text: POLICY },
    { path: 'desired-state/tables/ledger.yaml', text: table(LEDGER, 'entryID', `  restoreDrill: { schedule: daily, source: dynamodb-backup, maxRestoreMinutes: ${ledgerMinutes}, sampleSize: 1000, checks: [{ key: { entryID: e-0001 }, expect: present }, { key: { entryID: never-written }, expect: absent }] }\n`) },
    {
      path: 'desired-state/tables/accounts.yaml',
      text: table(
        ACCOUNTS,
        'entryID',
        `  encryption: { type: CUSTOMER_MANAGED, kmsKeyAlias: ${ACCOUNTS_KEY_ALIAS} }\n  backup: { plan: daily-35d }\n  restoreDrill: { schedule: daily, source: aws-backup, maxRestoreMinutes: 30, sampleSize: 40 }\n`,
      ),
    },
    {
      path: 'desired-state/tables/profiles.yaml',
      text: table(
        PROFILES,
        'entryID',
        `  pointInTimeRecovery: { enabled: true }\n  timeToLive: { attributeName: expiresAt }\n  contributorInsights: true\n  restoreDrill: { schedule: weekly, source: pitr, maxRestoreMinutes: 30, sampleSize: 20 }\n`,
      ),
    },
  ];
}

/** Publish {@link drillFiles} as the `latest` bundle of the local operator environment (MACed with its key). */
export async function publishDrillTables(local: { clientConfig: Parameters<typeof createClients>[0] }, ledgerMinutes?: number): Promise<void> {
  const s3 = new S3Client({ ...local.clientConfig, forcePathStyle: true });
  const { kms } = createClients(local.clientConfig);
  await publishBundle({ s3, kms }, process.env.BUNDLE_BUCKET!, drillFiles(ledgerMinutes), `rev-${Date.now()}`, { macKeyId: process.env.BUNDLE_MAC_KEY_ARN! });
}

/**
 * Create `name` (partition key entryID) with `count` items written by BatchWriteItem (25 a call), an on-demand backup
 * when `backup`, and, for Accounts, a customer managed key behind its alias.
 */
export async function seedTable(clients: AwsClients, name: string, count: number, options: { backup: boolean }): Promise<void> {
  let kmsKeyId: string | undefined;
  if (name === ACCOUNTS) {
    const key = await clients.kms.send(new CreateKeyCommand({ Description: 'Accounts table key' }));
    kmsKeyId = key.KeyMetadata!.Arn!;
    await clients.kms.send(new CreateAliasCommand({ AliasName: ACCOUNTS_KEY_ALIAS, TargetKeyId: key.KeyMetadata!.KeyId! }));
  }
  await clients.dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'entryID', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'entryID', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      ...(kmsKeyId ? { SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: kmsKeyId } } : {}),
    }),
  );
  for (let start = 0; start < count; start += 25) {
    const items = Array.from({ length: Math.min(25, count - start) }, (_, offset): Record<string, AttributeValue> => {
      const n = start + offset;
      return { entryID: { S: `e-${String(n).padStart(4, '0')}` }, amount: { N: String(n * 7) }, labels: { SS: ['x', `l${n % 3}`] }, detail: { M: { open: { BOOL: n % 2 === 0 } } } };
    });
    await clients.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [name]: items.map((Item) => ({ PutRequest: { Item } })) } }));
  }
  if (options.backup) await clients.dynamodb.send(new CreateBackupCommand({ TableName: name, BackupName: `${name}-drill-source` }));
}

/** Every drill table left in the account. */
export function drillTables(clients: AwsClients): Promise<string[]> {
  return listDrillTables(clients.dynamodb);
}
