/**
 * The synthesized Drill state machine, run locally (local/workflow/drill.ts) with the real handlers against the
 * local AWS: a seeded table restores from a DynamoDB backup and from an AWS Backup recovery point, validates,
 * reports RTO and deletes its copy; a tampered copy fails naming the missing key; a table without a recovery point
 * gets "no recovery point". Every test asserts that no `tw-drill-*` table is left.
 */
import { CreateBackupVaultCommand, StartBackupJobCommand } from '@aws-sdk/client-backup';
import { DeleteItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { type AwsClients } from '../../functions/aws/clients.ts';
import { runDrillWorkflowLocally } from '../../local/workflow/drill.ts';
import { ACCOUNTS, drillTables, LEDGER, seedTable, useDrillAccount } from './drill-support.ts';

let clients: AwsClients;
const local = useDrillAccount({ publish: true, onClients: (made) => (clients = made) });

describe('Drill workflow (synthesized ASL, real handlers, local AWS)', () => {
  it('restores a seeded table from its DynamoDB backup, validates it, reports RTO and deletes the copy', async () => {
    // Prepare
    await seedTable(clients, LEDGER, 300, { backup: true });
    const states: string[] = [];
    // Act
    const run = await runDrillWorkflowLocally({ table: LEDGER }, { onEvent: (event) => event.type === 'TaskStateEntered' && states.push(String(event.state)) });
    // Assess
    expect(run.error, run.cause).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ table: LEDGER, verdict: 'passed', reasons: [], counts: { copyItems: 300, missingInCopy: 0, changed: 0 }, cleanup: { outcome: 'deleted' } });
    const report = run.output as { rtoSeconds: number; copyTable: string; source: { kind: string } };
    // The emulated restore takes 5 s of local-AWS time; the first look comes after the first 15 s wait.
    expect(report.rtoSeconds).toBeGreaterThanOrEqual(5);
    expect(report.copyTable).toMatch(/^tw-drill-Ledger-\d{8}T\d{6}Z$/);
    expect(report.source.kind).toBe('dynamodb-backup');
    expect(states[0]).toBe('LoadDrillTarget');
    expect(states.slice(-3)).toEqual(['ValidateDrill', 'CleanupDrill', 'RecordDrill']);
    const history = await clients.dynamodb.send(new QueryCommand({ TableName: process.env.STATE_TABLE!, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `DRILL#${LEDGER}` } } }));
    expect(history.Items?.map((item) => item.verdict?.S)).toEqual(['passed']);
  });

  it('restores from the newest AWS Backup recovery point (restore job), and reports the validation to AWS Backup', async () => {
    // Prepare
    await seedTable(clients, ACCOUNTS, 120, { backup: false });
    await clients.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'tablewarden-vault' }));
    await clients.backup.send(new StartBackupJobCommand({ BackupVaultName: 'tablewarden-vault', ResourceArn: `arn:aws:dynamodb:${local.region}:123456789012:table/${ACCOUNTS}`, IamRoleArn: process.env.TABLEWARDEN_BACKUP_ROLE_ARN! }));
    // Act
    const run = await runDrillWorkflowLocally({ table: ACCOUNTS });
    // Assess
    expect(run.error, run.cause).toBeUndefined();
    expect(run.output).toMatchObject({ verdict: 'passed', source: { kind: 'aws-backup' }, counts: { copyItems: 120 }, awsBackupValidation: 'sent', cleanup: { outcome: 'deleted' } });
  });

  it('fails a copy tampered with between restore and validation, naming the missing key', async () => {
    // Prepare: the runner's hook removes one item from the copy right before ValidateDrill reads it.
    await seedTable(clients, LEDGER, 200, { backup: true });
    const tamper = async (handler: string, event: Record<string, unknown>) => {
      if (handler !== 'drill-validate') return;
      const copy = (event.drill as { copyTable: string }).copyTable;
      await clients.dynamodb.send(new DeleteItemCommand({ TableName: copy, Key: { entryID: { S: 'e-0042' } } }));
    };
    // Act
    const run = await runDrillWorkflowLocally({ table: LEDGER }, { beforeTask: tamper });
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DrillFailed');
    expect(run.cause).toContain('missing from the copy: entryID=e-0042');
    expect(await drillTables(clients)).toEqual([]);
  });

  it('gives a clear "no recovery point" result for a table without a backup, creating nothing', async () => {
    // Prepare
    await seedTable(clients, LEDGER, 10, { backup: false });
    const states: string[] = [];
    // Act
    const run = await runDrillWorkflowLocally({ table: LEDGER }, { onEvent: (event) => event.type === 'TaskStateEntered' && states.push(String(event.state)) });
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('NoRecoveryPoint');
    expect(run.cause).toBe(`drill of ${LEDGER} no-recovery-point: no recovery point: ${LEDGER} has no AVAILABLE on-demand DynamoDB backup`);
    expect(states).toEqual(['LoadDrillTarget', 'StartDrill', 'CleanupDrill', 'RecordDrill']);
  });

  it('records a drill of a table git does not declare as not started', async () => {
    // Act
    const run = await runDrillWorkflowLocally({ table: 'Nobody' });
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DrillNotStarted');
    expect(run.cause).toMatch(/drill of Nobody failed: drill step failed: UnknownTable: .*Nobody is not declared in revision/);
  });

  it('refuses an input without a table name', async () => {
    // Act
    const run = await runDrillWorkflowLocally({} as never);
    // Assess
    expect(run.error).toBe('InvalidInput');
  });
});
