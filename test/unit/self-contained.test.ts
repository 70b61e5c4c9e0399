/**
 * The repository stands on its own: a user's clone has nothing beside it, so no file the project runs or tests
 * may reach outside the repository (the recorded AWS responses are vendored in test/fixtures/aws-recordings).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Every tracked or new (not ignored) file git knows, except vendored data. */
function projectFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' });
  return listed
    .split('\n')
    .filter((path) => /\.(ts|js|mjs|cjs|py|json|sh)$|^\.ci\//.test(path))
    .filter((path) => !path.startsWith('test/fixtures/aws-recordings/') && path !== 'package-lock.json');
}

/**
 * The relative paths in `source` (a file at `path`, relative to the repository root) that climb above the root:
 * a `'..', '..'` argument list (joined to the file's folder) or a `'../..'` string literal (relative to the file's
 * folder when it is a module specifier, `new URL(…, import.meta.url)` or `vi.mock(…)`; to the repository root,
 * where every script runs, otherwise).
 */
function pathsOutsideTheRepo(path: string, source: string): string[] {
  const depth = path.split('/').length - 1;
  const out: string[] = [];
  for (const match of source.matchAll(/(?:['"`]\.\.['"`]\s*,\s*)+/g)) {
    if ((match[0].match(/\.\./g) ?? []).length > depth) out.push(match[0].trim());
  }
  for (const match of source.matchAll(/(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\bnew URL\(\s*|\bvi\.mock\(\s*)?['"`]((?:\.\.\/)+)[^'"`]*['"`]/g)) {
    const climbs = match[2]!.length / 3;
    const base = match[1] !== undefined ? depth : 0;
    if (climbs > base) out.push(match[0]);
  }
  return out;
}

describe('the repository is self-contained', () => {
  it('finds project files to check', () => {
    expect(projectFiles().length).toBeGreaterThan(100);
  });

  it.each([
    ['test/fixtures/aws-recordings.ts', "resolve(here, '..', '..', '..', 'sibling', 'data')", 1],
    ['bench/run.ts', "readFileSync('../sibling/data.json')", 1],
    ['test/unit/x.test.ts', "import { y } from '../../../sibling/y.ts';", 1],
    ['test/fixtures/aws-recordings.ts', "resolve(here, 'aws-recordings')", 0],
    ['test/unit/x.test.ts', "import { y } from '../../functions/y.ts';", 0],
    ['test/unit/x.test.ts', "resolve(here, '..', '..', 'desired-state')", 0],
    ['bench/run.ts', "new URL('../BENCHMARKS.md', import.meta.url)", 0],
    ['bench/run.ts', "new URL('../../BENCHMARKS.md', import.meta.url)", 1],
  ])('in %s, %s climbs out of the repository %i time(s)', (path, line, expected) => {
    expect(pathsOutsideTheRepo(path, line)).toHaveLength(expected);
  });

  it('no source, test or CI file reads from outside the repository', () => {
    // This file's own examples are test data, not paths it reads.
    const offenders = projectFiles().filter((path) => path !== 'test/unit/self-contained.test.ts').flatMap((path) => pathsOutsideTheRepo(path, readFileSync(path, 'utf8')).map((found) => `${path}: ${found}`));
    expect(offenders).toEqual([]);
  });
});
