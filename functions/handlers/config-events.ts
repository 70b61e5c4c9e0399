/**
 * Lambda: event-driven remediation of AWS Config findings. Invoked by the SQS event source mapping of the queue the
 * "Config Rules Compliance Change" EventBridge rule feeds (infra/config-remediation.ts), with a batch of messages
 * whose bodies are the events; starts one Reconcile of the batch's tables (functions/run/config-events.ts).
 *
 * Returns SQS's partial batch response, `{ batchItemFailures: [{ itemIdentifier }] }`, and nothing else: the
 * mapping has `ReportBatchItemFailures`, and the listed messages are delivered again after the visibility timeout
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
 */
import * as z from 'zod/mini';
import { DYNAMODB_CLIENT } from '../aws/clients.ts';
import { CONFIG_RULES_ENV, parseConfigRulesEnv } from '../core/config/rules.ts';
import { remediateConfigEvents } from '../run/config-events.ts';
import { RECONCILE_STATE_MACHINE_ENV } from '../run/core/config-events.ts';
import { runDependencies, SFN_WORKFLOWS, type HandlerPorts } from '../run/ports.ts';
import { logger, parseEvent } from './runtime.ts';

/** What config-events uses (infra/permissions.ts grants the same): the lock item (GetItem) and StartExecution of Reconcile. */
const PORTS: HandlerPorts = { clients: [DYNAMODB_CLIENT], workflows: SFN_WORKFLOWS };

/**
 * The SQS event, as far as this handler reads it: each record's message id and body
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html). The bodies are parsed one by one, so one bad
 * message is dropped without failing the others.
 */
const sqsEventSchema = z.object({ Records: z.array(z.object({ messageId: z.string().check(z.minLength(1)), body: z.string() })) });

/** SQS's partial batch response. */
export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** Lambda entry point. */
export async function handler(event: unknown): Promise<SqsBatchResponse> {
  const { Records } = parseEvent(sqsEventSchema, event, 'config-events');
  const stateMachineArn = process.env[RECONCILE_STATE_MACHINE_ENV];
  if (!stateMachineArn) throw new Error(`config-events: ${RECONCILE_STATE_MACHINE_ENV} must be set to the Reconcile state machine's ARN`);
  const rules = parseConfigRulesEnv(process.env[CONFIG_RULES_ENV]);
  const result = await remediateConfigEvents(runDependencies('config-events', PORTS), { messages: Records, rules, stateMachineArn, now: new Date() });
  for (const { messageId, reason } of result.dropped) logger.warn('config event dropped', { messageId, reason });
  if (result.deferred) {
    logger.info('another run holds the lock: the batch comes back after the visibility timeout', { tables: result.tables, holder: result.deferred.holder, expiresAt: result.deferred.expiresAt });
  } else if (result.execution) {
    logger.info(result.execution.outcome === 'started' ? 'reconcile started' : 'reconcile of this batch exists already', { tables: result.tables, execution: result.execution.executionArn });
  }
  logger.info('config events', { messages: Records.length, reconcile: result.reconcileMessages, dropped: result.dropped.length, tables: result.tables.length, retried: result.batchItemFailures.length });
  return { batchItemFailures: result.batchItemFailures };
}
