/**
 * The synthesized DrillSchedule state machine (local AWS, real handlers): it sweeps drill copies older than a day
 * (only tagged ones), lists the tables declaring the cadence from the published bundle, and drills each in a child
 * Drill execution; a PITR drill of the weekly table; and the drill handlers' recorded AWS calls compared with their
 * IAM grants both ways (least privilege). No `tw-drill-*` table is left.
 */
import { CreateBackupVaultCommand, StartBackupJobCommand } from '@aws-sdk/client-backup';
import { CreateTableCommand, DeleteTableCommand, TagResourceCommand, UpdateContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { type AwsClients } from '../../functions/aws/clients.ts';
import { handlersOf } from '../../functions/handlers/registry.ts';
import { handlerApiActions } from '../../infra/permissions.ts';
import { runDrillScheduleLocally, runDrillWorkflowLocally } from '../../local/workflow/drill.ts';
import { drillTables } from '../support/drill-tables.ts';
import { handlerCallRecorders } from '../support/run-dependencies.ts';
import { ACCOUNTS, LEDGER, PROFILES, seedTable, useDrillAccount } from './drill-support.ts';

let clients: AwsClients;
const local = useDrillAccount({ restoreSeconds: 1, publish: true, onClients: (made) => (clients = made) });

async function drillCopy(name: string, tags: Record<string, string>): Promise<void> {
  await clients.dynamodb.send(
    new CreateTableCommand({ TableName: name, AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }),
  );
  const arn = `arn:aws:dynamodb:${local.region}:123456789012:table/${name}`;
  if (Object.keys(tags).length) await clients.dynamodb.send(new TagResourceCommand({ ResourceArn: arn, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
}

describe('DrillSchedule workflow (synthesized ASL, real handlers, local AWS)', () => {
  it('sweeps stale tagged drill copies, then drills every table declaring the cadence in child executions', async () => {
    // Prepare: Ledger (DynamoDB backup) and Accounts (AWS Backup) are daily; Profiles is weekly. A drill copy an
    // aborted run left in 2020, and an untagged look-alike the sweep must not touch.
    await seedTable(clients, LEDGER, 60, { backup: true });
    await seedTable(clients, ACCOUNTS, 50, { backup: false });
    await clients.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'tablewarden-vault' }));
    await clients.backup.send(new StartBackupJobCommand({ BackupVaultName: 'tablewarden-vault', ResourceArn: `arn:aws:dynamodb:${local.region}:123456789012:table/${ACCOUNTS}`, IamRoleArn: process.env.TABLEWARDEN_BACKUP_ROLE_ARN! }));
    await drillCopy('tw-drill-Ledger-20200101T000000Z', { 'tablewarden:drill': 'true' });
    await drillCopy('tw-drill-lookalike-20200101T000000Z', {});
    // Act
    const run = await runDrillScheduleLocally({ cadence: 'daily' });
    // Assess
    expect(run.error, run.cause).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ cadence: 'daily', sweep: { deleted: 1, left: 0 }, list: { tables: [ACCOUNTS, LEDGER], skipped: 0 }, drills: [{ verdict: 'passed' }, { verdict: 'passed' }] });
    expect(run.childExecutions.map((child) => child.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    // The look-alike is not a drill copy (no tag): left alone, and removed here so no drill table is left.
    expect(await drillTables(clients.dynamodb)).toEqual(['tw-drill-lookalike-20200101T000000Z']);
    await clients.dynamodb.send(new DeleteTableCommand({ TableName: 'tw-drill-lookalike-20200101T000000Z' }));
  });

  it('reports each table\'s verdict: a daily table without a recovery point is NoRecoveryPoint, the other passes', async () => {
    // Prepare: Accounts has no recovery point.
    await seedTable(clients, LEDGER, 30, { backup: true });
    await seedTable(clients, ACCOUNTS, 10, { backup: false });
    // Act
    const run = await runDrillScheduleLocally({ cadence: 'daily' });
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ list: { tables: [ACCOUNTS, LEDGER] }, drills: [{ verdict: 'NoRecoveryPoint' }, { verdict: 'passed' }] });
  });

  it('restores the weekly table to its latest restorable time (PITR) and passes', async () => {
    // Prepare: PITR on, and the local AWS's clock past the 5 minutes before the latest restorable time.
    await seedTable(clients, PROFILES, 40, { backup: false });
    await clients.dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: PROFILES, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    await local.server.advanceClock(600);
    // Act
    const run = await runDrillWorkflowLocally({ table: PROFILES });
    // Assess
    expect(run.error, run.cause).toBeUndefined();
    expect(run.output).toMatchObject({ verdict: 'passed', source: { kind: 'pitr' }, counts: { copyItems: 40 }, cleanup: { outcome: 'deleted' } });
    // What a real restore would have to re-apply includes the TTL and Contributor Insights it declares.
    const dropped = (run.output as { dropped: Array<{ control: string }> }).dropped.map((setting) => setting.control);
    expect(dropped).toEqual(expect.arrayContaining(['TW-TTL', 'TW-CONTRIBUTOR-INSIGHTS']));
  });

  it('grants every drill handler exactly the AWS actions it called (least privilege, both ways)', () => {
    // Actions granted but not called in these scenarios, each with why. The test fails if one of them *is* called
    // (then it belongs in the comparison) or if any other grant goes unused.
    const notExercisedHere: Record<string, Record<string, string>> = {
      'drill-targets': { 's3:ListBucket': 'lets GetObject on a missing bundle answer 404 NoSuchKey (BundleNotFound) instead of 403' },
      'drill-start': { 'iam:PassRole': 'authorised by IAM when StartRestoreJob passes the backup role; not an API call of its own' },
      'drill-check': { 'dynamodb:TagResource': 'tags a copy drill-start could not tag while it was CREATING: drill-faults.test.ts (restore slower than its deadline) asserts the call' },
      'drill-cleanup': {
        'dynamodb:UpdateTable': 'turns deletion protection off before DeleteTable; a restored copy never has it on (restores drop it)',
      },
    };
    const report: string[] = [];
    for (const handler of handlersOf('drill')) {
      const called = new Set((handlerCallRecorders.get(handler)?.all() ?? []).flatMap((call) => call.iamActions));
      const granted = new Set(handlerApiActions(handler));
      const excused = notExercisedHere[handler] ?? {};
      const missing = [...called].filter((action) => !granted.has(action));
      const unused = [...granted].filter((action) => !called.has(action) && !(action in excused));
      const staleExcuses = Object.keys(excused).filter((action) => called.has(action));
      if (missing.length || unused.length || staleExcuses.length) report.push(`${handler}: missing ${JSON.stringify(missing)}, unused ${JSON.stringify(unused)}, stale excuses ${JSON.stringify(staleExcuses)}`);
    }
    expect(report).toEqual([]);
  });
});
