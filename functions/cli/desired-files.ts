/**
 * Reading `desired-state/` from disk into the pure parser's input.
 */
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { SourceFile } from '../core/desired/parse.ts';

/** Thrown when the directory itself can't be read (as opposed to a file in it being invalid). */
export class DesiredStateDirectoryError extends Error {}

/** Read `<dir>/policy.yaml` and every `<dir>/tables/*.yaml|yml`, with paths relative to the working directory. */
export async function readDesiredStateFiles(dir: string): Promise<SourceFile[]> {
  // Paths as people typed them: relative when inside the working directory, absolute otherwise.
  const display = (path: string) => {
    const near = relative(process.cwd(), path);
    return near && !near.startsWith('..') && !isAbsolute(near) ? near : resolve(path);
  };
  let tableNames: string[];
  try {
    tableNames = (await readdir(join(dir, 'tables'))).filter((name) => /\.ya?ml$/.test(name)).sort();
  } catch (error) {
    throw new DesiredStateDirectoryError(`cannot read ${display(join(dir, 'tables'))}: ${(error as Error).message}`);
  }
  const files: SourceFile[] = [];
  for (const name of ['policy.yaml', 'policy.yml']) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    if (text !== undefined) files.push({ path: display(join(dir, name)), text });
  }
  for (const name of tableNames) {
    const path = join(dir, 'tables', name);
    files.push({ path: display(path), text: await readFile(path, 'utf8') });
  }
  return files;
}
