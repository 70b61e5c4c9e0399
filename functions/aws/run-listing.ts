/**
 * Listing a run's artefacts. Kept apart from RunStore's get/put so only the report, which lists, carries (and is
 * granted) s3:ListBucket.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { collectPages } from './async-utils.ts';
import type { RunStore } from './run-store.ts';

/** Every key under a prefix, sorted. */
export async function listKeys(store: RunStore, prefix: string): Promise<string[]> {
  const pages = await collectPages(
    (token) => store.s3.send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) })),
    (page) => page.NextContinuationToken,
  );
  return pages.flatMap((page) => (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []))).sort();
}
