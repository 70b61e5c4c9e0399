/**
 * The IAM actions each drill step calls, so the stack can grant exactly these (least privilege) and a workflow test
 * can compare them with the calls it records, both ways. DeleteTable must be granted on `table/tw-drill-*` only
 * (and UpdateTable, used only to turn deletion protection off on a drill copy before deleting it).
 */

/** The drill's run functions (functions/run/drill.ts). */
export type DrillStep = 'startDrill' | 'checkRestore' | 'tagCopyForCleanup' | 'validateDrill' | 'cleanupDrill' | 'recordDrill' | 'sweepDrillTables';

/** Actions on any table (the source's reads) or account-wide. */
export const DRILL_STEP_ACTIONS: Readonly<Record<DrillStep, readonly string[]>> = {
  startDrill: [
    'dynamodb:DescribeTable',
    'dynamodb:ListBackups',
    'dynamodb:DescribeContinuousBackups',
    'backup:ListRecoveryPointsByResource',
    'dynamodb:PutItem', // the drill lock, state table only
    'kms:DescribeKey',
    'dynamodb:RestoreTableFromBackup',
    'dynamodb:RestoreTableToPointInTime',
    'backup:StartRestoreJob',
    'iam:PassRole', // the backup role, for StartRestoreJob
    'dynamodb:TagResource', // drill copies only
  ],
  checkRestore: ['dynamodb:DescribeTable', 'backup:DescribeRestoreJob', 'dynamodb:TagResource'],
  // drill-check's role tags an untagged copy for cleanup: cleanup itself must not hold TagResource next to DeleteTable.
  tagCopyForCleanup: ['dynamodb:TagResource'],
  validateDrill: [
    'dynamodb:DescribeTable',
    'dynamodb:ListTagsOfResource',
    'dynamodb:DescribeContinuousBackups',
    'dynamodb:DescribeTimeToLive',
    'dynamodb:DescribeContributorInsights',
    'kms:DescribeKey',
    'kms:GetKeyRotationStatus',
    'dynamodb:Scan',
    'dynamodb:BatchGetItem',
  ],
  cleanupDrill: ['dynamodb:DescribeTable', 'dynamodb:ListTagsOfResource', 'dynamodb:UpdateTable', 'dynamodb:DeleteTable', 'dynamodb:DeleteItem'],
  recordDrill: ['dynamodb:PutItem', 'backup:PutRestoreValidationResult'],
  sweepDrillTables: ['dynamodb:ListTables', 'dynamodb:DescribeTable', 'dynamodb:ListTagsOfResource', 'dynamodb:UpdateTable', 'dynamodb:DeleteTable'],
};

/** Resource pattern the destructive drill actions (DeleteTable, UpdateTable, TagResource) are limited to. */
export const DRILL_TABLE_RESOURCE = 'table/tw-drill-*';
