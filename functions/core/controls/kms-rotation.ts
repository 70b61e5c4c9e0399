/**
 * TW-KMS-ROTATION — the customer-managed key behind the table's alias rotates, with the declared period.
 *
 * Drives: kms:EnableKeyRotation (RotationPeriodInDays 90–2560). Never disables rotation, never schedules deletion.
 * Binds: KMS request quotas only; the key is described once per run however many tables share it.
 * Docs: https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
 */
import { compliant, defineControl, nonCompliant, notApplicable } from './control.ts';

/** KMS's default automatic rotation period. */
export const DEFAULT_ROTATION_PERIOD_DAYS = 365;

/** Key rotation control. */
export const kmsRotationControl = defineControl({
  id: 'TW-KMS-ROTATION',
  title: 'The customer-managed key rotates with the declared period',
  rationale: 'Rotation limits how much data one key version protects and is required by most security baselines.',
  references: {
    configRules: ['cmk-backing-key-rotation-enabled'],
    securityHub: ['KMS.4'],
    documentation: 'https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html',
  },
  permissions: { observe: ['kms:GetKeyRotationStatus'], apply: ['kms:EnableKeyRotation'] },
  assess({ desired, account }) {
    const want = desired.spec.encryption;
    if (want?.type !== 'CUSTOMER_MANAGED') return notApplicable('no customer-managed key is declared');
    const period = want.rotationPeriodDays ?? DEFAULT_ROTATION_PERIOD_DAYS;
    const key = account.kmsKeysByAlias[want.kmsKeyAlias];
    // TW-SSE creates a missing key with rotation already on; planning it twice would not converge faster.
    if (!key) return nonCompliant(`key ${want.kmsKeyAlias} does not exist yet (TW-SSE creates it with rotation on)`);
    if (key.rotationEnabled && key.rotationPeriodDays === period) return compliant(`${want.kmsKeyAlias} rotates every ${period} days`);
    if (key.rotationUnsupported) {
      // EnableKeyRotation would be rejected: say so instead of planning a call that can only fail.
      return nonCompliant(`${want.kmsKeyAlias} cannot rotate automatically: ${key.rotationUnsupported}; rotate it by hand or point the alias at a KMS-generated symmetric key`);
    }
    const now = key.rotationEnabled ? `rotates every ${key.rotationPeriodDays ?? '?'} days` : 'does not rotate';
    return nonCompliant(`${want.kmsKeyAlias} ${now}, want every ${period} days`, [
      { type: 'UpdateKmsKeyRotation', alias: want.kmsKeyAlias, keyArn: key.arn, rotationPeriodDays: period, risk: 'safe', reason: `rotate ${want.kmsKeyAlias} every ${period} days` },
    ]);
  },
});
