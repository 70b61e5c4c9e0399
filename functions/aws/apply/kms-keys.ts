/**
 * Customer-managed keys: find by alias or create (with rotation on), and keep rotation at the declared period.
 * Never disables a key, never schedules its deletion: there is no code path here that could.
 */
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, EnableKeyRotationCommand } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { keyPolicy, principalArnFromCallerArn } from '../../core/kms/key-policy.ts';
import type { AwsClients } from '../clients.ts';

/** The account and principal running tablewarden. */
export interface OperatorIdentity {
  partition: string;
  accountId: string;
  operatorArn: string;
}

/** Resolve who we are (sts:GetCallerIdentity needs no permission), unless the caller names the role. */
export async function operatorIdentity(clients: AwsClients, operatorArn?: string): Promise<OperatorIdentity> {
  const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
  const arn = identity.Arn ?? '';
  const partition = arn.split(':')[1] ?? 'aws';
  return { partition, accountId: identity.Account ?? '', operatorArn: operatorArn ?? principalArnFromCallerArn(arn) };
}

/** The key ARN behind an alias, or undefined when the alias does not exist. */
export async function keyArnForAlias(clients: AwsClients, alias: string): Promise<string | undefined> {
  try {
    const { KeyMetadata } = await clients.kms.send(new DescribeKeyCommand({ KeyId: alias }));
    return KeyMetadata?.Arn;
  } catch (error) {
    if ((error as { name?: string }).name === 'NotFoundException') return undefined;
    throw error;
  }
}

/**
 * Create the key for `alias` unless it exists (idempotent: a re-run after a partial failure finds it).
 * Returns the key ARN.
 */
export async function ensureKmsKey(clients: AwsClients, request: { alias: string; rotationPeriodDays: number }, identity: () => Promise<OperatorIdentity>): Promise<string> {
  const existing = await keyArnForAlias(clients, request.alias);
  if (existing) return existing;
  const who = await identity();
  const { KeyMetadata } = await clients.kms.send(
    new CreateKeyCommand({
      Description: `tablewarden: DynamoDB encryption key for ${request.alias}`,
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      Policy: keyPolicy({ ...who, region: clients.region }),
      Tags: [{ TagKey: 'managed-by', TagValue: 'tablewarden' }],
    }),
  );
  const keyId = KeyMetadata?.KeyId;
  if (!keyId || !KeyMetadata?.Arn) throw new Error(`CreateKey for ${request.alias} returned no key id`);
  try {
    await clients.kms.send(new CreateAliasCommand({ AliasName: request.alias, TargetKeyId: keyId }));
  } catch (error) {
    // The key exists but has no alias: say which one, so a person can attach the alias instead of a re-run
    // creating a second key.
    throw new Error(`created key ${keyId} but could not create alias ${request.alias}: ${(error as Error).message}. Attach the alias to this key (aws kms create-alias) before re-running.`, { cause: error });
  }
  await clients.kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: request.rotationPeriodDays }));
  return KeyMetadata.Arn;
}

/** Turn rotation on with the given period (EnableKeyRotation sets the period when rotation is already on). */
export async function setKeyRotation(clients: AwsClients, keyArn: string, rotationPeriodDays: number): Promise<void> {
  await clients.kms.send(new EnableKeyRotationCommand({ KeyId: keyArn, RotationPeriodInDays: rotationPeriodDays }));
}
