/**
 * `tablewarden validate`: the CI gate. No AWS call of any kind. Diagnostics always go to stderr as
 * `file:line:col field: message`; `--output json` or `--output sarif` (GitHub code scanning) also writes them as a
 * document on stdout.
 */
import { join } from 'node:path';
import { sortDiagnostics } from '../../core/desired/diagnostics.ts';
import { processIo, type CommandIo } from '../io.ts';
import { readAndValidate, type ReadDesiredState } from '../read-desired.ts';
import { renderSarif } from '../render-sarif.ts';

/** Options of `tablewarden validate`. */
export interface ValidateOptions {
  dir: string;
  output?: 'text' | 'json' | 'sarif';
}

/** Validate a desired-state directory; returns the exit code (0 valid, 1 invalid). */
export async function runValidate(options: ValidateOptions, io: CommandIo = processIo, now = new Date()): Promise<number> {
  const output = options.output ?? 'text';
  let read: ReadDesiredState;
  try {
    read = await readAndValidate(options.dir, io, now);
  } catch (error) {
    io.err.write(`tablewarden: ${(error as Error).message}\n`);
    return 1;
  }
  const { files, validation: result, errors } = read;
  if (output === 'json') {
    const document = {
      valid: !result.failed,
      dir: options.dir,
      files: files.length,
      tables: result.state.tables.map((table) => table.name),
      invalidFiles: result.state.invalidTables.length,
      diagnostics: sortDiagnostics(result.diagnostics),
    };
    io.out.write(JSON.stringify(document, null, 2) + '\n');
  } else if (output === 'sarif') {
    io.out.write(JSON.stringify(renderSarif({ command: 'validate', diagnostics: sortDiagnostics(result.diagnostics), policyFile: join(options.dir, 'policy.yaml') }), null, 2) + '\n');
  }
  // The summary line goes to stdout only as text: a document on stdout must stay parseable.
  const summary = (text: string) => (output === 'text' ? io.out : io.err).write(text);
  if (result.failed) {
    io.err.write(`${errors} error${errors === 1 ? '' : 's'} in ${options.dir}; ${result.state.invalidTables.length} of ${files.length} file(s) invalid\n`);
    return 1;
  }
  summary(`${result.state.tables.length} table${result.state.tables.length === 1 ? '' : 's'} and the policy are valid (${options.dir})\n`);
  return 0;
}
