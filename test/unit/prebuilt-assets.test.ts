/**
 * PrebuiltAssets (infra/prebuilt-assets.ts): the installed package's handler bundles are used only when every file
 * matches the manifest that `npm pack` wrote, and a source checkout has none (the construct then bundles from source).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/handler-bundle.ts';
import { ASSET_MANIFEST_FORMAT, hashTree, PACKAGED_ASSETS_DIR, PrebuiltAssets } from '../../infra/prebuilt-assets.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An assets directory with one asset `handlers/gate` holding `files`, and a manifest of them. */
function assets(files: Record<string, string>, manifest?: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'tablewarden-assets-'));
  dirs.push(dir);
  const asset = join(dir, 'handlers', 'gate');
  mkdirSync(join(asset, 'nested'), { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(asset, file), content);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest ?? { format: ASSET_MANIFEST_FORMAT, version: '0.1.0', assets: { 'handlers/gate': { files: hashTree(asset) } } }));
  return dir;
}

describe('PrebuiltAssets', () => {
  it('finds none in a source checkout, so the construct bundles from source', () => {
    // Act + Assess
    expect(PACKAGED_ASSETS_DIR).toBe(join(REPO_ROOT, 'assets'));
    expect(PrebuiltAssets.find()).toBeUndefined();
  });

  it('hands out an asset whose files all match the manifest', () => {
    // Prepare
    const dir = assets({ 'index.mjs': 'export const handler = 1;', 'nested/chunk.mjs': 'x' });
    // Act
    const path = PrebuiltAssets.find(dir)!.path('handlers/gate');
    // Assess
    expect(path).toBe(join(dir, 'handlers', 'gate'));
    expect(Object.keys(hashTree(path))).toEqual(['index.mjs', 'nested/chunk.mjs']);
  });

  it('refuses a changed file, a missing file, an extra file, an unknown asset and a foreign manifest', () => {
    // Prepare
    const changed = assets({ 'index.mjs': 'a' });
    writeFileSync(join(changed, 'handlers', 'gate', 'index.mjs'), 'b');
    const missing = assets({ 'index.mjs': 'a', 'index.mjs.map': '{}' });
    rmSync(join(missing, 'handlers', 'gate', 'index.mjs.map'));
    const extra = assets({ 'index.mjs': 'a' });
    writeFileSync(join(extra, 'handlers', 'gate', 'evil.mjs'), 'b');
    // Act + Assess
    expect(() => PrebuiltAssets.find(changed)!.path('handlers/gate')).toThrow(/prebuilt asset handlers\/gate: index\.mjs has sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}; refusing to deploy a changed bundle/);
    expect(() => PrebuiltAssets.find(missing)!.path('handlers/gate')).toThrow('prebuilt asset handlers/gate: index.mjs.map is missing (the manifest lists it)');
    expect(() => PrebuiltAssets.find(extra)!.path('handlers/gate')).toThrow('prebuilt asset handlers/gate has files the manifest does not list: evil.mjs');
    expect(() => PrebuiltAssets.find(extra)!.path('handlers/lock')).toThrow('the prebuilt assets have no handlers/lock');
    expect(() => PrebuiltAssets.find(assets({ 'index.mjs': 'a' }, { format: 'other', assets: {} }))).toThrow(`is not a ${ASSET_MANIFEST_FORMAT} manifest`);
  });
});
