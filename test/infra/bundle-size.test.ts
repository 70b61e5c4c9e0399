/**
 * The Lambda bundles: small, nothing in them twice, no zod locale but English, and still working. The AWS SDK is in
 * none of them: it is built once, from the lockfile, into the SDK layer (infra/sdk-layer.ts) that every function
 * references, with the Lambda credential chain and the SDK's shaken schemas. Each handler is bundled with
 * infra/handler-bundle.ts and the layer built with infra/sdk-layer.ts, the functions the stack's assets are built with
 * (checked below byte for byte), with esbuild metafiles saying which input contributed how many bytes.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HANDLER_NAMES, HANDLERS, type HandlerName } from '../../functions/handlers/registry.ts';
import { createOperatorApp } from '../../infra/app-factory.ts';
import { handlerApiActions } from '../../infra/permissions.ts';
import { BUNDLE_FILE, bundleHandler, handlerBuildOptions, inlineSchemaKeys, LAMBDA_CREDENTIALS } from '../../infra/handler-bundle.ts';
import { buildSdkLayer, LAYER_CHUNK_DIR, LAYER_NODE_MODULES, layerEntrySource, mergeSdkImports, sdkImportsOfBundle, type SdkImports, type SdkLayer } from '../../infra/sdk-layer.ts';
import { operatorLambdaLogicalIds } from '../../infra/synth.ts';
import { REPO_ROOT } from '../../infra/table-warden.ts';
import { createOperatorEnvironment } from '../../local/operator-env.ts';
import { useLocalAws } from '../helpers/local-aws.ts';

const KB = 1024;
const MB = 1024 * KB;

/**
 * Issue 8's target, met by every bundle (KiB of index.mjs, measured 2026-12 with the SDK in the layer; before, with
 * the SDK bundled: lock 251, load-desired-state 651, plan-batch 438, gate 46, apply-batch 519, report 399,
 * drill-targets 580, drill-start 339, drill-check 306, drill-validate 442, drill-cleanup 292, drill-record 310,
 * seed-triggers 365, seed 408).
 *
 * What is left in the two largest (load-desired-state ~300, drill-targets ~290): the YAML parser (~113 KB) and
 * zod's classic API for the desired-state schema (~98 KB), which parse the desired state from the bundle.
 */
const CEILING_BYTES = 400 * KB;

/**
 * The layer's own ceiling (JavaScript and source maps, unzipped): the measured ~1.7 MB plus room, so that the SDK
 * growing (a new client, a whole package's namespace imported) is seen. Lambda's quota is 250 MB unzipped for a
 * function and all its layers (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
 */
const LAYER_CEILING_BYTES = 3 * MB;
const LAMBDA_UNZIPPED_QUOTA_BYTES = 250 * MB;

/**
 * The SDK client packages a handler may import: the services its IAM grants name (infra/permissions.ts), and STS
 * where the operator's identity is looked up (GetCallerIdentity needs no permission, so no grant names it).
 */
const SDK_CLIENT_OF_SERVICE: Record<string, string | undefined> = {
  dynamodb: '@aws-sdk/client-dynamodb',
  kms: '@aws-sdk/client-kms',
  backup: '@aws-sdk/client-backup',
  tag: '@aws-sdk/client-resource-groups-tagging-api',
  s3: '@aws-sdk/client-s3',
  sns: '@aws-sdk/client-sns',
  config: '@aws-sdk/client-config-service',
  states: '@aws-sdk/client-sfn',
  // Granted for AWS Backup's use on the operator's behalf, never called by the handler itself.
  'backup-storage': undefined,
  iam: undefined,
};
const STS_USERS: readonly HandlerName[] = ['apply-batch'];

interface Measured {
  dir: string;
  bytes: number;
  /** Bytes in the bundle per input path (relative to the repository root). */
  inputs: Record<string, number>;
  /** What it imports from the SDK layer. */
  imports: SdkImports;
}

