/**
 * Observes the tables the desired state names, and the account facts around them, with as few calls as possible.
 *
 * Why this shape: DynamoDB, KMS, AWS Backup and the tagging API all have per-account quotas, and a reconcile runs
 * nightly and on every merge, so cost must not grow with anything but the number of managed tables.
 * - Per table: DescribeTable; DescribeContinuousBackups / DescribeTimeToLive / DescribeContributorInsights only
 *   when the desired state manages that aspect.
 * - Once per run (the {@link AccountIndex}, {@link observeAccountIndex}): ListTables (all pages), tag:GetResources
 *   for every table (all pages, instead of 10 rps ListTagsOfResource per table), AWS Backup plans/selections/
 *   protected resources, KMS ListAliases and the keys behind the aliases the desired state names. The operator reads
 *   it once at load and shares it with every batch ({@link observeTables}); the CLI does both ({@link observeAccount}).
 * - Every list is read at the API's maximum page size (ListTables 100, GetResources 100, ListAliases 100, AWS Backup
 *   1000), so account-level reads grow with N/100.
 * - Once per distinct KMS key (used by a table, or behind an alias the planner asks about): DescribeKey, and
 *   GetKeyRotationStatus for customer managed keys.
 *
 * Failure model: a desired table that does not exist is absent from `tables`. Any other failure specific to one
 * table (AccessDenied on it or its key, an unparseable description) goes to `errors[name]`, and that table is not
 * in `tables` (a table is in exactly one of the two, or neither when it does not exist). A failure of an
 * account-level read throws {@link ObserveFailed}: without it no table's observation would be trustworthy. The keys
 * behind aliases are account-level too: a wanted alias whose key cannot be read throws rather than look missing
 * (a "missing" key would make the planner create a duplicate one).
 */
import {
  DescribeContinuousBackupsCommand,
  DescribeContributorInsightsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AccountIndex, ObservedAccount, ObservedKmsKey, ObservedTable } from '../core/model/observed.ts';
import { ObserveFailed } from '../core/errors.ts';
import type { ObserveAspects, ObserveRequest as PlannerObserveRequest } from '../core/plan/observe-request.ts';
import { DRILL_TABLE_PREFIX } from '../core/plan/planner.ts';
import { collectPages, createLimiter, describeError, errorName, mapWithConcurrency } from './async-utils.ts';
import type { AwsClients } from './clients.ts';
import { createCoverageLookup, loadBackupIndex } from './observe-backup.ts';
import type { KmsAlias, KmsObserver } from './observe-kms.ts';
import { KmsKeyObserveError, createKmsObserver, keysByAlias, listKmsAliases, observeAliasedKeys } from './observe-kms.ts';
import {
  normaliseContinuousBackups,
  normaliseContributorInsights,
  normaliseContributorInsightsMode,
  normaliseTableDescription,
  normaliseTimeToLive,
  tableKmsKeyArn,
} from './normalise-table.ts';

/**
 * Which tables to observe and which optional aspects the desired state manages for each: the planner's work order
 * (`observeRequestFor` in core derives it from the desired state), with `kmsAliases` optional.
 *
 * - `tables`: the declared tables and the aspects each one manages.
 * - `unmanaged`: when set, every other table in ListTables (except `tw-drill-*` restore-drill tables) is observed
 *   too, with these aspects (the policy baseline's), so the planner can assess them against the baseline.
 * - `kmsAliases`: the aliases the desired state names; their keys are described so the planner can tell an
 *   existing key from one to create. When omitted, the key behind *every* alias in the account is described
 *   (correct, but one DescribeKey per aliased key, and any unreadable key fails the run). Keys used by observed
 *   tables are always included.
 */
export type ObserveRequest = Omit<PlannerObserveRequest, 'kmsAliases'> & { kmsAliases?: string[] };

export type { AccountIndex } from '../core/model/observed.ts';

/**
 * ListTables' page size maximum: "A maximum number of table names to return. If this parameter is not specified, the
 * limit is 100." (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListTables.html)
 */
export const LIST_TABLES_PAGE_SIZE = 100;

/**
 * tag:GetResources' page size maximum: ResourcesPerPage "You can specify a minimum of 1 and a maximum value of 100"
 * (https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html).
 */
export const TAGGING_PAGE_SIZE = 100;

/**
 * ARNs in one GetResources ResourceARNList call (which takes no pagination parameters, so each call is one page);
 * see the same page. Kept at 100, the page size the API answers in.
 */
