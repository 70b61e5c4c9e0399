/**
 * How a Lambda handler is bundled: esbuild's JS API with the options below, run by the stack at synth time (in a
 * child process, see {@link handlerCode}) and by test/infra/bundle-size.test.ts (with a metafile), so the test
 * measures exactly what is deployed.
 *
 * Why not NodejsFunction's own bundling: it drives the esbuild CLI, which takes no plugins, and one plugin here is
 * worth a third of a bundle. The AWS SDK's generated `schemas_0.js` modules key their shape traits with computed
 * properties (`{ [_h]: ["GET", "/path", 200] }`, where `const _h = "http"`); esbuild can't prove a computed key
 * side-effect free, so it keeps every operation's schema and, through them, every shape of the service: all 170
 * AWS Backup operations for the four the operator calls (46 KB), all of S3 (69 KB), and so on. Inlining those
 * string constants as literal keys (`{ "http": [...] }`) changes nothing at run time and lets esbuild drop the
 * shapes no command the handler imports refers to.
 *
 * The SDK gets a Lambda-sized credential chain (functions/aws/lambda-credentials.ts) instead of its default one.
 *
 * The AWS SDK itself is not in the handler bundles: it is the same in all of them, and its shared runtime was most of
 * each. The functions take it from the SDK layer (infra/sdk-layer.ts), which is built from the lockfile's SDK with
 * the options, plugins and credential chain of this module, never from the SDK the Lambda runtime ships (the
 * lockfile's SDK is the one the handlers are tested with, and its call-recorder middleware).
 *
 * Everything else is what NodejsFunction did: one ES module (`index.mjs`, tree-shaken: ESM entry points first via
 * mainFields `module,main`), minified, node22 syntax (the runtime), an external source map without sources.
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';

/** The repository root: esbuild's working directory, and where handler entries and node_modules are resolved from. */
export const REPO_ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');

/** The bundle's file name inside the asset; the function's handler is `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';

/** CommonJS dependencies inside an ESM bundle still call require(). */
export const REQUIRE_BANNER = "import { createRequire as __twCreateRequire } from 'node:module'; const require = __twCreateRequire(import.meta.url);";

/**
 * The AWS SDK, left out of every handler bundle: the functions take it from the SDK layer (infra/sdk-layer.ts), built
 * from the same node_modules with the plugins and the credential chain below.
 */
export const SDK_EXTERNAL = /^@(?:aws-sdk|smithy)\//;

/**
 * Leave the SDK out of a bundle ({@link SDK_EXTERNAL}), as esbuild's `external` does, but say its modules have no
 * side effects (the SDK's packages declare `"sideEffects": false`): esbuild keeps an external import it can't prove
 * unused, so with plain `external` every handler kept every client some unused port names (the lock imported
 * SNS, SFN, S3, ...), and the layer would be loaded whole at each cold start.
 */
export const sdkExternal: Plugin = {
  name: 'tablewarden-sdk-external',
  setup(build) {
    build.onResolve({ filter: SDK_EXTERNAL }, (args) => ({ path: args.path, external: true, sideEffects: false }));
  },
};

/** The module the bundles use as the SDK's default credential chain (a path relative to the repository root). */
export const LAMBDA_CREDENTIALS = { replaces: '@aws-sdk/credential-provider-node', with: './functions/aws/lambda-credentials.ts' } as const;

/** An AWS SDK schema module (`@aws-sdk/client-*`, and the credential chain's nested clients). */
const SDK_SCHEMA_MODULE = /[\\/]node_modules[\\/]@aws-sdk[\\/].+[\\/]dist-es[\\/](?:.+[\\/])?schemas[\\/]schemas_\d+\.js$/;

/**
 * Make the AWS SDK's schema modules tree-shakable (see the module comment): `[_x]:` becomes `"value":` wherever
 * `_x` is a top-level `const _x = "value";` of the same module. Anything else is left as it is.
 */
export const sdkSchemaShaking: Plugin = {
  name: 'tablewarden-sdk-schema-shaking',
  setup(build) {
    build.onLoad({ filter: SDK_SCHEMA_MODULE }, async (args) => ({ contents: inlineSchemaKeys(await readFile(args.path, 'utf8')), loader: 'js' }));
  },
};

