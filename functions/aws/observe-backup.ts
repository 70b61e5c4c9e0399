/**
 * Observes AWS Backup coverage for the whole account in one pass.
 *
 * Why amortised: AWS Backup has no "which plans cover this resource" API. Listing every plan's selections once
 * per run (ListBackupPlans, ListBackupSelections per plan, GetBackupSelection per selection) and evaluating them
 * offline with the core's selection predicate costs the same for 1 table or 1,000: the reads grow with plans and
 * selections, and tablewarden keeps one selection per plan (a tag condition, see core/backup-plan-selection.ts),
 * so its own plans cost ListBackupSelections + GetBackupSelection each. Freshness comes from one paginated
 * ListProtectedResources (its `LastBackupTime` per resource ARN), not a per-table recovery point list.
 * The per-table lookup is O(tags): selections that require a tag value are indexed by it (see createCoverageLookup).
 * Pages are read at AWS Backup's maximum size (MaxResults 1000, "Valid Range: Minimum value of 1. Maximum value of
 * 1000", https://docs.aws.amazon.com/aws-backup/latest/devguide/API_ListBackupPlans.html and the
 * ListBackupSelections / ListProtectedResources pages).
 */
import { GetBackupSelectionCommand, ListBackupPlansCommand, ListBackupSelectionsCommand, ListProtectedResourcesCommand } from '@aws-sdk/client-backup';
import type { BackupSelection } from '@aws-sdk/client-backup';
import type { BackupSelectionRule, SelectableResource } from '../core/backup-selection.ts';
import type { SerializedBackupIndex } from '../core/model/observed.ts';
import { compileSelection } from '../core/backup-selection.ts';
import { collectPages, mapWithConcurrency } from './async-utils.ts';
import type { AwsClients } from './clients.ts';
import { toIso } from './normalise-table.ts';

/**
 * Every backup selection in the account, with its plan's name, and the last backup time per resource: the
 * serializable form the account index carries ({@link SerializedBackupIndex}).
 */
export type BackupIndex = SerializedBackupIndex;

/** AWS Backup's page size maximum for ListBackupPlans, ListBackupSelections and ListProtectedResources (1–1000). */
export const BACKUP_PAGE_SIZE = 1000;

/** Names of the plans (sorted, unique) with at least one selection covering a resource. */
export type CoverageLookup = (resource: SelectableResource) => string[];

/**
 * Builds the coverage lookup for a set of selections, once: selections that require a tag value are filed under
 * that (key, value), so each table then costs O(its tags), not O(selections), and every selection is compiled once.
 */
export function createCoverageLookup(index: Pick<BackupIndex, 'selections'>): CoverageLookup {
  const lookup = buildLookup(index.selections);
  return (resource) => {
    const names = new Set<string>();
    const test = (candidate: CompiledSelection) => {
      if (!names.has(candidate.planName) && candidate.covers(resource)) names.add(candidate.planName);
    };
    lookup.always.forEach(test);
    for (const [key, value] of Object.entries(resource.tags)) lookup.byTag.get(tagKey(key, value))?.forEach(test);
    return [...names].sort();
  };
}

/**
 * Names of the plans (sorted, unique) with at least one selection covering `resource`. The lookup is built once per
 * index object and reused; callers with many tables should hold a {@link createCoverageLookup} instead.
 */
export function plansCovering(index: Pick<BackupIndex, 'selections'>, resource: SelectableResource): string[] {
  let lookup = lookups.get(index);
  if (lookup === undefined) {
    lookup = createCoverageLookup(index);
    lookups.set(index, lookup);
  }
  return lookup(resource);
}

interface CompiledSelection {
  planName: string;
  covers: (resource: SelectableResource) => boolean;
}

/**
 * Selections grouped so that a table meets only the ones it can match. A selection that requires a tag value (a
 * `StringEquals` condition on `aws:ResourceTag/<key>`, AND'ed with everything else; or, with no `Resources`, one
 * of its `ListOfTags` entries) is filed under that (key, value): a table looks up its own tags, O(tags) per table
 * instead of O(selections). Every other selection is tested against every table. The verdict is always
 * {@link compileSelection}'s, so the grouping only skips selections that cannot match.
 */
interface SelectionLookup {
  byTag: Map<string, CompiledSelection[]>;
  always: CompiledSelection[];
}

const RESOURCE_TAG = 'aws:ResourceTag/';
const tagKey = (key: string, value: string) => JSON.stringify([key, value]);
const lookups = new WeakMap<object, CoverageLookup>();

function buildLookup(selections: BackupIndex['selections']): SelectionLookup {
  const lookup: SelectionLookup = { byTag: new Map(), always: [] };
  for (const selection of selections) {
    const compiled: CompiledSelection = { planName: selection.planName, covers: compileSelection(selection.rule) };
    const keys = requiredTags(selection.rule);
    if (keys === undefined) {
      lookup.always.push(compiled);
      continue;
    }
    for (const key of keys) {
      const bucket = lookup.byTag.get(key) ?? [];
      bucket.push(compiled);
      lookup.byTag.set(key, bucket);
    }
  }
  return lookup;
}

