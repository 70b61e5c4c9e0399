/**
 * Reading `desired-state/` from disk into the pure parser's input.
 *
 * Every entry is checked with stat before it is read, and only regular files (or links to them) are read, up to
 * {@link MAX_FILE_BYTES}: a FIFO named `x.yaml` would block the read forever, a directory fails with a bare EISDIR,
 * and a huge file costs memory for nothing. An entry that can't be read is not dropped: it reaches the parser with
 * a `problem`, so the error names its path and its table stays claimed (never treated as unmanaged).
 */
import { lstat, open, readdir, stat } from 'node:fs/promises';
import { constants, type Stats } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { SourceFile } from '../core/desired/parse.ts';
import { decodeYamlBytes, MAX_FILE_BYTES } from '../core/desired/yaml-source.ts';

/** Thrown when the directory itself can't be read (as opposed to a file in it being invalid). */
export class DesiredStateDirectoryError extends Error {}

function kind(stats: Stats): string {
  if (stats.isDirectory()) return 'is a directory, not a file';
  if (stats.isFIFO()) return 'is a FIFO (named pipe), not a regular file; it is not read';
  if (stats.isSocket()) return 'is a socket, not a regular file; it is not read';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'is a device, not a regular file; it is not read';
  return 'is not a regular file; it is not read';
}

/**
 * Read one desired-state file, or say why not. `missing` is returned only when nothing at all is at the path
 * (not even a dangling link), so the caller can tell "absent" from "present but unreadable".
 */
async function readOne(path: string): Promise<{ text: string } | { problem: string } | 'missing'> {
  let link: Stats;
  try {
    link = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    return { problem: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  let target: Stats;
  try {
    target = await stat(path); // follows links: a link to a regular file is fine
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (link.isSymbolicLink() && code === 'ENOENT') return { problem: 'is a symbolic link to a missing file' };
    if (link.isSymbolicLink() && code === 'ELOOP') return { problem: 'is a symbolic link loop' };
    return { problem: `cannot be read: ${code ?? (error as Error).message}` };
  }
  if (!target.isFile()) return { problem: kind(target) };
  if (target.size > MAX_FILE_BYTES) return { problem: `file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB (${target.size} bytes); desired-state files are small` };
  try {
    // O_NONBLOCK: should the entry turn into a FIFO between stat and open, opening it still returns at once.
    const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const again = await handle.stat();
      if (!again.isFile()) return { problem: kind(again) };
      // Read at most one byte past the cap, whatever the file grew to since stat.
      const buffer = Buffer.alloc(Math.min(again.size, MAX_FILE_BYTES) + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > MAX_FILE_BYTES) return { problem: `file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB; desired-state files are small` };
      return decodeYamlBytes(buffer.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: code === 'EACCES' || code === 'EPERM' ? 'cannot be read: permission denied' : `cannot be read: ${code ?? (error as Error).message}` };
  }
}

/**
 * Read `<dir>/policy.yaml` and every `<dir>/tables/*.yaml|yml`, with paths relative to the working directory.
 * A policy.yaml that exists but can't be read is passed on with its problem (an error), never replaced by defaults.
 */
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
  const add = async (path: string) => {
    const read = await readOne(path);
    if (read === 'missing') return;
    files.push('text' in read ? { path: display(path), text: read.text } : { path: display(path), text: '', problem: read.problem });
  };
  for (const name of ['policy.yaml', 'policy.yml']) await add(join(dir, name));
  for (const name of tableNames) await add(join(dir, 'tables', name));
  return files;
}
