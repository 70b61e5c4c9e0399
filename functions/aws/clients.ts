/**
 * The one factory for AWS SDK clients.
 *
 * Why one factory: endpoint (real AWS, moto, the local gap layer), region, credentials and retry behaviour must be
 * identical for every adapter, and every call must pass through the same {@link CallRecorder} so tests and
 * benchmarks can count calls per run. Adapters never construct clients themselves.
 *
 * Every client also gets a connection timeout and a request timeout: the SDK's Node HTTP handler has neither by
 * default, so a hung endpoint (a proxy that accepts and never answers, a blackholed route) would hang `plan`, or a
 * Lambda until its own timeout, with no word about where. A timed-out call fails with {@link AwsTimeout}, naming the
 * service, the operation and the endpoint.
 */
import { BackupClient } from '@aws-sdk/client-backup';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { STSClient } from '@aws-sdk/client-sts';
import { CallRecorder } from './call-recorder.ts';
import { withoutRetryingLastingLimits } from './apply/retry.ts';

/** How to reach AWS. Every field is optional; the SDK's own environment handling fills the gaps. */
export interface AwsConnection {
  /** Region; else AWS_REGION, else AWS_DEFAULT_REGION. One of them is required. */
  region?: string;
  /** Endpoint override for every service (moto, the local gap layer). Else the SDK honours AWS_ENDPOINT_URL(_<SERVICE>). */
  endpoint?: string;
  /** Shared-config profile to take credentials from. */
  profile?: string;
  /** Explicit credentials; win over `profile`. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Total attempts per call including the first, handled by the SDK's retry strategy. Else AWS_MAX_ATTEMPTS, else 8. */
  maxAttempts?: number;
  /**
   * The SDK's retry mode; default 'adaptive'. A seed's clients should use 'standard': the seed writer runs its own
   * adaptive concurrency (AIMD) on throttling, and the SDK's client-side token bucket on top of it falls towards its
   * floor of 0.5 requests/s under sustained throttling (functions/aws/seed-writer.ts).
   */
  retryMode?: 'adaptive' | 'standard';
  /**
   * How long the TCP (and TLS) handshake may take, per attempt, in ms. Else TABLEWARDEN_CONNECT_TIMEOUT_MS, else
   * {@link DEFAULT_CONNECT_TIMEOUT_MS}.
   */
  connectTimeoutMs?: number;
  /**
   * How long to wait for the response to start, and the longest silence while it streams, per attempt, in ms.
   * Else TABLEWARDEN_REQUEST_TIMEOUT_MS, else {@link DEFAULT_REQUEST_TIMEOUT_MS}.
   */
  requestTimeoutMs?: number;
}

/** The clients every adapter uses, plus the recorder they all report to. */
export interface AwsClients {
  dynamodb: DynamoDBClient;
  kms: KMSClient;
  backup: BackupClient;
  tagging: ResourceGroupsTaggingAPIClient;
  /** AWS Config (the nightly sweep of compliance results, and re-evaluation after a run). */
  config: ConfigServiceClient;
  /** Only for GetCallerIdentity (which needs no IAM permission): the account and the operator's principal. */
  sts: STSClient;
  /** Every call made through these clients, as IAM actions. */
  calls: CallRecorder;
  /** The resolved region. */
  region: string;
  /** The resolved settings, so a client of another service is built the same way ({@link createClient}). */
  connection: ResolvedConnection;
}

/** Default attempts per call. Control-plane APIs throttle hard (TagResource 5 rps, ListTagsOfResource 10 rps). */
export const DEFAULT_MAX_ATTEMPTS = 8;

/** Default connection timeout: a regional endpoint completes a handshake in well under a second. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Default request timeout. Every API the operator calls answers in milliseconds to a few seconds (control-plane
 * calls, small S3 objects); 30 s is a dead endpoint, not a slow one. With the default 8 attempts a dead endpoint
 * fails a call in about 4 minutes, inside every handler's Lambda timeout.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The settings every client of one connection shares (region, endpoint, credentials, retries, timeouts), so a
 * client of a service outside {@link AwsClients} (S3, SNS) is built exactly like the others: see {@link createClient}.
 */
export interface ClientSettings {
  region: string;
  maxAttempts: number;
  retryMode: 'adaptive' | 'standard';
  endpoint?: string;
  credentials?: AwsConnection['credentials'];
  /**
   * The named profile, for the SDK's default credential chain (which then reads ~/.aws/config and credentials). Not
   * `credentials: fromIni(...)`: importing a provider would put the whole profile machinery (SSO, assume-role
   * clients) into every Lambda bundle, where credentials always come from the environment.
   */
  profile?: string;
  /** The SDK's shorthand for its Node HTTP handler's options (no handler instance to construct and pin). */
  requestHandler: { connectionTimeout: number; requestTimeout: number; socketTimeout: number; throwOnRequestTimeout: true };
}

