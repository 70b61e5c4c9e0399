/**
 * TW-BACKUP-COVERAGE at scale against the strict local AWS: one tag-based selection per backup plan covers any
 * number of tables (AWS Backup allows 100 selections per plan, so one selection per table stops at 100), and
 * observing coverage costs the same for 10 tables as for 150.
 */
import { GetBackupSelectionCommand, ListBackupPlansCommand, ListBackupSelectionsCommand } from '@aws-sdk/client-backup';
import { CreateTableCommand, ListTagsOfResourceCommand } from '@aws-sdk/client-dynamodb';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { observeAccount } from '../../functions/aws/observe.ts';
import { runApply } from '../../functions/cli/commands/apply.ts';
import { mapWithConcurrency } from '../../functions/aws/async-utils.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo, unattended } from '../support/capture.ts';

const local = useLocalAws();
const ROLE = 'arn:aws:iam::123456789012:role/tablewarden-backup';
// Long names that agree on their first 50 characters: a per-table selection name cut to 50 characters collides.
const tableName = (i: number) => `orders-archive-${'x'.repeat(40)}-${String(i).padStart(3, '0')}`;

/** A desired-state directory with `count` tables in backup plan `daily`. */
function desiredState(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'tw-backup-'));
  mkdirSync(join(dir, 'tables'));
  writeFileSync(
    join(dir, 'policy.yaml'),
    [
      'apiVersion: tablewarden.io/v1',
      'kind: Policy',
      'spec:',
      '  backupPlans:',
      '    daily:',
      '      schedule: cron(0 3 * * ? *)',
      '      retentionDays: 35',
      '      vault: tablewarden-vault',
      `      iamRoleArn: ${ROLE}`,
      '',
    ].join('\n'),
  );
  for (let i = 0; i < count; i += 1) {
    writeFileSync(
      join(dir, 'tables', `${tableName(i)}.yaml`),
      [
        'apiVersion: tablewarden.io/v1',
        'kind: Table',
        `metadata: { name: ${tableName(i)} }`,
        'spec:',
        '  keySchema: { partitionKey: { name: pk, type: S } }',
        '  backup: { plan: daily }',
        '',
      ].join('\n'),
    );
  }
  return dir;
}

async function createTables(clients: AwsClients, count: number): Promise<void> {
  await mapWithConcurrency(
    Array.from({ length: count }, (_, i) => tableName(i)),
    8,
    (TableName) =>
      clients.dynamodb.send(
        new CreateTableCommand({ TableName, AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }),
      ),
  );
}

const backupCalls = (clients: AwsClients) => clients.calls.all().filter((call) => call.action.startsWith('backup:')).map((call) => call.action);

describe('backup coverage at scale', () => {
  beforeEach(async () => {
    await local.reset();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  });

  it('covers 150 tables with long, similar names through one tag-based selection in the plan', async () => {
    // Prepare
    const aws = createClients(local.clientConfig);
    await createTables(aws, 150);
    const dir = desiredState(150);
    const io = captureIo();
    // Act
    const code = await runApply({ dir, table: [], output: 'text', autoApprove: true, endpointUrl: local.endpoint, region: local.region }, { io, confirmation: unattended, apply: { pollMs: 10 } });
    // Assess: every table converged (observed again after apply: in the plan), with one selection in the plan.
    expect(io.stderr()).toBe('');
    expect(io.stdout().split('\n').filter((line) => /not in sync|failed/.test(line)).slice(0, 6)).toEqual([]);
    expect(code).toBe(0);
    expect(io.stdout()).toContain('all 150 managed tables are in sync');
    const plans = (await aws.backup.send(new ListBackupPlansCommand({}))).BackupPlansList ?? [];
    expect(plans.map((plan) => plan.BackupPlanName)).toEqual(['daily']);
    const selections = (await aws.backup.send(new ListBackupSelectionsCommand({ BackupPlanId: plans[0]!.BackupPlanId! }))).BackupSelectionsList ?? [];
    expect(selections.map((selection) => selection.SelectionName)).toEqual(['tablewarden-daily']);
    const selection = await aws.backup.send(new GetBackupSelectionCommand({ BackupPlanId: plans[0]!.BackupPlanId!, SelectionId: selections[0]!.SelectionId! }));
    expect(selection.BackupSelection).toMatchObject({
      SelectionName: 'tablewarden-daily',
      IamRoleArn: ROLE,
      Resources: ['arn:aws:dynamodb:*:*:table/*'],
      Conditions: { StringEquals: [{ ConditionKey: 'aws:ResourceTag/tablewarden:backup-plan', ConditionValue: 'daily' }] },
    });
    const last = await aws.dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: `arn:aws:dynamodb:us-east-1:123456789012:table/${tableName(149)}` }));
    expect(last.Tags).toContainEqual({ Key: 'tablewarden:backup-plan', Value: 'daily' });
  }, 120_000);

  it('observing coverage makes the same backup calls for 10 tables as for 150', async () => {
    // Prepare: both accounts converged by apply.
    const counts: Array<string[]> = [];
    for (const count of [10, 150]) {
      await local.reset();
      const aws = createClients(local.clientConfig);
      await createTables(aws, count);
      const dir = desiredState(count);
      const code = await runApply({ dir, table: [], output: 'text', autoApprove: true, endpointUrl: local.endpoint, region: local.region }, { io: captureIo(), confirmation: unattended, apply: { pollMs: 10 } });
      expect(code).toBe(0);
      // Act
      const observer = createClients(local.clientConfig);
      const observed = await observeAccount(observer, { tables: Array.from({ length: count }, (_, i) => ({ name: tableName(i), aspects: { pointInTimeRecovery: false, timeToLive: false, contributorInsights: false } })), kmsAliases: [] });
      // Assess (per account): every table is covered by the plan.
      expect(Object.values(observed.tables).filter((table) => table.backup.planNames.includes('daily'))).toHaveLength(count);
      counts.push(backupCalls(observer).sort());
    }
    // Assess: one plan list, one selection list and one selection read per plan, one protected-resources page.
    expect(counts[1]).toEqual(counts[0]);
    expect(counts[1]).toEqual(['backup:GetBackupSelection', 'backup:ListBackupPlans', 'backup:ListBackupSelections', 'backup:ListProtectedResources']);
  }, 180_000);
});
