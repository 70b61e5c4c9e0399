/**
 * The AWS SDK layer: the lockfile's AWS SDK for JavaScript v3, built once for all the operator's Lambda functions,
 * instead of once into every handler bundle (where its shared runtime, @smithy/core, @aws-sdk/core, signing, the
 * HTTP handler, retries and endpoint rules, was 180–250 KB of each).
 *
 * Why a layer of our own, not the SDK the Lambda runtime ships: what the tests run is what ships. The runtime's SDK
 * is whatever version AWS last put there; the layer is built from this repository's node_modules (the lockfile's
 * versions; test/infra/bundle-size.test.ts checks every package in it against package-lock.json).
 *
 * What is in it: exactly the SDK entry points the handlers import, with exactly the names they import. They are
 * collected from the handler bundles themselves ({@link sdkImportsOfBundle}: esbuild leaves an `import { … } from
 * "@aws-sdk/client-s3"` in a bundle for each external package), so a handler that starts to use another command
 * gets it in the layer with no list to keep. Each package is one ESM entry re-exporting those names; esbuild's code
 * splitting puts what the packages share (the runtime) in shared chunks, tree-shaken as a single bundle is. The
 * handler bundles' esbuild plugins and the Lambda credential chain (infra/handler-bundle.ts) apply here, where the
 * SDK now is.
 *
 * Layout (https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html#packaging-layers-paths): the layer's
 * `nodejs/node_modules` is on the Node.js runtimes' module path, and Lambda resolves ES module dependencies from
 * layers since Node.js 18 (https://repost.aws/knowledge-center/lambda-import-module-error-nodejs). So
 * `import … from '@aws-sdk/client-dynamodb'` in /var/task/index.mjs finds
 * `/opt/nodejs/node_modules/@aws-sdk/client-dynamodb/package.json` (`type: module`, `exports` → `index.mjs`). The
 * layer comes before the runtime's own SDK on that path (/var/runtime/node_modules is last), and a name a handler
 * imports that the layer lacks fails the module link at cold start, never silently falls back.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';
import { BUNDLE_FILE, handlerBuildOptions, LAMBDA_CREDENTIALS, REPO_ROOT, REQUIRE_BANNER, sdkPackageInfo, sdkSchemaShaking } from './handler-bundle.ts';

/** Where the layer's packages are, relative to the layer's root (`/opt` in Lambda). */
export const LAYER_NODE_MODULES = join('nodejs', 'node_modules');

/** The directory (inside {@link LAYER_NODE_MODULES}) of the chunks the packages share. Not a package. */
export const LAYER_CHUNK_DIR = 'tablewarden-sdk-runtime';

/** Each package's entry file in the layer. */
const PACKAGE_ENTRY = 'index.mjs';

/** A package the handlers take from the layer: the names they import from it (`*`: the whole namespace). */
export type SdkImports = Record<string, string[]>;

/** An SDK package specifier (`@aws-sdk/client-s3`, `@smithy/core/protocols`): package name plus optional subpath. */
const SDK_SPECIFIER = /^@(?:aws-sdk|smithy)\/[^/]+(?:\/.*)?$/;

/** The package name of a specifier (`@smithy/core/protocols` → `@smithy/core`). */
const packageName = (specifier: string): string => specifier.split('/').slice(0, 2).join('/');

/**
 * The SDK imports in one esbuild ESM bundle, read from its import statements (esbuild prints one per external
 * package and importing module; minified: `import{a as b,c}from"@aws-sdk/client-s3";`). The metafile's list of the
 * output's external imports is the cross-check: a `require()` or dynamic `import()` of an SDK package (which a
 * layer of ES modules could not serve, or which these names would miss) and any import the parse missed throw.
 */
export function sdkImportsOfBundle(code: string, metafile: Metafile): SdkImports {
  const [, output] = Object.entries(metafile.outputs).find(([file]) => file.endsWith(BUNDLE_FILE))!;
  return sdkImportsOfOutput(code, output);
}