/** The resolved settings of a connection; the timeouts also feed {@link AwsTimeout}'s message. */
export interface ResolvedConnection {
  settings: ClientSettings;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
}

/**
 * Creates the DynamoDB, KMS, Backup and tagging clients for one run, sharing one {@link CallRecorder}.
 *
 * Retries use the SDK's adaptive strategy: standard exponential backoff with jitter plus a client-side token
 * bucket that slows down after throttling, which suits bursts of control-plane calls. We never retry by hand.
 *
 * @throws Error when no region is configured (a silent default region would observe the wrong account state).
 */
export function createClients(connection: AwsConnection = {}): AwsClients {
  return createClientsOf(ALL_CLIENTS, connection);
}

/** The services of {@link AwsClients}. */
export type ServiceKey = 'dynamodb' | 'kms' | 'backup' | 'tagging' | 'config' | 'sts';

/**
 * How the factory builds one service's client. One constant per service, so code that names only the services it
 * uses ({@link createClientsOf}) makes a bundle that holds only those SDK clients: esbuild drops the constants, and
 * with them the client packages, that nothing refers to.
 */
export interface ClientSpec<K extends ServiceKey = ServiceKey> {
  readonly key: K;
  readonly create: (connection: ResolvedConnection, calls: CallRecorder) => AwsClients[K];
}

/** DynamoDB, without the SDK's retries of lasting LimitExceeded (see apply/retry.ts). */
export const DYNAMODB_CLIENT: ClientSpec<'dynamodb'> = {
  key: 'dynamodb',
  create: (connection, calls) => withoutRetryingLastingLimits(createClient(DynamoDBClient, 'dynamodb', connection, calls)),
};
/** KMS. */
export const KMS_CLIENT: ClientSpec<'kms'> = { key: 'kms', create: (connection, calls) => createClient(KMSClient, 'kms', connection, calls) };
/** AWS Backup. */
export const BACKUP_CLIENT: ClientSpec<'backup'> = { key: 'backup', create: (connection, calls) => createClient(BackupClient, 'backup', connection, calls) };
/** Resource Groups Tagging API (IAM prefix `tag`). */
export const TAGGING_CLIENT: ClientSpec<'tagging'> = { key: 'tagging', create: (connection, calls) => createClient(ResourceGroupsTaggingAPIClient, 'tag', connection, calls) };
/**
 * AWS Config, without the SDK's retries of a LimitExceededException (see apply/retry.ts): for
 * StartConfigRulesEvaluation it means an evaluation of those rules is already running (or was started less than a
 * minute ago), which backing off for half a minute does not change. Throttling (ThrottlingException) and 5xx are
 * still retried by the SDK's strategy.
 */
export const CONFIG_CLIENT: ClientSpec<'config'> = {
  key: 'config',
  create: (connection, calls) => withoutRetryingLastingLimits(createClient(ConfigServiceClient, 'config', connection, calls)),
};
/** STS (GetCallerIdentity only). */
export const STS_CLIENT: ClientSpec<'sts'> = { key: 'sts', create: (connection, calls) => createClient(STSClient, 'sts', connection, calls) };

/** Every service of {@link AwsClients}: what {@link createClients} builds. */
export const ALL_CLIENTS: readonly ClientSpec[] = [DYNAMODB_CLIENT, KMS_CLIENT, BACKUP_CLIENT, TAGGING_CLIENT, CONFIG_CLIENT, STS_CLIENT];

/** A service whose client was not built asked for: the code uses a service its client list leaves out. */
export class ClientNotBuilt extends Error {
  override name = 'ClientNotBuilt';
}

/**
 * The one factory, for the named services only (e.g. a Lambda handler's: `createClientsOf([DYNAMODB_CLIENT])` for
 * the lock), sharing one {@link CallRecorder}. A service left out is not built, and not bundled; using it throws
 * {@link ClientNotBuilt} naming it.
 *
 * @throws Error when no region is configured, or a timeout or attempt count is invalid (see {@link resolveConnection}).
 */
