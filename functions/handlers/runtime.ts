/**
 * What every Lambda handler shares: a Powertools logger and metrics, and strict event parsing. Their AWS clients,
 * run store and notifier come from functions/run/ports.ts (`runDependencies(handlerName)`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { output, ZodMiniType } from 'zod/mini';

export { namedError } from '../run/errors.ts';

/** Structured JSON logs with `table`, `control`, `revision` keys where known. */
export const logger = new Logger({ serviceName: 'tablewarden' });

/** CloudWatch metrics in EMF: drift found, actions applied, failures, API calls. */
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'TableWarden', serviceName: 'tablewarden' });

/** The event did not match the handler's contract: a bug in the state machine, never retried. */
export class InvalidEvent extends Error {
  override name = 'InvalidEvent';
}

/** Parse an event with its zod schema (zod/mini: functions/handlers/contracts.ts), or throw InvalidEvent naming every bad field. */
export function parseEvent<T extends ZodMiniType>(schema: T, event: unknown, handler: string): output<T> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidEvent(`${handler}: invalid event: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}
