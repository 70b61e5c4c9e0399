/**
 * Observes KMS keys: those behind tables' server-side encryption, and those behind aliases the planner asks about.
 *
 * Why amortised: many tables share one key (often `alias/aws/dynamodb` or a team key), and KMS read APIs share a
 * per-account request quota with every encrypt/decrypt in the account. So: one paginated ListAliases per run,
 * then DescribeKey once per distinct key ARN, and GetKeyRotationStatus once per distinct customer managed key
 * that can rotate. AWS managed keys rotate yearly by definition and are not asked about.
 */
import { DescribeKeyCommand, GetKeyRotationStatusCommand, ListAliasesCommand } from '@aws-sdk/client-kms';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import type { ObservedKmsKey } from '../core/model/observed.ts';
import { collectPages, describeError, errorName, mapWithConcurrency, memoiseAsync } from './async-utils.ts';
import type { AwsClients } from './clients.ts';
import { needsRotationLookup, normaliseKmsKey } from './normalise-table.ts';

/** One KMS alias that points at a key. */
export interface KmsAlias {
  aliasName: string;
  aliasArn?: string;
  targetKeyId: string;
}

/** A failure to read one key. Tables encrypted with it become per-table errors. */
export class KmsKeyObserveError extends Error {
  constructor(
    readonly action: string,
    readonly keyArn: string,
    cause: unknown,
  ) {
    super(`${action} on ${keyArn} failed: ${describeError(cause)}`, { cause });
    this.name = 'KmsKeyObserveError';
  }
}

/** Looks up KMS keys by ARN, each at most once per run. */
export interface KmsObserver {
  /**
   * The observed key for a key ARN (as DynamoDB's `SSEDescription.KMSMasterKeyArn` names it).
   * @throws KmsKeyObserveError when the key cannot be read; whatever `aliases` rejects with when ListAliases failed.
   */
  key(arn: string): Promise<ObservedKmsKey>;
}

/** Rotation answers that mean "this key does not rotate automatically", not "we could not read it". */
const NO_AUTOMATIC_ROTATION_ERRORS = new Set(['UnsupportedOperationException', 'KMSInvalidStateException']);

/**
 * ListAliases' page size maximum: "If you include a value, it must be between 1 and 100, inclusive. If you do not
 * include a value, it defaults to 50." (https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html)
 */
export const KMS_ALIAS_PAGE_SIZE = 100;

/**
 * Lists every alias in the account and region that points at a key (all pages).
 * Predefined AWS managed aliases are listed before their key exists, without a TargetKeyId: they are skipped.
 */
export async function listKmsAliases(clients: AwsClients): Promise<KmsAlias[]> {
  const pages = await collectPages(
    (Marker) => clients.kms.send(new ListAliasesCommand({ Limit: KMS_ALIAS_PAGE_SIZE, ...(Marker === undefined ? {} : { Marker }) })),
    (page) => (page.Truncated === true ? page.NextMarker : undefined),
  );
  const aliases: KmsAlias[] = [];
  for (const alias of pages.flatMap((page) => page.Aliases ?? [])) {
    if (alias.TargetKeyId === undefined || alias.AliasName === undefined) continue;
    aliases.push({
      aliasName: alias.AliasName,
      targetKeyId: alias.TargetKeyId,
      ...(alias.AliasArn === undefined ? {} : { aliasArn: alias.AliasArn }),
    });
  }
  return aliases;
}

/**
 * The key ARN an alias points at, built from the alias ARN (same partition, region and account), so alias-driven
 * and table-driven lookups share one cache entry. Falls back to the key ID when the alias ARN is missing.
 */
export function keyArnOfAlias(alias: KmsAlias): string {
  const marker = alias.aliasArn?.indexOf(':alias/') ?? -1;
  if (alias.aliasArn === undefined || marker < 0) return alias.targetKeyId;
  return `${alias.aliasArn.slice(0, marker)}:key/${alias.targetKeyId}`;
}

/**
 * Creates the per-run KMS key cache over an (already started) alias listing. `known` keys (already described, e.g.
 * by the account index) are answered from memory: a batch never describes a key the index has.
 */
export function createKmsObserver(clients: AwsClients, aliases: Promise<KmsAlias[]>, known: Promise<Iterable<ObservedKmsKey>> = Promise.resolve([])): KmsObserver {
  const aliasNamesByKeyId = aliases.then((list) => {
    const byKeyId = new Map<string, string[]>();
    for (const alias of list) byKeyId.set(alias.targetKeyId, [...(byKeyId.get(alias.targetKeyId) ?? []), alias.aliasName]);
    return byKeyId;
  });
  // Callers that never ask for a key must not see an unhandled rejection from this derived promise.
  aliasNamesByKeyId.catch(() => undefined);

  const key = memoiseAsync(async (arn: string): Promise<ObservedKmsKey> => {
    const [described, names] = await Promise.all([
      clients.kms.send(new DescribeKeyCommand({ KeyId: arn })).catch((cause: unknown) => {
        throw new KmsKeyObserveError('kms:DescribeKey', arn, cause);
      }),
      aliasNamesByKeyId,
    ]);
    const metadata = described.KeyMetadata;
    if (metadata === undefined) throw new KmsKeyObserveError('kms:DescribeKey', arn, new Error('no KeyMetadata in the response'));
    let rotation: { KeyRotationEnabled?: boolean; RotationPeriodInDays?: number } | undefined;
    if (needsRotationLookup(metadata)) {
      try {
        rotation = await clients.kms.send(new GetKeyRotationStatusCommand({ KeyId: metadata.Arn ?? arn }));
      } catch (cause) {
        if (!NO_AUTOMATIC_ROTATION_ERRORS.has(errorName(cause) ?? '')) {
          throw new KmsKeyObserveError('kms:GetKeyRotationStatus', arn, cause);
        }
        rotation = { KeyRotationEnabled: false };
      }
    }
    return normaliseKmsKey(metadata, names.get(metadata.KeyId ?? '') ?? [], rotation);
  });

  const knownByArn = known.then((keys) => new Map([...keys].map((k) => [k.arn, k] as const)));
  knownByArn.catch(() => undefined);
  return { key: async (arn) => (await knownByArn).get(arn) ?? key(arn) };
}

