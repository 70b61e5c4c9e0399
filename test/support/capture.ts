/**
 * In-memory stdout/stderr for running CLI commands in-process.
 */
import type { Confirmation } from '../../functions/cli/commands/apply.ts';
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

/** No terminal to ask: apply must not prompt (it refuses without --auto-approve). */
export const unattended: Confirmation = { interactive: false, ask: () => Promise.reject(new Error('must not ask')) };
