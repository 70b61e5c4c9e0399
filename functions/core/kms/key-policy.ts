/**
 * The key policy tablewarden gives the customer-managed keys it creates.
 *
 * - The account root keeps full administration, so the key can never become unmanageable.
 * - DynamoDB may use the key only on behalf of this account, in this region (`kms:ViaService`, `kms:CallerAccount`).
 * - The operator may describe the key and keep rotation on, and is explicitly denied deleting, disabling, or
 *   loosening it: an explicit Deny wins over any IAM grant the operator's role may be given later.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html
 */

/** Who and where. */
export interface KeyPolicyInput {
  partition: string;
  accountId: string;
  region: string;
  /** The IAM role or user that runs tablewarden (not an STS session ARN). */
  operatorArn: string;
}

/** IAM actions the operator must never perform on its keys. */
export const FORBIDDEN_KEY_ACTIONS = ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:DisableKeyRotation', 'kms:DeleteAlias', 'kms:PutKeyPolicy'] as const;

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
      { Sid: 'OperatorNeverDeletesOrWeakens', Effect: 'Deny', Principal: { AWS: input.operatorArn }, Action: [...FORBIDDEN_KEY_ACTIONS], Resource: '*' },
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
