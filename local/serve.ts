/**
 * Runs the local AWS in the foreground until Ctrl-C or SIGTERM: `tsx local/serve.ts [--port N]`.
 * Prints `endpoint: http://127.0.0.1:N` once it answers. `tablewarden local` calls the same function.
 */
import { parseArgs } from 'node:util';
import { parsePort, runLocalAwsForeground } from './local-aws.ts';

const { values } = parseArgs({ options: { port: { type: 'string', short: 'p' } } });
let port: number | undefined;
try {
  port = values.port === undefined ? undefined : parsePort(values.port);
} catch (error) {
  process.stderr.write(`serve: ${(error as Error).message}\n`);
  process.exit(2);
}

try {
  await runLocalAwsForeground({ port });
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
