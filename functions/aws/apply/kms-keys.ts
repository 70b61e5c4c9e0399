/**
 * Customer-managed keys: find by alias, adopt, or create (with rotation on), and keep rotation at the declared period.
 * Never disables a key, never schedules its deletion: there is no code path here that could.
 *
 * Why the care: one key per alias, ever (DESIGN.md, safety invariants). A key has no natural idempotency token, and
 * the key policy stops the operator from deleting one, so every duplicate is permanent. CreateKey then CreateAlias is
 * two calls, and anything between them (a crash, a CreateAlias that keeps failing, a lost CreateKey response the SDK
 * would retry, a second apply running at the same time) would leave a key with no alias. So:
 * - every key is tagged at CreateKey with `tablewarden:alias=<alias>` (and `managed-by=tablewarden`);
 * - before creating, a key tablewarden already made for the alias is *adopted*: found by tag with one Resource Groups
 *   Tagging API call (`tag:GetResources`, resource type `kms:key`), then the alias is attached to it;
 * - CreateKey is sent with the SDK's retries off. When it fails in a way that may have created the key anyway (a
 *   timeout, a 5xx, throttling), the tag lookup runs again before any new CreateKey (at most 3 CreateKeys);
 * - CreateAlias answering AlreadyExistsException means another run attached it first: its key is the key.
 * What remains is a key the tagging API did not show yet (it is eventually consistent) or a concurrent run that
 * bypassed the operator's lock: such a key is tagged and reported by `findOrphanKeys` (observe-kms.ts), never deleted.
 * APIs: https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html,
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html,
 * https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  type CreateKeyCommandOutput,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { keyPolicy, principalArnFromCallerArn } from '../../core/kms/key-policy.ts';
import { errorName } from '../async-utils.ts';
import type { AwsClients } from '../clients.ts';
import { ALIAS_TAG, MANAGED_BY_TAG, listTaggedKeys } from '../observe-kms.ts';


/** The account and principal running tablewarden. */
export interface OperatorIdentity {
  partition: string;
  accountId: string;
  operatorArn: string;
}

/** Resolve who we are (sts:GetCallerIdentity needs no permission), unless the caller names the role. */
export async function operatorIdentity(clients: AwsClients, operatorArn?: string): Promise<OperatorIdentity> {
  const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
  const arn = identity.Arn ?? '';
  const partition = arn.split(':')[1] ?? 'aws';
  return { partition, accountId: identity.Account ?? '', operatorArn: operatorArn ?? principalArnFromCallerArn(arn) };
}

/** The key ARN behind an alias, or undefined when the alias does not exist. */
export async function keyArnForAlias(clients: AwsClients, alias: string): Promise<string | undefined> {
  try {
    const { KeyMetadata } = await clients.kms.send(new DescribeKeyCommand({ KeyId: alias }));
    return KeyMetadata?.Arn;
  } catch (error) {
    if (errorName(error) === 'NotFoundException') return undefined;
    throw error;
  }
}

/**
 * The key to adopt for `alias`: of the enabled keys tablewarden created for it, the oldest (ties by key id), so every
 * run that looks picks the same one. Keys pending deletion or disabled are never adopted.
 */
async function findAdoptableKey(clients: AwsClients, alias: string): Promise<KeyRef | undefined> {
  const tagged = await listTaggedKeys(clients, alias);
  const described = await Promise.all(tagged.map(async (key) => (await clients.kms.send(new DescribeKeyCommand({ KeyId: key.arn }))).KeyMetadata));
  const usable = described.flatMap((metadata) =>
    metadata?.KeyState === 'Enabled' && metadata.Arn !== undefined && metadata.KeyId !== undefined ? [{ keyId: metadata.KeyId, arn: metadata.Arn, created: metadata.CreationDate?.getTime() ?? 0 }] : [],
  );
  usable.sort((a, b) => a.created - b.created || (a.keyId < b.keyId ? -1 : 1));
  return usable[0];
}

/** A key by id (for requests) and ARN (what callers get back). */
interface KeyRef {
  keyId: string;
  arn: string;
}

/** Not retried by the SDK's strategy: raised inside its loop so a single attempt ends there (carries no `cause`). */
class SingleAttemptFailure extends Error {
  override name = 'SingleAttemptFailure';
  constructor(readonly original: unknown) {
    super('single attempt failed');
  }
}

/**
 * Send one command exactly once, whatever the client's `maxAttempts`: a middleware just inside the SDK's retry loop
 * turns the first failure into an error the retry strategy classes as not retryable, and one just outside it puts
 * the original error back (with `attempts: 1`), so callers and the call recorder see what AWS answered. Used for
 * CreateKey, where an SDK retry of a request AWS completed makes a second key.
 */