export const TAGGING_ARN_LIST_MAX = 100;

/** Tuning for {@link observeAccount}. */
export interface ObserveOptions {
  /** Tables observed at once (default 8). Also bounds the AWS Backup selection reads. */
  concurrency?: number;
}

/** Default number of tables observed at once. */
export const DEFAULT_OBSERVE_CONCURRENCY = 8;

/**
 * DynamoDB's "no such table" errors. DescribeContinuousBackups answers TableNotFoundException (seen in the
 * recordings), the other operations ResourceNotFoundException.
 */
const NOT_FOUND_ERRORS = new Set(['ResourceNotFoundException', 'TableNotFoundException']);

/** Everything about a table except what comes from account-level reads (tags, backup coverage). */
type TableWithoutAccountFacts = Omit<ObservedTable, 'tags' | 'backup'>;

type TableOutcome =
  | { kind: 'observed'; table: TableWithoutAccountFacts }
  | { kind: 'absent' }
  | { kind: 'error'; message: string }
  | { kind: 'account-failure'; error: ObserveFailed };

/** A per-table call failed; carries the IAM action so the report says exactly what was denied. */
class TableStepError extends Error {
  constructor(
    readonly action: string,
    cause: unknown,
  ) {
    super(`${action} failed: ${describeError(cause)}`, { cause });
    this.name = 'TableStepError';
  }
}

/**
 * Reads the account-level facts once: ListTables (all pages), tag:GetResources for every DynamoDB table (all pages),
 * kms:ListAliases and the keys behind the aliases `request` names (every alias when it names none), and the AWS
 * Backup index. No per-table call. A run reads this once at load and hands it to every batch.
 *
 * @throws ObserveFailed when any of these reads fails (after the SDK's retries), with the cause attached.
 */
export async function observeAccountIndex(clients: AwsClients, request: Pick<ObserveRequest, 'kmsAliases'>, options: ObserveOptions = {}): Promise<AccountIndex> {
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_OBSERVE_CONCURRENCY);
  const observedAt = new Date().toISOString();
  const tableNames = accountLevel('dynamodb:ListTables', () => listTableNames(clients));
  const tags = accountLevel('tag:GetResources', () => loadTableTags(clients));
  const backup = accountLevel('AWS Backup (ListBackupPlans/ListBackupSelections/GetBackupSelection/ListProtectedResources)', () =>
    loadBackupIndex(clients, concurrency),
  );
  const aliases = accountLevel('kms:ListAliases', () => listKmsAliases(clients));
  const kms = createKmsObserver(clients, aliases);
  const aliasedKeys = aliases.then((list) =>
    accountLevel('KMS keys behind aliases', () => observeAliasedKeys(kms, list, request.kmsAliases, concurrency)),
  );
  const results = await Promise.allSettled([tableNames, tags, backup, aliases, aliasedKeys]);
  for (const result of results) {
    if (result.status === 'rejected') throw result.reason;
  }

  const names = await tableNames;
  const byArn = await tags;
  const index: AccountIndex = {
    observedAt,
    tableNames: names,
    tableArns: {},
    tags: {},
    kmsKeysByAlias: {},
    backup: await backup,
    kmsAliasesByKeyId: {},
  };
  for (const [arn, tableTags] of byArn) {
    const name = tableNameOfArn(arn);
    if (name === undefined) continue;
    index.tableArns[name] = arn;
    index.tags[name] = tableTags;
  }
  const prefix = tableArnPrefix(index);
  if (prefix !== undefined) {
    for (const name of names) index.tableArns[name] ??= `${prefix}${name}`;
  }
  const aliasList = await aliases;
  const keyByAlias = keysByAlias(await aliasedKeys);
  const wanted = request.kmsAliases ?? aliasList.map((alias) => alias.aliasName);
  for (const alias of [...new Set(wanted)].sort()) index.kmsKeysByAlias[alias] = keyByAlias[alias] ?? null;
  const aliasesByKeyId: Record<string, string[]> = {};
  for (const alias of aliasList) (aliasesByKeyId[alias.targetKeyId] ??= []).push(alias.aliasName);
  index.kmsAliasesByKeyId = aliasesByKeyId;
  return index;
}

