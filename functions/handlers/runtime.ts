/**
 * What every Lambda handler shares: a Powertools logger and strict event parsing (metrics: ./metrics.ts, for the
 * handlers that emit them). Their AWS clients, run store and notifier come from functions/run/ports.ts
 * (`runDependencies(handlerName, ports)`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { output, ZodMiniType } from 'zod/mini';

export { namedError } from '../run/errors.ts';

/** Structured JSON logs with `table`, `control`, `revision` keys where known. */
export const logger = new Logger({ serviceName: 'tablewarden' });

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
