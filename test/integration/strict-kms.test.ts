/**
 * The strict local AWS for KMS (local/strict/kms.py): it refuses what KMS refuses, with KMS's error code and
 * message, and accepts what the product sends. Each rule cites the AWS page it follows; the rule table is
 * local/EMULATOR-RULES.md.
 *
 * - Key policy lockout safety check:
 *   https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html#KMS-CreateKey-request-Policy
 *   https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html#KMS-PutKeyPolicy-request-Policy
 *   https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 * - RotationPeriodInDays 90..2560:
 *   https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html#KMS-EnableKeyRotation-request-RotationPeriodInDays
 */
import { CreateKeyCommand, EnableKeyRotationCommand, GetKeyPolicyCommand, ListKeysCommand, PutKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { operatorIdentity } from '../../functions/aws/apply/kms-keys.ts';
import { keyPolicy } from '../../functions/core/kms/key-policy.ts';
import { useLocalAws } from '../helpers/local-aws.ts';

const local = useLocalAws();
const ACCOUNT = '123456789012';
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const LOCKOUT = 'The new key policy will not allow you to update the key policy in the future.';

let kms: KMSClient;
let callerArn: string;

beforeEach(async () => {
  await local.reset();
  kms = new KMSClient(local.clientConfig);
  callerArn = (await new STSClient(local.clientConfig).send(new GetCallerIdentityCommand({}))).Arn!;
});

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (principal: unknown, action: unknown, extra: object = {}) => ({ Effect: 'Allow', Principal: principal, Action: action, Resource: '*', ...extra });
const deny = (principal: unknown, action: unknown, extra: object = {}) => ({ Effect: 'Deny', Principal: principal, Action: action, Resource: '*', ...extra });

async function keyCount(): Promise<number> {
  return (await kms.send(new ListKeysCommand({}))).Keys?.length ?? 0;
}

/** The key policy tablewarden sent before the fix: the operator was explicitly denied kms:PutKeyPolicy. */
function policyBeforeTheFix(operatorArn: string): string {
  return policy(
    { Sid: 'AccountAdministration', ...allow({ AWS: ROOT }, 'kms:*') },
    { Sid: 'OperatorKeepsRotationOn', ...allow({ AWS: operatorArn }, ['kms:DescribeKey', 'kms:GetKeyRotationStatus', 'kms:EnableKeyRotation', 'kms:CreateAlias', 'kms:TagResource', 'kms:ListResourceTags']) },
    { Sid: 'OperatorNeverDeletesOrWeakens', ...deny({ AWS: operatorArn }, ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:DisableKeyRotation', 'kms:DeleteAlias', 'kms:PutKeyPolicy']) },
  );
}

describe('KMS key policy lockout safety check (CreateKey)', () => {
  it('moto reports the test credentials as arn:aws:sts::123456789012:user/moto (the caller the check sees)', () => {
    // Assess
    expect(callerArn).toBe(`arn:aws:sts::${ACCOUNT}:user/moto`);
  });

  it.each<[string, () => string]>([
    ['the account root, kms:*', () => policy(allow({ AWS: ROOT }, 'kms:*'))],
    ['the bare account id', () => policy(allow({ AWS: ACCOUNT }, 'kms:PutKeyPolicy'))],
    ['the caller ARN, exact action', () => policy(allow({ AWS: callerArn }, 'kms:PutKeyPolicy'))],
    ['the caller ARN in a list, kms:Put*', () => policy(allow({ AWS: ['arn:aws:iam::123456789012:role/other', callerArn] }, ['kms:Describe*', 'kms:Put*']))],
    ['Principal "*", Action "*"', () => policy(allow('*', '*'))],
    ['Principal {AWS: "*"}, lower-case action', () => policy(allow({ AWS: '*' }, 'kms:putkeypolicy'))],
    ['a Deny for another principal', () => policy(allow({ AWS: ROOT }, 'kms:*'), deny({ AWS: 'arn:aws:iam::123456789012:role/other' }, 'kms:PutKeyPolicy'))],
    ['a Deny of other actions for the caller', () => policy(allow({ AWS: ROOT }, 'kms:*'), deny({ AWS: callerArn }, ['kms:ScheduleKeyDeletion', 'kms:DisableKey']))],
  ])('accepts a policy that lets the caller call PutKeyPolicy later: %s', async (_name, document) => {
    // Act
    const created = await kms.send(new CreateKeyCommand({ Policy: document() }));
    // Assess
    expect(created.KeyMetadata?.KeyId).toBeDefined();
  });

  it.each<[string, () => string]>([
    ['no statement allows PutKeyPolicy', () => policy(allow({ AWS: ROOT }, ['kms:Encrypt', 'kms:Decrypt']))],
    ['only another principal may call it', () => policy(allow({ AWS: 'arn:aws:iam::123456789012:role/admin' }, 'kms:*'))],
    ['another account\'s root', () => policy(allow({ AWS: 'arn:aws:iam::999999999999:root' }, 'kms:*'))],
    ['only a service principal', () => policy(allow({ Service: 'dynamodb.amazonaws.com' }, 'kms:*'))],
    ['the caller is explicitly denied kms:PutKeyPolicy', () => policy(allow({ AWS: ROOT }, 'kms:*'), deny({ AWS: callerArn }, 'kms:PutKeyPolicy'))],
    ['everyone is denied kms:Put*', () => policy(allow({ AWS: ROOT }, 'kms:*'), deny('*', 'kms:Put*'))],
    ['the allow is conditional (modelled strictly)', () => policy(allow({ AWS: ROOT }, 'kms:*', { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }))],
    ['a Deny with NotAction that leaves PutKeyPolicy in', () => policy(allow({ AWS: ROOT }, 'kms:*'), { Effect: 'Deny', Principal: { AWS: callerArn }, NotAction: 'kms:Describe*', Resource: '*' })],
    ['tablewarden\'s key policy before the fix', () => policyBeforeTheFix(callerArn)],
  ])('refuses with MalformedPolicyDocumentException when %s, and creates no key', async (_name, document) => {
    // Act
    const refused = kms.send(new CreateKeyCommand({ Policy: document() }));
    // Assess
    await expect(refused).rejects.toMatchObject({ name: 'MalformedPolicyDocumentException', message: LOCKOUT, $metadata: { httpStatusCode: 400 } });
    expect(await keyCount()).toBe(0);
  });

  it('skips the check when BypassPolicyLockoutSafetyCheck is true', async () => {
    // Act
    const created = await kms.send(new CreateKeyCommand({ Policy: policyBeforeTheFix(callerArn), BypassPolicyLockoutSafetyCheck: true }));
    // Assess
    expect(created.KeyMetadata?.KeyId).toBeDefined();
  });

  it('applies nothing to CreateKey without a policy (the default key policy always passes)', async () => {
    // Act
    const created = await kms.send(new CreateKeyCommand({ Description: 'default policy' }));
    // Assess
    expect(created.KeyMetadata?.KeyId).toBeDefined();
  });

  it.each<[string, string]>([
    ['not JSON', '{"Version": "2012-10-17", "Statement": ['],
    ['no Statement', JSON.stringify({ Version: '2012-10-17' })],
    ['a statement without Action', policy({ Effect: 'Allow', Principal: { AWS: ROOT }, Resource: '*' })],
    ['a statement without Resource', policy({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*' })],
    ['a Resource other than "*"', policy(allow({ AWS: ROOT }, 'kms:*', { Resource: 'arn:aws:kms:us-east-1:123456789012:key/x' }))],
  ])('refuses a malformed policy (%s) with MalformedPolicyDocumentException, even with the bypass', async (_name, document) => {
    // Act
    const refused = kms.send(new CreateKeyCommand({ Policy: document, BypassPolicyLockoutSafetyCheck: true }));
    // Assess
    await expect(refused).rejects.toMatchObject({ name: 'MalformedPolicyDocumentException' });
    expect(await keyCount()).toBe(0);
  });

  it('checks an assumed-role caller against its role ARN', async () => {
    // Prepare
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/tablewarden-operator`;
    const assumed = await new STSClient(local.clientConfig).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'run-1' }));
    const credentials = { accessKeyId: assumed.Credentials!.AccessKeyId!, secretAccessKey: assumed.Credentials!.SecretAccessKey!, sessionToken: assumed.Credentials!.SessionToken! };
    const asRole = new KMSClient({ ...local.clientConfig, credentials });
    // Act
    const created = await asRole.send(new CreateKeyCommand({ Policy: policy(allow({ AWS: roleArn }, 'kms:PutKeyPolicy')) }));
    const refused = asRole.send(new CreateKeyCommand({ Policy: policy(allow({ AWS: ROOT }, 'kms:*'), deny({ AWS: roleArn }, 'kms:PutKeyPolicy')) }));
    // Assess
    expect(created.KeyMetadata?.KeyId).toBeDefined();
    await expect(refused).rejects.toMatchObject({ name: 'MalformedPolicyDocumentException', message: LOCKOUT });
  });
});

describe('KMS key policy lockout safety check (PutKeyPolicy)', () => {
  it('refuses a policy that would lock the caller out, and keeps the old one', async () => {
    // Prepare
    const keyId = (await kms.send(new CreateKeyCommand({})))!.KeyMetadata!.KeyId!;
    const before = (await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy;
    // Act
    const refused = kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: policyBeforeTheFix(callerArn) }));
    // Assess
    await expect(refused).rejects.toMatchObject({ name: 'MalformedPolicyDocumentException', message: LOCKOUT });
    expect((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy).toBe(before);
  });

  it('accepts the same policy with BypassPolicyLockoutSafetyCheck', async () => {
    // Prepare
    const keyId = (await kms.send(new CreateKeyCommand({})))!.KeyMetadata!.KeyId!;
    // Act
    await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: policyBeforeTheFix(callerArn), BypassPolicyLockoutSafetyCheck: true }));
    // Assess
    expect((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy).toBe(policyBeforeTheFix(callerArn));
  });
});

describe('the product\'s key policy', () => {
  it('passes the lockout check for the caller it names as operator', async () => {
    // Prepare
    const who = await operatorIdentity(createClients(local.clientConfig));
    // Act
    const created = await kms.send(new CreateKeyCommand({ Policy: keyPolicy({ ...who, region: local.region }) }));
    // Assess
    expect(who.operatorArn).toBe(callerArn);
    expect(created.KeyMetadata?.KeyId).toBeDefined();
  });
});

describe('EnableKeyRotation RotationPeriodInDays', () => {
  it.each([90, 365, 2560])('accepts %i days', async (days) => {
    // Prepare
    const keyId = (await kms.send(new CreateKeyCommand({})))!.KeyMetadata!.KeyId!;
    // Act
    const enabled = kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: days }));
    // Assess
    await expect(enabled).resolves.toBeDefined();
  });

  it.each<[number, string]>([
    [89, 'Member must have value greater than or equal to 90'],
    [2561, 'Member must have value less than or equal to 2560'],
  ])('refuses %i days with ValidationException in Coral\'s wording', async (days, constraint) => {
    // Prepare
    const keyId = (await kms.send(new CreateKeyCommand({})))!.KeyMetadata!.KeyId!;
    // Act
    const refused = kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: days }));
    // Assess
    await expect(refused).rejects.toMatchObject({
      name: 'ValidationException',
      message: `1 validation error detected: Value '${days}' at 'rotationPeriodInDays' failed to satisfy constraint: ${constraint}`,
    });
  });
});
