/**
 * `tablewarden validate`: the CI gate. No AWS call of any kind.
 */
import { formatDiagnostic, sortDiagnostics } from '../../core/desired/diagnostics.ts';
import { parseDesiredState } from '../../core/desired/parse.ts';
import { readDesiredStateFiles } from '../desired-files.ts';
import { processIo, type CommandIo } from '../io.ts';

/** Validate a desired-state directory; returns the exit code (0 valid, 1 invalid). */
export async function runValidate(options: { dir: string }, io: CommandIo = processIo, now = new Date()): Promise<number> {
  let files;
  try {
    files = await readDesiredStateFiles(options.dir);
  } catch (error) {
    io.err.write(`tablewarden: ${(error as Error).message}\n`);
    return 1;
  }
  const result = parseDesiredState(files, { now });
  for (const diagnostic of sortDiagnostics(result.diagnostics)) io.err.write(formatDiagnostic(diagnostic) + '\n');
  const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
  if (result.failed) {
    io.err.write(`${errors} error${errors === 1 ? '' : 's'} in ${options.dir}; ${result.state.invalidTables.length} of ${files.length} file(s) invalid\n`);
    return 1;
  }
  io.out.write(`${result.state.tables.length} table${result.state.tables.length === 1 ? '' : 's'} and the policy are valid (${options.dir})\n`);
  return 0;
}
