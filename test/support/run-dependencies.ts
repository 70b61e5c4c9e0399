/**
 * How tests host the handlers: through the run layer's composition seam (`setRunDependencies` in
 * functions/run/ports.ts), never through hooks in the handlers. Each handler gets its dependencies from the
 * environment (the local AWS), and its call recorder is kept here by handler name, for the least-privilege check.
 */
import type { CallRecorder } from '../../functions/aws/call-recorder.ts';
import { dependenciesFromEnvironment, setRunDependencies } from '../../functions/run/ports.ts';

/** Every handler's call recorder since the last {@link hostHandlers}, by handler name. */
export const handlerCallRecorders = new Map<string, CallRecorder>();

/** (Re)build every handler's dependencies from the environment on first use, recording their calls. */
export function hostHandlers(): void {
  handlerCallRecorders.clear();
  setRunDependencies((handler, ports) => {
    // The ports the handler names, as in Lambda: a service it uses but leaves out fails here (ClientNotBuilt).
    const dependencies = dependenciesFromEnvironment(ports);
    handlerCallRecorders.set(handler, dependencies.clients.calls);
    return dependencies;
  });
}