/**
 * Describes the keys behind `wanted` aliases (every alias when `wanted` is undefined), through the shared cache.
 * Aliases that do not exist are simply not returned: the planner reads that as "create it".
 *
 * @returns the described keys (each key once, whatever the number of its aliases)
 * @throws KmsKeyObserveError when a wanted alias exists but its key cannot be read: guessing "missing" would make
 *   the planner create a duplicate key.
 */
export async function observeAliasedKeys(
  kms: KmsObserver,
  aliases: KmsAlias[],
  wanted: readonly string[] | undefined,
  concurrency: number,
): Promise<ObservedKmsKey[]> {
  const wantedSet = wanted === undefined ? undefined : new Set(wanted);
  const arns = [...new Set(aliases.filter((a) => wantedSet === undefined || wantedSet.has(a.aliasName)).map(keyArnOfAlias))];
  return mapWithConcurrency(arns, concurrency, (arn) => kms.key(arn));
}

/** Indexes keys by each of their aliases. */
export function keysByAlias(keys: Iterable<ObservedKmsKey>): Record<string, ObservedKmsKey> {
  const byAlias: Record<string, ObservedKmsKey> = {};
  for (const key of keys) {
    for (const alias of key.aliases) byAlias[alias] = key;
  }
  return Object.fromEntries(Object.entries(byAlias).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The tag that names the alias a key was created for: how a key left without its alias is found again. */
export const ALIAS_TAG = 'tablewarden:alias';
/** The tag every resource tablewarden creates carries. */
export const MANAGED_BY_TAG = { key: 'managed-by', value: 'tablewarden' } as const;

/** A key tablewarden created, found by its tags. */
export interface TaggedKey {
  arn: string;
  /** The alias it was created for (`tablewarden:alias`). */
  alias: string;
}

/**
 * Every key tablewarden created (tags `managed-by=tablewarden` and `tablewarden:alias`), optionally only those for
 * one alias: one paginated `tag:GetResources` call, whatever the number of keys in the account.
 */
export async function listTaggedKeys(clients: AwsClients, alias?: string): Promise<TaggedKey[]> {
  const TagFilters = [
    { Key: MANAGED_BY_TAG.key, Values: [MANAGED_BY_TAG.value] },
    alias === undefined ? { Key: ALIAS_TAG } : { Key: ALIAS_TAG, Values: [alias] },
  ];
  const ResourceTypeFilters = ['kms:key'];
  const pages = await collectPages(
    (PaginationToken) =>
      clients.tagging.send(new GetResourcesCommand({ ResourceTypeFilters, TagFilters, ...(PaginationToken === undefined ? {} : { PaginationToken }) })),
    (page) => page.PaginationToken || undefined,
  );
  return pages.flatMap((page) =>
    (page.ResourceTagMappingList ?? []).flatMap((mapping) => {
      const tagged = mapping.Tags?.find((tag) => tag.Key === ALIAS_TAG)?.Value;
      return mapping.ResourceARN === undefined || tagged === undefined || (alias !== undefined && tagged !== alias) ? [] : [{ arn: mapping.ResourceARN, alias: tagged }];
    }),
  );
}

/** A key tablewarden created for an alias that does not point to it. */
export interface OrphanKey {
  arn: string;
  /** The alias it was created for. */
  alias: string;
  /** The key the alias points to instead; undefined when the alias does not exist (the next apply adopts the key). */
  aliasTarget?: string;
}

/**
 * Keys tablewarden created (tag `tablewarden:alias`) that their alias does not point to: left by a crash before
 * CreateAlias (before keys were adopted), or by two runs that did not share the lock. They are reported so a person
 * can check and schedule their deletion: tablewarden never deletes a key, and its key policy forbids the operator to.
 * Keys already pending deletion or disabled are left out. Cost: one tag:GetResources (all pages), the alias listing
 * the caller already has, and one DescribeKey per candidate orphan.
 */
export async function findOrphanKeys(clients: AwsClients, aliases: KmsAlias[]): Promise<OrphanKey[]> {
  const targets = new Map(aliases.map((alias) => [alias.aliasName, alias.targetKeyId]));
  const keyId = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
  const candidates = (await listTaggedKeys(clients)).filter((key) => targets.get(key.alias) !== keyId(key.arn));
  const states = await mapWithConcurrency(candidates, 4, async (key) => (await clients.kms.send(new DescribeKeyCommand({ KeyId: key.arn }))).KeyMetadata?.KeyState);
  return candidates.flatMap((key, index) => {
    if (states[index] !== 'Enabled') return [];
    const target = targets.get(key.alias);
    return [{ arn: key.arn, alias: key.alias, ...(target === undefined ? {} : { aliasTarget: target }) }];
  });
}
