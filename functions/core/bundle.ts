/**
 * The desired-state bundle: what `tablewarden publish` uploads on merge and the operator reads.
 * One JSON document with every desired-state file, the git revision, and a checksum over the files, so the
 * operator applies exactly what was validated and reviewed, or nothing.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { SourceFile } from './desired/parse.ts';
import { InvalidDesiredState } from './errors.ts';

/** Bundle format identifier. */
export const BUNDLE_FORMAT = 'tablewarden.io/bundle-v1';

const bundleSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  revision: z.string().min(1),
  createdAt: z.string(),
  checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  files: z.array(z.object({ path: z.string().min(1), text: z.string() })).min(1),
});

/** A parsed bundle. */
export type Bundle = z.output<typeof bundleSchema>;

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

/** Parse and verify a bundle; throws InvalidDesiredState when it is malformed or its checksum does not match. */
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