/**
 * Observes the requested tables against an account index: only per-table calls (DescribeTable, the declared
 * aspects, and DescribeKey/GetKeyRotationStatus for a table's key the index has not described). Tags, backup
 * coverage, the table list and the keys behind aliases come from `index`: zero account-level calls.
 *
 * @throws ObserveFailed when `request` names a KMS alias the index was not built for (the planner would read the
 *   key as missing and create a second one).
 */
export async function observeTables(clients: AwsClients, index: AccountIndex, request: ObserveRequest, options: ObserveOptions = {}): Promise<ObservedAccount> {
  const missing = (request.kmsAliases ?? []).filter((alias) => !(alias in index.kmsKeysByAlias));
  if (missing.length > 0) {
    throw new ObserveFailed(`Could not observe the account: the account index has no entry for KMS alias ${missing.join(', ')}; build it with a request that names every alias`);
  }
  return observeWith(clients, Promise.resolve(index), request, options);
}

/**
 * Re-reads the tags of some tables (after apply changed them) with tag:GetResources by ARN list, at most 100 ARNs
 * a call, and returns a new index with those tables' tags replaced (a table with no tags, or gone, gets none).
 * Backup coverage follows, since tablewarden's selections are tag-based.
 *
 * @throws ObserveFailed when GetResources fails, or a table's ARN is unknown and cannot be derived.
 */
export async function refreshTableTags(clients: AwsClients, index: AccountIndex, tableNames: string[]): Promise<AccountIndex> {
  const names = [...new Set(tableNames)];
  if (names.length === 0) return index;
  const tableArns = { ...index.tableArns };
  const unknown = names.filter((name) => tableArns[name] === undefined);
  if (unknown.length > 0) {
    const prefix = tableArnPrefix(index) ?? (await accountLevel('sts:GetCallerIdentity', () => callerTableArnPrefix(clients)));
    for (const name of unknown) tableArns[name] = `${prefix}${name}`;
  }
  const arns = names.map((name) => tableArns[name] as string);
  const chunks: string[][] = [];
  for (let i = 0; i < arns.length; i += TAGGING_ARN_LIST_MAX) chunks.push(arns.slice(i, i + TAGGING_ARN_LIST_MAX));
  const found = await accountLevel('tag:GetResources', async () => {
    const pages = await mapWithConcurrency(chunks, 2, (ResourceARNList) => clients.tagging.send(new GetResourcesCommand({ ResourceARNList })));
    return tagsByArn(pages);
  });
  const tags = { ...index.tags };
  for (const name of names) {
    const current = found.get(tableArns[name] as string);
    if (current === undefined) delete tags[name];
    else tags[name] = current;
  }
  return { ...index, tableArns, tags };
}

/**
 * Observes the requested tables and the account-level facts the controls need: {@link observeAccountIndex} and
 * {@link observeTables} in one (the CLI). The declared tables' reads start at once, alongside the index reads.
 *
 * @throws ObserveFailed when an account-level read fails (after the SDK's retries), with the cause attached.
 */
export async function observeAccount(clients: AwsClients, request: ObserveRequest, options: ObserveOptions = {}): Promise<ObservedAccount> {
  const index = observeAccountIndex(clients, request, options);
  index.catch(() => undefined);
  return observeWith(clients, index, request, options);
}