/** (key, value) pairs of which a covered resource must carry at least one, or undefined when there are none. */
function requiredTags(rule: BackupSelectionRule): string[] | undefined {
  const equals = (rule.conditions?.stringEquals ?? []).find((condition) => condition.conditionKey.startsWith(RESOURCE_TAG));
  if (equals) return [tagKey(equals.conditionKey.slice(RESOURCE_TAG.length), equals.conditionValue)];
  const tags = rule.listOfTags ?? [];
  if ((rule.resources ?? []).length === 0 && tags.length > 0) {
    // Entries that are not STRINGEQUALS never match (see backup-selection.ts), so they need no bucket.
    return tags
      .filter((tag) => tag.conditionType.toUpperCase() === 'STRINGEQUALS')
      .map((tag) => tagKey(tag.conditionKey.startsWith(RESOURCE_TAG) ? tag.conditionKey.slice(RESOURCE_TAG.length) : tag.conditionKey, tag.conditionValue));
  }
  return undefined;
}

/**
 * Loads plans, selections and protected resources. Any failure rejects: backup coverage is account-level, and a
 * partial index would silently report covered tables as uncovered.
 */
export async function loadBackupIndex(clients: AwsClients, concurrency: number): Promise<BackupIndex> {
  const [selections, lastBackupByArn] = await Promise.all([loadSelections(clients, concurrency), loadLastBackups(clients)]);
  return { selections, lastBackupByArn };
}

async function loadSelections(clients: AwsClients, concurrency: number): Promise<BackupIndex['selections']> {
  const planPages = await collectPages(
    (NextToken) => clients.backup.send(new ListBackupPlansCommand({ MaxResults: BACKUP_PAGE_SIZE, ...(NextToken === undefined ? {} : { NextToken }) })),
    (page) => page.NextToken,
  );
  const plans = planPages.flatMap((page) => page.BackupPlansList ?? []).filter((plan) => plan.BackupPlanId !== undefined);

  const selectionRefs = (
    await mapWithConcurrency(plans, concurrency, async (plan) => {
      const BackupPlanId = plan.BackupPlanId as string;
      const pages = await collectPages(
        (NextToken) =>
          clients.backup.send(new ListBackupSelectionsCommand({ BackupPlanId, MaxResults: BACKUP_PAGE_SIZE, ...(NextToken === undefined ? {} : { NextToken }) })),
        (page) => page.NextToken,
      );
      return pages
        .flatMap((page) => page.BackupSelectionsList ?? [])
        .filter((member) => member.SelectionId !== undefined)
        .map((member) => ({ planId: BackupPlanId, planName: plan.BackupPlanName ?? BackupPlanId, selectionId: member.SelectionId as string }));
    })
  ).flat();

  return mapWithConcurrency(selectionRefs, concurrency, async (ref) => {
    const output = await clients.backup.send(new GetBackupSelectionCommand({ BackupPlanId: ref.planId, SelectionId: ref.selectionId }));
    const selection = output.BackupSelection;
    return {
      planName: ref.planName,
      selectionName: selection?.SelectionName ?? ref.selectionId,
      // A selection without a body selects nothing we can prove: treat it as matching no resource.
      rule: selection === undefined ? { resources: [], notResources: ['*'] } : toSelectionRule(selection),
    };
  });
}

async function loadLastBackups(clients: AwsClients): Promise<Record<string, string>> {
  const pages = await collectPages(
    (NextToken) => clients.backup.send(new ListProtectedResourcesCommand({ MaxResults: BACKUP_PAGE_SIZE, ...(NextToken === undefined ? {} : { NextToken }) })),
    (page) => page.NextToken,
  );
  const byArn: Record<string, string> = {};
  for (const resource of pages.flatMap((page) => page.Results ?? [])) {
    if (resource.ResourceArn === undefined || resource.LastBackupTime === undefined) continue;
    const at = toIso(resource.LastBackupTime);
    const previous = byArn[resource.ResourceArn];
    if (previous === undefined || previous < at) byArn[resource.ResourceArn] = at;
  }
  return byArn;
}

/** AWS Backup's `BackupSelection` ⇒ the core's plain-string rule. */
export function toSelectionRule(selection: BackupSelection): BackupSelectionRule {
  const parameters = (list: Array<{ ConditionKey?: string; ConditionValue?: string }> | undefined) =>
    (list ?? []).map((p) => ({ conditionKey: p.ConditionKey ?? '', conditionValue: p.ConditionValue ?? '' }));
  const rule: BackupSelectionRule = {
    resources: [...(selection.Resources ?? [])],
    notResources: [...(selection.NotResources ?? [])],
    listOfTags: (selection.ListOfTags ?? []).map((tag) => ({
      conditionType: tag.ConditionType ?? '',
      conditionKey: tag.ConditionKey ?? '',
      conditionValue: tag.ConditionValue ?? '',
    })),
  };
  if (selection.Conditions !== undefined) {
    rule.conditions = {
      stringEquals: parameters(selection.Conditions.StringEquals),
      stringNotEquals: parameters(selection.Conditions.StringNotEquals),
      stringLike: parameters(selection.Conditions.StringLike),
      stringNotLike: parameters(selection.Conditions.StringNotLike),
    };
  }
  return rule;
}
