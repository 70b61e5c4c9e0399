/**
 * Publish a validated desired-state bundle to S3: `bundles/<revision>.json`, then `bundles/latest.json`.
 * The revision's object is written first, so `latest` never points at something that isn't there.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { bundleKey, makeBundle, type Bundle } from '../core/bundle.ts';
import type { SourceFile } from '../core/desired/parse.ts';

/** Upload a bundle; returns it with the keys written. */
export async function publishBundle(s3: S3Client, bucket: string, files: readonly SourceFile[], revision: string, now = new Date()): Promise<{ bundle: Bundle; keys: string[] }> {
  const bundle = makeBundle(files, revision, now);
  const body = JSON.stringify(bundle);
  const keys = [bundleKey(revision), bundleKey('latest')];
  for (const key of keys) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json', Metadata: { revision, checksum: bundle.checksum } }));
  }
  return { bundle, keys };
}
