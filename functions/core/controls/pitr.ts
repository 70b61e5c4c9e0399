/**
 * TW-PITR — point-in-time recovery on, with the declared recovery period.
 *
 * Drives: dynamodb:UpdateContinuousBackups (PointInTimeRecoverySpecification, RecoveryPeriodInDays 1–35).
 * Binds: control-plane rate limits only; PITR changes are online and take effect at once.
 * Never turns PITR off unless the desired state says `enabled: false` explicitly.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery_Howitworks.html
 */
import { compliant, defineControl, nonCompliant, notApplicable } from './control.ts';

/** DynamoDB's default recovery period when none is given. */
export const DEFAULT_RECOVERY_PERIOD_DAYS = 35;

export const pitrControl = defineControl({
  id: 'TW-PITR',
  title: 'Point-in-time recovery is enabled with the declared recovery period',
  rationale: 'PITR is the only way to recover a table to any second of the last 35 days after a bad write or a bug.',
  references: {
    configRules: ['dynamodb-pitr-enabled'],
    securityHub: ['DynamoDB.2'],
    documentation: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery_Howitworks.html',
  },
  permissions: { observe: ['dynamodb:DescribeContinuousBackups'], apply: ['dynamodb:UpdateContinuousBackups'] },
  assess({ desired, observed }) {
    const want = desired.spec.pointInTimeRecovery;
    if (!want) return notApplicable('pointInTimeRecovery is not declared');
    const have = observed.pointInTimeRecovery ?? { enabled: false };
    if (!want.enabled) {
      return have.enabled
        ? nonCompliant('PITR is on but the desired state turns it off', [
            { type: 'UpdatePointInTimeRecovery', enabled: false, risk: 'disruptive', reason: 'disable PITR as declared (continuous backups are lost)' },
          ])
        : compliant('PITR is off, as declared');
    }
    const period = want.recoveryPeriodDays ?? DEFAULT_RECOVERY_PERIOD_DAYS;
    if (!have.enabled) {
      return nonCompliant('PITR is off', [
        { type: 'UpdatePointInTimeRecovery', enabled: true, recoveryPeriodDays: period, risk: 'safe', reason: `enable PITR with a ${period}-day recovery period` },
      ]);
    }
    const current = have.recoveryPeriodDays ?? DEFAULT_RECOVERY_PERIOD_DAYS;
    if (current !== period) {
      // A shorter window drops restore points people may be counting on; a longer one only adds.
      const risk = period < current ? 'disruptive' : 'safe';
      return nonCompliant(`PITR recovery period is ${current} days, want ${period}`, [
        { type: 'UpdatePointInTimeRecovery', enabled: true, recoveryPeriodDays: period, risk, reason: `change the PITR recovery period from ${current} to ${period} days` },
      ]);
    }
    return compliant(`PITR is on with a ${period}-day recovery period`);
  },
});
