/**
 * The one way a command reads a desired-state directory: read every file, validate, print the diagnostics (sorted,
 * each with file, line and field) to stderr. `validate`, `publish`, `plan` and `apply` all start here, so a file
 * is judged and reported the same way by every command.
 */
import { formatDiagnostic, sortDiagnostics } from '../core/desired/diagnostics.ts';
import { parseDesiredState, type SourceFile, type ValidationResult } from '../core/desired/parse.ts';
import { readDesiredStateFiles } from './desired-files.ts';
import type { CommandIo } from './io.ts';

/** The files read and what validation made of them. */
export interface ReadDesiredState {
  files: SourceFile[];
  validation: ValidationResult;
  /** Diagnostics of severity error. */
  errors: number;
}

/**
 * Read and validate `dir`, printing every diagnostic to `io.err`.
 * @throws DesiredStateDirectoryError when the directory itself can't be read
 */
export async function readAndValidate(dir: string, io: CommandIo, now: Date): Promise<ReadDesiredState> {
  const files = await readDesiredStateFiles(dir);
  const validation = parseDesiredState(files, { now });
  for (const diagnostic of sortDiagnostics(validation.diagnostics)) io.err.write(formatDiagnostic(diagnostic) + '\n');
  return { files, validation, errors: validation.diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length };
}
