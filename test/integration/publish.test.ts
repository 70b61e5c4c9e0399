/**
 * `tablewarden publish`: validated desired state becomes a checksummed bundle in S3, authenticated with the
 * operator's HMAC KMS key; invalid state (or no key) is never uploaded; and a bundle rewritten in the bucket is
 * refused by the operator's verification however the checksum was fixed up.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authenticateBundle, verifyBundle } from '../../functions/aws/publish.ts';
import { S3RunStore } from '../../functions/aws/run-store.ts';
import { runPublish } from '../../functions/cli/commands/publish.ts';
import { bundleChecksum, readBundle, type Bundle } from '../../functions/core/bundle.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo } from '../support/capture.ts';

const local = useLocalAws();
const s3 = () => new S3Client({ ...local.clientConfig, forcePathStyle: true });
const kms = () => new KMSClient({ ...local.clientConfig, maxAttempts: 1 });
let macKey: string;

async function hmacKey(): Promise<string> {
  const { KeyMetadata } = await kms().send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
  return KeyMetadata!.Arn!;
}

beforeEach(async () => {
  await local.reset();
  await s3().send(new CreateBucketCommand({ Bucket: 'bundles' }));
  macKey = await hmacKey();
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('TABLEWARDEN_MAC_KEY', '');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

const publish = (options: { dir?: string; revision?: string; macKey?: string } = {}, io = captureIo()) =>
  runPublish({ dir: options.dir ?? 'desired-state', bucket: 'bundles', revision: options.revision ?? 'c0ffee', endpointUrl: local.endpoint, region: local.region, ...('macKey' in options ? { macKey: options.macKey } : { macKey }) }, io);

const published = async (key = 'bundles/c0ffee.json') => readBundle(await new S3RunStore(s3(), 'bundles').get(key), key);

describe('tablewarden publish', () => {
  it('uploads the revision and latest, both authenticated with the MAC key, and says where', async () => {
    // Prepare
    const io = captureIo();
    // Act
    const code = await publish({}, io);
    // Assess
    expect(io.stderr()).toBe('');
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(
      /^published 4 files as revision c0ffee \(sha256:[0-9a-f]{64}, MAC by arn:aws:kms:us-east-1:\d{12}:key\/[0-9a-f-]+\) to s3:\/\/bundles\/bundles\/c0ffee\.json, s3:\/\/bundles\/bundles\/latest\.json\n$/,
    );
    const bundle = await published();
    expect(bundle.revision).toBe('c0ffee');
    expect(bundle.mac).toMatchObject({ keyId: macKey, algorithm: 'HMAC_SHA_256' });
    expect(bundle.files.map((file) => file.path).sort()).toEqual(['desired-state/policy.yaml', 'desired-state/tables/customers.yaml', 'desired-state/tables/orders.yaml', 'desired-state/tables/terraform-state-lock.yaml']);
    await expect(verifyBundle(kms(), bundle, macKey, 'c0ffee')).resolves.toEqual(bundle);
    expect(await published('bundles/latest.json')).toEqual(bundle);
  });

  it('the binary takes --mac-key', async () => {
    // Act
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['bin/tablewarden.js', 'publish', '--bucket', 'bundles', '--revision', 'c0ffee', '--mac-key', macKey, '--endpoint-url', local.endpoint, '--region', local.region],
      { env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', TABLEWARDEN_MAC_KEY: '' } },
    );
    // Assess
    expect(stdout).toContain(`MAC by ${macKey}`);
    await expect(verifyBundle(kms(), await published(), macKey, 'c0ffee')).resolves.toBeDefined();
  });

  it('takes the MAC key from TABLEWARDEN_MAC_KEY', async () => {
    // Prepare
    vi.stubEnv('TABLEWARDEN_MAC_KEY', macKey);
    // Act
    const code = await publish({ macKey: undefined });
    // Assess
    expect(code).toBe(0);
    expect((await published()).mac?.keyId).toBe(macKey);
  });

  it('refuses to publish without a MAC key and uploads nothing', async () => {
    // Prepare
    const io = captureIo();
    // Act
    const code = await publish({ macKey: undefined }, io);
    // Assess
    expect(code).toBe(1);
    expect(io.stderr()).toBe('tablewarden: no MAC key: pass --mac-key or set TABLEWARDEN_MAC_KEY (the stack output BundleMacKeyArn); the operator refuses unauthenticated bundles\n');
    expect((await s3().send(new ListObjectsV2Command({ Bucket: 'bundles' }))).KeyCount).toBe(0);
  });

  it('refuses to publish with a key that cannot MAC (KMS InvalidKeyUsageException) and uploads nothing', async () => {
    // Prepare
    const { KeyMetadata } = await kms().send(new CreateKeyCommand({}));
    const io = captureIo();
    // Act
    const code = await publish({ macKey: KeyMetadata!.Arn! }, io);
    // Assess
    expect(code).toBe(1);
    expect(io.stderr()).toContain('key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac');
    expect((await s3().send(new ListObjectsV2Command({ Bucket: 'bundles' }))).KeyCount).toBe(0);
  });

  it('refuses to publish an invalid desired state and uploads nothing', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'tw-publish-'));
    cpSync('desired-state', dir, { recursive: true });
    writeFileSync(join(dir, 'tables', 'orders.yaml'), 'apiVersion: tablewarden.io/v1\nkind: Table\nmetadata: { name: Orders }\nspec: { keySchema: { partitionKey: { name: id, type: Q } } }\n');
    const io = captureIo();
    // Act
    const code = await publish({ dir, revision: 'bad' }, io);
    // Assess
    expect(code).toBe(1);
    expect(io.stderr()).toMatch(/orders\.yaml:4:54 spec\.keySchema\.partitionKey\.type: must be one of S/);
    expect(io.stderr()).toContain('not published: the desired state is invalid');
    expect((await s3().send(new ListObjectsV2Command({ Bucket: 'bundles' }))).KeyCount).toBe(0);
  });

  it('rejects a bundle whose files changed after publishing (checksum)', async () => {
    // Prepare
    await publish();
    const bundle = (await new S3RunStore(s3(), 'bundles').get('bundles/c0ffee.json')) as { files: Array<{ text: string }> };
    bundle.files[0]!.text += '\n# edited in the bucket\n';
    // Act / Assess
    expect(() => readBundle(bundle, 's3://bundles/bundles/c0ffee.json')).toThrow(/checksum sha256:[0-9a-f]+ does not match the recorded sha256:[0-9a-f]+; refusing a bundle that changed after publishing/);
  });
});

/** Turn PITR off in customers.yaml and fix the checksum up, as someone with write access to the bucket could. */
function pitrOff(bundle: Bundle): Bundle {
  const files = bundle.files.map((file) => (file.path.endsWith('customers.yaml') ? { ...file, text: file.text.replace('pointInTimeRecovery: { enabled: true', 'pointInTimeRecovery: { enabled: false') } : file));
  expect(files).not.toEqual(bundle.files);
  return { ...bundle, files, checksum: bundleChecksum(files) };
}

