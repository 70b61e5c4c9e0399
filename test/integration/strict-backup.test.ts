// The AWS Backup request rules the local AWS enforces (local/strict/backup.py), exercised with the real AWS SDK over
// HTTP. Each test cites the AWS page the rule follows; each would pass a request stock moto accepts but AWS refuses.
import {
  BackupClient,
  CreateBackupPlanCommand,
  CreateBackupSelectionCommand,
  CreateBackupVaultCommand,
  ListBackupSelectionsCommand,
  type BackupRuleInput,
} from '@aws-sdk/client-backup';
import { beforeEach, describe, expect, it } from 'vitest';
import { useLocalAws } from '../helpers/local-aws.ts';
import { failure } from '../support/aws-calls.ts';

const local = useLocalAws();
const ROLE = 'arn:aws:iam::123456789012:role/tablewarden-backup';
let backup: BackupClient;

beforeEach(async () => {
  await local.reset();
  backup = new BackupClient(local.clientConfig);
});

const rule = (over: Partial<BackupRuleInput> = {}): BackupRuleInput => ({ RuleName: 'daily', TargetBackupVaultName: 'tw-vault', ScheduleExpression: 'cron(0 3 * * ? *)', ...over });

async function createPlan(name = 'daily-35d'): Promise<string> {
  const created = await backup.send(new CreateBackupPlanCommand({ BackupPlan: { BackupPlanName: name, Rules: [rule()] } }));
  return created.BackupPlanId!;
}

const selection = (SelectionName: string) => ({ SelectionName, IamRoleArn: ROLE, Resources: ['arn:aws:dynamodb:*:*:table/*'] });

describe('CreateBackupSelection: 100 resource assignments per backup plan', () => {
  // https://docs.aws.amazon.com/aws-backup/latest/devguide/aws-backup-limits.html ("Number of resource assignments
  // per backup plan: 100", not adjustable); the error is CreateBackupSelection's LimitExceededException
  // (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupSelection.html).
  it('accepts the 100th selection and refuses the 101st with LimitExceededException', async () => {
    // Prepare
    const planId = await createPlan();
    for (let i = 1; i <= 100; i += 1) await backup.send(new CreateBackupSelectionCommand({ BackupPlanId: planId, BackupSelection: selection(`s-${i}`) }));
    // Act
    const refused = await failure(backup.send(new CreateBackupSelectionCommand({ BackupPlanId: planId, BackupSelection: selection('s-101') })));
    // Assess
    expect(refused.name).toBe('LimitExceededException');
    expect(refused.message).toMatch(/100 backup selections/);
    const listed = await backup.send(new ListBackupSelectionsCommand({ BackupPlanId: planId }));
    expect(listed.BackupSelectionsList).toHaveLength(100);
  }, 60_000);

  it('counts per plan: a full plan does not stop another plan', async () => {
    // Prepare
    const full = await createPlan('full');
    const other = await createPlan('other');
    for (let i = 1; i <= 100; i += 1) await backup.send(new CreateBackupSelectionCommand({ BackupPlanId: full, BackupSelection: selection(`s-${i}`) }));
    // Act
    const created = await backup.send(new CreateBackupSelectionCommand({ BackupPlanId: other, BackupSelection: selection('s-1') }));
    // Assess
    expect(created.SelectionId).toBeTruthy();
  }, 60_000);
});

describe('CreateBackupSelection: selection names', () => {
  // https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupSelection.html: SelectionName matches
  // ^[a-zA-Z0-9\-\_\.]{1,50}$; CreateBackupSelection answers AlreadyExistsException for an existing selection.
  it('refuses a second selection with the same name in the same plan (AlreadyExistsException)', async () => {
    // Prepare
    const planId = await createPlan();
    await backup.send(new CreateBackupSelectionCommand({ BackupPlanId: planId, BackupSelection: selection('tablewarden-daily-35d') }));
    // Act
    const refused = await failure(backup.send(new CreateBackupSelectionCommand({ BackupPlanId: planId, BackupSelection: selection('tablewarden-daily-35d') })));
    // Assess
    expect(refused.name).toBe('AlreadyExistsException');
    expect((await backup.send(new ListBackupSelectionsCommand({ BackupPlanId: planId }))).BackupSelectionsList).toHaveLength(1);
  });

  it('a retry with the same CreatorRequestId returns the existing selection instead of refusing it', async () => {
    // Prepare
    const planId = await createPlan();
    const first = await backup.send(new CreateBackupSelectionCommand({ BackupPlanId: planId, BackupSelection: selection('s'), CreatorRequestId: 'req-1' }));
    // Act
    const retried = await backup.send(new CreateBackupSelectionCommand({ BackupPlanId: planId, BackupSelection: selection('s'), CreatorRequestId: 'req-1' }));
    // Assess
    expect(retried.SelectionId).toBe(first.SelectionId);
  });

  it.each([
    ['51 characters', 'x'.repeat(51)],
    ['a space', 'my selection'],
    ['a slash', 'tw/orders'],
  ])('refuses a name with %s (InvalidParameterValueException)', async (_, name) => {
    // Prepare
    const planId = await createPlan();
    // Act
    const refused = await failure(backup.send(new CreateBackupSelectionCommand({ BackupPlanId: planId, BackupSelection: selection(name) })));
    // Assess
    expect(refused.name).toBe('InvalidParameterValueException');
  });

  it('accepts a 50-character name with ".", "-" and "_"', async () => {
    // Prepare
    const planId = await createPlan();
    const name = `a.b-c_${'d'.repeat(44)}`;
    // Act
    const created = await backup.send(new CreateBackupSelectionCommand({ BackupPlanId: planId, BackupSelection: selection(name) }));
    // Assess
    expect(name).toHaveLength(50);
    expect(created.SelectionId).toBeTruthy();
  });
});

