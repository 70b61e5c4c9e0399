/**
 * The key policy tablewarden gives the customer-managed keys it creates.
 *
 * - The account root keeps full administration (`kms:*`), so the key can never become unmanageable. This is also
 *   what lets CreateKey pass KMS's *lockout safety check*: KMS refuses a key policy that would not let the calling
 *   principal call `kms:PutKeyPolicy` later (`MalformedPolicyDocumentException`, "The new key policy will not allow
 *   you to update the key policy in the future."). The account principal delegates to IAM, so the check passes for
 *   any caller of the account, and an explicit Deny of `kms:PutKeyPolicy` to the caller would fail it.
 * - DynamoDB may use the key only on behalf of this account, in this region (`kms:ViaService`, `kms:CallerAccount`).
 * - The operator may describe the key and keep rotation on, and is explicitly denied deleting, disabling, re-aliasing
 *   or un-rotating it ({@link KEY_POLICY_DENIED_ACTIONS}): an explicit Deny wins over any IAM grant its role may be
 *   given later.
 * - Why `kms:PutKeyPolicy` is not in that Deny, and why the operator still cannot loosen the key: the Deny would fail
 *   the lockout check (the operator is the caller of CreateKey), so we never bypass the check instead. The operator
 *   can call PutKeyPolicy only if its IAM identity grants it (the key policy leaves that to IAM through the root
 *   statement), and the operator stack never does: `kms:PutKeyPolicy` is one of {@link OPERATOR_NEVER_GRANTED}, which
 *   infra/permissions.ts refuses to grant and test/infra asserts no Lambda role can call. People who administer the
 *   account keep every right the root statement gives them.
 * Docs: https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html#KMS-CreateKey-request-Policy
 *       https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 *       https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html
 */

/** Who and where. */
export interface KeyPolicyInput {
  partition: string;
  accountId: string;
  region: string;
  /** The IAM role or user that runs tablewarden (not an STS session ARN). */
  operatorArn: string;
}

/**
 * Actions the key policy explicitly denies the operator: each would delete, disable, detach or stop rotating a key
 * tables depend on. `kms:PutKeyPolicy` is deliberately absent (it would fail CreateKey's lockout safety check; see
 * the module header).
 */
export const KEY_POLICY_DENIED_ACTIONS = ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:DisableKeyRotation', 'kms:DeleteAlias', 'kms:UpdateAlias'] as const;

/**
 * KMS actions no operator IAM role may ever be granted: the key policy's Deny plus `kms:PutKeyPolicy`, which only IAM
 * can withhold. infra/permissions.ts refuses to grant any of them.
 */
export const OPERATOR_NEVER_GRANTED = [...KEY_POLICY_DENIED_ACTIONS, 'kms:PutKeyPolicy'] as const;

/** The key policy document, as a JSON string for CreateKey's `Policy`. */
export function keyPolicy(input: KeyPolicyInput): string {
  const root = `arn:${input.partition}:iam::${input.accountId}:root`;
  const document = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AccountAdministration', Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'DynamoDBUseInThisAccountAndRegion',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${input.region}.amazonaws.com`, 'kms:CallerAccount': input.accountId } },
      },
      {
        Sid: 'OperatorKeepsRotationOn',
        Effect: 'Allow',
        Principal: { AWS: input.operatorArn },
        Action: ['kms:DescribeKey', 'kms:GetKeyRotationStatus', 'kms:EnableKeyRotation', 'kms:CreateAlias', 'kms:TagResource', 'kms:ListResourceTags'],
        Resource: '*',
      },
      { Sid: 'OperatorNeverDeletesOrWeakens', Effect: 'Deny', Principal: { AWS: input.operatorArn }, Action: [...KEY_POLICY_DENIED_ACTIONS], Resource: '*' },
    ],
  };
  return JSON.stringify(document);
}

/**
 * The IAM principal behind a caller identity. STS reports a role session as
 * `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`; key policies need `arn:aws:iam::ACCOUNT:role/ROLE`. (A role
 * with a path loses it here; pass the role ARN explicitly in that case.)
 */
export function principalArnFromCallerArn(callerArn: string): string {
  const match = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : callerArn;
}
