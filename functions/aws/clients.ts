/**
 * The one factory for AWS SDK clients.
 *
 * Why one factory: endpoint (real AWS, moto, the local gap layer), region, credentials and retry behaviour must be
 * identical for every adapter, and every call must pass through the same {@link CallRecorder} so tests and
 * benchmarks can count calls per run. Adapters never construct clients themselves.
 */
import { BackupClient } from '@aws-sdk/client-backup';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import { CallRecorder } from './call-recorder.ts';

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
  /** Total attempts per call including the first, handled by the SDK's retry strategy. Default 8. */
  maxAttempts?: number;
}

/** The clients every adapter uses, plus the recorder they all report to. */
export interface AwsClients {
  dynamodb: DynamoDBClient;
  kms: KMSClient;
  backup: BackupClient;
  tagging: ResourceGroupsTaggingAPIClient;
  /** Only for GetCallerIdentity (which needs no IAM permission): the account and the operator's principal. */
  sts: STSClient;
  /** Every call made through these clients, as IAM actions. */
  calls: CallRecorder;
  /** The resolved region. */
  region: string;
}

/** Default attempts per call. Control-plane APIs throttle hard (TagResource 5 rps, ListTagsOfResource 10 rps). */
export const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * Creates the DynamoDB, KMS, Backup and tagging clients for one run, sharing one {@link CallRecorder}.
 *
 * Retries use the SDK's adaptive strategy: standard exponential backoff with jitter plus a client-side token
 * bucket that slows down after throttling, which suits bursts of control-plane calls. We never retry by hand.
 *
 * @throws Error when no region is configured (a silent default region would observe the wrong account state).
 */
export function createClients(connection: AwsConnection = {}): AwsClients {
  const region = connection.region ?? nonEmpty(process.env['AWS_REGION']) ?? nonEmpty(process.env['AWS_DEFAULT_REGION']);
  if (region === undefined) {
    throw new Error('No AWS region configured: pass connection.region or set AWS_REGION (or AWS_DEFAULT_REGION).');
  }
  const credentials =
    connection.credentials !== undefined
      ? { ...connection.credentials }
      : connection.profile !== undefined
        ? fromIni({ profile: connection.profile })
        : undefined;

  const config = {
    region,
    maxAttempts: connection.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: 'adaptive',
    ...(connection.endpoint !== undefined ? { endpoint: connection.endpoint } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
  };

  const calls = new CallRecorder();
  const dynamodb = new DynamoDBClient(config);
  const kms = new KMSClient(config);
  const backup = new BackupClient(config);
  const tagging = new ResourceGroupsTaggingAPIClient(config);
  const sts = new STSClient(config);
  instrument(dynamodb, 'dynamodb', calls);
  instrument(kms, 'kms', calls);
  instrument(backup, 'backup', calls);
  instrument(tagging, 'tag', calls);
  instrument(sts, 'sts', calls);
  return { dynamodb, kms, backup, tagging, sts, calls, region };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The slice of the SDK's middleware API the recorder needs, typed structurally so it fits every client. */
interface CallMetadata {
  $metadata?: { attempts?: number };
}
type InitializeHandler = (args: { input: object }) => Promise<{ output: CallMetadata }>;
type InitializeMiddleware = (next: InitializeHandler, context: { commandName?: string }) => InitializeHandler;
interface Instrumentable {
  middlewareStack: {
    add(middleware: InitializeMiddleware, options: { step: 'initialize'; name: string; override: boolean }): void;
  };
}

/** Name of the middleware, so it can be found or replaced in a client's stack. */
export const CALL_RECORDER_MIDDLEWARE = 'tablewardenCallRecorder';

/**
 * Adds the call-recording middleware at the `initialize` step: it runs once per `send`, before the retry
 * strategy, so one API call is one record whatever the number of HTTP attempts (reported in `attempts`).
 * Exported so adapters that need a client of another service can instrument it the same way.
 */
export function instrument(client: Instrumentable, service: string, recorder: CallRecorder): void {
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
        call.error = failure.name ?? 'Error';
        const attempts = failure.$metadata?.attempts;
        if (attempts !== undefined) call.attempts = attempts;
        throw error;
      }
    },
    { step: 'initialize', name: CALL_RECORDER_MIDDLEWARE, override: true },
  );
}