export function createClientsOf(specs: readonly ClientSpec[], connection: AwsConnection = {}): AwsClients {
  const resolved = resolveConnection(connection);
  const calls = new CallRecorder();
  const clients = { calls, region: resolved.settings.region, connection: resolved } as AwsClients;
  const built = new Set<ServiceKey>();
  for (const spec of specs) {
    Object.assign(clients, { [spec.key]: spec.create(resolved, calls) });
    built.add(spec.key);
  }
  for (const key of ['dynamodb', 'kms', 'backup', 'tagging', 'config', 'sts'] as const) {
    if (built.has(key)) continue;
    // Not enumerable: spreading the clients copies the built ones only.
    Object.defineProperty(clients, key, {
      enumerable: false,
      get: () => {
        throw new ClientNotBuilt(`no ${key} client: the client list given to createClientsOf leaves ${key} out (${[...built].join(', ') || 'none'} built)`);
      },
    });
  }
  return clients;
}

/**
 * Resolve a connection: region, credentials, retries and timeouts, from the arguments, else the environment.
 *
 * @throws Error when no region is configured (a silent default region would observe the wrong account state), or a
 * timeout or attempt count is not a positive whole number.
 */
export function resolveConnection(connection: AwsConnection = {}): ResolvedConnection {
  const region = connection.region ?? regionFromEnvironment();
  if (region === undefined) {
    throw new Error('No AWS region configured: set AWS_REGION (or AWS_DEFAULT_REGION), or give the connection a region.');
  }
  // Explicit credentials win over a profile.
  const credentials = connection.credentials !== undefined ? { ...connection.credentials } : undefined;
  const profile = credentials === undefined ? connection.profile : undefined;
  const maxAttempts = connection.maxAttempts ?? positiveInt('AWS_MAX_ATTEMPTS') ?? DEFAULT_MAX_ATTEMPTS;
  const connectTimeoutMs = connection.connectTimeoutMs ?? positiveInt('TABLEWARDEN_CONNECT_TIMEOUT_MS') ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const requestTimeoutMs = connection.requestTimeoutMs ?? positiveInt('TABLEWARDEN_REQUEST_TIMEOUT_MS') ?? DEFAULT_REQUEST_TIMEOUT_MS;
  for (const [name, value] of [['maxAttempts', maxAttempts], ['connectTimeoutMs', connectTimeoutMs], ['requestTimeoutMs', requestTimeoutMs]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`AWS connection: ${name} must be a positive whole number, got ${value}`);
  }
  const settings: ClientSettings = {
    region,
    maxAttempts,
    retryMode: connection.retryMode ?? 'adaptive',
    // throwOnRequestTimeout: without it the SDK only logs a warning when requestTimeout passes, and keeps waiting.
    // socketTimeout: a response whose headers arrived but whose body stalls is also a dead endpoint.
    requestHandler: { connectionTimeout: connectTimeoutMs, requestTimeout: requestTimeoutMs, socketTimeout: requestTimeoutMs, throwOnRequestTimeout: true },
    ...(connection.endpoint !== undefined ? { endpoint: connection.endpoint } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
    ...(profile !== undefined ? { profile } : {}),
  };
  return { settings, connectTimeoutMs, requestTimeoutMs };
}

/**
 * Build one client of any AWS service with the connection's settings and instrument it: the only way clients are
 * made, for the five in {@link AwsClients} and for the handlers' S3 and SNS clients alike.
 *
 * @param extra service-specific settings (e.g. S3's `forcePathStyle`), merged over the shared ones.
 */
export function createClient<TClient extends Instrumentable, TExtra extends object = object>(
  Client: new (config: ClientSettings & TExtra) => TClient,
  service: string,
  connection: ResolvedConnection,
  recorder: CallRecorder,
  extra?: TExtra,
): TClient {
  const client = new Client({ ...connection.settings, ...(extra ?? ({} as TExtra)) });
  instrument(client, service, recorder, connection);
  return client;
}

function positiveInt(variable: string): number | undefined {
  const raw = nonEmpty(process.env[variable]);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new Error(`${variable} must be a positive whole number, got "${raw}"`);
  return Number(raw);
}

/** The region the environment names: AWS_REGION, else AWS_DEFAULT_REGION (as the AWS CLI reads them). */
export function regionFromEnvironment(): string | undefined {
  return nonEmpty(process.env['AWS_REGION']) ?? nonEmpty(process.env['AWS_DEFAULT_REGION']);
}

/** The value, or undefined when it is missing or blank. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The slice of the SDK's middleware API the recorder needs, typed structurally so it fits every client. */
interface CallMetadata {
  $metadata?: { attempts?: number };
}
type InitializeHandler = (args: { input: object }) => Promise<{ output: CallMetadata }>;
type InitializeMiddleware = (next: InitializeHandler, context: MiddlewareContext) => InitializeHandler;
interface MiddlewareContext {
  commandName?: string;
  /** Filled in by the SDK's endpoint middleware (serialize step), so readable once `next` has settled. */
  endpointV2?: { url?: URL };
}
/** The slice of an SDK client that {@link instrument} uses. */
export interface Instrumentable {
  middlewareStack: {
    add(middleware: InitializeMiddleware, options: { step: 'initialize'; name: string; override: boolean }): void;
  };
  config?: { endpoint?: () => Promise<{ protocol?: string; hostname?: string; port?: number; path?: string }> };
}

/** Name of the middleware, so it can be found or replaced in a client's stack. */
export const CALL_RECORDER_MIDDLEWARE = 'tablewardenCallRecorder';

/**
 * An AWS call that got no connection or no response within its timeout, on every attempt the retry strategy made.
 *
 * Why its own type: the SDK's `TimeoutError` says neither which service nor which endpoint, and a hung endpoint is
 * an environment problem (proxy, VPC endpoint, firewall, wrong AWS_ENDPOINT_URL) that the operator has to find.
 */
export class AwsTimeout extends Error {
  override name = 'AwsTimeout';
  constructor(
    message: string,
    /** `dynamodb`, `kms`, ... and the API operation. */
    readonly service: string,
    readonly operation: string,
    /** The endpoint that did not answer, when the SDK had resolved it. */
    readonly endpoint: string | undefined,
    /** `connect`: the handshake never completed; `response`: connected, and no (complete) answer. */
    readonly phase: 'connect' | 'response',
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Adds the call-recording middleware at the `initialize` step: it runs once per `send`, before the retry
 * strategy, so one API call is one record whatever the number of HTTP attempts (reported in `attempts`).
 * A call that timed out on its last attempt is rethrown as {@link AwsTimeout} naming the endpoint.
 * Exported so adapters that need a client of another service can instrument it the same way; prefer
 * {@link createClient}, which also applies the connection's timeouts.
 */
export function instrument(client: Instrumentable, service: string, recorder: CallRecorder, connection?: ResolvedConnection): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const call = recorder.record(service, operation, args.input);
      try {
        const result = await next(args);
        const attempts = result.output.$metadata?.attempts;
        if (attempts !== undefined) call.attempts = attempts;
        return result;
      } catch (error) {
        const failure = error as { name?: string } & CallMetadata;
        const attempts = failure.$metadata?.attempts;
        if (attempts !== undefined) call.attempts = attempts;
        const timeout = isTimeout(error) ? await describeTimeout(error, client, context, service, operation, attempts, connection) : undefined;
        call.error = timeout?.name ?? failure.name ?? 'Error';
        throw timeout ?? error;
      }
    },
    { step: 'initialize', name: CALL_RECORDER_MIDDLEWARE, override: true },
  );
}

