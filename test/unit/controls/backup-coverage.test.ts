import { describe, expect, it } from 'vitest';
import { backupCoverageControl } from '../../../functions/core/controls/backup-coverage.ts';
import { BACKUP_PLAN, backupPlan, caseContext, cases, expectedAssessment, unmanagedTable } from './fixtures.ts';

// NOW is 2026-11-28T12:00:00Z and the declared window is 26 h, so anything before 2026-11-27T10:00Z is stale.
const ADD = { type: 'AddToBackupPlan', plan: BACKUP_PLAN, risk: 'safe', reason: 'add the table to backup plan daily-35d' } as const;
const START = { type: 'StartBackupJob', plan: BACKUP_PLAN, risk: 'safe', reason: 'start an on-demand backup into vault tablewarden-vault' } as const;
const manyTags = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`tag-${i}`, 'v']));
const NO_START_WHEN_STALE = { backupPlans: { [BACKUP_PLAN]: backupPlan({ startBackupWhenStale: false }) } };

describe('TW-BACKUP-COVERAGE', () => {
  it.each(cases([
    // Compliant
    {
      name: 'compliant: in the plan with a 9-hour-old recovery point',
      status: 'COMPLIANT',
      reason: /^in backup plan daily-35d, newest recovery point 2026-11-28T03:05:00\.000Z$/,
      actions: [],
    },
    {
      name: 'compliant: a recovery point exactly at the window edge is still fresh',
      observed: { backup: { planNames: [BACKUP_PLAN], latestRecoveryPointAt: '2026-11-27T10:00:00.000Z' } },
      status: 'COMPLIANT',
      reason: /newest recovery point 2026-11-27T10:00:00\.000Z/,
      actions: [],
    },
    {
      name: 'compliant: no freshness declared, so no recovery point is needed',
      spec: { backup: { plan: BACKUP_PLAN } },
      observed: { backup: { planNames: [BACKUP_PLAN] } },
      status: 'COMPLIANT',
      reason: /^in backup plan daily-35d$/,
      actions: [],
    },
    {
      name: 'compliant: in several plans including the declared one',
      observed: { backup: { planNames: ['weekly', BACKUP_PLAN], latestRecoveryPointAt: '2026-11-28T03:05:00.000Z' } },
      status: 'COMPLIANT',
      reason: /^in backup plan daily-35d/,
      actions: [],
    },
    // Freshness window: a table younger than the window has not missed a backup yet
    {
      name: 'freshness: created 3 h ago with no recovery point → compliant',
      observed: { createdAt: '2026-11-28T09:00:00.000Z', backup: { planNames: [BACKUP_PLAN] } },
      status: 'COMPLIANT',
      reason: /^in backup plan daily-35d$/,
      actions: [],
    },
    {
      name: 'freshness: created 2 days ago with no recovery point, startBackupWhenStale → StartBackupJob',
      observed: { createdAt: '2026-11-26T12:00:00.000Z', backup: { planNames: [BACKUP_PLAN] } },
      status: 'NON_COMPLIANT',
      reason: /^no recovery point yet$/,
      actions: [START],
    },
    {
      name: 'freshness: no creation time and no recovery point → stale',
      observed: { createdAt: undefined, backup: { planNames: [BACKUP_PLAN] } },
      status: 'NON_COMPLIANT',
      reason: /^no recovery point yet$/,
      actions: [START],
    },
    {
      name: 'stale: 26 h 1 min old with startBackupWhenStale: true → StartBackupJob',
      observed: { backup: { planNames: [BACKUP_PLAN], latestRecoveryPointAt: '2026-11-27T09:59:00.000Z' } },
      status: 'NON_COMPLIANT',
      reason: /^newest recovery point is 26 h old \(max 26 h\)$/,
      actions: [START],
    },
    {
      name: 'stale: 30 h old with startBackupWhenStale: false → non-compliant, no action',
      observed: { backup: { planNames: [BACKUP_PLAN], latestRecoveryPointAt: '2026-11-27T06:00:00.000Z' } },
      policy: NO_START_WHEN_STALE,
      status: 'NON_COMPLIANT',
      reason: /^newest recovery point is 30 h old \(max 26 h\)$/,
      actions: [],
    },
    {
      name: 'stale: startBackupWhenStale left out defaults to false → no action',
      observed: { backup: { planNames: [BACKUP_PLAN], latestRecoveryPointAt: '2026-11-27T06:00:00.000Z' } },
      policy: { backupPlans: { [BACKUP_PLAN]: { schedule: 'cron(0 3 * * ? *)', retentionDays: 35, vault: 'tablewarden-vault' } } },
      status: 'NON_COMPLIANT',
      reason: /30 h old/,
      actions: [],
    },
    // Coverage
    {
      name: 'non-compliant: not in the declared plan → AddToBackupPlan',
      observed: { backup: { planNames: ['weekly'], latestRecoveryPointAt: '2026-11-28T03:05:00.000Z' } },
      status: 'NON_COMPLIANT',
      reason: /^not in backup plan daily-35d$/,
      actions: [ADD],
    },
    {
      name: 'non-compliant: not in any plan and stale → AddToBackupPlan then StartBackupJob',
      observed: { backup: { planNames: [], latestRecoveryPointAt: '2026-11-26T10:00:00.000Z' } },
      status: 'NON_COMPLIANT',
      reason: /^not in backup plan daily-35d; newest recovery point is 50 h old \(max 26 h\)$/,
      actions: [ADD, START],
    },
    {
      name: 'non-compliant: plan missing from policy.yaml → AddToBackupPlan, never a backup job',
      spec: { backup: { plan: 'weekly', maxRecoveryPointAgeHours: 26 } },
      observed: { backup: { planNames: [BACKUP_PLAN] } },
      status: 'NON_COMPLIANT',
      reason: /^not in backup plan weekly; no recovery point yet$/,
      actions: [{ type: 'AddToBackupPlan', plan: 'weekly', risk: 'safe', reason: 'add the table to backup plan weekly' }],
    },
    // DynamoDB allows 50 tags per table: the tablewarden:backup-plan tag that puts the table in the plan needs room
    {
      name: 'tags: 49 tags (aws: tags do not count) leave room for the backup-plan tag → AddToBackupPlan',
      spec: { backup: { plan: BACKUP_PLAN }, tags: {} },
      observed: { tags: { ...manyTags(49), 'aws:cloudformation:stack-name': 's' }, backup: { planNames: [] } },
      status: 'NON_COMPLIANT',
      reason: /^not in backup plan daily-35d$/,
      actions: [ADD],
    },
    {
      name: 'tags: 50 tags already → no AddToBackupPlan, the reason says why',
      spec: { backup: { plan: BACKUP_PLAN }, tags: {} },
      observed: { tags: manyTags(50), backup: { planNames: [] } },
      status: 'NON_COMPLIANT',
      reason: /^not in backup plan daily-35d; the tablewarden:backup-plan tag that puts the table in the plan would be tag 51; DynamoDB allows 50 per table$/,
      actions: [],
    },
    {
      name: 'tags: 48 observed + 2 declared new ones count together → no AddToBackupPlan',
      spec: { backup: { plan: BACKUP_PLAN }, tags: { new1: 'a', new2: 'b' } },
      observed: { tags: manyTags(48), backup: { planNames: [] } },
      status: 'NON_COMPLIANT',
      reason: /would be tag 51/,
      actions: [],
    },
    {
      name: 'tags: 50 tags including a stale backup-plan tag → AddToBackupPlan (the tag is rewritten, not added)',
      spec: { backup: { plan: BACKUP_PLAN }, tags: {} },
      observed: { tags: { ...manyTags(49), 'tablewarden:backup-plan': 'weekly' }, backup: { planNames: ['weekly'] } },
      status: 'NON_COMPLIANT',
      reason: /^not in backup plan daily-35d$/,
      actions: [ADD],
    },
    // Not applicable
    {
      name: 'not applicable: backup not declared, whatever the coverage',
      spec: { backup: undefined },
      observed: { backup: { planNames: [] } },
      status: 'NOT_APPLICABLE',
      reason: /^backup is not declared$/,
      actions: [],
    },
    {
      name: 'unmanaged table with a baseline backup: judged like a managed one',
      desired: unmanagedTable(),
      observed: { backup: { planNames: [] } },
      status: 'NON_COMPLIANT',
      reason: /not in backup plan daily-35d; no recovery point yet/,
      actions: [ADD, START],
    },
    // New table: CreateTable cannot select it into a plan; it is too young to be stale
    {
      name: 'new table: AddToBackupPlan only',
      exists: false,
      status: 'NON_COMPLIANT',
      reason: /^not in backup plan daily-35d$/,
      actions: [ADD],
    },
  ]))('%s', (_name, row) => {
    // Prepare
    const context = caseContext(row);
    // Act
    const assessment = backupCoverageControl.assess(context);
    // Assess
    expect(assessment).toEqual(expectedAssessment(row));
  });
});
