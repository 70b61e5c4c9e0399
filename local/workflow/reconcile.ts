/**
 * Run the *synthesized* Reconcile state machine locally, with each Lambda task calling the real handler module
 * in-process. `npm start` and the workflow tests use it; nothing here is hand-written ASL.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HANDLERS, type HandlerName } from '../../functions/handlers/registry.ts';
import { synthesizeOperator } from '../../infra/synth.ts';
import { REPO_ROOT } from '../../infra/table-warden.ts';
import type { CfnTemplate, ExtractedStateMachine } from './extract.ts';
import { extractStateMachines, findStateMachine } from './extract.ts';
import { assertSupportedAsl } from './guard.ts';
import { runStateMachine, type LocalLambdaHandler, type RunEvent, type RunOverrides, type RunResult } from './run.ts';

/** A handler's module, by the name the stack tags its function with (`Metadata["tablewarden:handler"]`): the registry's `file`. */
function loadHandlerModule(handler: HandlerName): Promise<{ handler: LocalLambdaHandler }> {
  return import(pathToFileURL(join(REPO_ROOT, HANDLERS[handler].file)).href) as Promise<{ handler: LocalLambdaHandler }>;
}

/** The synthesized Reconcile machine and its handlers, ready to run (synthesis happens once per process). */
export interface LocalReconcile {
  machine: ExtractedStateMachine;
  /** Every state machine of the stack: the children a `startExecution.sync:2` Task starts are among them. */
  stateMachines: ExtractedStateMachine[];
  lambdas: Record<string, LocalLambdaHandler>;
}

let prepared: Promise<LocalReconcile> | undefined;

/** Synthesize the operator stack (no bundling: the handlers run from source) and wire its Reconcile machine. */
export function prepareLocalReconcile(): Promise<LocalReconcile> {
  prepared ??= (async () => {
    const operator = synthesizeOperator({ bundle: false });
    const { stateMachines } = extractStateMachines(operator.template as CfnTemplate);
    const machine = findStateMachine({ stateMachines, lambdas: {} }, operator.stateMachineLogicalId);
    for (const each of stateMachines) assertSupportedAsl(each.definition);
    const lambdas: Record<string, LocalLambdaHandler> = {};
    for (const [handler, logicalId] of Object.entries(operator.lambdaLogicalIds) as Array<[HandlerName, string]>) {
      const module = await loadHandlerModule(handler);
      lambdas[logicalId] = module.handler;
    }
    return { machine, stateMachines, lambdas };
  })();
  return prepared;
}

/** How a local run of one of the synthesized machines is started. */
export interface LocalRunOptions {
  input: unknown;
  executionName?: string;
  onEvent?: (event: RunEvent) => void;
  overrides?: RunOverrides;
}

/** Run one Reconcile execution. Waits are skipped unless `overrides` says otherwise. */
export async function runLocalReconcile(options: LocalRunOptions): Promise<RunResult> {
  const { machine } = await prepareLocalReconcile();
  return runSynthesizedMachine(machine, options);
}

/**
 * Run one execution of `machine`, any state machine of the stack prepareLocalReconcile synthesized (its child and
 * fire-and-forget executions resolve among the same machines, with the same handlers). Waits and retry pauses are
 * skipped unless `overrides` says otherwise.
 */
export async function runSynthesizedMachine(machine: ExtractedStateMachine, options: LocalRunOptions): Promise<RunResult> {
  const { stateMachines, lambdas } = await prepareLocalReconcile();
  return runStateMachine({
    ...machine,
    stateMachines,
    input: options.input,
    lambdas,
    ...(options.executionName ? { executionName: options.executionName } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    overrides: { waits: 'skip', retryIntervals: 0, ...options.overrides },
  });
}
