/**
 * In-memory stdout/stderr for running CLI commands in-process.
 */
import type { CommandIo } from '../../functions/cli/io.ts';

/** A CommandIo whose output tests can read. */
export function captureIo(): CommandIo & { stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  return {
    out: { write: (text: string) => (out += text) },
    err: { write: (text: string) => (err += text) },
    stdout: () => out,
    stderr: () => err,
  };
}
