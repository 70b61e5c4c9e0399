/**
 * Event-driven remediation of AWS Config findings, the run step: one SQS batch of "Config Rules Compliance Change"
 * events (gathered by the event source mapping's batching window) → at most ONE Reconcile execution, of the distinct
 * tables the batch names, in apply mode. The decisions are pure (functions/run/core/config-events.ts); this step
 * reads the run lock and starts the execution through the ports.
 *
 * What happens to each message (SQS partial batch responses, `ReportBatchItemFailures`:
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html):
 * - dropped (not an event we handle, or unparseable): succeeds, so SQS deletes it; it is logged with the reason and
 *   counted. Retrying it could only fail again.
 * - asks for a reconcile, and the execution started (or an execution of the same name exists: a redelivered batch):
 *   succeeds.
 * - asks for a reconcile while another run holds the lock: returned as a batch item failure, so SQS delivers it
 *   again after the queue's visibility timeout. Starting now would only wait in AcquireLock and then fail with
 *   LockHeld. After the queue's maxReceiveCount the message goes to the dead-letter queue; the nightly sweep
 *   remediates whatever is still non-compliant.
 * - StartExecution fails otherwise (throttling, a missing state machine): the error propagates and the whole batch
 *   comes back (and the handler's error alarm fires).
 */
import { readRunLock } from '../aws/run-lock.ts';
import { configExecutionName, configReconcileInput, executionArnOf, planConfigBatch, type ConfigBatchPlan, type ConfigEventMessage } from './core/config-events.ts';
import type { RunDependencies, StartedExecution } from './ports.ts';

/** One batch to remediate. */
export interface ConfigEventsRequest {
  messages: readonly ConfigEventMessage[];
  /** Config rule name → managed-rule identifier (CONFIG_RULES): the rules whose findings are remediated. */
  rules: ReadonlyMap<string, string>;
  /** The Reconcile state machine. */
  stateMachineArn: string;
  now: Date;
}

/** What the step did with a batch. */
export interface ConfigEventsResult {
  /** The messages SQS must deliver again (the lock was held): `itemIdentifier` is the SQS message id. */
  batchItemFailures: Array<{ itemIdentifier: string }>;
  /** The distinct tables the batch asked to reconcile. */
  tables: string[];
  /** The execution started (or found), when one was. */
  execution?: StartedExecution & { name: string };
  /** Another run held the lock: the reconcile messages were returned for redelivery. */
  deferred?: { holder: string; expiresAt: string };
  dropped: ConfigBatchPlan['dropped'];
  /** Messages that asked for a reconcile. */
  reconcileMessages: number;
}

/** Remediate one batch (see the module comment). */
export async function remediateConfigEvents(
  { clients, stateTable, workflows }: Pick<RunDependencies, 'clients' | 'stateTable' | 'workflows'>,
  request: ConfigEventsRequest,
): Promise<ConfigEventsResult> {
  const plan = planConfigBatch(request.messages, request.rules);
  const base = { tables: plan.tables, dropped: plan.dropped, reconcileMessages: plan.reconcile.length };
  if (plan.tables.length === 0 || plan.newestEventTime === undefined) return { ...base, batchItemFailures: [] };

  const name = configExecutionName(plan.tables, plan.newestEventTime);
  const lock = await readRunLock(clients.dynamodb, { table: stateTable, now: request.now });
  // Held by this very execution (a batch delivered again while its run is going): nothing more to start.
  if (lock !== undefined && lock.owner !== executionArnOf(request.stateMachineArn, name)) {
    return { ...base, batchItemFailures: plan.reconcile.map(({ messageId }) => ({ itemIdentifier: messageId })), deferred: { holder: lock.owner, expiresAt: lock.expiresAt } };
  }
  const started = await workflows.start({ stateMachineArn: request.stateMachineArn, name, input: configReconcileInput(plan.tables) });
  return { ...base, batchItemFailures: [], execution: { ...started, name } };
}
