/**
 * What every workflow test file (test/workflow/*.test.ts) sets up the same way, in one place: one local AWS for the
 * file; the workflow synthesized and the handlers hosted once (so each handler's call recorder covers the whole
 * file, which the least-privilege tests at the end of a file read); before each test a reset account holding the
 * operator's own resources (bucket, state table, MAC key, the environment the handlers read); after each test no
 * faults and no stubbed environment, and the handlers hosted again when a test changed their SDK retry settings
 * (AWS_MAX_ATTEMPTS is read when a handler's clients are built).
 */
import { afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { createOperatorEnvironment } from '../../local/operator-env.ts';
import { useLocalAws, type LocalAwsHandle } from '../helpers/local-aws.ts';
import { hostHandlers } from './run-dependencies.ts';

// The handlers' logger and metrics read these when their modules load (on the first prepare, before the operator
// environment sets them): keep a workflow test's output to the test's own.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

/** Steps a file adds to the shared ones. */
export interface WorkflowAccountOptions {
  /** Synthesizes the state machine(s) the file runs (e.g. prepareLocalReconcile), once. */
  prepare: () => Promise<unknown>;
  /** After the reset and the operator's resources, before each test. */
  beforeEach?: (local: LocalAwsHandle) => Promise<void>;
  /** After faults are cleared and the environment restored, after each test (e.g. "no drill table left"). */
  afterEach?: (local: LocalAwsHandle) => Promise<void>;
}

/** Registers the shared hooks; returns the file's local AWS. */
export function useWorkflowAccount(options: WorkflowAccountOptions): LocalAwsHandle {
  const local = useLocalAws();
  beforeAll(async () => {
    await options.prepare();
    hostHandlers();
  }, 120_000);
  beforeEach(async () => {
    await local.reset();
    await createOperatorEnvironment(local);
    await options.beforeEach?.(local);
  });
  afterEach(async () => {
    await local.server.clearFaults();
    const retriesChanged = process.env.AWS_MAX_ATTEMPTS !== undefined;
    vi.unstubAllEnvs();
    if (retriesChanged) hostHandlers();
    await options.afterEach?.(local);
  });
  return local;
}