/** An AWS SDK package's package.json, which its runtime config imports whole for one field. */
const SDK_PACKAGE_JSON = /[\\/]node_modules[\\/]@(?:aws-sdk|smithy)[\\/][^\\/]+[\\/]package\.json$/;

/**
 * The SDK's clients import their package.json for `packageInfo.version` (the user agent) and nothing else, but a
 * default JSON import bundles the whole manifest (exports maps, scripts, dependency lists: 2–4 KB a client). Keep
 * the name and version only.
 */
export const sdkPackageInfo: Plugin = {
  name: 'tablewarden-sdk-package-info',
  setup(build) {
    build.onLoad({ filter: SDK_PACKAGE_JSON }, async (args) => {
      const { name, version } = JSON.parse(await readFile(args.path, 'utf8')) as { name?: string; version?: string };
      return { contents: JSON.stringify({ name, version }), loader: 'json' };
    });
  },
};

/** The rewrite {@link sdkSchemaShaking} applies to one schema module's source. Exported for its test. */
export function inlineSchemaKeys(source: string): string {
  const constants = new Map<string, string>();
  for (const match of source.matchAll(/^const (_[A-Za-z0-9_$]+) = ("(?:[^"\\\n]|\\.)*");$/gm)) constants.set(match[1]!, match[2]!);
  return source.replace(/\{ ?\[(_[A-Za-z0-9_$]+)\]:|, ?\[(_[A-Za-z0-9_$]+)\]:/g, (whole, first: string | undefined, next: string | undefined) => {
    const name = (first ?? next)!;
    const literal = constants.get(name);
    return literal === undefined ? whole : whole.replace(`[${name}]`, literal);
  });
}

/** The esbuild options of every handler bundle, for `entry` written to `outdir`/{@link BUNDLE_FILE}. */
export function handlerBuildOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile: join(outdir, BUNDLE_FILE),
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    treeShaking: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    banner: { js: REQUIRE_BANNER },
    // Lambda credentials come from the environment: the SDK's default chain without SSO, profiles, processes, web
    // identity and IMDS (see functions/aws/lambda-credentials.ts).
    alias: { [LAMBDA_CREDENTIALS.replaces]: LAMBDA_CREDENTIALS.with },
    plugins: [sdkExternal, sdkSchemaShaking, sdkPackageInfo],
    logLevel: 'warning',
  };
}

/** Bundle one handler; with `metafile`, also say which input contributed how many bytes (the bundle-size test). */
export async function bundleHandler(entry: string, outdir: string, options: { metafile?: boolean } = {}): Promise<{ file: string; metafile?: Metafile }> {
  const { build } = await import('esbuild');
  const result = await build({ ...handlerBuildOptions(entry, outdir), metafile: options.metafile ?? false });
  return { file: join(outdir, BUNDLE_FILE), ...(result.metafile ? { metafile: result.metafile } : {}) };
}

/**
 * The Lambda code of one handler: an asset bundled at synth time, locally (no Docker), by this module run as a
 * script in a child process (CDK's local bundling is synchronous; esbuild plugins need the asynchronous API). The
 * asset hash is the output's, so an unchanged bundle is not uploaded again. Stacks that skip bundling (the local
 * workflow runner's synth) get a placeholder, as with NodejsFunction.
 */
export function handlerCode(entry: string): Code {
  return Code.fromAsset(REPO_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Docker is only used if local bundling is impossible, which it never is here (esbuild is a dependency); the
      // command does the same in the container. It also keys CDK's asset cache, which is by source path and the
      // serializable bundling options: without the entry in it, every function would get the first bundle.
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
      command: ['node', '--import', 'tsx', 'infra/handler-bundle.ts', relative(REPO_ROOT, entry), '/asset-output'],
      local: {
        tryBundle(outputDir: string): boolean {
          const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), entry, outputDir], { cwd: REPO_ROOT, encoding: 'utf8' });
          if (child.status !== 0) throw new Error(`bundling ${entry} failed (exit ${child.status ?? child.signal}):\n${child.stderr}${child.stdout}`);
          return true;
        },
      },
    },
  });
}

// Run as a script by handlerCode: bundle argv[2] into argv[3].
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [entry, outdir] = process.argv.slice(2);
  if (!entry || !outdir) throw new Error('usage: node --import tsx infra/handler-bundle.ts <entry> <outdir>');
  await bundleHandler(entry, outdir);
}
