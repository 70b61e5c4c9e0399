/**
 * What a bundle's MAC covers (functions/core/bundle.ts, pure): a short canonical header whose checksum covers every
 * file, so KMS's 4,096-byte message limit holds for a bundle of any size, and any change to a file, the revision or
 * the creation time changes the bytes that were MACed.
 */
import { describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT, bundleMacMessage, makeBundle, readBundle } from '../../functions/core/bundle.ts';

const NOW = new Date('2030-06-01T12:00:00.000Z');
const files = [
  { path: 'desired-state/policy.yaml', text: 'apiVersion: tablewarden.io/v1\nkind: Policy\n' },
  { path: 'desired-state/tables/a.yaml', text: 'x'.repeat(200_000) },
];
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('bundleMacMessage', () => {
  it('is the format, revision, creation time and checksum, one line each', () => {
    // Prepare
    const bundle = makeBundle(files, 'c0ffee', NOW);
    // Act
    const message = text(bundleMacMessage(bundle));
    // Assess
    expect(message).toBe(`${BUNDLE_FORMAT}\nrevision=c0ffee\ncreatedAt=2030-06-01T12:00:00.000Z\nchecksum=${bundle.checksum}\n`);
  });

  it('stays far below KMS GenerateMac’s 4,096-byte limit at the longest revision, whatever the bundle’s size', () => {
    // Prepare
    const bundle = makeBundle(files, 'r'.repeat(128), NOW);
    // Act
    const size = bundleMacMessage(bundle).byteLength;
    // Assess
    expect(size).toBeLessThan(400);
    expect(() => readBundle(bundle, 'test')).not.toThrow();
  });

  it.each<[string, (bundle: ReturnType<typeof makeBundle>) => ReturnType<typeof makeBundle>]>([
    ['a file’s text', (bundle) => makeBundle([files[0]!, { ...files[1]!, text: files[1]!.text + 'y' }], bundle.revision, NOW)],
    ['a file’s path', (bundle) => makeBundle([files[0]!, { ...files[1]!, path: 'desired-state/tables/b.yaml' }], bundle.revision, NOW)],
    ['the revision', (bundle) => ({ ...bundle, revision: 'f00d' })],
    ['the creation time', (bundle) => ({ ...bundle, createdAt: '2030-06-02T12:00:00.000Z' })],
  ])('changes when %s changes', (_what, change) => {
    // Prepare
    const bundle = makeBundle(files, 'c0ffee', NOW);
    // Act
    const changed = change(bundle);
    // Assess
    expect(text(bundleMacMessage(changed))).not.toBe(text(bundleMacMessage(bundle)));
  });

  it('does not depend on the order the files were read in', () => {
    // Act / Assess
    expect(text(bundleMacMessage(makeBundle([...files].reverse(), 'c0ffee', NOW)))).toBe(text(bundleMacMessage(makeBundle(files, 'c0ffee', NOW))));
  });
});
