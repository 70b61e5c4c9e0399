/**
 * Run the *synthesized* Seed state machine locally (state-machines/seed.ts), each part calling the real `seed`
 * handler in-process against whatever AWS endpoint the environment names (the local AWS in tests). The machine,
 * the handlers and every other state machine come from the same synthesis as the local Reconcile
 * (local/workflow/reconcile.ts), so a reconcile's fire-and-forget seeds and a seed started here run the same ASL.
 */
import { findStateMachine, type ExtractedStateMachine } from './extract.ts';
import { prepareLocalReconcile, runSynthesizedMachine, type LocalRunOptions } from './reconcile.ts';
import type { RunResult } from './run.ts';

/** The synthesized Seed machine (logical id `…SeedWorkflowStateMachine…`). */
export async function localSeedMachine(): Promise<ExtractedStateMachine> {
  const { stateMachines } = await prepareLocalReconcile();
  return findStateMachine({ stateMachines, lambdas: {} }, 'TableWardenSeedWorkflowStateMachine');
}

/** Run one Seed execution: `{ table, source, format?, mode?, force? }`. Waits and retry pauses are skipped. */
export async function runLocalSeed(options: LocalRunOptions): Promise<RunResult> {
  return runSynthesizedMachine(await localSeedMachine(), options);
}