async function observeWith(clients: AwsClients, indexPromise: Promise<AccountIndex>, request: ObserveRequest, options: ObserveOptions): Promise<ObservedAccount> {
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_OBSERVE_CONCURRENCY);
  const declared = uniqueByName(request.tables);
  const limit = createLimiter(concurrency);
  const aliases = indexPromise.then((index) => aliasesOfIndex(index));
  const knownKeys = indexPromise.then((index) => Object.values(index.kmsKeysByAlias).filter((key): key is ObservedKmsKey => key !== null));
  aliases.catch(() => undefined);
  knownKeys.catch(() => undefined);
  const kms = createKmsObserver(clients, aliases, knownKeys);

  const observeAll = (entries: TableEntry[]) => Promise.all(entries.map((entry) => limit(() => observeTable(clients, kms, entry))));
  const declaredOutcomes = observeAll(declared);
  declaredOutcomes.catch(() => undefined);
  const index = await indexPromise;
  const unmanaged = unmanagedEntries(index, declared, request.unmanaged);
  const outcomes = [...(await declaredOutcomes), ...(await observeAll(unmanaged))];
  const entries = [...declared, ...unmanaged];
  const accountFailure = outcomes.find((o): o is Extract<TableOutcome, { kind: 'account-failure' }> => o.kind === 'account-failure');
  if (accountFailure !== undefined) throw accountFailure.error;

  const covering = createCoverageLookup(index.backup);
  const indexKeys = Object.values(index.kmsKeysByAlias).filter((key): key is ObservedKmsKey => key !== null);
  const tableKeys: ObservedKmsKey[] = outcomes.flatMap((o) => (o.kind === 'observed' && o.table.kmsKey !== undefined ? [o.table.kmsKey] : []));
  const observed: ObservedAccount = {
    tables: {},
    allTableNames: [...index.tableNames],
    kmsKeysByAlias: keysByAlias([...indexKeys, ...tableKeys]),
    errors: {},
  };
  entries.forEach((entry, position) => {
    const outcome = outcomes[position] as TableOutcome;
    if (outcome.kind === 'error') observed.errors[entry.name] = outcome.message;
    if (outcome.kind !== 'observed') return;
    const table = outcome.table;
    const tableTags = index.tags[entry.name] ?? {};
    const latestRecoveryPointAt = index.backup.lastBackupByArn[table.arn];
    observed.tables[entry.name] = {
      ...table,
      tags: { ...tableTags },
      backup: {
        planNames: covering({ arn: table.arn, tags: tableTags }),
        ...(latestRecoveryPointAt === undefined ? {} : { latestRecoveryPointAt }),
      },
    };
  });
  return observed;
}

/**
 * The unmanaged tables to observe: `unmanaged.names` when given (the run's share for this batch), else every table
 * in the index, minus declared tables, `declaredElsewhere` and restore-drill tables.
 */
function unmanagedEntries(index: AccountIndex, declared: readonly TableEntry[], unmanaged: ObserveRequest['unmanaged']): TableEntry[] {
  if (unmanaged === undefined) return [];
  const known = new Set([...declared.map((entry) => entry.name), ...(unmanaged.declaredElsewhere ?? [])]);
  const candidates = [...new Set(unmanaged.names ?? index.tableNames)];
  return candidates.filter((name) => !known.has(name) && !name.startsWith(DRILL_TABLE_PREFIX)).map((name) => ({ name, aspects: unmanaged.aspects }));
}

/** The alias listing as the KMS observer takes it, rebuilt from the index. */
function aliasesOfIndex(index: AccountIndex): KmsAlias[] {
  const aliases: KmsAlias[] = [];
  for (const [targetKeyId, names] of Object.entries(index.kmsAliasesByKeyId ?? {})) {
    for (const aliasName of names) aliases.push({ aliasName, targetKeyId });
  }
  return aliases;
}

async function accountLevel<T>(stage: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (cause) {
    if (cause instanceof ObserveFailed) throw cause;
    throw new ObserveFailed(`Could not observe the account: ${stage} failed: ${describeError(cause)}`, { cause });
  }
}

/** One table to observe and the aspects to read for it. */
interface TableEntry {
  name: string;
  aspects: ObserveAspects;
}

async function observeTable(clients: AwsClients, kms: KmsObserver, entry: TableEntry): Promise<TableOutcome> {
  const TableName = entry.name;
  try {
    const described = await step('dynamodb:DescribeTable', () => clients.dynamodb.send(new DescribeTableCommand({ TableName })));
    const description = described.Table;
    if (description === undefined) return { kind: 'error', message: 'dynamodb:DescribeTable returned no Table' };
    const keyArn = tableKmsKeyArn(description);
    const { aspects } = entry;

    const [kmsKey, pitr, ttl, insights] = await Promise.all([
      keyArn === undefined ? undefined : kms.key(keyArn),
      aspects.pointInTimeRecovery
        ? step('dynamodb:DescribeContinuousBackups', () => clients.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName })))
        : undefined,
      aspects.timeToLive ? step('dynamodb:DescribeTimeToLive', () => clients.dynamodb.send(new DescribeTimeToLiveCommand({ TableName }))) : undefined,
      aspects.contributorInsights
        ? step('dynamodb:DescribeContributorInsights', () => clients.dynamodb.send(new DescribeContributorInsightsCommand({ TableName })))
        : undefined,
    ]);

    const base = normaliseTableDescription(description, kmsKey);
    const table: TableWithoutAccountFacts = {
      ...base,
      ...(kmsKey === undefined ? {} : { kmsKey }),
      ...(pitr === undefined ? {} : { pointInTimeRecovery: normaliseContinuousBackups(pitr) }),
      ...(ttl === undefined ? {} : { timeToLive: normaliseTimeToLive(ttl) }),
      ...(insights === undefined ? {} : { contributorInsights: normaliseContributorInsights(insights) }),
      ...(insights === undefined || normaliseContributorInsightsMode(insights) === undefined ? {} : { contributorInsightsMode: normaliseContributorInsightsMode(insights) }),
    };
    return { kind: 'observed', table };
  } catch (error) {
    if (error instanceof ObserveFailed) return { kind: 'account-failure', error };
    // Deleted between ListTables/DescribeTable and a later call: the table does not exist.
    if (error instanceof TableStepError && NOT_FOUND_ERRORS.has(errorName(error.cause) ?? '')) return { kind: 'absent' };
    if (error instanceof TableStepError || error instanceof KmsKeyObserveError) return { kind: 'error', message: error.message };
    return { kind: 'error', message: describeError(error) };
  }
}

