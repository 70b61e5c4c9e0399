/**
 * Run the *synthesized* Seed state machine locally (state-machines/seed.ts), each part calling the real `seed`
 * handler in-process against whatever AWS endpoint the environment names (the local AWS in tests). The machine,
 * the handlers and every other state machine come from the same synthesis as the local Reconcile
 * (local/workflow/reconcile.ts), so a reconcile's fire-and-forget seeds and a seed started here run the same ASL.
 */
import { findStateMachine, type ExtractedStateMachine } from './extract.ts';
import { prepareLocalReconcile } from './reconcile.ts';
import { runStateMachine, type RunEvent, type RunOverrides, type RunResult } from './run.ts';

/** The synthesized Seed machine (logical id `…SeedWorkflowStateMachine…`). */
export async function localSeedMachine(): Promise<ExtractedStateMachine> {
  const { stateMachines } = await prepareLocalReconcile();
  return findStateMachine({ stateMachines, lambdas: {} }, 'TableWardenSeedWorkflowStateMachine');
}

/** Run one Seed execution: `{ table, source, format?, mode?, force? }`. Waits and retry pauses are skipped. */
export async function runLocalSeed(options: { input: unknown; executionName?: string; onEvent?: (event: RunEvent) => void; overrides?: RunOverrides }): Promise<RunResult> {
  const { stateMachines, lambdas } = await prepareLocalReconcile();
  const machine = await localSeedMachine();
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