/** {@link sdkImportsOfBundle} for one output of a metafile. */
function sdkImportsOfOutput(code: string, output: Metafile['outputs'][string]): SdkImports {
  const external = output.imports.filter((record) => record.external && SDK_SPECIFIER.test(record.path));
  const unsupported = external.filter((record) => record.kind !== 'import-statement');
  if (unsupported.length > 0) throw new Error(`the SDK layer serves static ES imports only; the bundle has ${unsupported.map((record) => `${record.kind} of ${record.path}`).join(', ')}`);
  const found: Record<string, Set<string>> = {};
  // import X from "…" | import * as X from "…" | import { a as b, c } from "…" | import X, { … } from "…" | import "…"
  const statement = /\bimport\s*(?:([A-Za-z_$][\w$]*)\s*,?\s*)?(\*\s*as\s*[A-Za-z_$][\w$]*\s*)?(?:\{([^}]*)\}\s*)?from\s*["']([^"']+)["']|\bimport\s*["']([^"']+)["']/g;
  for (const [, defaultName, namespace, names, from, bare] of code.matchAll(statement)) {
    const specifier = from ?? bare!;
    if (!SDK_SPECIFIER.test(specifier)) continue;
    const set = (found[specifier] ??= new Set());
    if (defaultName) set.add('default');
    if (namespace) set.add('*');
    for (const part of names?.split(',') ?? []) {
      const name = part.trim().split(/\s+as\s+/)[0]!.trim();
      if (name) set.add(name);
    }
  }
  const missed = [...new Set(external.map((record) => record.path))].filter((specifier) => !(specifier in found));
  if (missed.length > 0) throw new Error(`could not read the bundle's import statements of ${missed.join(', ')}`);
  return Object.fromEntries(Object.entries(found).map(([specifier, names]) => [specifier, [...names].sort()]));
}

/** The union of several bundles' SDK imports. */
export function mergeSdkImports(all: SdkImports[]): SdkImports {
  const merged: Record<string, Set<string>> = {};
  for (const imports of all) {
    for (const [specifier, names] of Object.entries(imports)) {
      const set = (merged[specifier] ??= new Set()); // a bare `import "…"` (no names) still needs the package
      for (const name of names) set.add(name);
    }
  }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)).map(([specifier, names]) => [specifier, [...names].sort()]));
}

/**
 * The SDK imports of the handlers at `entries`, bundled in memory with {@link handlerBuildOptions} (one build for all,
 * so the modules they share are parsed once; no splitting, so each output is what that handler's bundle imports).
 */
export async function collectSdkImports(entries: readonly string[]): Promise<SdkImports> {
  const { build } = await import('esbuild');
  const scratch = join(tmpdir(), 'tablewarden-sdk-imports'); // never written (write: false); names the outputs
  const result = await build({
    ...handlerBuildOptions(entries[0]!, scratch),
    entryPoints: entries.map((entry, index) => ({ in: entry, out: join(String(index), 'index') })),
    outfile: undefined,
    outdir: scratch,
    outExtension: { '.js': '.mjs' },
    write: false,
    metafile: true,
    sourcemap: false,
  });
  const code = new Map(result.outputFiles.map((file) => [file.path, file.text]));
  const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith(BUNDLE_FILE));
  if (outputs.length !== entries.length) throw new Error(`expected ${entries.length} handler outputs, esbuild wrote ${outputs.length}`);
  return mergeSdkImports(outputs.map(([file, output]) => sdkImportsOfOutput(code.get(resolve(REPO_ROOT, file))!, output)));
}

/** The virtual module namespace of the layer's entries: `tablewarden-sdk-entry:<specifier>`. */
const ENTRY_NAMESPACE = 'tablewarden-sdk-entry';

/** The re-export module of one layer package: the names the handlers import from it, and nothing else. */
export function layerEntrySource(specifier: string, names: readonly string[]): string {
  const named = names.filter((name) => name !== '*');
  return [
    ...(names.includes('*') ? [`export * from ${JSON.stringify(specifier)};`] : []),
    ...(named.length > 0 ? [`export { ${named.join(', ')} } from ${JSON.stringify(specifier)};`] : []),
    ...(names.length === 0 ? [`import ${JSON.stringify(specifier)};`] : []),
  ].join('\n');
}

/** The package directory (with package.json) of a file esbuild resolved inside `node_modules/<name>`. */
function packageRootOf(file: string, name: string): string {
  const marker = `${join('node_modules', name)}`;
  const at = file.lastIndexOf(marker);
  if (at < 0) throw new Error(`${name} resolved outside node_modules: ${file}`);
  return file.slice(0, at + marker.length);
}

