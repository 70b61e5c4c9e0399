/**
 * `tablewarden local`: the embedded local AWS in the foreground, for people and scripts.
 *
 * Stdout gets one line, `endpoint: …`, so `npx tablewarden local &` can be scripted. moto's request log (a line per
 * request) goes to a file, named on stderr, unless `--verbose` asks for it on stderr: in the background it would
 * otherwise flood the terminal.
 */
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { runLocalAwsForeground } from '../../../local/local-aws.ts';

/** Options of `tablewarden local`. */
export interface LocalOptions {
  port?: number;
  /** Print moto's request log on stderr instead of writing it to a file. */
  verbose?: boolean;
  /** Where the request log goes (default: `tablewarden-local-<pid>.log` in the OS temporary directory). */
  logFile?: string;
}

/** Serve until SIGINT/SIGTERM; returns the exit code. */
export async function runLocal(options: LocalOptions): Promise<number> {
  const logFile = options.verbose ? undefined : (options.logFile ?? join(tmpdir(), `tablewarden-local-${process.pid}.log`));
  const requestLog = logFile === undefined ? undefined : createWriteStream(logFile, { flags: 'a' });
  try {
    if (requestLog) await once(requestLog, 'open');
    await runLocalAwsForeground({
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(requestLog ? { requestLog } : {}),
      log: (line) => {
        process.stdout.write(`${line}\n`);
        if (logFile) process.stderr.write(`requests are logged to ${logFile} (--verbose prints them here)\n`);
      },
    });
    return 0;
  } catch (error) {
    process.stderr.write(`tablewarden: ${(error as Error).message}${logFile ? ` (request log: ${logFile})` : ''}\n`);
    return 1;
  } finally {
    requestLog?.end();
  }
}
