/**
 * The one AWS Backup resource assignment ("selection") tablewarden keeps per backup plan, as plain data.
 *
 * Why one tag-based selection per plan: AWS Backup allows 100 resource assignments per backup plan, and the quota
 * is not adjustable (https://docs.aws.amazon.com/aws-backup/latest/devguide/aws-backup-limits.html). One selection
 * per table therefore stops at 100 tables; AWS recommends tag-based assignment beyond that
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html). The selection takes every
 * DynamoDB table (`Resources`) AND'ed with a `Conditions.StringEquals` on the table's
 * `tablewarden:backup-plan` tag, the form API_BackupSelection recommends over `ListOfTags`; a table joins the plan
 * by carrying that tag. A table has one value per tag key, so it is in at most one tablewarden plan, as the
 * desired state's one `backup.plan` says.
 *
 * Shared by the apply adapter (which creates the selection and tags tables), the observer (which recognises it)
 * and the TW-BACKUP-COVERAGE control (which needs the tag key for DynamoDB's 50-tag limit). Pure.
 */
import type { BackupSelectionRule } from './backup-selection.ts';

/** The table tag whose value names the tablewarden backup plan that covers the table. */
export const BACKUP_PLAN_TAG_KEY = 'tablewarden:backup-plan';

/**
 * The environment variable that names the role AWS Backup assumes when policy.yaml names none. The operator stack
 * sets it on the apply Lambda to the backup service role it creates (infra/table-warden.ts).
 */
export const BACKUP_ROLE_ENV = 'TABLEWARDEN_BACKUP_ROLE_ARN';

/** DynamoDB's limit of tags per table (user tags; `aws:` tags do not count). */
export const MAX_TABLE_TAGS = 50;

const SELECTION_NAME_MAX = 50;
const PREFIX = 'tablewarden-';

/**
 * The name of the plan's tablewarden selection: `tablewarden-<plan>`. Selection names are 1–50 characters of
 * `[a-zA-Z0-9\-_.]` (API_BackupSelection) and plan names are too, so a plan name longer than 38 characters is cut
 * and given an 8-hex-digit hash of the whole name. Names are unique per plan, so a cut name never collides with
 * another tablewarden selection; the hash keeps it recognisable as this plan's.
 */
export function tablewardenSelectionName(plan: string): string {
  const name = `${PREFIX}${plan}`;
  if (name.length <= SELECTION_NAME_MAX) return name;
  const hash = fnv1a(plan).toString(16).padStart(8, '0');
  return `${name.slice(0, SELECTION_NAME_MAX - 9)}-${hash}`;
}

/** Every DynamoDB table of a partition: the `Resources` entry of the selection. */
export function allTablesPattern(partition: string): string {
  return `arn:${partition}:dynamodb:*:*:table/*`;
}

/** The rule tablewarden's selection for `plan` must have, in the core's terms (see backup-selection.ts). */
export function tablewardenSelectionRule(plan: string, partition: string): BackupSelectionRule {
  return {
    resources: [allTablesPattern(partition)],
    notResources: [],
    listOfTags: [],
    conditions: {
      stringEquals: [{ conditionKey: `aws:ResourceTag/${BACKUP_PLAN_TAG_KEY}`, conditionValue: plan }],
      stringNotEquals: [],
      stringLike: [],
      stringNotLike: [],
    },
  };
}

/**
 * Whether an existing selection selects exactly what tablewarden's selection for `plan` selects. Empty lists and
 * absent lists are the same; order within a list does not matter.
 */
export function isTablewardenSelectionRule(rule: BackupSelectionRule, plan: string, partition: string): boolean {
  const want = tablewardenSelectionRule(plan, partition);
  const same = (a: readonly unknown[] | undefined, b: readonly unknown[] | undefined) => {
    const left = (a ?? []).map((x) => JSON.stringify(x)).sort();
    const right = (b ?? []).map((x) => JSON.stringify(x)).sort();
    return left.length === right.length && left.every((x, i) => x === right[i]);
  };
  const c = rule.conditions ?? {};
  const w = want.conditions ?? {};
  return (
    same(rule.resources, want.resources) &&
    same(rule.notResources, want.notResources) &&
    same(rule.listOfTags, want.listOfTags) &&
    same(c.stringEquals, w.stringEquals) &&
    same(c.stringNotEquals, w.stringNotEquals) &&
    same(c.stringLike, w.stringLike) &&
    same(c.stringNotLike, w.stringNotLike)
  );
}

/** 32-bit FNV-1a: a short, stable, dependency-free hash for names (not for security). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * What CreateBackupVault also needs the caller to hold ("Backup vault creation and deletion", create-a-vault.html):
 * the vault's storage and its KMS key. One list for the control's IAM grant and the call recorder's check of it.
 */
export const CREATE_BACKUP_VAULT_REQUIRES = ['backup-storage:MountCapsule', 'kms:CreateGrant', 'kms:DescribeKey', 'kms:RetireGrant', 'kms:Decrypt', 'kms:GenerateDataKey'] as const;