/** What the layer build reports: where it is, its packages and their versions, and (on request) the metafile. */
export interface SdkLayer {
  /** The layer's root (`/opt` in Lambda). */
  root: string;
  /** `<root>/nodejs/node_modules`. */
  nodeModules: string;
  /** Per package in the layer: the lockfile's version it was built from, and the names it exports. */
  packages: Record<string, { version: string; names: string[] }>;
  /** esbuild's metafile; its outputs are named by their path in the layer (`nodejs/node_modules/...`). */
  metafile?: Metafile;
}

/** The esbuild options of the layer (entries are {@link ENTRY_NAMESPACE} modules, served by `entries`). */
export function sdkLayerBuildOptions(imports: SdkImports, outdir: string, versions: Map<string, string>): BuildOptions {
  const entryPlugin: Plugin = {
    name: 'tablewarden-sdk-layer-entries',
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${ENTRY_NAMESPACE}:`) }, (args) => ({ path: args.path.slice(ENTRY_NAMESPACE.length + 1), namespace: ENTRY_NAMESPACE }));
      build.onLoad({ filter: /.*/, namespace: ENTRY_NAMESPACE }, async (args) => {
        // Record the version of the package the entry resolves to (the package.json next to the resolved file).
        const name = packageName(args.path);
        const resolved = await build.resolve(args.path, { kind: 'import-statement', resolveDir: REPO_ROOT });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        const manifest = JSON.parse(readFileSync(join(packageRootOf(resolved.path, name), 'package.json'), 'utf8')) as { version: string };
        versions.set(name, manifest.version);
        return { contents: layerEntrySource(args.path, imports[args.path]!), loader: 'js', resolveDir: REPO_ROOT };
      });
    },
  };
  const base = handlerBuildOptions(join(REPO_ROOT, 'unused.ts'), outdir);
  return {
    ...base,
    entryPoints: Object.keys(imports).map((specifier) => ({ in: `${ENTRY_NAMESPACE}:${specifier}`, out: join(specifier, PACKAGE_ENTRY.replace(/\.mjs$/, '')) })),
    outfile: undefined,
    outdir,
    splitting: true,
    chunkNames: `${LAYER_CHUNK_DIR}/chunk-[hash]`,
    outExtension: { '.js': '.mjs' },
    // The SDK is what this build bundles (no sdkExternal): nothing is external but Node's built-ins.
    banner: { js: REQUIRE_BANNER },
    alias: { [LAMBDA_CREDENTIALS.replaces]: LAMBDA_CREDENTIALS.with },
    plugins: [entryPlugin, sdkSchemaShaking, sdkPackageInfo],
  };
}

/**
 * Delete the chunks nothing can load, and return the metafile of the rest with its outputs named by their path in
 * the layer (`nodejs/node_modules/@aws-sdk/client-s3/index.mjs`).
 *
 * Why: with code splitting, esbuild makes every `import()` target a chunk of its own, even where tree shaking removed
 * the `import()` itself. `@aws-sdk/credential-providers` lazily imports every provider it offers (SSO, profiles,
 * processes, web identity, Cognito, IMDS, with their nested STS/SSO/OIDC clients); the Lambda chain uses two of them.
 * The metafile lists the imports each output really contains, so what the package entries can't reach, statically or
 * by a remaining `import()`, is dead and goes. The rest keep their names: no kept file refers to a deleted one.
 */
function pruneUnreachable(metafile: Metafile, staging: string): Metafile {
  const inLayer = (file: string): string => relative(staging, resolve(REPO_ROOT, file));
  const reachable = new Set<string>();
  const pending = Object.entries(metafile.outputs).filter(([, output]) => output.entryPoint?.startsWith(`${ENTRY_NAMESPACE}:`)).map(([file]) => file);
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (reachable.has(file)) continue;
    reachable.add(file);
    for (const record of metafile.outputs[file]?.imports ?? []) if (!record.external) pending.push(record.path);
  }
  const outputs: Metafile['outputs'] = {};
  for (const [file, output] of Object.entries(metafile.outputs)) {
    const code = file.endsWith('.map') ? file.slice(0, -'.map'.length) : file;
    if (reachable.has(code)) outputs[inLayer(file)] = { ...output, imports: output.imports.map((record) => (record.external ? record : { ...record, path: inLayer(record.path) })) };
    else rmSync(resolve(REPO_ROOT, file));
  }
  return { ...metafile, outputs };
}

/**
 * Build the layer for the handlers at `entries` into `outdir` (its root: `outdir/nodejs/node_modules/...`). Each
 * package gets a package.json naming its lockfile version, `type: module` and its entry.
 */
export async function buildSdkLayer(entries: readonly string[], outdir: string, options: { metafile?: boolean } = {}): Promise<SdkLayer> {
  const { build } = await import('esbuild');
  const imports = await collectSdkImports(entries);
  const subpaths = Object.keys(imports).filter((specifier) => specifier !== packageName(specifier));
  if (subpaths.length > 0) throw new Error(`the SDK layer has one entry per package; the handlers import subpaths: ${subpaths.join(', ')}`);
  // Built at a fixed place relative to the repository, then copied: the source maps name their sources relative to
  // the output, and esbuild's chunk hashes (file names) cover the maps, so a build in CDK's staging directory would
  // differ from one elsewhere. This way the layer, its hash and so its LayerVersion change only with its content.
  const cache = join(REPO_ROOT, 'node_modules', '.cache', 'tablewarden-sdk-layer');
  mkdirSync(cache, { recursive: true });
  const staging = await mkdtemp(join(cache, 'build-'));
  try {
    const nodeModules = join(staging, LAYER_NODE_MODULES);
    const versions = new Map<string, string>();
    const result = await build({ ...sdkLayerBuildOptions(imports, nodeModules, versions), metafile: true });
    const metafile = pruneUnreachable(result.metafile, staging);
    const packages: SdkLayer['packages'] = {};
    for (const [name, names] of Object.entries(imports)) {
      const version = versions.get(name)!;
      const dir = join(nodeModules, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, version, type: 'module', main: `./${PACKAGE_ENTRY}`, exports: { '.': `./${PACKAGE_ENTRY}` } }, null, 2)}\n`);
      packages[name] = { version, names };
    }
    cpSync(staging, outdir, { recursive: true });
    return { root: outdir, nodeModules: join(outdir, LAYER_NODE_MODULES), packages, ...(options.metafile ? { metafile } : {}) };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * The layer's Lambda code: an asset built at synth time, locally, by this module run as a script in a child process
 * (as handlerCode in infra/handler-bundle.ts, for the same reasons). The asset hash is the output's: the layer
 * changes, and a new LayerVersion is published, exactly when its content does.
 */
