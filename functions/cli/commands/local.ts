/**
 * `tablewarden local`: the embedded local AWS in the foreground, for people and scripts.
 */
import { runLocalAwsForeground } from '../../../local/local-aws.ts';

/** Serve until SIGINT/SIGTERM; returns the exit code. */
export async function runLocal(options: { port?: number }): Promise<number> {
  try {
    await runLocalAwsForeground(options.port !== undefined ? { port: options.port } : {});
    return 0;
  } catch (error) {
    process.stderr.write(`tablewarden: ${(error as Error).message}\n`);
    return 1;
  }
}
