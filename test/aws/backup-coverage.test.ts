/**
 * The AWS Backup adapter with a mocked SDK: the role AWS Backup assumes (policy.yaml, then the operator's
 * environment, never a guessed ARN), and the plan's one tablewarden selection (created, adopted, or reported when a
 * selection of that name selects something else).
 */
import {
  CreateBackupPlanCommand,
  CreateBackupSelectionCommand,
  CreateBackupVaultCommand,
  DescribeBackupVaultCommand,
  GetBackupSelectionCommand,
  ListBackupPlansCommand,
  ListBackupSelectionsCommand,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import { TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { BackupEnsurer, backupRoleArn } from '../../functions/aws/apply/backup-coverage.ts';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { tablewardenSelectionName } from '../../functions/core/backup-plan-selection.ts';
import type { Policy } from '../../functions/core/desired/schema.ts';

const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/Orders';
const POLICY_ROLE = 'arn:aws:iam::123456789012:role/from-policy';
const ENV_ROLE = 'arn:aws:iam::123456789012:role/from-env';
const TAG_CONDITION = { StringEquals: [{ ConditionKey: 'aws:ResourceTag/tablewarden:backup-plan', ConditionValue: 'daily' }] };

let clients: AwsClients;
let backup: ReturnType<typeof mockClient>;
let dynamodb: ReturnType<typeof mockClient>;

function policy(iamRoleArn?: string): Policy {
  return {
    baseline: {},
    requiredTags: [],
    unmanagedTables: 'report',
    blastRadius: { maxDisruptivePercent: 25, maxDisruptiveTables: 1 },
    backupPlans: { daily: { schedule: 'cron(0 3 * * ? *)', retentionDays: 35, vault: 'tw-vault', startBackupWhenStale: false, ...(iamRoleArn ? { iamRoleArn } : {}) } },
  } as Policy;
}

const writes = () =>
  [...backup.calls(), ...dynamodb.calls()]
    .map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name)
    .filter((name) => !/^(List|Get|Describe)/.test(name));

beforeEach(() => {
  clients = createClients({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  backup = mockClient(clients.backup);
  dynamodb = mockClient(clients.dynamodb);
  backup.on(DescribeBackupVaultCommand).resolves({});
  backup.on(ListBackupPlansCommand).resolves({ BackupPlansList: [{ BackupPlanName: 'daily', BackupPlanId: 'plan-1' }] });
  backup.on(ListBackupSelectionsCommand).resolves({ BackupSelectionsList: [] });
  backup.on(CreateBackupSelectionCommand).resolves({ SelectionId: 'sel-1' });
  dynamodb.on(TagResourceCommand).resolves({});
});

describe('the role AWS Backup assumes', () => {
  it.each([
    ['policy.yaml wins over the environment', POLICY_ROLE, ENV_ROLE, POLICY_ROLE],
    ['the environment when policy.yaml names none', undefined, ENV_ROLE, ENV_ROLE],
  ])('%s', (_name, fromPolicy, fromEnv, expected) => {
    // Act
    const role = backupRoleArn('daily', policy(fromPolicy).backupPlans['daily']!, fromEnv);
    // Assess
    expect(role).toBe(expected);
  });

  it('neither: AddToBackupPlan fails, naming both ways to fix it, before any AWS write', async () => {
    // Prepare
    const ensurer = new BackupEnsurer(clients, policy(), '');
    // Act
    const failure = ensurer.addTable('daily', TABLE);
    // Assess
    await expect(failure).rejects.toMatchObject({
      name: 'BackupRoleMissing',
      message: expect.stringMatching(/backupPlans\.daily\.iamRoleArn in policy\.yaml, or TABLEWARDEN_BACKUP_ROLE_ARN/),
    });
    expect(writes()).toEqual([]);
    expect(backup.commandCalls(CreateBackupVaultCommand)).toHaveLength(0);
  });

  it('neither: StartBackupJob fails too, and never with AWSBackupDefaultServiceRole', async () => {
    // Prepare
    const ensurer = new BackupEnsurer(clients, policy(), '  ');
    // Act
    const failure = ensurer.startBackup('daily', TABLE);
    // Assess
    await expect(failure).rejects.toMatchObject({ name: 'BackupRoleMissing' });
    expect(backup.commandCalls(StartBackupJobCommand)).toHaveLength(0);
  });
});

describe("the plan's one selection", () => {
  it('is created once for many tables, each table only tagged', async () => {
    // Prepare
    const ensurer = new BackupEnsurer(clients, policy(), ENV_ROLE);
    // Act
    await Promise.all(['A', 'B', 'C'].map((name) => ensurer.addTable('daily', `arn:aws:dynamodb:us-east-1:123456789012:table/${name}`)));
    // Assess
    expect(backup.commandCalls(CreateBackupPlanCommand)).toHaveLength(0);
    expect(backup.commandCalls(CreateBackupSelectionCommand).map((call) => call.args[0].input)).toEqual([
      {
        BackupPlanId: 'plan-1',
        CreatorRequestId: 'tablewarden-daily',
        BackupSelection: { SelectionName: 'tablewarden-daily', IamRoleArn: ENV_ROLE, Resources: ['arn:aws:dynamodb:*:*:table/*'], Conditions: TAG_CONDITION },
      },
    ]);
    expect(dynamodb.commandCalls(TagResourceCommand).map((call) => call.args[0].input.ResourceArn)).toEqual(['A', 'B', 'C'].map((name) => `arn:aws:dynamodb:us-east-1:123456789012:table/${name}`));
  });

  it('adopts an existing selection of that name that selects the same tables (any role)', async () => {
    // Prepare
    backup.on(ListBackupSelectionsCommand).resolves({ BackupSelectionsList: [{ SelectionName: 'other', SelectionId: 'sel-0' }, { SelectionName: 'tablewarden-daily', SelectionId: 'sel-9' }] });
    backup
      .on(GetBackupSelectionCommand, { SelectionId: 'sel-9' })
      .resolves({ BackupSelection: { SelectionName: 'tablewarden-daily', IamRoleArn: 'arn:aws:iam::123456789012:role/older', Resources: ['arn:aws:dynamodb:*:*:table/*'], Conditions: { ...TAG_CONDITION, StringLike: [] } } });
    const ensurer = new BackupEnsurer(clients, policy(), ENV_ROLE);
    // Act
    await ensurer.addTable('daily', TABLE);
    // Assess
    expect(backup.commandCalls(CreateBackupSelectionCommand)).toHaveLength(0);
    expect(backup.commandCalls(GetBackupSelectionCommand).map((call) => call.args[0].input.SelectionId)).toEqual(['sel-9']);
    expect(dynamodb.commandCalls(TagResourceCommand)).toHaveLength(1);
  });

  it('reports a selection of that name that selects something else, and changes nothing', async () => {
    // Prepare
    backup.on(ListBackupSelectionsCommand).resolves({ BackupSelectionsList: [{ SelectionName: 'tablewarden-daily', SelectionId: 'sel-9' }] });
    backup.on(GetBackupSelectionCommand).resolves({ BackupSelection: { SelectionName: 'tablewarden-daily', IamRoleArn: ENV_ROLE, Resources: ['*'] } });
    const ensurer = new BackupEnsurer(clients, policy(), ENV_ROLE);
    // Act
    const failure = ensurer.addTable('daily', TABLE);
    // Assess
    await expect(failure).rejects.toMatchObject({ name: 'BackupSelectionConflict', message: expect.stringMatching(/selection named tablewarden-daily \(id sel-9\) that does not select the tables tagged tablewarden:backup-plan=daily/) });
    expect(writes()).toEqual([]);
  });

  it('a create that races another apply adopts the selection the other one made', async () => {
    // Prepare
    backup
      .on(ListBackupSelectionsCommand)
      .resolvesOnce({ BackupSelectionsList: [] })
      .resolves({ BackupSelectionsList: [{ SelectionName: 'tablewarden-daily', SelectionId: 'sel-2' }] });
    backup.on(CreateBackupSelectionCommand).rejects(Object.assign(new Error('exists'), { name: 'AlreadyExistsException', $metadata: {} }));
    backup.on(GetBackupSelectionCommand).resolves({ BackupSelection: { SelectionName: 'tablewarden-daily', IamRoleArn: ENV_ROLE, Resources: ['arn:aws:dynamodb:*:*:table/*'], Conditions: TAG_CONDITION } });
    const ensurer = new BackupEnsurer(clients, policy(), ENV_ROLE);
    // Act
    await ensurer.addTable('daily', TABLE);
    // Assess
    expect(dynamodb.commandCalls(TagResourceCommand)).toHaveLength(1);
  });
});

describe('selection names', () => {
  it.each([
    ['daily-35d', 'tablewarden-daily-35d'],
    ['p'.repeat(38), `tablewarden-${'p'.repeat(38)}`],
  ])('plan %s → %s', (plan, expected) => {
    expect(tablewardenSelectionName(plan)).toBe(expected);
  });

  it('cuts long plan names to a valid, distinct 50-character name', () => {
    // Prepare: two 50-character plan names that agree on their first 49 characters.
    const a = `${'x'.repeat(49)}a`;
    const b = `${'x'.repeat(49)}b`;
    // Act
    const names = [tablewardenSelectionName(a), tablewardenSelectionName(b)];
    // Assess
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9\-_.]{1,50}$/);
    expect(names[0]).toHaveLength(50);
    expect(names[0]).not.toBe(names[1]);
  });
});
