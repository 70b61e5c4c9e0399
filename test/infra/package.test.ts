/**
 * The installable package (issue 12, item 5): `npm pack` yields a tarball with the compiled CLI, the TableWarden
 * construct and prebuilt, checksummed handler bundles; another CDK app (examples/consumer-app) installs it and
 * synthesizes `new TableWarden(stack, 'Warden', {...})`, and its `tablewarden` command runs on plain Node.
 *
 * How it installs without the network: the repository's lockfile has no `resolved` URLs, and npm's offline mode can't
 * resolve a version from its cache without the registry document, so the consumer gets a lockfile derived from this
 * repository's (the same versions and integrity hashes, plus each registry tarball's URL), and `npm ci
 * --prefer-offline` takes every tarball from the npm cache that this repository's `npm ci` filled. The installed
 * dependencies are then exactly the versions the suite tests, and nothing from this repository's node_modules is
 * visible to the consumer (it lives in the system temp directory).
 */
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../../functions/handlers/registry.ts';
import { REPO_ROOT } from '../../infra/handler-bundle.ts';
import { HANDLER_NAMES } from '../../infra/permissions.ts';
import { handlerAssetName, hashTree, SDK_LAYER_ASSET, type AssetManifest } from '../../infra/prebuilt-assets.ts';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** package-lock.json entries (lockfileVersion 3). */
interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  link?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [field: string]: unknown;
}

/**
 * A lockfile for the consumer app: its dependencies and the packed tarball's, each resolved as npm resolves them in
 * this repository's lockfile (nearest node_modules first), with registry tarball URLs (see the module comment).
 */