export function sdkLayerCode(entries: readonly string[]): Code {
  const relativeEntries = entries.map((entry) => relative(REPO_ROOT, entry));
  return Code.fromAsset(REPO_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never used (local bundling always works here); the same command in the container. It also keys CDK's asset cache.
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
      command: ['node', '--import', 'tsx', 'infra/sdk-layer.ts', '/asset-output', ...relativeEntries],
      local: {
        tryBundle(outputDir: string): boolean {
          const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), outputDir, ...entries], { cwd: REPO_ROOT, encoding: 'utf8' });
          if (child.status !== 0) throw new Error(`building the AWS SDK layer failed (exit ${child.status ?? child.signal}):\n${child.stderr}${child.stdout}`);
          return true;
        },
      },
    },
  });
}

/**
 * Run handler bundles outside Lambda (benchmarks, tests): build the layer for `entries` and put its packages in
 * `dir/node_modules`, where a bundle in `dir/<anything>/` resolves them as Lambda resolves /opt/nodejs/node_modules.
 */
export async function installSdkLayer(entries: readonly string[], dir: string): Promise<SdkLayer> {
  const layer = await buildSdkLayer(entries, join(dir, '.sdk-layer'));
  cpSync(layer.nodeModules, join(dir, 'node_modules'), { recursive: true });
  return layer;
}

// Run as a script by sdkLayerCode: build the layer for argv[3..] into argv[2].
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [outdir, ...entries] = process.argv.slice(2);
  if (!outdir || entries.length === 0) throw new Error('usage: node --import tsx infra/sdk-layer.ts <outdir> <handler entry>...');
  await buildSdkLayer(entries.map((entry) => resolve(REPO_ROOT, entry)), outdir);
}
