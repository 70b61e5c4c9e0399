/**
 * One case of the bad-input corpus (test/corpus/desired-state/<case>/), laid out on disk for a run.
 *
 * A case is a desired-state directory (`tables/*.yaml`, optionally `policy.yaml`) plus `expected.json`. Things
 * git can't hold (FIFOs, links, directories named `*.yaml`, huge files) are made at run time from `make`.
 * A case without policy.yaml gets a minimal valid one, so its expected diagnostics are about the case alone.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from '../../functions/core/desired/diagnostics.ts';

/** Where the cases live. */
export const CORPUS_DIR = 'test/corpus/desired-state';

/** Something a case needs on disk that git can't hold. */
export interface MakeStep {
  kind: 'directory' | 'fifo' | 'dangling-link' | 'huge';
  /** Relative to the case's desired-state directory, e.g. `tables/orders.yaml`. */
  path: string;
}

/** `expected.json`. Diagnostic paths are relative to the case directory (`tables/orders.yaml`). */
export interface ExpectedCase {
  why: string;
  /** Anything a reader should know about the case (e.g. a rule it anticipates). */
  note?: string;
  make?: MakeStep[];
  /** Tables to create in the account before planning (the ones a broken file must keep out of reach). */
  existingTables?: string[];
  diagnostics: Diagnostic[];
}

/** The policy a case gets when it has none: valid, and silent. */
export const MINIMAL_POLICY = 'apiVersion: tablewarden.io/v1\nkind: Policy\nspec: {}\n';

/** A file just over the 1 MiB cap, valid YAML (a comment) so only its size is wrong. */
const HUGE = `# ${'x'.repeat(1024 * 1024)}\n`;

/** Every case name, sorted. */
export function corpusCases(): string[] {
  return readdirSync(CORPUS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** Read a case's expected.json. */
export function readExpected(name: string): ExpectedCase {
  return JSON.parse(readFileSync(join(CORPUS_DIR, name, 'expected.json'), 'utf8')) as ExpectedCase;
}

/** Copy a case into a fresh temporary directory and make its run-time entries; returns the desired-state dir. */
export function layOut(name: string, expected: Pick<ExpectedCase, 'make'>): { dir: string; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), 'tw-corpus-'));
  const dir = join(root, name);
  cpSync(join(CORPUS_DIR, name), dir, { recursive: true, filter: (source) => !source.endsWith('expected.json') });
  mkdirSync(join(dir, 'tables'), { recursive: true });
  for (const step of expected.make ?? []) {
    const path = join(dir, step.path);
    if (step.kind === 'directory') mkdirSync(path);
    else if (step.kind === 'fifo') execFileSync('mkfifo', [path]);
    else if (step.kind === 'dangling-link') symlinkSync(join(root, 'nowhere.yaml'), path);
    else writeFileSync(path, HUGE);
  }
  const policyMade = (expected.make ?? []).some((step) => step.path === 'policy.yaml');
  if (!policyMade && !existsSync(join(dir, 'policy.yaml'))) writeFileSync(join(dir, 'policy.yaml'), MINIMAL_POLICY);
  return { dir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A diagnostic with its paths (its file, and any in its message) made relative to the case directory. */
export function relativeTo(dir: string, diagnostic: Diagnostic): Diagnostic {
  const strip = (text: string) => text.split(`${dir}/`).join('');
  return { ...diagnostic, file: strip(diagnostic.file), message: strip(diagnostic.message) };
}
