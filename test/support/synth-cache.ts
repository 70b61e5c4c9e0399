/**
 * Setup file (vitest.config.ts `setupFiles`): `synthesizeOperator({ bundle: false })`, the synthesis every local
 * workflow run and several infra tests start from, is done once per test run and source state instead of once per
 * test file.
 *
 * How: infra/synth.ts is wrapped (vi.mock with the real module inside). The first call in a run synthesizes for real
 * (cdk-nag included, so a finding still fails that file) and writes the result to the run's cache directory
 * (test/support/synth-cache-setup.ts), under a key made of the path, size and modification time of every source file
 * the stack is built from; later calls, in this file or any other, read it back as fresh objects. An edit to any of
 * those files changes the key (watch mode re-synthesizes). Any other options (bundling) are passed straight through.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject, vi } from 'vitest';
import type * as Synth from '../../infra/synth.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** Everything the operator stack's template can depend on. */
const SOURCES = ['infra', 'state-machines', 'functions', 'cdk.json', 'package.json', 'package-lock.json'];

function sourceKey(): string {
  const hash = createHash('sha256');
  const visit = (path: string): void => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) visit(join(path, name));
      return;
    }
    hash.update(`${relative(REPO, path)}\0${stat.size}\0${stat.mtimeMs}\n`);
  };
  for (const source of SOURCES) visit(join(REPO, source));
  return hash.digest('hex').slice(0, 32);
}

/** The cached result for these options, synthesizing (and caching) it when the run has none yet. */
function cachedSynthesis(real: typeof Synth, options: Synth.SynthesizeOptions | undefined): Synth.SynthesizedOperator {
  const dir = inject('synthCacheDir');
  const cacheable = dir !== undefined && options !== undefined && options.bundle === false && Object.keys(options).length === 1;
  if (!cacheable) return real.synthesizeOperator(options);
  const file = join(dir, `operator-${sourceKey()}.json`);
  const read = () => JSON.parse(readFileSync(file, 'utf8')) as Synth.SynthesizedOperator;
  if (existsSync(file)) return read();
  // Files start in parallel (one per worker): the first to take the lock synthesizes; the others wait for its result
  // (synthesis is synchronous, so they block), and synthesize themselves if it fails or takes too long.
  const lock = `${file}.lock`;
  let mine = false;
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' });
    mine = true;
  } catch {
    const until = Date.now() + LOCK_WAIT_MS;
    while (!existsSync(file) && existsSync(lock) && Date.now() < until) Atomics.wait(SLEEP, 0, 0, 100);
    if (existsSync(file)) return read();
  }
  try {
    const synthesized = real.synthesizeOperator(options);
    // Written whole, then renamed: a file running at the same time reads either nothing or all of it.
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(synthesized));
    renameSync(partial, file);
    return read();
  } finally {
    if (mine) rmSync(lock, { force: true });
  }
}

/** How long a file waits for another file's synthesis before doing its own. */
const LOCK_WAIT_MS = 90_000;
const SLEEP = new Int32Array(new SharedArrayBuffer(4));

vi.mock('../../infra/synth.ts', async (importOriginal) => {
  const real = await importOriginal<typeof Synth>();
  return {
    ...real,
    synthesizeOperator: (options?: Synth.SynthesizeOptions) => cachedSynthesis(real, options),
    synthesizeOperatorTemplate: (options?: Synth.SynthesizeOptions) => cachedSynthesis(real, options).template,
  };
});