function consumerLockfile(app: { name: string; version: string; dependencies: Record<string, string> }, tarball: string, pkg: { version: string; dependencies: Record<string, string> } & Record<string, unknown>): unknown {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const packages: Record<string, LockEntry> = { '': { name: app.name, version: app.version, dependencies: app.dependencies } };
  const find = (name: string, from: string): string => {
    for (let base = from; ; base = base.slice(0, Math.max(0, base.lastIndexOf('/node_modules/')))) {
      const key = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (lock.packages[key]) return key;
      if (!base) throw new Error(`package-lock.json has no ${name} for ${from || 'the root'}`);
    }
  };
  const add = (key: string): void => {
    if (packages[key]) return;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = lock.packages[key]!;
    const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (!entry.resolved && !entry.link) entry.resolved = `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
    packages[key] = entry;
    for (const dependency of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      if (!lock.packages[`${key}/node_modules/${dependency}`] && !lock.packages[`node_modules/${dependency}`] && entry.optionalDependencies?.[dependency]) continue;
      add(find(dependency, key));
    }
  };
  const { version, dependencies, bin, engines, license, peerDependencies, peerDependenciesMeta } = pkg;
  packages['node_modules/tablewarden'] = { version, resolved: `file:${tarball}`, license, dependencies, bin, engines, peerDependencies, peerDependenciesMeta };
  for (const name of [...Object.keys(dependencies), ...Object.keys(app.dependencies).filter((name) => name !== 'tablewarden')]) add(find(name, ''));
  return { name: app.name, version: app.version, lockfileVersion: 3, requires: true, packages };
}

/** A CloudFormation template, as much as these tests read. */
interface Template {
  Resources: Record<string, { Type: string; Metadata?: Record<string, unknown>; Properties?: Record<string, unknown> }>;
}

describe('the npm package', () => {
  const work = mkdtempSync(join(tmpdir(), 'tablewarden-package-'));
  const app = join(work, 'consumer-app');
  const installed = join(app, 'node_modules', 'tablewarden');
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string> } & Record<string, unknown>;
  let tarball = '';
  let files: string[] = [];

  beforeAll(async () => {
    // Prepare: pack (prepack builds dist/), copy the example app, point it at the tarball and install.
    await run(NPM, ['pack', '--pack-destination', work, '--silent'], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 });
    tarball = join(work, `${pkg.name}-${pkg.version}.tgz`);
    files = (await run('tar', ['-tzf', tarball], { maxBuffer: 64 * 1024 * 1024 })).stdout.split('\n').filter(Boolean).map((file) => file.replace(/^package\//, ''));
    cpSync(join(REPO_ROOT, 'examples', 'consumer-app'), app, { recursive: true, filter: (source) => !/[\\/](?:node_modules|cdk\.out)$/.test(source) });
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string> };
    manifest.dependencies['tablewarden'] = `file:${tarball}`;
    writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(app, 'package-lock.json'), `${JSON.stringify(consumerLockfile(manifest, tarball, pkg), null, 2)}\n`);
    await run(NPM, ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
  }, 240_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Synthesize the consumer app with plain Node (what `cdk synth` runs), into `outdir`. */
  const synth = (outdir: string) => run(process.execPath, ['bin/app.mjs'], { cwd: app, env: { ...process.env, CDK_OUTDIR: outdir } });

  it('holds the compiled CLI, the construct with its types, the checksummed assets, and no sources or tests', () => {
    // Assess
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/tablewarden.js', 'dist/functions/cli/bin.js', 'dist/infra/index.js', 'dist/infra/index.d.ts', 'dist/assets/manifest.json']));
    expect(files.filter((file) => /(?:^|\/)test\/|\.test\.|(?<!\.d)\.ts$|^(?:functions|infra|local|examples|scripts)\//.test(file))).toEqual([]);
    expect(files.filter((file) => file.startsWith('bin/'))).toEqual(['bin/tablewarden.js']);
    const exported = pkg['exports'] as Record<string, { types: string; default: string }>;
    expect(files).toContain(exported['.']!.default.replace(/^\.\//, ''));
    expect(files).toContain(exported['.']!.types.replace(/^\.\//, ''));
    expect(files).toContain((pkg['bin'] as Record<string, string>)['tablewarden']);
    const manifest = JSON.parse(readFileSync(join(installed, 'dist', 'assets', 'manifest.json'), 'utf8')) as AssetManifest;
    expect(manifest.version).toBe(pkg.version);
    expect(Object.keys(manifest.assets).sort()).toEqual([...HANDLER_NAMES.map(handlerAssetName), SDK_LAYER_ASSET].sort());
    for (const [name, asset] of Object.entries(manifest.assets)) {
      expect(asset.files, name).toEqual(hashTree(join(installed, 'dist', 'assets', ...name.split('/'))));
    }
  });

  it('installs no TypeScript loader or bundler: the command and the construct need Node.js only', () => {
    // Assess: npm installed neither tsx nor esbuild (so the synth and CLI tests below ran without them), and the only
    // shipped modules that name tsx are the source-checkout paths: the bundlers (handlerCode, sdkLayerCode), which the
    // installed construct never calls (it deploys the prebuilt assets), and the command's loader, which uses tsx only
    // where the TypeScript sources are (a checkout) and otherwise imports the compiled CLI.
    expect(existsSync(join(app, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'esbuild'))).toBe(false);
    expect(readFileSync(join(installed, 'bin', 'tablewarden.js'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    const loaders = files.filter((file) => file.endsWith('.js') && /from ["']tsx|import\(["']tsx|--import["'], ["']tsx/.test(readFileSync(join(installed, file), 'utf8')));
    expect(loaders.sort()).toEqual(['bin/tablewarden.js', 'dist/infra/handler-bundle.js', 'dist/infra/sdk-layer.js']);
    expect(existsSync(join(installed, 'functions'))).toBe(false);
    expect(readFileSync(join(installed, 'dist', 'infra', 'table-warden.js'), 'utf8')).toMatch(/prebuilt \? Code\.fromAsset\(prebuilt\.path\(SDK_LAYER_ASSET\)\)/);
    // The published dependencies run on the package's engines (the one package needing Node 22 is a devDependency).
    expect(pkg['engines']).toEqual({ node: '>=20.19' });
    expect(Object.keys(pkg.dependencies)).not.toContain('aws-local-stepfunctions');
  });

  it('runs the installed command with plain Node: --version from package.json, validate on the example desired state', async () => {
    // Act
    const version = await run(process.execPath, [join(app, 'node_modules', '.bin', 'tablewarden'), '--version'], { cwd: app });
    const validate = await run(process.execPath, [join(app, 'node_modules', '.bin', 'tablewarden'), 'validate', '--dir', 'desired-state'], { cwd: app, env: { ...process.env, NO_COLOR: '1' } });
    // The local AWS is not in the package: one line that says where it is.
    const local = await run(process.execPath, [join(app, 'node_modules', '.bin', 'tablewarden'), 'local'], { cwd: app }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    // Assess
    expect(version.stdout.trim()).toBe(pkg.version);
    expect(validate.stdout).toContain('1 table and the policy are valid (desired-state)');
    expect(local).toEqual({ code: 1, stderr: expect.stringMatching(/^tablewarden: the local AWS is not part of the npm package: run it from a source checkout/) });
  }, 60_000);

  it('synthesizes the example app: every operator function from its prebuilt bundle, the SDK layer, the publisher grant', async () => {
    // Act
    const outdir = join(work, 'cdk.out');
    await synth(outdir);
    // Assess
    const template = JSON.parse(readFileSync(join(outdir, 'PlatformStack.template.json'), 'utf8')) as Template;
    const functions = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');
    expect(functions.map((fn) => fn.Metadata?.['tablewarden:handler']).sort()).toEqual([...HANDLER_NAMES].sort());
    expect(Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::LayerVersion')).toHaveLength(1);
    // What CDK staged for each function is byte for byte the packaged bundle (not a bundle made at synth).
    const assets = JSON.parse(readFileSync(join(outdir, 'PlatformStack.assets.json'), 'utf8')) as { files: Record<string, { displayName: string; source: { path: string } }> };
    const manifest = JSON.parse(readFileSync(join(installed, 'dist', 'assets', 'manifest.json'), 'utf8')) as AssetManifest;
    for (const handler of HANDLER_NAMES) {
      const asset = Object.values(assets.files).find((file) => file.displayName === `Warden/${HANDLERS[handler].functionId}/Code`);
      expect(asset, handler).toBeDefined();
      expect(hashTree(join(outdir, asset!.source.path)), handler).toEqual(manifest.assets[handlerAssetName(handler)]!.files);
    }
    const layer = Object.values(assets.files).find((file) => file.displayName === 'Warden/AwsSdkLayer/Code')!;
    expect(hashTree(join(outdir, layer.source.path))).toEqual(manifest.assets[SDK_LAYER_ASSET]!.files);
    // grantPublish: upload under bundles/, a data key through S3, the bundle MAC.
    const [publisherPolicy] = Object.entries(template.Resources).filter(([id, resource]) => id.startsWith('BundlePublisher') && resource.Type === 'AWS::IAM::Policy');
    const statements = (publisherPolicy![1].Properties!['PolicyDocument'] as { Statement: Array<{ Action: string | string[] }> }).Statement;
    expect(statements.map((statement) => statement.Action)).toEqual(['s3:PutObject', 'kms:GenerateDataKey', 'kms:GenerateMac']);
  }, 60_000);

  it("types a TypeScript consumer's use of the construct from the package's declarations", async () => {
    // Prepare: a consumer file using the props and a grant helper, and one passing a wrong prop type.
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const program = (body: string) =>
      [
        "import { App, Stack } from 'aws-cdk-lib';",
        "import { AccountRootPrincipal, Role, type Grant } from 'aws-cdk-lib/aws-iam';",
        "import { TableWarden, type TableWardenProps } from 'tablewarden';",
        'const stack = new Stack(new App(), "Typed");',
        body,
      ].join('\n');
    writeFileSync(join(app, 'typed.ts'), program("const props: TableWardenProps = { batchSize: 10 };\nconst grant: Grant = new TableWarden(stack, 'Warden', props).grantPublish(new Role(stack, 'Ci', { assumedBy: new AccountRootPrincipal() }));\nvoid grant;"));
    writeFileSync(join(app, 'mistyped.ts'), program("new TableWarden(stack, 'Warden', { batchSize: 'ten' });"));
    const check = (file: string) =>
      run(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', file], { cwd: app }).then(
        () => '',
        (error: { stdout: string }) => error.stdout,
      );
    // Act
    const [typed, mistyped] = await Promise.all([check('typed.ts'), check('mistyped.ts')]);
    // Assess
    expect(typed).toBe('');
    expect(mistyped).toMatch(/mistyped\.ts\(5,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
  }, 60_000);

  it('refuses to synthesize with a prebuilt bundle that no longer matches its manifest, naming the file', async () => {
    // Prepare
    const bundle = join(installed, 'dist', 'assets', 'handlers', 'gate', 'index.mjs');
    const original = readFileSync(bundle);
    appendFileSync(bundle, '\nconsole.log("changed after packing");\n');
    try {
      // Act
      const result = await synth(join(work, 'cdk.out.tampered')).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );
      // Assess
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/TableWarden: prebuilt asset handlers\/gate: index\.mjs has sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}; refusing to deploy a changed bundle/);
      expect(existsSync(join(work, 'cdk.out.tampered', 'PlatformStack.template.json'))).toBe(false);
    } finally {
      writeFileSync(bundle, original);
    }
  }, 60_000);
});
