/**
 * Global set-up (vitest.config.ts `globalSetup`): one directory per test run where the first test file that
 * synthesizes the operator stack leaves the result for the others (see test/support/synth-cache.ts).
 *
 * Why: synthesizing the stack with cdk-nag costs several seconds of CPU, and about twenty test files did it each in
 * their own process (module isolation gives every file a fresh copy of the memoized `prepareLocal*`), all from the
 * same source. The directory is removed when the run ends, so no cache outlives the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's synthesis cache directory (test/support/synth-cache.ts). */
    synthCacheDir: string;
  }
}

/** Creates the run's cache directory and hands its path to every test file; returns the teardown that removes it. */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'tablewarden-synth-cache-'));
  project.provide('synthCacheDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
