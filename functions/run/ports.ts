/**
 * The run's ports: what the reconcile run needs from the outside world, as interfaces, and the one place the
 * Lambda handlers get them from.
 *
 * - {@link RunStore}: JSON documents by key (S3 in Lambda: functions/aws/run-store.ts; memory in unit tests).
 * - {@link Notifier}: tell people (SNS in Lambda).
 * - AWS clients: from the one factory (functions/aws/clients.ts), with the call recorder.
 * - the run lock: functions/aws/run-lock.ts on the state table (see functions/run/lock.ts).
 *
 * Composition: a handler asks {@link runDependencies}(handlerName) and gets the same dependencies for the life of
 * its container (Lambda reuses them across invocations). The default provider builds them from the environment
 * (BUNDLE_BUCKET, STATE_TABLE, TOPIC_ARN, AWS_* settings). {@link setRunDependencies} replaces the provider: it is
 * the composition seam for whoever hosts the handlers (a local runner, a test that records each handler's calls
 * or points it at another endpoint), and it clears what was cached. Handlers themselves ship no test hooks.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { createClient, createClients, type AwsClients } from '../aws/clients.ts';
import { S3RunStore } from '../aws/run-store.ts';

/** JSON documents by key. */
export interface RunStore {
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
  /** Every key under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Where a key lives, for messages (e.g. `s3://bucket/key`). */
  where(key: string): string;
}

/** Tells people about a run. */
export interface Notifier {
  /** False when no destination is configured (nothing was sent). */
  notify(subject: string, message: string): Promise<boolean>;
}

/** Everything a run step needs. */
export interface RunDependencies {
  clients: AwsClients;
  store: RunStore;
  notifier: Notifier;
  /** The operator's state table (lock and per-table history). */
  stateTable: string;
}

const environmentSchema = z.object({
  BUNDLE_BUCKET: z.string().min(1),
  STATE_TABLE: z.string().min(1),
  TOPIC_ARN: z.string().optional(),
});

/** SNS as a notifier (subjects are cut to SNS's 100 characters). */
export class SnsNotifier implements Notifier {
  constructor(
    readonly sns: SNSClient,
    readonly topicArn: string | undefined,
  ) {}

  async notify(subject: string, message: string): Promise<boolean> {
    if (!this.topicArn) return false;
    await this.sns.send(new PublishCommand({ TopicArn: this.topicArn, Subject: subject.slice(0, 100), Message: message }));
    return true;
  }
}

/** Dependencies built from the environment; the S3 and SNS clients behind the store and the notifier are exposed. */
export interface EnvironmentDependencies extends RunDependencies {
  s3: S3Client;
  sns: SNSClient;
}

/** Build a handler's dependencies from the environment, with clients from the one factory. */
export function dependenciesFromEnvironment(): EnvironmentDependencies {
  const env = environmentSchema.parse(process.env);
  const clients = createClients();
  // Local endpoints (moto) need path-style S3 addressing; real S3 uses virtual-hosted style.
  const s3 = createClient(S3Client, 's3', clients.connection, clients.calls, process.env.AWS_ENDPOINT_URL ? { forcePathStyle: true } : {});
  const sns = createClient(SNSClient, 'sns', clients.connection, clients.calls);
  return { clients, s3, sns, store: new S3RunStore(s3, env.BUNDLE_BUCKET), notifier: new SnsNotifier(sns, env.TOPIC_ARN), stateTable: env.STATE_TABLE };
}

/** Makes a handler's dependencies (called once per handler name until the provider changes). */
export type RunDependencyProvider = (handler: string) => RunDependencies;

let provider: RunDependencyProvider = () => dependenciesFromEnvironment();
const cache = new Map<string, RunDependencies>();

/** The dependencies of one handler, created once per container. */
export function runDependencies(handler: string): RunDependencies {
  let dependencies = cache.get(handler);
  if (!dependencies) {
    dependencies = provider(handler);
    cache.set(handler, dependencies);
  }
  return dependencies;
}

/**
 * Replace how handlers get their dependencies (undefined: back to the environment), and forget the cached ones.
 * The composition seam; see the module comment.
 */
export function setRunDependencies(next: RunDependencyProvider | undefined): void {
  provider = next ?? (() => dependenciesFromEnvironment());
  cache.clear();
}
