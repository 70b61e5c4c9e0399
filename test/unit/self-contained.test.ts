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

/** A path that climbs out of the repository into a sibling folder, as `../shared` did. */
const OUTSIDE_THE_REPO = /(['"`/]|^)\.\.\/(shared|\.\.\/shared)\b|'\.\.',\s*'\.\.',\s*'\.\.'/m;

describe('the repository is self-contained', () => {
  it('finds project files to check', () => {
    expect(projectFiles().length).toBeGreaterThan(100);
  });

  it.each([
    ["resolve(here, '..', '..', '..', 'shared', 'aws-recordings')", true],
    ["readFileSync('../shared/aws-recordings/x.json')", true],
    ["resolve(here, 'aws-recordings')", false],
  ])('the check flags %s: %s', (line, flagged) => {
    expect(OUTSIDE_THE_REPO.test(line)).toBe(flagged);
  });

  it('no source, test or CI file reads from outside the repository', () => {
    const offenders = projectFiles().filter((path) => path !== 'test/unit/self-contained.test.ts' && OUTSIDE_THE_REPO.test(readFileSync(path, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
