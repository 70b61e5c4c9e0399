/**
 * TW-SSE — server-side encryption with the declared key type; for CUSTOMER_MANAGED, the key behind the alias.
 *
 * Drives: kms:CreateKey (tagged tablewarden:alias, adopted by tag:GetResources after a crash) + kms:CreateAlias when
 * the alias does not exist yet, then dynamodb:UpdateTable
 * (SSESpecification) for existing tables or CreateTable for new ones. Never deletes or disables a key.
 * Binds: the SSE key type can be switched about 4 times in 24 hours; one change type per UpdateTable call; the
 * table stays readable while SSE is UPDATING.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.howitworks.html
 */
import { compliant, defineControl, nonCompliant, notApplicable, type ProposedAction } from './control.ts';
import { DEFAULT_ROTATION_PERIOD_DAYS } from './kms-rotation.ts';

/** Encryption-at-rest control. */
export const sseControl = defineControl({
  id: 'TW-SSE',
  title: 'Encryption at rest uses the declared key type and key',
  rationale: 'A customer-managed key lets the owner audit every use of the data key and revoke access in one place.',
  references: {
    configRules: ['dynamodb-table-encrypted-kms', 'dynamodb-table-encryption-enabled'],
    securityHub: [],
    documentation: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.howitworks.html',
  },
  permissions: {
    observe: ['kms:ListAliases', 'kms:DescribeKey'],
    // tag:GetResources finds a key tablewarden created for the alias (tag tablewarden:alias) before creating another.
    apply: ['dynamodb:UpdateTable', 'kms:CreateKey', 'kms:TagResource', 'kms:CreateAlias', 'kms:CreateGrant', 'kms:DescribeKey', 'kms:EnableKeyRotation', 'tag:GetResources'],
  },
  assess({ desired, observed, exists, account }) {
    const want = desired.spec.encryption;
    if (!want) return notApplicable('encryption is not declared (DynamoDB always encrypts at rest)');
    const have = observed.sse;
    if (want.type !== 'CUSTOMER_MANAGED') {
      if (have.type === want.type) return compliant(`encrypted with the ${want.type === 'AWS_OWNED' ? 'AWS owned' : 'AWS managed'} key`);
      return nonCompliant(`encrypted with ${have.type}, want ${want.type}`, [
        { type: 'UpdateSse', encryption: want, risk: 'safe', reason: `switch encryption to the ${want.type === 'AWS_OWNED' ? 'AWS owned' : 'AWS managed'} key` },
      ]);
    }
    const key = account.kmsKeysByAlias[want.kmsKeyAlias];
    const actions: ProposedAction[] = [];
    if (!key) {
      actions.push({
        type: 'CreateKmsKey',
        alias: want.kmsKeyAlias,
        rotationPeriodDays: want.rotationPeriodDays ?? DEFAULT_ROTATION_PERIOD_DAYS,
        risk: 'safe',
        reason: `create customer-managed key ${want.kmsKeyAlias} (rotation every ${want.rotationPeriodDays ?? DEFAULT_ROTATION_PERIOD_DAYS} days)`,
      });
    }
    // A new table gets its key in the CreateTable call itself.
    if (!exists) return actions.length ? nonCompliant(`key ${want.kmsKeyAlias} does not exist yet`, actions) : compliant('the new table is created with the declared key');
    if (key && have.type === 'CUSTOMER_MANAGED' && have.kmsKeyArn === key.arn) {
      return compliant(`encrypted with ${want.kmsKeyAlias}`);
    }
    const current = have.type === 'CUSTOMER_MANAGED' ? `another customer-managed key (${have.kmsKeyArn ?? '?'})` : have.type;
    actions.push({ type: 'UpdateSse', encryption: want, risk: 'safe', reason: `re-encrypt with ${want.kmsKeyAlias} (online; about 4 key switches per 24 h)` });
    return nonCompliant(`encrypted with ${current}, want ${want.kmsKeyAlias}`, actions);
  },
});