async function step<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    throw new TableStepError(action, cause);
  }
}

async function listTableNames(clients: AwsClients): Promise<string[]> {
  const pages = await collectPages(
    (ExclusiveStartTableName) =>
      clients.dynamodb.send(new ListTablesCommand({ Limit: LIST_TABLES_PAGE_SIZE, ...(ExclusiveStartTableName === undefined ? {} : { ExclusiveStartTableName }) })),
    (page) => page.LastEvaluatedTableName,
  );
  return pages.flatMap((page) => page.TableNames ?? []);
}

/** Tags of every table in the region, by table ARN, from the Resource Groups Tagging API. */
async function loadTableTags(clients: AwsClients): Promise<Map<string, Record<string, string>>> {
  const ResourceTypeFilters = ['dynamodb:table'];
  const ResourcesPerPage = TAGGING_PAGE_SIZE;
  const pages = await collectPages(
    (PaginationToken) =>
      clients.tagging.send(new GetResourcesCommand({ ResourceTypeFilters, ResourcesPerPage, ...(PaginationToken === undefined ? {} : { PaginationToken }) })),
    (page) => page.PaginationToken,
  );
  return tagsByArn(pages);
}

function tagsByArn(pages: Array<{ ResourceTagMappingList?: Array<{ ResourceARN?: string; Tags?: Array<{ Key?: string; Value?: string }> }> }>): Map<string, Record<string, string>> {
  const byArn = new Map<string, Record<string, string>>();
  for (const mapping of pages.flatMap((page) => page.ResourceTagMappingList ?? [])) {
    if (mapping.ResourceARN === undefined) continue;
    const tags: Record<string, string> = {};
    for (const tag of mapping.Tags ?? []) {
      if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
    }
    byArn.set(mapping.ResourceARN, tags);
  }
  return byArn;
}

const TABLE_MARKER = ':table/';

/** `Orders` for `arn:aws:dynamodb:us-east-1:123456789012:table/Orders`; undefined for anything else. */
function tableNameOfArn(arn: string): string | undefined {
  const at = arn.indexOf(TABLE_MARKER);
  if (!arn.startsWith('arn:') || at < 0) return undefined;
  const name = arn.slice(at + TABLE_MARKER.length);
  return name === '' || name.includes('/') ? undefined : name;
}

/** `arn:<partition>:dynamodb:<region>:<account>:table/`, taken from any table ARN the index knows. */
function tableArnPrefix(index: Pick<AccountIndex, 'tableArns'>): string | undefined {
  const known = Object.values(index.tableArns)[0];
  return known === undefined ? undefined : known.slice(0, known.indexOf(TABLE_MARKER) + TABLE_MARKER.length);
}

/** The table ARN prefix from the caller's identity (GetCallerIdentity needs no permission), for an empty index. */
async function callerTableArnPrefix(clients: AwsClients): Promise<string> {
  const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
  const partition = identity.Arn?.split(':')[1] ?? 'aws';
  if (identity.Account === undefined) throw new Error('GetCallerIdentity returned no Account');
  return `arn:${partition}:dynamodb:${clients.region}:${identity.Account}${TABLE_MARKER}`;
}

function uniqueByName(tables: readonly TableEntry[]): TableEntry[] {
  const seen = new Set<string>();
  return tables.filter((table) => (seen.has(table.name) ? false : (seen.add(table.name), true)));
}
