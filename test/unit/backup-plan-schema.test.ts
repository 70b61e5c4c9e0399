/**
 * policy.yaml's backupPlans accept only what AWS Backup accepts, so `validate` fails in CI instead of
 * CreateBackupVault / CreateBackupPlan failing at apply time:
 * - schedules: cron(...) only (API_BackupRuleInput: "A CRON expression in UTC"; AWS Backup has no rate(...));
 * - vault names: ^[a-zA-Z0-9\-\_]{2,50}$ (API_CreateBackupVault; no ".");
 * - plan names (the record key): 1 to 50 alphanumeric or '-_.' characters (API_BackupPlanInput).
 */
import { describe, expect, it } from 'vitest';
import { policyFileSchema } from '../../functions/core/desired/schema.ts';

function parse(plans: Record<string, unknown>) {
  return policyFileSchema.safeParse({ apiVersion: 'tablewarden.io/v1', kind: 'Policy', spec: { backupPlans: plans } });
}

const plan = (over: Record<string, unknown> = {}) => ({ schedule: 'cron(0 3 * * ? *)', retentionDays: 35, vault: 'tablewarden-vault', ...over });

function issues(plans: Record<string, unknown>): Array<{ path: string; message: string }> {
  const result = parse(plans);
  // A record key's own rule is in the nested issues (what parse.ts reports for a bad key).
  return result.success
    ? []
    : result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join('; ') : issue.message }));
}

describe('backupPlans in policy.yaml', () => {
  it.each(['rate(1 day)', 'rate(12 hours)', '0 3 * * ? *', 'cron()', 'cron(0 3 * *)'])('refuses schedule %s, saying AWS Backup accepts only cron', (schedule) => {
    // Act
    const found = issues({ daily: plan({ schedule }) });
    // Assess
    expect(found).toEqual([{ path: 'spec.backupPlans.daily.schedule', message: expect.stringMatching(/AWS Backup accepts only cron expressions/) }]);
  });

  it.each(['cron(0 3 * * ? *)', 'cron(15 * ? * * *)', 'cron(0 5/12 ? * MON-FRI *)'])('accepts schedule %s', (schedule) => {
    expect(issues({ daily: plan({ schedule }) })).toEqual([]);
  });

  it.each([
    ['a dot', 'tablewarden.vault'],
    ['one character', 'v'],
    ['51 characters', 'v'.repeat(51)],
    ['a space', 'my vault'],
  ])('refuses a vault name with %s', (_name, vault) => {
    // Act
    const found = issues({ daily: plan({ vault }) });
    // Assess
    expect(found).toEqual([{ path: 'spec.backupPlans.daily.vault', message: expect.stringMatching(/2–50 characters of letters, digits, "_" or "-" \(AWS Backup vault naming rules\)/) }]);
  });

  it.each([['2 characters', 'tw'], ['50 characters', `tw-_${'v'.repeat(46)}`]])('accepts a vault name with %s', (_name, vault) => {
    expect(issues({ daily: plan({ vault }) })).toEqual([]);
  });

  it.each([
    ['51 characters', 'p'.repeat(51)],
    ['a slash', 'aws/efs/plan'],
    ['a space', 'daily plan'],
  ])('refuses a plan name with %s', (_name, name) => {
    // Act
    const found = issues({ [name]: plan() });
    // Assess
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toMatch(/1–50 letters, digits, "-", "_" or "."/);
  });

  it.each([['50 characters', `a.b-c_${'p'.repeat(44)}`], ['a dot', 'daily.35d']])('accepts a plan name with %s', (_name, name) => {
    expect(issues({ [name]: plan() })).toEqual([]);
  });
});
