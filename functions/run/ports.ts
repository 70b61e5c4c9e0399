/**
 * The run's ports: what the reconcile run needs from the outside world, as interfaces, and the one place the
 * Lambda handlers get them from.
 *
 * - {@link RunStore}: JSON documents by key (S3 in Lambda: functions/aws/run-store.ts; memory in unit tests).
 * - {@link Notifier}: tell people (SNS in Lambda).
 * - AWS clients: from the one factory (functions/aws/clients.ts), with the call recorder.
 * - the run lock: functions/aws/run-lock.ts on the state table (see functions/run/lock.ts).
 * - {@link Workflows}: start the operator's own state machines (Step Functions in Lambda: functions/aws/workflows.ts).
 *
 * Composition: a handler asks {@link runDependencies}(handlerName, ports) and gets the same dependencies for the life
 * of its container (Lambda reuses them across invocations). `ports` ({@link HandlerPorts}) names what the handler
 * really uses: its AWS services (the client constants of functions/aws/clients.ts), and {@link S3_RUN_STORE} and
 * {@link SNS_NOTIFIER} where it uses them. Only those are built, and, since each is a constant the handler imports,
 * only their SDK clients are imported by its Lambda bundle, from the SDK layer (infra/handler-bundle.ts,
 * infra/sdk-layer.ts; test/infra/bundle-size.test.ts).
 * The default provider builds them from the environment (BUNDLE_BUCKET, STATE_TABLE, TOPIC_ARN, AWS_* settings).
 * {@link setRunDependencies} replaces the provider: it is the composition seam for whoever hosts the handlers (a
 * local runner, a test that records each handler's calls or points it at another endpoint), and it clears what was
 * cached. Handlers themselves ship no test hooks.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ALL_CLIENTS, ClientNotBuilt, createClientsOf, createClient, type AwsClients, type ClientSpec, type ResolvedConnection } from '../aws/clients.ts';
import type { CallRecorder } from '../aws/call-recorder.ts';
import { S3RunStore } from '../aws/run-store.ts';
import { sfnWorkflows, type Workflows } from '../aws/workflows.ts';

export type { StartedExecution, Workflows } from '../aws/workflows.ts';

/** JSON documents by key. */
export interface RunStore {
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
  /**
   * Write text as is (e.g. a seed's rejection list as JSON Lines, which `put` would wrap in one JSON string).
   * Optional: only the S3 store has it; the seed step needs it.
   */
  putText?(key: string, text: string, contentType: string): Promise<void>;
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
  /** Start the operator's state machines (config-events starts Reconcile). */
  workflows: Workflows;
  /** The operator's state table (lock and per-table history). */
  stateTable: string;
}

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

/** The settings the run's own resources come from (the Lambda environment the stack sets). */
export interface RunEnvironment {
  /** The operator's bucket (bundles and run artefacts). */
  bucket: string;
  /** The operator's state table. */
  stateTable: string;
  /** The notification topic; absent: notifying is a no-op. */
  topicArn: string | undefined;
}

/** How a handler's run store or notifier is built: one constant each, like the client constants (see the module comment). */
export interface PortSpec<T> {
  readonly create: (environment: RunEnvironment, connection: ResolvedConnection, calls: CallRecorder) => T;
}

/** The run store on S3, the operator's bucket. */
export const S3_RUN_STORE: PortSpec<S3RunStore> = {
  // Local endpoints (moto) need path-style S3 addressing; real S3 uses virtual-hosted style.
  create: ({ bucket }, connection, calls) => new S3RunStore(createClient(S3Client, 's3', connection, calls, process.env.AWS_ENDPOINT_URL ? { forcePathStyle: true } : {}), bucket),
};

/** The notifier on SNS, the operator's topic. */
export const SNS_NOTIFIER: PortSpec<SnsNotifier> = {
  create: ({ topicArn }, connection, calls) => new SnsNotifier(createClient(SNSClient, 'sns', connection, calls), topicArn),
};

/** Step Functions, for starting the operator's own state machines (IAM prefix `states`). */
export const SFN_WORKFLOWS: PortSpec<Workflows> = {
  create: (_environment, connection, calls) => sfnWorkflows(createClient(SFNClient, 'states', connection, calls)),
};

/** What one handler uses: the AWS services it calls, and the run store, notifier and workflows if it uses them. */
export interface HandlerPorts {
  readonly clients: readonly ClientSpec[];
  readonly store?: PortSpec<RunStore>;
  readonly notifier?: PortSpec<Notifier>;
  readonly workflows?: PortSpec<Workflows>;
}

/** Everything (for hosts that run every step in one process, and tests of the ports themselves). */
export const ALL_PORTS: HandlerPorts = { clients: ALL_CLIENTS, store: S3_RUN_STORE, notifier: SNS_NOTIFIER, workflows: SFN_WORKFLOWS };

/**
 * The run's environment: BUNDLE_BUCKET and STATE_TABLE (required), TOPIC_ARN (optional).
 *
 * @throws Error naming a missing or empty variable.
 */
export function runEnvironment(env: NodeJS.ProcessEnv = process.env): RunEnvironment {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`run environment: ${name} must be set to a non-empty string`);
    return value;
  };
  return { bucket: required('BUNDLE_BUCKET'), stateTable: required('STATE_TABLE'), topicArn: env.TOPIC_ARN };
}

/**
 * Build a handler's dependencies from the environment: the named clients from the one factory, the store and the
 * notifier on the same connection and call recorder. A port the handler did not name throws {@link ClientNotBuilt}
 * when used (as a service left out of the client list does).
 */
export function dependenciesFromEnvironment(ports: HandlerPorts): RunDependencies {
  const environment = runEnvironment();
  const clients = createClientsOf(ports.clients);
  return {
    clients,
    store: ports.store?.create(environment, clients.connection, clients.calls) ?? notBuilt<RunStore>('run store', ['get', 'put', 'list', 'where']),
    notifier: ports.notifier?.create(environment, clients.connection, clients.calls) ?? notBuilt<Notifier>('notifier', ['notify']),
    workflows: ports.workflows?.create(environment, clients.connection, clients.calls) ?? notBuilt<Workflows>('workflows', ['start']),
    stateTable: environment.stateTable,
  };
}

/** A port that was not named: each method throws, saying so. */
function notBuilt<T>(port: string, methods: readonly string[]): T {
  const fail = (): never => {
    throw new ClientNotBuilt(`no ${port}: the handler's ports leave it out`);
  };
  return Object.fromEntries(methods.map((method) => [method, fail])) as T;
}

/** Makes a handler's dependencies from what it names (called once per handler name until the provider changes). */
export type RunDependencyProvider = (handler: string, ports: HandlerPorts) => RunDependencies;

const fromEnvironment: RunDependencyProvider = (_handler, ports) => dependenciesFromEnvironment(ports);
let provider: RunDependencyProvider = fromEnvironment;
const cache = new Map<string, RunDependencies>();

/** The dependencies of one handler, built from the ports it names, once per container. */
export function runDependencies(handler: string, ports: HandlerPorts): RunDependencies {
  let dependencies = cache.get(handler);
  if (!dependencies) {
    dependencies = provider(handler, ports);
    cache.set(handler, dependencies);
  }
  return dependencies;
}

/**
 * Replace how handlers get their dependencies (undefined: back to the environment), and forget the cached ones.
 * The composition seam; see the module comment.
 */
export function setRunDependencies(next: RunDependencyProvider | undefined): void {
  provider = next ?? fromEnvironment;
  cache.clear();
}