/** The package an input belongs to: its name and the directory it was loaded from (undefined: own code). */
function packageOf(input: string): { name: string; root: string } | undefined {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  const name = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  return { name, root: `${input.slice(0, at)}node_modules/${name}` };
}

/** Packages loaded from more than one directory: the same package bundled twice. */
function duplicatedPackages(inputs: Record<string, number>): Record<string, string[]> {
  const roots = new Map<string, Set<string>>();
  for (const input of Object.keys(inputs)) {
    const found = packageOf(input);
    if (found) roots.set(found.name, (roots.get(found.name) ?? new Set()).add(found.root));
  }
  return Object.fromEntries([...roots].filter(([, where]) => where.size > 1).map(([name, where]) => [name, [...where].sort()]));
}

/** Bytes per package (own code under '(own code)'), largest first: what a failure message shows. */
function byPackage(inputs: Record<string, number>): string[] {
  const totals = new Map<string, number>();
  for (const [input, bytes] of Object.entries(inputs)) {
    const name = packageOf(input)?.name ?? '(own code)';
    totals.set(name, (totals.get(name) ?? 0) + bytes);
  }
  return [...totals].sort((a, b) => b[1] - a[1]).map(([name, bytes]) => `${name} ${(bytes / KB).toFixed(0)} KB`);
}

/** Bytes per input over all of a metafile's outputs (the layer has many: entries and shared chunks). */
function inputsOf(metafile: Metafile, only?: (file: string) => boolean): Record<string, number> {
  const inputs: Record<string, number> = {};
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (only && !only(file)) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) inputs[input] = (inputs[input] ?? 0) + bytesInOutput;
  }
  return inputs;
}

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Array<{ name: string; parentPath: string; isFile(): boolean }>)
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

const bytesUnder = (dir: string): number => filesUnder(dir).reduce((total, file) => total + statSync(join(dir, file)).size, 0);

/** The lockfile's version of the package installed at `root` (a path relative to the repository root). */
const LOCKFILE = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };

const bundles = {} as Record<HandlerName, Measured>;
let layer: SdkLayer;
let layerInputs: Record<string, number>;
let outdir: string;

