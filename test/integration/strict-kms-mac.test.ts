/**
 * The local AWS refuses the GenerateMac / VerifyMac requests AWS refuses (local/strict/kms_mac.py), with AWS's error
 * codes: the MAC is a real keyed HMAC, so a changed message, a changed MAC or another key fails verification.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateMac.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_VerifyMac.html
 */
import { CreateKeyCommand, DisableKeyCommand, GenerateMacCommand, KMSClient, ScheduleKeyDeletionCommand, VerifyMacCommand } from '@aws-sdk/client-kms';
import { beforeEach, describe, expect, it } from 'vitest';
import { useLocalAws } from '../helpers/local-aws.ts';

const local = useLocalAws();
const kms = () => new KMSClient({ ...local.clientConfig, maxAttempts: 1 });
const bytes = (text: string) => new TextEncoder().encode(text);

async function hmacKey(spec: 'HMAC_256' | 'HMAC_512' = 'HMAC_256'): Promise<{ id: string; arn: string }> {
  const { KeyMetadata } = await kms().send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'GENERATE_VERIFY_MAC' }));
  return { id: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! };
}

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: { name: string; message: string }) => ({ name: error.name, message: error.message }));

beforeEach(async () => {
  await local.reset();
});

describe('KMS GenerateMac / VerifyMac', () => {
  it('MACs with the key (HMAC-SHA-256), reports the key ARN, and VerifyMac accepts the MAC', async () => {
    // Prepare
    const key = await hmacKey();
    // Act
    const generated = await kms().send(new GenerateMacCommand({ KeyId: key.id, Message: bytes('hello'), MacAlgorithm: 'HMAC_SHA_256' }));
    const verified = await kms().send(new VerifyMacCommand({ KeyId: key.arn, Message: bytes('hello'), Mac: generated.Mac, MacAlgorithm: 'HMAC_SHA_256' }));
    // Assess
    expect(generated.Mac).toHaveLength(32);
    expect(generated.KeyId).toBe(key.arn);
    expect(verified).toMatchObject({ MacValid: true, KeyId: key.arn, MacAlgorithm: 'HMAC_SHA_256' });
  });

  it.each([
    ['the message changed', 'hellO', false],
    ['the MAC was made with another HMAC key', 'hello', true],
  ])('VerifyMac refuses with KMSInvalidMacException when %s', async (_case, message, otherKey) => {
    // Prepare
    const key = await hmacKey();
    const signer = otherKey ? await hmacKey() : key;
    const { Mac } = await kms().send(new GenerateMacCommand({ KeyId: signer.id, Message: bytes('hello'), MacAlgorithm: 'HMAC_SHA_256' }));
    // Act
    const error = await failure(kms().send(new VerifyMacCommand({ KeyId: key.id, Message: bytes(message), Mac, MacAlgorithm: 'HMAC_SHA_256' })));
    // Assess
    expect(error?.name).toBe('KMSInvalidMacException');
  });

  it('VerifyMac refuses a MAC with one bit flipped', async () => {
    // Prepare
    const key = await hmacKey();
    const { Mac } = await kms().send(new GenerateMacCommand({ KeyId: key.id, Message: bytes('hello'), MacAlgorithm: 'HMAC_SHA_256' }));
    const flipped = Uint8Array.from(Mac!);
    flipped[0] = flipped[0]! ^ 1;
    // Act
    const error = await failure(kms().send(new VerifyMacCommand({ KeyId: key.id, Message: bytes('hello'), Mac: flipped, MacAlgorithm: 'HMAC_SHA_256' })));
    // Assess
    expect(error?.name).toBe('KMSInvalidMacException');
  });

  it('refuses a key whose usage is not GENERATE_VERIFY_MAC with InvalidKeyUsageException and AWS’s message', async () => {
    // Prepare
    const { KeyMetadata } = await kms().send(new CreateKeyCommand({}));
    // Act
    const generate = await failure(kms().send(new GenerateMacCommand({ KeyId: KeyMetadata!.KeyId, Message: bytes('hello'), MacAlgorithm: 'HMAC_SHA_256' })));
    const verify = await failure(kms().send(new VerifyMacCommand({ KeyId: KeyMetadata!.KeyId, Message: bytes('hello'), Mac: new Uint8Array(32), MacAlgorithm: 'HMAC_SHA_256' })));
    // Assess
    expect(generate).toEqual({ name: 'InvalidKeyUsageException', message: `${KeyMetadata!.Arn} key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac.` });
    expect(verify).toEqual({ name: 'InvalidKeyUsageException', message: `${KeyMetadata!.Arn} key usage is ENCRYPT_DECRYPT which is not valid for VerifyMac.` });
  });

  it('refuses a MAC algorithm the key spec does not support with InvalidKeyUsageException', async () => {
    // Prepare
    const key = await hmacKey('HMAC_256');
    // Act
    const error = await failure(kms().send(new GenerateMacCommand({ KeyId: key.id, Message: bytes('hello'), MacAlgorithm: 'HMAC_SHA_512' })));
    // Assess
    expect(error?.name).toBe('InvalidKeyUsageException');
  });

  it('refuses a disabled key with DisabledException and a key pending deletion with KMSInvalidStateException', async () => {
    // Prepare
    const disabled = await hmacKey();
    await kms().send(new DisableKeyCommand({ KeyId: disabled.id }));
    const deleted = await hmacKey();
    await kms().send(new ScheduleKeyDeletionCommand({ KeyId: deleted.id, PendingWindowInDays: 7 }));
    // Act
    const onDisabled = await failure(kms().send(new GenerateMacCommand({ KeyId: disabled.id, Message: bytes('hello'), MacAlgorithm: 'HMAC_SHA_256' })));
    const onDeleted = await failure(kms().send(new VerifyMacCommand({ KeyId: deleted.id, Message: bytes('hello'), Mac: new Uint8Array(32), MacAlgorithm: 'HMAC_SHA_256' })));
    // Assess
    expect(onDisabled).toEqual({ name: 'DisabledException', message: `${disabled.arn} is disabled.` });
    expect(onDeleted).toEqual({ name: 'KMSInvalidStateException', message: `${deleted.arn} is pending deletion.` });
  });

  it('accepts a 4,096-byte message and refuses 4,097 bytes with ValidationException', async () => {
    // Prepare
    const key = await hmacKey();
    // Act
    const atLimit = await kms().send(new GenerateMacCommand({ KeyId: key.id, Message: new Uint8Array(4096).fill(97), MacAlgorithm: 'HMAC_SHA_256' }));
    const overLimit = await failure(kms().send(new GenerateMacCommand({ KeyId: key.id, Message: new Uint8Array(4097).fill(97), MacAlgorithm: 'HMAC_SHA_256' })));
    // Assess
    expect(atLimit.Mac).toHaveLength(32);
    expect(overLimit).toEqual({ name: 'ValidationException', message: "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096" });
  });
});