function isTimeout(error: unknown): error is Error {
  const failure = error as { name?: string; code?: string } | undefined;
  return failure?.name === 'TimeoutError' || failure?.code === 'ETIMEDOUT';
}

async function describeTimeout(
  error: Error,
  client: Instrumentable,
  context: MiddlewareContext,
  service: string,
  operation: string,
  attempts: number | undefined,
  connection: ResolvedConnection | undefined,
): Promise<AwsTimeout> {
  const endpoint = context.endpointV2?.url?.origin ?? (await configuredEndpoint(client));
  const phase = /establish a connection/.test(error.message) ? 'connect' : 'response';
  const limitMs = phase === 'connect' ? connection?.connectTimeoutMs : connection?.requestTimeoutMs;
  const where = endpoint ?? `the ${service} endpoint`;
  const within = limitMs === undefined ? '' : ` within ${limitMs / 1000} s`;
  const tries = attempts === undefined ? '' : ` (${attempts} attempt${attempts === 1 ? '' : 's'})`;
  const what = phase === 'connect' ? `could not connect to ${where}${within}` : `no response from ${where}${within}`;
  return new AwsTimeout(`${service} ${operation}: ${what}${tries}`, service, operation, endpoint, phase, { cause: error });
}

async function configuredEndpoint(client: Instrumentable): Promise<string | undefined> {
  try {
    const endpoint = await client.config?.endpoint?.();
    if (!endpoint?.hostname) return undefined;
    return `${endpoint.protocol ?? 'https:'}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}`;
  } catch {
    return undefined;
  }
}
