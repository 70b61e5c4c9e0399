/**
 * Observes the tables the desired state names, and the account facts around them, with as few calls as possible.
 *
 * Why this shape: DynamoDB, KMS, AWS Backup and the tagging API all have per-account quotas, and a reconcile runs
 * nightly and on every merge, so cost must not grow with anything but the number of managed tables.
 * - Per table: DescribeTable; DescribeContinuousBackups / DescribeTimeToLive / DescribeContributorInsights only
 *   when the desired state manages that aspect.
 * - Once per run: ListTables (all pages), tag:GetResources for every table (all pages, instead of 10 rps
 *   ListTagsOfResource per table), AWS Backup plans/selections/protected resources, KMS ListAliases.
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
import type { ObservedAccount, ObservedKmsKey, ObservedTable } from '../core/model/observed.ts';
import { ObserveFailed } from '../core/errors.ts';
import type { ObserveAspects, ObserveRequest as PlannerObserveRequest } from '../core/plan/observe-request.ts';
import { DRILL_TABLE_PREFIX } from '../core/plan/planner.ts';
import { collectPages, createLimiter, describeError, errorName } from './async-utils.ts';
import type { AwsClients } from './clients.ts';
import { loadBackupIndex, plansCovering } from './observe-backup.ts';
import type { KmsObserver } from './observe-kms.ts';
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
 * Observes the requested tables and the account-level facts the controls need.
 *
 * @throws ObserveFailed when an account-level read fails (after the SDK's retries), with the cause attached.
 */
export async function observeAccount(clients: AwsClients, request: ObserveRequest, options: ObserveOptions = {}): Promise<ObservedAccount> {
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_OBSERVE_CONCURRENCY);
  const declared = uniqueByName(request.tables);
  const limit = createLimiter(concurrency);

  // Account-level reads start at once and run alongside the per-table reads.
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
  const observeAll = (entries: TableEntry[]) => Promise.all(entries.map((entry) => limit(() => observeTable(clients, kms, entry))));
  const declaredOutcomes = observeAll(declared);
  // Unmanaged tables are known once ListTables returns; they share the same concurrency budget.
  const unmanaged: Promise<TableEntry[]> = tableNames.then((names) => {
    if (request.unmanaged === undefined) return [];
    const aspects = request.unmanaged.aspects;
    const known = new Set([...declared.map((entry) => entry.name), ...(request.unmanaged.declaredElsewhere ?? [])]);
    return names.filter((name) => !known.has(name) && !name.startsWith(DRILL_TABLE_PREFIX)).map((name) => ({ name, aspects }));
  });
  const unmanagedOutcomes = unmanaged.then(observeAll);

  const results = await Promise.allSettled([tableNames, tags, backup, aliases, aliasedKeys, declaredOutcomes, unmanagedOutcomes]);
  for (const result of results) {
    if (result.status === 'rejected') throw result.reason;
  }
  const settled = {
    names: await tableNames,
    tags: await tags,
    backup: await backup,
    aliasedKeys: await aliasedKeys,
    outcomes: [...(await declaredOutcomes), ...(await unmanagedOutcomes)],
    entries: [...declared, ...(await unmanaged)],
  };
  const accountFailure = settled.outcomes.find((o): o is Extract<TableOutcome, { kind: 'account-failure' }> => o.kind === 'account-failure');
  if (accountFailure !== undefined) throw accountFailure.error;

  const tableKeys: ObservedKmsKey[] = settled.outcomes.flatMap((o) => (o.kind === 'observed' && o.table.kmsKey !== undefined ? [o.table.kmsKey] : []));
  const observed: ObservedAccount = {
    tables: {},
    allTableNames: settled.names,
    kmsKeysByAlias: keysByAlias([...settled.aliasedKeys, ...tableKeys]),
    errors: {},
  };
  settled.entries.forEach((entry, index) => {
    const outcome = settled.outcomes[index] as TableOutcome;
    if (outcome.kind === 'error') observed.errors[entry.name] = outcome.message;
    if (outcome.kind !== 'observed') return;
    const table = outcome.table;
    const tableTags = settled.tags.get(table.arn) ?? {};
    const latestRecoveryPointAt = settled.backup.lastBackupByArn.get(table.arn);
    observed.tables[entry.name] = {
      ...table,
      tags: tableTags,
      backup: {
        planNames: plansCovering(settled.backup, { arn: table.arn, tags: tableTags }),
        ...(latestRecoveryPointAt === undefined ? {} : { latestRecoveryPointAt }),
      },
    };
  });
  return observed;
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
      clients.dynamodb.send(new ListTablesCommand(ExclusiveStartTableName === undefined ? {} : { ExclusiveStartTableName })),
    (page) => page.LastEvaluatedTableName,
  );
  return pages.flatMap((page) => page.TableNames ?? []);
}

/** Tags of every table in the region, by table ARN, from the Resource Groups Tagging API. */
async function loadTableTags(clients: AwsClients): Promise<Map<string, Record<string, string>>> {
  const ResourceTypeFilters = ['dynamodb:table'];
  const pages = await collectPages(
    (PaginationToken) =>
      clients.tagging.send(new GetResourcesCommand(PaginationToken === undefined ? { ResourceTypeFilters } : { ResourceTypeFilters, PaginationToken })),
    (page) => page.PaginationToken,
  );
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

function uniqueByName(tables: readonly TableEntry[]): TableEntry[] {
  const seen = new Set<string>();
  return tables.filter((table) => (seen.has(table.name) ? false : (seen.add(table.name), true)));
}
