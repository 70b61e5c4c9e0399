/**
 * Publish a validated desired-state bundle to S3: `bundles/<revision>.json`, then `bundles/latest.json`, each
 * authenticated with a KMS HMAC key (GenerateMac); and verify one before the operator uses it (VerifyMac).
 *
 * The revision's object is written first, so `latest` never points at something that isn't there. The publisher
 * (CI) holds kms:GenerateMac on the key, the operator only kms:VerifyMac: write access to the bucket alone can no
 * longer make the operator apply something (https://docs.aws.amazon.com/kms/latest/developerguide/hmac.html).
 */
import { GenerateMacCommand, VerifyMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BUNDLE_MAC_ALGORITHM, BundleNotAuthentic, bundleKey, bundleMacMessage, makeBundle, type Bundle } from '../core/bundle.ts';
import type { SourceFile } from '../core/desired/parse.ts';

/** The clients publishing needs. */
export interface PublishClients {
  s3: S3Client;
  kms: KMSClient;
}

/** Options of {@link publishBundle}. */
export interface PublishOptions {
  /** The HMAC KMS key (key id, key ARN, alias name or alias ARN) that authenticates the bundle. */
  macKeyId: string;
  now?: Date;
}

/** Add the MAC to a bundle (KMS GenerateMac with the publisher's HMAC key). */
export async function authenticateBundle(kms: KMSClient, bundle: Bundle, macKeyId: string): Promise<Bundle> {
  const { format, revision, createdAt, checksum, files } = bundle;
  const response = await kms.send(new GenerateMacCommand({ KeyId: macKeyId, MacAlgorithm: BUNDLE_MAC_ALGORITHM, Message: bundleMacMessage(bundle) }));
  if (!response.Mac) throw new Error(`KMS GenerateMac with ${macKeyId} returned no MAC`);
  return { format, revision, createdAt, checksum, files, mac: { keyId: response.KeyId ?? macKeyId, algorithm: BUNDLE_MAC_ALGORITHM, value: Buffer.from(response.Mac).toString('base64') } };
}

/** Upload an authenticated bundle; returns it with the keys written. */
export async function publishBundle(clients: PublishClients, bucket: string, files: readonly SourceFile[], revision: string, options: PublishOptions): Promise<{ bundle: Bundle; keys: string[] }> {
  const bundle = await authenticateBundle(clients.kms, makeBundle(files, revision, options.now ?? new Date()), options.macKeyId);
  const body = JSON.stringify(bundle);
  const keys = [bundleKey(revision), bundleKey('latest')];
  for (const key of keys) {
    await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json', Metadata: { revision, checksum: bundle.checksum } }));
  }
  return { bundle, keys };
}

/**
 * Check that a (checksum-verified) bundle was authenticated with the key the operator trusts (KMS VerifyMac with
 * `trustedKeyId`, never the key the bundle names).
 *
 * @throws BundleNotAuthentic when the bundle has no MAC, or KMS says the MAC does not verify (content, revision,
 * MAC or key changed). Other KMS errors (access denied, disabled key) propagate as they are: also nothing applied.
 */
export async function verifyBundle(kms: KMSClient, bundle: Bundle, trustedKeyId: string, where: string): Promise<Bundle> {
  if (bundle.mac === undefined) {
    throw new BundleNotAuthentic(`${where} has no MAC: refusing a bundle that was not published with tablewarden publish --mac-key ${trustedKeyId}`);
  }
  try {
    await kms.send(
      new VerifyMacCommand({ KeyId: trustedKeyId, MacAlgorithm: BUNDLE_MAC_ALGORITHM, Message: bundleMacMessage(bundle), Mac: Buffer.from(bundle.mac.value, 'base64') }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'KMSInvalidMacException') throw error;
    const otherKey = bundle.mac.keyId !== trustedKeyId ? ` It names key ${bundle.mac.keyId}; the operator trusts only ${trustedKeyId}.` : '';
    throw new BundleNotAuthentic(
      `${where}: the MAC does not verify with ${trustedKeyId}: the bundle (revision ${bundle.revision}, ${bundle.checksum}) was changed after publishing, or authenticated with another key.${otherKey} Refusing it.`,
      { cause: error },
    );
  }
  return bundle;
}