export async function sendOnce(client: KMSClient, command: CreateKeyCommand): Promise<CreateKeyCommandOutput> {
  type Handler = (args: object) => Promise<object>;
  type Middleware = Parameters<CreateKeyCommand['middlewareStack']['addRelativeTo']>[0];
  const wrap = (next: Handler): Handler => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      throw new SingleAttemptFailure(error);
    }
  };
  const unwrap = (next: Handler): Handler => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      if (!(error instanceof SingleAttemptFailure)) throw error;
      const original = error.original as { $metadata?: { attempts?: number } };
      if (typeof original === 'object' && original !== null) original.$metadata = { ...original.$metadata, attempts: 1 };
      throw error.original;
    }
  };
  // Typed structurally (the middleware types live in @smithy/types, not a dependency of ours). Both sit in the retry
  // middleware's own step (finalizeRequest), one on each side of it.
  command.middlewareStack.addRelativeTo(wrap as Middleware, { relation: 'after', toMiddleware: 'retryMiddleware', name: 'tablewardenSingleAttempt', override: true });
  command.middlewareStack.addRelativeTo(unwrap as Middleware, { relation: 'before', toMiddleware: 'retryMiddleware', name: 'tablewardenSingleAttemptError', override: true });
  return client.send(command);
}

/** Errors after which CreateKey may or may not have created the key: look before sending another. */
function mayHaveCreated(error: unknown): boolean {
  const failure = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = failure.$metadata?.httpStatusCode ?? 0;
  return (
    status >= 500 ||
    status === 429 ||
    failure.$retryable !== undefined ||
    /Throttl|Timeout|TimedOut|KMSInternal|ServiceUnavailable|InternalFailure|RequestLimitExceeded/i.test(failure.name ?? '') ||
    ['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(failure.code ?? '')
  );
}

/** Tuning for {@link ensureKmsKey}; tests replace the wait. */
export interface EnsureKeyOptions {
  /** CreateKey calls at most (default 3), each sent once. */
  createAttempts?: number;
  /** Wait before looking again after an ambiguous CreateKey failure (default 1 s, 2 s, ...: the tagging API lags). */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The key for `alias`: the one the alias names; else a key tablewarden created for it earlier (adopted: the alias is
 * attached and rotation turned on); else a new one. Returns the key ARN. See the module header for why.
 */
export async function ensureKmsKey(
  clients: AwsClients,
  request: { alias: string; rotationPeriodDays: number },
  identity: () => Promise<OperatorIdentity>,
  options: EnsureKeyOptions = {},
): Promise<string> {
  const existing = await keyArnForAlias(clients, request.alias);
  if (existing) return existing;
  const maxCreates = Math.max(1, options.createAttempts ?? 3);
  const sleep = options.sleep ?? defaultSleep;
  let key = await findAdoptableKey(clients, request.alias);
  for (let attempt = 1; key === undefined; attempt++) {
    try {
      key = await createTaggedKey(clients, request.alias, await identity());
    } catch (error) {
      if (attempt >= maxCreates || !mayHaveCreated(error)) throw error;
      await sleep(1000 * attempt);
      key = await findAdoptableKey(clients, request.alias);
    }
  }
  try {
    await clients.kms.send(new CreateAliasCommand({ AliasName: request.alias, TargetKeyId: key.keyId }));
  } catch (error) {
    if (errorName(error) !== 'AlreadyExistsException') {
      throw new Error(`key ${key.keyId} is tagged ${ALIAS_TAG}=${request.alias} but CreateAlias failed: ${(error as Error).message}. The next apply adopts this key (it is never duplicated).`, { cause: error });
    }
    // Another run attached the alias first: its key is the key; ours stays tagged and is reported as an orphan.
    const winner = await keyArnForAlias(clients, request.alias);
    if (winner) return winner;
    throw error;
  }
  await clients.kms.send(new EnableKeyRotationCommand({ KeyId: key.keyId, RotationPeriodInDays: request.rotationPeriodDays }));
  return key.arn;
}

async function createTaggedKey(clients: AwsClients, alias: string, who: OperatorIdentity): Promise<KeyRef> {
  const { KeyMetadata } = await sendOnce(
    clients.kms,
    new CreateKeyCommand({
      Description: `tablewarden: DynamoDB encryption key for ${alias}`,
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      Policy: keyPolicy({ ...who, region: clients.region }),
      Tags: [
        { TagKey: MANAGED_BY_TAG.key, TagValue: MANAGED_BY_TAG.value },
        { TagKey: ALIAS_TAG, TagValue: alias },
      ],
    }),
  );
  if (!KeyMetadata?.KeyId || !KeyMetadata.Arn) throw new Error(`CreateKey for ${alias} returned no key id`);
  return { keyId: KeyMetadata.KeyId, arn: KeyMetadata.Arn };
}

/** Turn rotation on with the given period (EnableKeyRotation sets the period when rotation is already on). */
export async function setKeyRotation(clients: AwsClients, keyArn: string, rotationPeriodDays: number): Promise<void> {
  await clients.kms.send(new EnableKeyRotationCommand({ KeyId: keyArn, RotationPeriodInDays: rotationPeriodDays }));
}