describe('CreateBackupVault: vault name pattern', () => {
  // https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupVault.html: backupVaultName matches
  // ^[a-zA-Z0-9\-\_]{2,50}$ (letters, digits, "-" and "_"; no "."). Wording as AWS reports it (aws-cdk#8685):
  // "Backup vault name <name> is not valid", InvalidParameterValueException.
  it.each([
    ['one character', 'v'],
    ['51 characters', 'v'.repeat(51)],
    ['a dot', 'tablewarden.vault'],
    ['a space', 'my vault'],
  ])('refuses a name with %s', async (_, name) => {
    // Act
    const refused = await failure(backup.send(new CreateBackupVaultCommand({ BackupVaultName: name })));
    // Assess
    expect(refused).toEqual({ name: 'InvalidParameterValueException', status: 400, message: `Backup vault name ${name} is not valid` });
  });

  it.each([['2 characters', 'tw'], ['50 characters', `tw-_${'v'.repeat(46)}`]])('accepts a name with %s', async (_, name) => {
    // Act
    const created = await backup.send(new CreateBackupVaultCommand({ BackupVaultName: name }));
    // Assess
    expect(created.BackupVaultName).toBe(name);
  });
});

describe('CreateBackupPlan: cron-only schedules, plan and target vault names', () => {
  // https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupRuleInput.html: ScheduleExpression is "a CRON
  // expression in UTC"; AWS Backup has no rate(...) expressions (hashicorp/terraform-provider-aws#8269).
  // https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupPlanInput.html: BackupPlanName is 1 to 50
  // alphanumeric or '-_.' characters.
  it.each(['rate(1 day)', 'rate(12 hours)', '0 3 * * ? *', 'cron(0 3 * *)'])('refuses ScheduleExpression %s', async (expression) => {
    // Act
    const refused = await failure(backup.send(new CreateBackupPlanCommand({ BackupPlan: { BackupPlanName: 'p', Rules: [rule({ ScheduleExpression: expression })] } })));
    // Assess
    expect(refused.name).toBe('InvalidParameterValueException');
    expect(refused.message).toContain(`Invalid schedule expression ${expression}`);
  });

  it('accepts a six-field cron expression', async () => {
    // Act
    const created = await backup.send(new CreateBackupPlanCommand({ BackupPlan: { BackupPlanName: 'p', Rules: [rule({ ScheduleExpression: 'cron(15 * ? * * *)' })] } }));
    // Assess
    expect(created.BackupPlanId).toBeTruthy();
  });

  it.each([['51 characters', 'p'.repeat(51)], ['a slash', 'aws/efs/plan'], ['a space', 'daily plan']])('refuses a plan name with %s', async (_, name) => {
    // Act
    const refused = await failure(backup.send(new CreateBackupPlanCommand({ BackupPlan: { BackupPlanName: name, Rules: [rule()] } })));
    // Assess
    expect(refused.name).toBe('InvalidParameterValueException');
  });

  it('refuses a rule whose target vault name AWS Backup would reject', async () => {
    // Act
    const refused = await failure(backup.send(new CreateBackupPlanCommand({ BackupPlan: { BackupPlanName: 'p', Rules: [rule({ TargetBackupVaultName: 'Random Backups' })] } })));
    // Assess
    expect(refused).toEqual({ name: 'InvalidParameterValueException', status: 400, message: 'Error in rule daily : Backup vault name Random Backups is not valid' });
  });
});
