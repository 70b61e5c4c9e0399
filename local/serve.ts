/**
 * Runs the local AWS in the foreground until Ctrl-C or SIGTERM: `tsx local/serve.ts [--port N]`.
 * Prints `endpoint: http://127.0.0.1:N` once it answers. `tablewarden local` calls the same function.
 */
import { parseArgs } from 'node:util';
import { runLocalAwsForeground } from './local-aws.ts';

const { values } = parseArgs({ options: { port: { type: 'string', short: 'p' } } });
const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
  process.stderr.write(`serve: --port must be a port number, got '${values.port}'\n`);
  process.exit(2);
}

try {
  await runLocalAwsForeground({ port });
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