describe('a bundle rewritten in the bucket', () => {
  it.each<[string, (bundle: Bundle) => Promise<Bundle>, RegExp]>([
    ['content changed, checksum recomputed, MAC kept', async (bundle) => pitrOff(bundle), /: the MAC does not verify with arn:aws:kms:[^ ]+: the bundle \(revision c0ffee, sha256:[0-9a-f]{64}\) was changed after publishing, or authenticated with another key\. Refusing it\./],
    ['MAC removed', async (bundle) => ({ ...pitrOff(bundle), mac: undefined }), /has no MAC: refusing a bundle that was not published with tablewarden publish --mac-key arn:aws:kms:/],
    [
      "re-MACed with the writer's own HMAC key",
      async (bundle) => authenticateBundle(kms(), pitrOff(bundle), await hmacKey()),
      /the MAC does not verify with .* It names key arn:aws:kms:[^ ]+; the operator trusts only arn:aws:kms:[^ ]+\./,
    ],
    ['MAC value changed', async (bundle) => ({ ...bundle, mac: { ...bundle.mac!, value: Buffer.from(Buffer.from(bundle.mac!.value, 'base64').map((byte, index) => (index === 0 ? byte ^ 1 : byte))).toString('base64') } }), /the MAC does not verify/],
    ['stored as another revision', async (bundle) => ({ ...bundle, revision: 'f00d' }), /the MAC does not verify/],
  ])('is refused with BundleNotAuthentic: %s', async (_case, rewrite, reason) => {
    // Prepare
    await publish();
    const rewritten = await rewrite(await published());
    // Act
    const error = await verifyBundle(kms(), readBundle(JSON.parse(JSON.stringify(rewritten)), 's3://bundles/bundles/c0ffee.json'), macKey, 's3://bundles/bundles/c0ffee.json').catch((thrown: unknown) => thrown);
    // Assess
    expect(error).toMatchObject({ name: 'BundleNotAuthentic', reason: 'InvalidDesiredState' });
    expect((error as Error).message).toMatch(reason);
  });
});
