/**
 * Prebuilt, checksummed Lambda assets: what the installed package (`npm install tablewarden`) deploys instead of
 * bundling handlers from source at synth.
 *
 * Why: in this repository the construct bundles each handler and the SDK layer with esbuild at synth time
 * (infra/handler-bundle.ts, infra/sdk-layer.ts), from the sources and the lockfile's node_modules. A CDK app that
 * installed the package has neither (no TypeScript sources, no tsx, no esbuild, another lockfile). So `npm pack`
 * (scripts/build-package.ts, run by `prepack`) builds the same bundles and layer once, with the same code, into
 * `dist/assets/`, with a manifest of every file's sha256. At synth the construct checks each asset against the manifest
 * before handing it to `Code.fromAsset`, and refuses a mismatch: a bundle changed after packing (an edited file in
 * node_modules, a broken extraction) never reaches Lambda silently.
 *
 * Which mode: the package's compiled construct lives in `dist/infra/`, so `<module>/../assets/manifest.json` exists
 * exactly when it runs from a built package; in a source checkout (`infra/`) there is no `assets/` next to it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The manifest's format tag (a later format gets a new tag, and an old construct refuses it). */
export const ASSET_MANIFEST_FORMAT = 'tablewarden.io/assets-v1';

/** The manifest's file name inside the assets directory. */
export const ASSET_MANIFEST_FILE = 'manifest.json';

/** The SDK layer's asset name; each handler's is `handlers/<handler>`. */
export const SDK_LAYER_ASSET = 'sdk-layer';

/** The asset name of one handler's bundle. */
export const handlerAssetName = (handler: string): string => `handlers/${handler}`;

/** `dist/assets/manifest.json`: per asset, each file's sha256 (hex), by its path inside the asset (`/`-separated). */
export interface AssetManifest {
  format: typeof ASSET_MANIFEST_FORMAT;
  /** The package version the assets were built for. */
  version: string;
  assets: Record<string, { files: Record<string, string> }>;
}

/** The assets directory of a built package: `<this module>/../assets` (see the module comment). */
export const PACKAGED_ASSETS_DIR = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'assets');

/** Every file under `dir` with its sha256, keyed by its `/`-separated path relative to `dir`, sorted. */
export function hashTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const visit = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) visit(path);
      else files[relative(dir, path).split(sep).join('/')] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  visit(dir);
  return files;
}

/** The prebuilt assets of a built package, each verified against the manifest before it is used. */
export class PrebuiltAssets {
  private readonly manifest: AssetManifest;
  private readonly verified = new Set<string>();

  private constructor(readonly dir: string) {
    const path = join(dir, ASSET_MANIFEST_FILE);
    let manifest: AssetManifest;
    try {
      manifest = JSON.parse(readFileSync(path, 'utf8')) as AssetManifest;
    } catch (error) {
      throw new Error(`TableWarden: the prebuilt assets' manifest ${path} can't be read: ${(error as Error).message}. Reinstall the tablewarden package.`, { cause: error });
    }
    if (manifest.format !== ASSET_MANIFEST_FORMAT || typeof manifest.assets !== 'object' || manifest.assets === null) {
      throw new Error(`TableWarden: ${path} is not a ${ASSET_MANIFEST_FORMAT} manifest. Reinstall the tablewarden package.`);
    }
    this.manifest = manifest;
  }

  /** The built package's assets, or undefined in a source checkout (the construct then bundles from source). */
  static find(dir: string = PACKAGED_ASSETS_DIR): PrebuiltAssets | undefined {
    return existsSync(join(dir, ASSET_MANIFEST_FILE)) ? new PrebuiltAssets(dir) : undefined;
  }

  /**
   * The directory of asset `name`, after checking that it holds exactly the manifest's files with the manifest's
   * checksums. Throws, naming the asset and the first difference, otherwise.
   */
  path(name: string): string {
    const dir = join(this.dir, ...name.split('/'));
    if (this.verified.has(name)) return dir;
    const expected = this.manifest.assets[name]?.files;
    if (!expected) throw new Error(`TableWarden: the prebuilt assets have no ${name} (${join(this.dir, ASSET_MANIFEST_FILE)}). Reinstall the tablewarden package.`);
    const actual = existsSync(dir) ? hashTree(dir) : {};
    for (const [file, sha256] of Object.entries(expected)) {
      if (actual[file] === undefined) throw new Error(`TableWarden: prebuilt asset ${name}: ${file} is missing (the manifest lists it). Reinstall the tablewarden package.`);
      if (actual[file] !== sha256) {
        throw new Error(`TableWarden: prebuilt asset ${name}: ${file} has sha256 ${actual[file]}, the manifest says ${sha256}; refusing to deploy a changed bundle. Reinstall the tablewarden package.`);
      }
    }
    const extra = Object.keys(actual).filter((file) => !(file in expected));
    if (extra.length > 0) throw new Error(`TableWarden: prebuilt asset ${name} has files the manifest does not list: ${extra.join(', ')}. Reinstall the tablewarden package.`);
    this.verified.add(name);
    return dir;
  }
}
