/**
 * Observes AWS Backup coverage for the whole account in one pass.
 *
 * Why amortised: AWS Backup has no "which plans cover this resource" API. Listing every plan's selections once
 * per run (ListBackupPlans, ListBackupSelections per plan, GetBackupSelection per selection) and evaluating them
 * offline with the core's selection predicate costs the same for 1 table or 1,000: the reads grow with plans and
 * selections, and tablewarden keeps one selection per plan (a tag condition, see core/backup-plan-selection.ts),
 * so its own plans cost ListBackupSelections + GetBackupSelection each. Freshness comes from one paginated
 * ListProtectedResources (its `LastBackupTime` per resource ARN), not a per-table recovery point list.
 * The per-table lookup is O(tags): selections that require a tag value are indexed by it (see plansCovering).
 */
import { GetBackupSelectionCommand, ListBackupPlansCommand, ListBackupSelectionsCommand, ListProtectedResourcesCommand } from '@aws-sdk/client-backup';
import type { BackupSelection } from '@aws-sdk/client-backup';
import type { BackupSelectionRule, SelectableResource } from '../core/backup-selection.ts';
import { compileSelection } from '../core/backup-selection.ts';
import { collectPages, mapWithConcurrency } from './async-utils.ts';
import type { AwsClients } from './clients.ts';
import { toIso } from './normalise-table.ts';

/** Every backup selection in the account, with its plan's name, and the last backup time per resource. */
export interface BackupIndex {
  selections: Array<{ planName: string; selectionName: string; rule: BackupSelectionRule }>;
  /** ISO-8601 `LastBackupTime` by resource ARN, from ListProtectedResources. */
  lastBackupByArn: Map<string, string>;
}

/** Names of the plans (sorted, unique) with at least one selection covering `resource`. */
export function plansCovering(index: BackupIndex, resource: SelectableResource): string[] {
  const lookup = lookupFor(index);
  const names = new Set<string>();
  const test = (candidate: CompiledSelection) => {
    if (!names.has(candidate.planName) && candidate.covers(resource)) names.add(candidate.planName);
  };
  lookup.always.forEach(test);
  for (const [key, value] of Object.entries(resource.tags)) lookup.byTag.get(tagKey(key, value))?.forEach(test);
  return [...names].sort();
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
const lookups = new WeakMap<BackupIndex, SelectionLookup>();

function lookupFor(index: BackupIndex): SelectionLookup {
  let lookup = lookups.get(index);
  if (lookup) return lookup;
  lookup = { byTag: new Map(), always: [] };
  for (const selection of index.selections) {
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
  lookups.set(index, lookup);
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
    (NextToken) => clients.backup.send(new ListBackupPlansCommand(NextToken === undefined ? {} : { NextToken })),
    (page) => page.NextToken,
  );
  const plans = planPages.flatMap((page) => page.BackupPlansList ?? []).filter((plan) => plan.BackupPlanId !== undefined);

  const selectionRefs = (
    await mapWithConcurrency(plans, concurrency, async (plan) => {
      const BackupPlanId = plan.BackupPlanId as string;
      const pages = await collectPages(
        (NextToken) => clients.backup.send(new ListBackupSelectionsCommand(NextToken === undefined ? { BackupPlanId } : { BackupPlanId, NextToken })),
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

async function loadLastBackups(clients: AwsClients): Promise<Map<string, string>> {
  const pages = await collectPages(
    (NextToken) => clients.backup.send(new ListProtectedResourcesCommand(NextToken === undefined ? {} : { NextToken })),
    (page) => page.NextToken,
  );
  const byArn = new Map<string, string>();
  for (const resource of pages.flatMap((page) => page.Results ?? [])) {
    if (resource.ResourceArn === undefined || resource.LastBackupTime === undefined) continue;
    const at = toIso(resource.LastBackupTime);
    const previous = byArn.get(resource.ResourceArn);
    if (previous === undefined || previous < at) byArn.set(resource.ResourceArn, at);
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
