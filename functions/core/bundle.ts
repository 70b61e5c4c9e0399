/**
 * The desired-state bundle: what `tablewarden publish` uploads on merge and the operator reads.
 * One JSON document with every desired-state file, the git revision, a checksum over the files, and a MAC.
 *
 * Why a MAC and not only the checksum: a sha256 is unkeyed, so whoever can write to the bucket can rewrite a bundle
 * (PITR off) and recompute it. The MAC is an HMAC made by a KMS HMAC key (KMS GenerateMac) that only the publisher
 * may use, and that the operator checks with KMS VerifyMac before anything is applied. What is MACed is
 * {@link bundleMacMessage}: the format, revision, creation time and checksum (which covers every file), a few
 * hundred bytes, because KMS MACs at most 4,096 bytes of message. This module stays pure: the KMS calls are in
 * functions/aws/publish.ts.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { SourceFile } from './desired/parse.ts';
import { InvalidDesiredState } from './errors.ts';

/** Bundle format identifier. */
export const BUNDLE_FORMAT = 'tablewarden.io/bundle-v1';

/** The environment variable naming the HMAC KMS key the operator verifies bundles with (load-desired-state's). */
export const BUNDLE_MAC_KEY_ENV = 'BUNDLE_MAC_KEY_ARN';

/** The one MAC algorithm bundles use (an HMAC_256 KMS key supports exactly this one). */
export const BUNDLE_MAC_ALGORITHM = 'HMAC_SHA_256';

const macSchema = z.object({
  /** The KMS key that made the MAC, as KMS reported it (its ARN). Informational: the operator verifies with its own. */
  keyId: z.string().min(1),
  algorithm: z.literal(BUNDLE_MAC_ALGORITHM),
  /** The MAC, base64. */
  value: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/),
});

const bundleSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  revision: z.string().min(1),
  createdAt: z.string(),
  checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  files: z.array(z.object({ path: z.string().min(1), text: z.string() })).min(1),
  // Optional in the schema so that a bundle without one is refused as not authentic, with that reason.
  mac: macSchema.optional(),
});

/** A parsed bundle. */
export type Bundle = z.output<typeof bundleSchema>;

/** A bundle's MAC. */
export type BundleMac = z.output<typeof macSchema>;

/**
 * A bundle that is not provably the one the publisher made: no MAC, a MAC that KMS does not verify with the
 * operator's key, or another key's MAC. Its name is the Step Functions error of the load that refused it; its stage
 * is InvalidDesiredState (nothing was applied).
 */
export class BundleNotAuthentic extends InvalidDesiredState {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'BundleNotAuthentic';
  }
}

/**
 * The bytes the MAC covers: one line each for the format, the revision, the creation time and the checksum, UTF-8.
 * The checksum covers every file's path and text, so changing any file, the revision (replaying an old bundle
 * under a new name) or the MAC's own inputs breaks verification.
 */
export function bundleMacMessage(bundle: Pick<Bundle, 'format' | 'revision' | 'createdAt' | 'checksum'>): Uint8Array {
  return new TextEncoder().encode(`${bundle.format}\nrevision=${bundle.revision}\ncreatedAt=${bundle.createdAt}\nchecksum=${bundle.checksum}\n`);
}

/** sha256 over the files in path order (path and text, NUL-separated), independent of upload order. */
export function bundleChecksum(files: readonly SourceFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(file.path).update('\0').update(file.text).update('\0');
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Build a bundle. */
export function makeBundle(files: readonly SourceFile[], revision: string, createdAt: Date): Bundle {
  return { format: BUNDLE_FORMAT, revision, createdAt: createdAt.toISOString(), checksum: bundleChecksum(files), files: [...files] };
}

/**
 * Parse a bundle and verify its checksum; throws InvalidDesiredState when it is malformed or its checksum does not
 * match. This does not authenticate it: the operator also verifies the MAC (functions/aws/publish.ts verifyBundle).
 */
export function readBundle(value: unknown, where: string): Bundle {
  const parsed = bundleSchema.safeParse(value);
  if (!parsed.success) throw new InvalidDesiredState(`${where} is not a tablewarden bundle: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  const actual = bundleChecksum(parsed.data.files);
  if (actual !== parsed.data.checksum) throw new InvalidDesiredState(`${where}: checksum ${actual} does not match the recorded ${parsed.data.checksum}; refusing a bundle that changed after publishing`);
  return parsed.data;
}

/** Where a revision's bundle lives in the bucket; `latest` is the newest published one. */
export function bundleKey(revision: string): string {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(revision)) throw new InvalidDesiredState(`revision "${revision}" is not a valid bundle name (letters, digits, ".", "_", "-")`);
  return `bundles/${revision}.json`;
}
