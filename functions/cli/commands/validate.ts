/**
 * `tablewarden validate`: the CI gate. No AWS call of any kind.
 */
import { processIo, type CommandIo } from '../io.ts';
import { readAndValidate, type ReadDesiredState } from '../read-desired.ts';

/** Validate a desired-state directory; returns the exit code (0 valid, 1 invalid). */
export async function runValidate(options: { dir: string }, io: CommandIo = processIo, now = new Date()): Promise<number> {
  let read: ReadDesiredState;
  try {
    read = await readAndValidate(options.dir, io, now);
  } catch (error) {
    io.err.write(`tablewarden: ${(error as Error).message}\n`);
    return 1;
  }
  const { files, validation: result, errors } = read;
  if (result.failed) {
    io.err.write(`${errors} error${errors === 1 ? '' : 's'} in ${options.dir}; ${result.state.invalidTables.length} of ${files.length} file(s) invalid\n`);
    return 1;
  }
  io.out.write(`${result.state.tables.length} table${result.state.tables.length === 1 ? '' : 's'} and the policy are valid (${options.dir})\n`);
  return 0;
}