beforeAll(async () => {
  // Prepare: every handler bundled as the stack bundles it, and the SDK layer built from the same entries.
  outdir = mkdtempSync(join(tmpdir(), 'tablewarden-bundles-'));
  const entries = HANDLER_NAMES.map((handler) => join(REPO_ROOT, HANDLERS[handler].file));
  layer = await buildSdkLayer(entries, join(outdir, 'layer'), { metafile: true });
  layerInputs = inputsOf(layer.metafile!);
  await Promise.all(
    HANDLER_NAMES.map(async (handler) => {
      const dir = join(outdir, handler);
      const { file, metafile } = await bundleHandler(join(REPO_ROOT, HANDLERS[handler].file), dir, { metafile: true });
      const [, output] = Object.entries(metafile!.outputs).find(([path]) => path.endsWith(BUNDLE_FILE))!;
      bundles[handler] = {
        dir,
        bytes: output.bytes,
        inputs: Object.fromEntries(Object.entries(output.inputs).map(([input, { bytesInOutput }]) => [input, bytesInOutput])),
        imports: sdkImportsOfBundle(readFileSync(file, 'utf8'), metafile!),
      };
    }),
  );
}, 180_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('handler bundles', () => {
  it.each(HANDLER_NAMES)('%s is at most 400 KB', (handler) => {
    // Assess: the file on disk is what the metafile measured; the target holds.
    const { dir, bytes, inputs } = bundles[handler];
    expect(statSync(join(dir, BUNDLE_FILE)).size).toBe(bytes);
    expect(bytes, `${handler}: ${(bytes / KB).toFixed(0)} KB: ${byPackage(inputs).slice(0, 12).join(', ')}`).toBeLessThanOrEqual(CEILING_BYTES);
    console.info(`${handler}: ${(bytes / KB).toFixed(0)} KB: ${byPackage(inputs).slice(0, 6).join(', ')}`);
  });

  it.each(HANDLER_NAMES)('%s carries none of the AWS SDK (it is in the layer)', (handler) => {
    // Assess
    expect(Object.keys(bundles[handler].inputs).filter((input) => /node_modules\/@(aws-sdk|smithy)\//.test(input))).toEqual([]);
  });

  it.each(HANDLER_NAMES)('%s imports the SDK clients of the services it is granted, and no other', (handler) => {
    // Prepare: the services of its grants (lock: dynamodb; report: dynamodb, s3, sns; ...).
    const services = [...new Set(handlerApiActions(handler).map((action) => action.split(':')[0]!))];
    const expected = [...services.flatMap((service) => {
      expect(service in SDK_CLIENT_OF_SERVICE, `no SDK client known for the ${service} grants of ${handler}`).toBe(true);
      const client = SDK_CLIENT_OF_SERVICE[service];
      return client ? [client] : [];
    }), ...(STS_USERS.includes(handler) ? ['@aws-sdk/client-sts'] : [])].sort();
    // Act
    const imported = Object.keys(bundles[handler].imports).sort();
    // Assess: a client more is cold-start work the handler doesn't need (its ports name too much); one less can't
    // happen unless the handler never calls a granted service (then its grant is too wide).
    expect(imported).toEqual(expected);
  });

  it.each(HANDLER_NAMES)('%s bundles no package twice', (handler) => {
    // Assess: one directory per package name (two would be two versions, or two copies of one).
    expect(duplicatedPackages(bundles[handler].inputs)).toEqual({});
  });

  it.each(HANDLER_NAMES)('%s carries no zod locale but English', (handler) => {
    // Assess
    const locales = Object.keys(bundles[handler].inputs).filter((input) => /node_modules\/zod\/.*locales\//.test(input));
    expect(locales.filter((input) => !input.endsWith('/locales/en.js'))).toEqual([]);
  });
});

describe('the SDK layer', () => {
  it('is small next to the quota: its size reported and bounded, and with the largest bundle within 250 MB unzipped', () => {
    // Act
    const bytes = bytesUnder(layer.root);
    const javascript = filesUnder(layer.root).filter((file) => file.endsWith('.mjs')).reduce((total, file) => total + statSync(join(layer.root, file)).size, 0);
    const largestBundle = Math.max(...HANDLER_NAMES.map((handler) => bytesUnder(bundles[handler].dir)));
    console.info(`SDK layer: ${(bytes / KB).toFixed(0)} KB unzipped (${(javascript / KB).toFixed(0)} KB of JavaScript, the rest source maps): ${byPackage(layerInputs).slice(0, 8).join(', ')}`);
    // Assess
    expect(bytes).toBeLessThanOrEqual(LAYER_CEILING_BYTES);
    expect(bytes + largestBundle).toBeLessThan(LAMBDA_UNZIPPED_QUOTA_BYTES);
  });

  it('has exactly the packages the handlers import, laid out for Lambda (nodejs/node_modules/<package>, an ES module entry)', () => {
    // Prepare
    const imported = [...new Set(HANDLER_NAMES.flatMap((handler) => Object.keys(bundles[handler].imports)))].sort();
    // Assess
    expect(Object.keys(layer.packages).sort()).toEqual(imported);
    expect(layer.nodeModules).toBe(join(layer.root, LAYER_NODE_MODULES));
    for (const name of imported) {
      const manifest = JSON.parse(readFileSync(join(layer.nodeModules, name, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(manifest, name).toMatchObject({ name, type: 'module', exports: { '.': './index.mjs' } });
      expect(existsSync(join(layer.nodeModules, name, 'index.mjs')), name).toBe(true);
    }
  });

  it("exports every name every handler imports from it (a missing one would fail the function's cold start)", () => {
    // Prepare: what each layer entry exports, by esbuild's own account of the output.
    const entry = new RegExp(`^${LAYER_NODE_MODULES}/(.+)/index\\.mjs$`);
    const exported = Object.fromEntries(
      Object.entries(layer.metafile!.outputs)
        .filter(([file]) => entry.test(file))
        .map(([file, output]) => [entry.exec(file)![1]!, new Set(output.exports)]),
    );
    expect(Object.keys(exported).sort()).toEqual(Object.keys(layer.packages).sort());
    // Assess
    for (const handler of HANDLER_NAMES) {
      for (const [name, names] of Object.entries(bundles[handler].imports)) {
        expect(names.filter((imported) => !exported[name]?.has(imported)), `${handler} imports from ${name}`).toEqual([]);
      }
    }
  });

  it('ships the shared runtime once: no module in two files, and @smithy/core almost all in the shared chunks', () => {
    // Prepare: which output files each input module's code is in; @smithy/core's bytes in the shared chunks.
    const filesOf = new Map<string, string[]>();
    for (const [file, output] of Object.entries(layer.metafile!.outputs)) for (const input of Object.keys(output.inputs)) filesOf.set(input, [...(filesOf.get(input) ?? []), file]);
    const smithy = (only?: (file: string) => boolean): number =>
      Object.entries(inputsOf(layer.metafile!, only)).filter(([input]) => input.includes('node_modules/@smithy/core/')).reduce((total, [, bytes]) => total + bytes, 0);
    // Assess: a module in two files would run twice (two copies of its state); what one client alone uses (its
    // protocol, say) may stay in that client's entry.
    expect([...filesOf].filter(([, files]) => files.filter((file) => !file.endsWith('.map')).length > 1)).toEqual([]);
    expect(smithy((file) => file.includes(`/${LAYER_CHUNK_DIR}/`)) / smithy()).toBeGreaterThan(0.9);
  });

  it("leaves out the credential providers the Lambda chain can't use (esbuild's chunks for unreachable import() targets)", () => {
    // Assess: every file of the layer is reachable from a package entry; none is the SSO, profile or Cognito chain.
    const files = filesUnder(layer.root);
    expect(files.filter((file) => file.endsWith('.mjs')).sort()).toEqual(Object.keys(layer.metafile!.outputs).filter((file) => file.endsWith('.mjs')).sort());
    expect(files.filter((file) => file.endsWith('.mjs')).length).toBeLessThan(40);
  });

  it("is the lockfile's SDK: every package in it at the version package-lock.json pins, at the path it installs", () => {
    // Prepare: every package directory the layer's inputs came from.
    const roots = [...new Set(Object.keys(layerInputs).map((input) => packageOf(input)?.root).filter((root): root is string => root !== undefined))];
    expect(roots.length).toBeGreaterThan(20);
    // Assess: the installed copy is the locked one (the lockfile's key: the path from the first node_modules on),
    // and the layer's manifests say the same version.
    for (const root of roots) {
      const installed = (JSON.parse(readFileSync(join(REPO_ROOT, root, 'package.json'), 'utf8')) as { version: string }).version;
      expect(installed, root).toBe(LOCKFILE.packages[root.slice(root.indexOf('node_modules/'))]?.version);
    }
    for (const [name, { version }] of Object.entries(layer.packages)) {
      expect(version, name).toBe(LOCKFILE.packages[`node_modules/${name}`]?.version);
      expect((JSON.parse(readFileSync(join(layer.nodeModules, name, 'package.json'), 'utf8')) as { version: string }).version).toBe(version);
    }
  });

  it('bundles no package twice', () => {
    // Assess
    expect(duplicatedPackages(layerInputs)).toEqual({});
  });

  it("takes credentials from the Lambda chain, without the SDK's profile, SSO and IMDS providers", () => {
    // Assess
    const inputs = Object.keys(layerInputs);
    expect(inputs).toContain(LAMBDA_CREDENTIALS.with.replace('./', ''));
    expect(inputs.filter((input) => /@aws-sdk\/(credential-provider-(node|ini|sso|process|web-identity|login)|nested-clients|token-providers)\//.test(input))).toEqual([]);
  });

  it("keeps only the name and version of the SDK's package.json files (all the user agent reads)", () => {
    // Assess
    const manifests = Object.entries(layerInputs).filter(([input]) => /@aws-sdk\/client-s3\/package\.json$/.test(input));
    expect(manifests).toHaveLength(1);
    expect(manifests[0]![1]).toBeLessThan(100);
  });

  it("keeps only the schemas of the operations the handlers call (the SDK's schema modules are shaken)", () => {
    // Assess: AWS Backup's model has ~170 operations; the operator calls a handful. Unshaken, its schemas were 46 KB.
    const schemas = Object.entries(layerInputs).filter(([input]) => /client-backup\/dist-es\/schemas\/schemas_0\.js$/.test(input));
    expect(schemas).toHaveLength(1);
    expect(schemas[0]![1]).toBeLessThan(12 * KB);
  });

  it('exports only the names the handlers import (DynamoDB: not its ~60 commands)', () => {
    // Assess
    expect(layer.packages['@aws-sdk/client-dynamodb']!.names).toContain('DynamoDBClient');
    expect(layer.packages['@aws-sdk/client-dynamodb']!.names.length).toBeLessThan(40);
    expect(layerEntrySource('@aws-sdk/client-sns', ['PublishCommand', 'SNSClient'])).toBe('export { PublishCommand, SNSClient } from "@aws-sdk/client-sns";');
  });
});

describe('reading a bundle\'s SDK imports', () => {
  const metafileWith = (imports: Array<{ path: string; kind: string }>): Metafile =>
    ({ inputs: {}, outputs: { [`out/${BUNDLE_FILE}`]: { bytes: 0, inputs: {}, exports: [], imports: imports.map((record) => ({ ...record, external: true })) } } }) as unknown as Metafile;

  it('reads named, renamed, default, namespace and bare imports, minified or not', () => {
    // Prepare
    const code = [
      'import{DynamoDBClient as a,GetItemCommand as b}from"@aws-sdk/client-dynamodb";',
      'import { S3Client } from "@aws-sdk/client-s3";',
      'import k,{KMSClient}from"@aws-sdk/client-kms";',
      'import*as t from"@aws-sdk/client-sts";',
      'import"@aws-sdk/client-sns";',
      'import{z}from"zod";',
    ].join('');
    const paths = ['@aws-sdk/client-dynamodb', '@aws-sdk/client-s3', '@aws-sdk/client-kms', '@aws-sdk/client-sts', '@aws-sdk/client-sns'];
    // Act
    const imports = sdkImportsOfBundle(code, metafileWith(paths.map((path) => ({ path, kind: 'import-statement' }))));
    // Assess
    expect(imports).toEqual({
      '@aws-sdk/client-dynamodb': ['DynamoDBClient', 'GetItemCommand'],
      '@aws-sdk/client-s3': ['S3Client'],
      '@aws-sdk/client-kms': ['KMSClient', 'default'],
      '@aws-sdk/client-sts': ['*'],
      '@aws-sdk/client-sns': [],
    });
  });

  it('merges the handlers\' imports, keeping a package imported for its side effects only', () => {
    // Act
    const merged = mergeSdkImports([{ '@aws-sdk/client-s3': ['S3Client'] }, { '@aws-sdk/client-sns': [] }, { '@aws-sdk/client-s3': ['GetObjectCommand', 'S3Client'] }]);
    // Assess
    expect(merged).toEqual({ '@aws-sdk/client-s3': ['GetObjectCommand', 'S3Client'], '@aws-sdk/client-sns': [] });
  });

  it('refuses require() and dynamic import() of the SDK, and an import it could not read', () => {
    // Assess
    expect(() => sdkImportsOfBundle('require("@aws-sdk/client-s3")', metafileWith([{ path: '@aws-sdk/client-s3', kind: 'require-call' }]))).toThrow(/static ES imports only.*require-call of @aws-sdk\/client-s3/);
    expect(() => sdkImportsOfBundle('import("@aws-sdk/client-s3")', metafileWith([{ path: '@aws-sdk/client-s3', kind: 'dynamic-import' }]))).toThrow(/dynamic-import/);
    expect(() => sdkImportsOfBundle('export{S3Client}from"@aws-sdk/client-s3";', metafileWith([{ path: '@aws-sdk/client-s3', kind: 'import-statement' }]))).toThrow(/could not read/);
  });
});

describe('clients for the named services only', () => {
  it('import only those SDK clients (what a handler gains by naming its services: createClientsOf)', async () => {
    // Prepare: an entry that builds the lock's one client, bundled with the handlers' options.
    const { build } = await import('esbuild');
    const options = handlerBuildOptions(join(REPO_ROOT, 'unused.ts'), join(outdir, 'clients-of'));
    // Act
    const result = await build({
      ...options,
      entryPoints: undefined,
      stdin: { contents: "import { createClientsOf, DYNAMODB_CLIENT } from './aws/clients.ts'; export const clients = () => createClientsOf([DYNAMODB_CLIENT]);", resolveDir: join(REPO_ROOT, 'functions'), loader: 'ts', sourcefile: 'clients-of.ts' },
      write: false,
      sourcemap: false,
      metafile: true,
    });
    // Assess
    const imports = sdkImportsOfBundle(result.outputFiles.find((file) => file.path.endsWith(BUNDLE_FILE))!.text, result.metafile);
    expect(Object.keys(imports)).toEqual(['@aws-sdk/client-dynamodb']);
  });
});

describe('the schema rewrite', () => {
  it('inlines string constants used as computed keys, and nothing else', () => {
    // Prepare
    const source = ['const _h = "http";', 'const _e = "error";', 'const _c = "client";', 'const n0 = "com.amazonaws.backup";', 'export var A$ = [9, n0, _h, { [_h]: ["GET", "/a", 200] }];', 'export var E$ = [-3, n0, _e, { [_e]: _c, [_hE]: 400 }];', 'const x = y[_h];'].join('\n');
    // Act
    const rewritten = inlineSchemaKeys(source);
    // Assess: keys inlined; an unknown constant, a value and a member access are left alone.
    expect(rewritten).toContain('{ "http": ["GET", "/a", 200] }');
    expect(rewritten).toContain('{ "error": _c, [_hE]: 400 }');
    expect(rewritten).toContain('[9, n0, _h, {');
    expect(rewritten).toContain('const x = y[_h];');
  });
});

describe('the deployed assets', () => {
  it('are these bundles and this layer, byte for byte, and every function uses the layer on its runtime and architecture', async () => {
    // Prepare: synthesize the stack with bundling, as `cdk synth` does.
    const cdkOut = mkdtempSync(join(tmpdir(), 'tablewarden-bundle-synth-'));
    try {
      const { stack } = createOperatorApp({ app: { outdir: cdkOut } });
      type Resource = { Type: string; Properties: Record<string, unknown> & { Code?: { S3Key: string }; Content?: { S3Key: string } } };
      const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> };
      const assetDir = (s3Key: string): string => join(cdkOut, `asset.${s3Key.replace(/\.zip$/, '')}`);
      const layers = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::LayerVersion');
      // Act
      const assets = Object.entries(operatorLambdaLogicalIds(template)).map(([handler, id]) => [handler as HandlerName, id, join(assetDir(template.Resources[id]!.Properties.Code!.S3Key), BUNDLE_FILE)] as const);
      // Assess: one layer; each function references it and shares its runtime and architecture.
      expect(layers).toHaveLength(1);
      const [layerId, layerResource] = layers[0]!;
      expect(assets.map(([handler]) => handler).sort()).toEqual([...HANDLER_NAMES].sort());
      for (const [handler, id] of assets) {
        const fn = template.Resources[id]!.Properties;
        expect(fn['Layers'], handler).toEqual([{ Ref: layerId }]);
        expect(layerResource.Properties['CompatibleRuntimes'], handler).toEqual([fn['Runtime']]);
        expect(layerResource.Properties['CompatibleArchitectures'], handler).toEqual(fn['Architectures']);
      }
      // Assess: each asset equals what the builders produce for the same sources (built again now: the tree may change).
      for (const [handler, , asset] of assets) {
        const { file } = await bundleHandler(join(REPO_ROOT, HANDLERS[handler].file), join(cdkOut, 'again', handler));
        expect(readFileSync(asset).equals(readFileSync(file)), handler).toBe(true);
      }
      const deployedLayer = assetDir(layerResource.Properties.Content!.S3Key);
      const again = await buildSdkLayer(HANDLER_NAMES.map((handler) => join(REPO_ROOT, HANDLERS[handler].file)), join(cdkOut, 'again', 'layer'));
      expect(filesUnder(deployedLayer)).toEqual(filesUnder(again.root));
      for (const file of filesUnder(again.root)) expect(readFileSync(join(deployedLayer, file)).equals(readFileSync(join(again.root, file))), file).toBe(true);
    } finally {
      rmSync(cdkOut, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('bundled handlers against the local AWS, with the layer as their only node_modules', () => {
  const local = useLocalAws();
  let runDir: string;
  let environment: Record<string, string>;

  /** A child `node` runs a bundle, as Lambda does, from a directory whose only node_modules is the layer's. */
  const INVOKE = [
    'const [bundle, event] = process.argv.slice(2);',
    'const where = (specifier) => { try { return import.meta.resolve(specifier); } catch { return null; } };',
    'const probe = { sdk: where("@aws-sdk/client-dynamodb"), zod: where("zod"), unbuilt: where("@aws-sdk/client-ec2") };',
    'let outcome;',
    'try { const { handler } = await import(bundle); outcome = { result: await handler(JSON.parse(event)) }; }',
    'catch (error) { outcome = { error: { name: error.name, code: error.code, message: error.message } }; }',
    'process.stdout.write("\\n@@tablewarden@@" + JSON.stringify({ probe, ...outcome }));',
  ].join('\n');

  interface Invocation {
    probe: { sdk: string | null; zod: string | null; unbuilt: string | null };
    result?: Record<string, unknown>;
    error?: { name: string; code?: string; message: string };
  }

  const invoke = async (dir: string, event: unknown): Promise<Invocation> => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(dirname(dir), 'invoke.mjs'), join(dir, BUNDLE_FILE), JSON.stringify(event)], { cwd: dir, env: environment });
    return JSON.parse(stdout.slice(stdout.lastIndexOf('@@tablewarden@@') + '@@tablewarden@@'.length)) as Invocation;
  };

  beforeAll(() => {
    // Prepare: outside the repository, so that no node_modules of the repository is on any bundle's module path.
    runDir = realpathSync(mkdtempSync(join(tmpdir(), 'tablewarden-bundle-run-')));
    cpSync(layer.nodeModules, join(runDir, 'with-layer', 'node_modules'), { recursive: true });
    for (const handler of HANDLER_NAMES) cpSync(bundles[handler].dir, join(runDir, 'with-layer', handler), { recursive: true });
    mkdirSync(join(runDir, 'without-layer'));
    cpSync(bundles.lock.dir, join(runDir, 'without-layer', 'lock'), { recursive: true });
    // The invoker resolves as the bundles beside it do (its probe: where the SDK, zod and a client not built resolve).
    for (const dir of ['with-layer', 'without-layer']) writeFileSync(join(runDir, dir, 'invoke.mjs'), INVOKE);
  });

  afterAll(() => rmSync(runDir, { recursive: true, force: true }));

  beforeEach(async () => {
    // Prepare: the operator's resources; the environment the Lambda runtime gives a function (credentials included),
    // and nothing else of this process's (no NODE_PATH, no NODE_OPTIONS of the test runner).
    await local.reset();
    environment = {
      PATH: process.env['PATH'] ?? '',
      ...(await createOperatorEnvironment(local)),
      AWS_REGION: local.region,
      AWS_ENDPOINT_URL: local.endpoint,
      AWS_ACCESS_KEY_ID: local.clientConfig.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: local.clientConfig.credentials.secretAccessKey,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    };
  });

  it('resolve nothing from the repository: no node_modules above the run directory but the layer copy', async () => {
    // Assess: the run directory is outside the repository, and no ancestor of it has a node_modules.
    expect(relative(REPO_ROOT, runDir).startsWith('..')).toBe(true);
    for (let dir = dirname(runDir); dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, 'node_modules')), dir).toBe(false);
    // Act
    const { probe } = await invoke(join(runDir, 'with-layer', 'lock'), { action: 'release', owner: 'nobody' });
    // Assess: the SDK resolves to the layer copy; a package only the repository has (zod), or one the layer lacks, doesn't.
    expect(probe.sdk).toBe(`file://${join(runDir, 'with-layer', 'node_modules', '@aws-sdk', 'client-dynamodb', 'index.mjs')}`);
    expect(probe.zod).toBeNull();
    expect(probe.unbuilt).toBeNull();
  });

  it('fail without the layer: the SDK is not in the bundle', async () => {
    // Act
    const outcome = await invoke(join(runDir, 'without-layer', 'lock'), { action: 'acquire', owner: 'run-a' });
    // Assess
    expect(outcome.error).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND', message: expect.stringContaining('@aws-sdk/client-dynamodb') });
  });

  it('lock: acquires, refuses a second owner, releases (DynamoDB through the layer\'s SDK and credential chain)', async () => {
    // Prepare
    const dir = join(runDir, 'with-layer', 'lock');
    // Act
    const acquired = await invoke(dir, { action: 'acquire', owner: 'run-a' });
    const refused = await invoke(dir, { action: 'acquire', owner: 'run-b' });
    const released = await invoke(dir, { action: 'release', owner: 'run-a' });
    // Assess
    expect(acquired.result).toMatchObject({ action: 'acquire', owner: 'run-a', expiresAt: expect.any(String) });
    expect(refused.error).toMatchObject({ name: 'LockHeld' });
    expect(released.result).toMatchObject({ action: 'release', released: true });
  });

  it('load-desired-state: an unpublished bundle is BundleNotFound (S3 and its error shapes through the layer\'s SDK)', async () => {
    // Act
    const outcome = await invoke(join(runDir, 'with-layer', 'load-desired-state'), { runId: 'run-1' });
    // Assess
    expect(outcome.error).toMatchObject({ name: 'BundleNotFound' });
  });

  it('every handler loads: each name it imports is in the layer (ES module linking would fail otherwise)', async () => {
    // Act: import each bundle and call nothing (an event the contract refuses: the handler's parse fails first).
    const outcomes = await Promise.all(HANDLER_NAMES.map(async (handler) => [handler, await invoke(join(runDir, 'with-layer', handler), { notAnEvent: true })] as const));
    // Assess: any failure is the handler refusing the event, never a module that didn't load.
    for (const [handler, outcome] of outcomes) {
      expect(String(outcome.error?.code), `${handler}: ${outcome.error?.message}`).not.toMatch(/^ERR_(MODULE_NOT_FOUND|UNSUPPORTED_DIR_IMPORT)$/);
      expect(outcome.error?.name, `${handler}: ${outcome.error?.message}`).not.toBe('SyntaxError');
    }
  }, 60_000);
});
