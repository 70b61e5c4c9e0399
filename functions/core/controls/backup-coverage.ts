/**
 * TW-BACKUP-COVERAGE — the table is selected by its declared AWS Backup plan, and its newest recovery point is
 * fresh enough.
 *
 * Drives: backup:CreateBackupVault / CreateBackupPlan / CreateBackupSelection (one tag-based selection per plan,
 * `tablewarden-<plan>`), dynamodb:TagResource (`tablewarden:backup-plan=<plan>` puts the table in the plan), and
 * backup:StartBackupJob for a stale table when the plan in policy.yaml sets `startBackupWhenStale`.
 * Binds: 100 resource assignments per backup plan, not adjustable (hence one selection per plan and a tag per
 * table: https://docs.aws.amazon.com/aws-backup/latest/devguide/aws-backup-limits.html); 50 tags per DynamoDB table;
 * coverage is read once per run for the whole account.
 * Permissions: creating a vault needs backup-storage:MountCapsule and KMS use of the vault key (CreateGrant,
 * DescribeKey, RetireGrant, Decrypt, GenerateDataKey), as "Backup vault creation and deletion" lists them
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault.html); selections and jobs pass the
 * backup role (iam:PassRole).
 * Docs: https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html
 */
import { BACKUP_PLAN_TAG_KEY, CREATE_BACKUP_VAULT_REQUIRES, MAX_TABLE_TAGS } from '../backup-plan-selection.ts';
import { compliant, defineControl, nonCompliant, notApplicable, type ProposedAction } from './control.ts';

const HOUR_MS = 3_600_000;

/** Backup coverage and freshness control. */
export const backupCoverageControl = defineControl({
  id: 'TW-BACKUP-COVERAGE',
  title: 'The table is in its AWS Backup plan and has a recent recovery point',
  rationale: 'Backups kept by AWS Backup survive table deletion and PITR windows, and can be copied to another vault or account.',
  references: {
    // The rules tablewarden deploys (functions/core/config/rules.ts). Security Hub DynamoDB.4 evaluates
    // dynamodb-resources-protected-by-backup-plan; the older dynamodb-in-backup-plan is not deployed, so not named.
    configRules: ['dynamodb-resources-protected-by-backup-plan', 'dynamodb-last-backup-recovery-point-created'],
    securityHub: ['DynamoDB.4'],
    documentation: 'https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html',
  },
  permissions: {
    observe: ['backup:ListBackupPlans', 'backup:ListBackupSelections', 'backup:GetBackupSelection', 'backup:ListProtectedResources'],
    apply: [
      'backup:DescribeBackupVault',
      'backup:CreateBackupVault',
      ...CREATE_BACKUP_VAULT_REQUIRES,
      'backup:CreateBackupPlan',
      'backup:TagResource',
      'backup:CreateBackupSelection',
      'backup:StartBackupJob',
      'iam:PassRole',
      // The table joins the plan through its tablewarden:backup-plan tag.
      'dynamodb:TagResource',
    ],
  },
  assess({ desired, observed, policy, now }) {
    const want = desired.spec.backup;
    if (!want) return notApplicable('backup is not declared');
    const planPolicy = policy.backupPlans[want.plan];
    const actions: ProposedAction[] = [];
    const problems: string[] = [];
    if (!observed.backup.planNames.includes(want.plan)) {
      problems.push(`not in backup plan ${want.plan}`);
      // The plan's selection finds the table by its tablewarden:backup-plan tag: there must be room for it (tags AWS
      // sets, aws:*, do not count towards the 50).
      const tagKeys = new Set([...Object.keys(observed.tags), ...Object.keys(desired.spec.tags ?? {}), BACKUP_PLAN_TAG_KEY].filter((key) => !key.startsWith('aws:')));
      if (!Object.hasOwn(observed.tags, BACKUP_PLAN_TAG_KEY) && tagKeys.size > MAX_TABLE_TAGS) {
        problems.push(`the ${BACKUP_PLAN_TAG_KEY} tag that puts the table in the plan would be tag ${tagKeys.size}; DynamoDB allows ${MAX_TABLE_TAGS} per table`);
      } else {
        actions.push({ type: 'AddToBackupPlan', plan: want.plan, risk: 'safe', reason: `add the table to backup plan ${want.plan}` });
      }
    }
    if (want.maxRecoveryPointAgeHours !== undefined) {
      const maxAgeMs = want.maxRecoveryPointAgeHours * HOUR_MS;
      const latest = observed.backup.latestRecoveryPointAt;
      const createdAt = observed.createdAt ? Date.parse(observed.createdAt) : undefined;
      const ageMs = latest ? now.getTime() - Date.parse(latest) : undefined;
      // A table younger than the window has not missed a backup yet.
      const tooYoungToJudge = ageMs === undefined && createdAt !== undefined && now.getTime() - createdAt < maxAgeMs;
      const stale = ageMs === undefined ? !tooYoungToJudge : ageMs > maxAgeMs;
      if (stale) {
        problems.push(ageMs === undefined ? 'no recovery point yet' : `newest recovery point is ${Math.floor(ageMs / HOUR_MS)} h old (max ${want.maxRecoveryPointAgeHours} h)`);
        if (planPolicy?.startBackupWhenStale) {
          actions.push({ type: 'StartBackupJob', plan: want.plan, risk: 'safe', reason: `start an on-demand backup into vault ${planPolicy.vault}` });
        }
      }
    }
    if (problems.length === 0) {
      const fresh = observed.backup.latestRecoveryPointAt ? `, newest recovery point ${observed.backup.latestRecoveryPointAt}` : '';
      return compliant(`in backup plan ${want.plan}${fresh}`);
    }
    return nonCompliant(problems.join('; '), actions);
  },
});
