/**
 * Observes AWS Backup coverage for the whole account in one pass.
 *
 * Why amortised: AWS Backup has no "which plans cover this resource" API. Listing every plan's selections once
 * per run (ListBackupPlans, ListBackupSelections per plan, GetBackupSelection per selection) and evaluating them
 * offline with {@link selectionCoversResource} costs the same for 1 table or 1,000. Freshness comes from one
 * paginated ListProtectedResources (its `LastBackupTime` per resource ARN), not a per-table recovery point list.
 */
import { GetBackupSelectionCommand, ListBackupPlansCommand, ListBackupSelectionsCommand, ListProtectedResourcesCommand } from '@aws-sdk/client-backup';
import type { BackupSelection } from '@aws-sdk/client-backup';
import type { BackupSelectionRule, SelectableResource } from '../core/backup-selection.ts';
import { selectionCoversResource } from '../core/backup-selection.ts';
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
  const names = new Set<string>();
  for (const selection of index.selections) {
    if (selectionCoversResource(selection.rule, resource)) names.add(selection.planName);
  }
  return [...names].sort();
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
