/**
 * What every Lambda handler shares: configuration from the environment, AWS clients (one set per handler, so
 * its calls can be attributed to its IAM role), a Powertools logger and metrics, and strict event parsing.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import type { CallRecorder } from '../aws/call-recorder.ts';
import { createClient, createClients, type AwsClients } from '../aws/clients.ts';
import { RunStore } from '../aws/run-store.ts';

const environmentSchema = z.object({
  BUNDLE_BUCKET: z.string().min(1),
  STATE_TABLE: z.string().min(1),
  TOPIC_ARN: z.string().optional(),
});

/** The clients a handler may use. */
export interface HandlerClients extends AwsClients {
  s3: S3Client;
  sns: SNSClient;
  store: RunStore;
  env: z.output<typeof environmentSchema>;
}

/**
 * Every handler's call recorder, by handler name. Tests (and the IAM least-privilege check) read it to see
 * exactly which AWS actions each handler made.
 */
export const handlerCallRecorders = new Map<string, CallRecorder>();

const cache = new Map<string, HandlerClients>();

/** The handler's clients, created once per container (Lambda reuses them across invocations). */
export function handlerClients(handler: string): HandlerClients {
  let clients = cache.get(handler);
  if (!clients) {
    const env = environmentSchema.parse(process.env);
    const base = createClients();
    const endpoint = process.env.AWS_ENDPOINT_URL;
    // Local endpoints (moto) need path-style S3 addressing; real S3 uses virtual-hosted style.
    // Built by the one factory: the same region, retries and connection/request timeouts as every other client.
    const s3 = createClient(S3Client, 's3', base.connection, base.calls, endpoint ? { forcePathStyle: true } : {});
    const sns = createClient(SNSClient, 'sns', base.connection, base.calls);
    clients = { ...base, s3, sns, store: new RunStore(s3, env.BUNDLE_BUCKET), env };
    cache.set(handler, clients);
    handlerCallRecorders.set(handler, base.calls);
  }
  return clients;
}

/** Forget cached clients (tests point handlers at a fresh local AWS). */
export function resetHandlerClients(): void {
  cache.clear();
  handlerCallRecorders.clear();
}

/** Structured JSON logs with `table`, `control`, `revision` keys where known. */
export const logger = new Logger({ serviceName: 'tablewarden' });

/** CloudWatch metrics in EMF: drift found, actions applied, failures, API calls. */
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'TableWarden', serviceName: 'tablewarden' });

/** The event did not match the handler's contract: a bug in the state machine, never retried. */
export class InvalidEvent extends Error {
  override name = 'InvalidEvent';
}

/** Parse an event with its zod schema, or throw InvalidEvent naming every bad field. */
export function parseEvent<T extends z.ZodType>(schema: T, event: unknown, handler: string): z.output<T> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidEvent(`${handler}: invalid event: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** An error with a given name, as Step Functions Catch clauses see it (Lambda's errorType). */
export function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
