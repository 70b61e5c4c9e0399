/**
 * AWS Backup: make sure the vault and the plan named in policy.yaml exist, keep the plan's one tag-based selection,
 * put a table in the plan by tagging it, and start an on-demand backup when the newest recovery point is too old.
 *
 * Why one selection per plan and a tag per table (see core/backup-plan-selection.ts): AWS Backup allows 100
 * selections per plan, not adjustable, so a selection per table stops covering tables at the 101st. The plan's
 * selection `tablewarden-<plan>` selects every DynamoDB table whose `tablewarden:backup-plan` tag is `<plan>`;
 * adding a table is then one TagResource, however many tables the plan covers.
 */
import {
  CreateBackupPlanCommand,
  CreateBackupSelectionCommand,
  CreateBackupVaultCommand,
  DescribeBackupVaultCommand,
  GetBackupSelectionCommand,
  ListBackupPlansCommand,
  ListBackupSelectionsCommand,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import { TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { allTablesPattern, BACKUP_PLAN_TAG_KEY, BACKUP_ROLE_ENV, isTablewardenSelectionRule, tablewardenSelectionName } from '../../core/backup-plan-selection.ts';
import type { Policy } from '../../core/desired/schema.ts';
import { collectPages } from '../async-utils.ts';
import type { AwsClients } from '../clients.ts';
import { toSelectionRule } from '../observe-backup.ts';

type PlanPolicy = Policy['backupPlans'][string];

export { BACKUP_ROLE_ENV };


/** No role for AWS Backup to assume: the action fails with how to fix it, never with a guessed role ARN. */
export class BackupRoleMissing extends Error {
  constructor(plan: string) {
    super(
      `backup plan ${plan}: no IAM role for AWS Backup to assume. Set backupPlans.${plan}.iamRoleArn in policy.yaml, ` +
        `or ${BACKUP_ROLE_ENV} (the operator stack sets it to the backup role it creates).`,
    );
    this.name = 'BackupRoleMissing';
  }
}

/** A selection with tablewarden's name whose content tablewarden did not write: reported, never rewritten. */
export class BackupSelectionConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupSelectionConflict';
  }
}

/**
 * The role AWS Backup assumes for the plan: policy.yaml's `iamRoleArn`, else {@link BACKUP_ROLE_ENV}.
 *
 * @throws BackupRoleMissing when neither is set. AWS Backup's default service role exists only in accounts where
 *   someone used the console once, so assuming it would fail at the first real backup instead of here.
 */
export function backupRoleArn(planName: string, plan: PlanPolicy, fallback: string | undefined = process.env[BACKUP_ROLE_ENV]): string {
  if (plan.iamRoleArn) return plan.iamRoleArn;
  if (fallback !== undefined && fallback.trim() !== '') return fallback.trim();
  throw new BackupRoleMissing(planName);
}

const isNotFound = (error: unknown) => (error as { name?: string }).name === 'ResourceNotFoundException';
const isAlreadyExists = (error: unknown) => (error as { name?: string }).name === 'AlreadyExistsException';

/** How a DynamoDB call is retried on "not now" answers (the table session's `later`); direct by default. */
export type Later = <T>(what: string, call: () => Promise<T>) => Promise<T>;
const direct: Later = (_what, call) => call();

/** Ensures vaults, plans and the plans' selections once per run, however many tables need them. */
export class BackupEnsurer {
  private readonly vaults = new Map<string, Promise<void>>();
  private readonly plans = new Map<string, Promise<string>>();
  private readonly selections = new Map<string, Promise<void>>();

  constructor(
    private readonly clients: AwsClients,
    private readonly policy: Policy,
    private readonly defaultRoleArn: string | undefined = process.env[BACKUP_ROLE_ENV],
  ) {}

  private planPolicy(name: string): PlanPolicy {
    const plan = this.policy.backupPlans[name];
    if (!plan) throw new Error(`backup plan ${name} is not defined in policy.yaml`);
    return plan;
  }

  private roleFor(name: string): string {
    return backupRoleArn(name, this.planPolicy(name), this.defaultRoleArn);
  }

  private ensureVault(name: string): Promise<void> {
    let pending = this.vaults.get(name);
    if (!pending) {
      pending = (async () => {
        try {
          await this.clients.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: name }));
        } catch (error) {
          if (!isNotFound(error)) throw error;
          await this.clients.backup.send(new CreateBackupVaultCommand({ BackupVaultName: name, BackupVaultTags: { 'managed-by': 'tablewarden' } })).catch((cause: unknown) => {
            if (!isAlreadyExists(cause)) throw cause;
          });
        }
      })();
      this.vaults.set(name, pending);
    }
    return pending;
  }

  /** The plan's id, creating vault and plan when missing. */
  ensurePlan(name: string): Promise<string> {
    let pending = this.plans.get(name);
    if (!pending) {
      pending = (async () => {
        const plan = this.planPolicy(name);
        await this.ensureVault(plan.vault);
        const pages = await collectPages(
          (token) => this.clients.backup.send(new ListBackupPlansCommand({ ...(token ? { NextToken: token } : {}) })),
          (page) => page.NextToken,
        );
        const found = pages.flatMap((page) => page.BackupPlansList ?? []).find((candidate) => candidate.BackupPlanName === name && !candidate.DeletionDate);
        if (found?.BackupPlanId) return found.BackupPlanId;
        const created = await this.clients.backup.send(
          new CreateBackupPlanCommand({
            BackupPlan: {
              BackupPlanName: name,
              Rules: [{ RuleName: 'tablewarden', TargetBackupVaultName: plan.vault, ScheduleExpression: plan.schedule, Lifecycle: { DeleteAfterDays: plan.retentionDays } }],
            },
            BackupPlanTags: { 'managed-by': 'tablewarden' },
          }),
        );
        if (!created.BackupPlanId) throw new Error(`CreateBackupPlan ${name} returned no plan id`);
        return created.BackupPlanId;
      })();
      this.plans.set(name, pending);
    }
    return pending;
  }

  /**
   * The plan's one tablewarden selection (`tablewarden-<plan>`), created when missing. A selection of that name is
   * adopted when it selects what tablewarden's would; otherwise the action fails and says why: AWS Backup has no
   * UpdateBackupSelection, and deleting someone's selection is not tablewarden's call.
   */
  ensureSelection(planName: string, partition: string): Promise<void> {
    let pending = this.selections.get(planName);
    if (!pending) {
      pending = (async () => {
        const role = this.roleFor(planName);
        const planId = await this.ensurePlan(planName);
        const name = tablewardenSelectionName(planName);
        if (await this.checkExisting(planId, planName, name, partition)) return;
        try {
          await this.clients.backup.send(
            new CreateBackupSelectionCommand({
              BackupPlanId: planId,
              // The name doubles as the request id: a retried create returns the same selection.
              CreatorRequestId: name,
              BackupSelection: {
                SelectionName: name,
                IamRoleArn: role,
                Resources: [allTablesPattern(partition)],
                Conditions: { StringEquals: [{ ConditionKey: `aws:ResourceTag/${BACKUP_PLAN_TAG_KEY}`, ConditionValue: planName }] },
              },
            }),
          );
        } catch (error) {
          // Another apply created it meanwhile: adopt it if it is what we would have created.
          if (!isAlreadyExists(error) || !(await this.checkExisting(planId, planName, name, partition))) throw error;
        }
      })();
      // A failed attempt is not cached, so a later table in the run tries again.
      pending.catch(() => this.selections.delete(planName));
      this.selections.set(planName, pending);
    }
    return pending;
  }

  /** Whether the plan already has a usable selection named `name`; throws when it has one that selects otherwise. */
  private async checkExisting(planId: string, planName: string, name: string, partition: string): Promise<boolean> {
    const pages = await collectPages(
      (token) => this.clients.backup.send(new ListBackupSelectionsCommand({ BackupPlanId: planId, ...(token ? { NextToken: token } : {}) })),
      (page) => page.NextToken,
    );
    const existing = pages.flatMap((page) => page.BackupSelectionsList ?? []).find((member) => member.SelectionName === name);
    if (!existing?.SelectionId) return false;
    const got = await this.clients.backup.send(new GetBackupSelectionCommand({ BackupPlanId: planId, SelectionId: existing.SelectionId }));
    if (got.BackupSelection && isTablewardenSelectionRule(toSelectionRule(got.BackupSelection), planName, partition)) return true;
    throw new BackupSelectionConflict(
      `backup plan ${planName} has a selection named ${name} (id ${existing.SelectionId}) that does not select the tables tagged ` +
        `${BACKUP_PLAN_TAG_KEY}=${planName}; tablewarden does not rewrite selections. Delete that selection (aws backup delete-backup-selection ` +
        `--backup-plan-id ${planId} --selection-id ${existing.SelectionId}) and apply again, or rename it.`,
    );
  }

  /**
   * Put the table in the plan: ensure vault, plan and the plan's selection, then tag the table
   * `tablewarden:backup-plan=<plan>`. The tag call goes through `later` so a table that is still being created or
   * updated is retried like every other DynamoDB change.
   */
  async addTable(planName: string, tableArn: string, later: Later = direct): Promise<void> {
    const partition = tableArn.split(':')[1] ?? 'aws';
    await this.ensureSelection(planName, partition);
    await later('TagResource', () => this.clients.dynamodb.send(new TagResourceCommand({ ResourceArn: tableArn, Tags: [{ Key: BACKUP_PLAN_TAG_KEY, Value: planName }] })));
  }

  /** Start an on-demand backup into the plan's vault. */
  async startBackup(planName: string, tableArn: string): Promise<void> {
    const plan = this.planPolicy(planName);
    const role = this.roleFor(planName);
    await this.ensureVault(plan.vault);
    await this.clients.backup.send(new StartBackupJobCommand({ BackupVaultName: plan.vault, ResourceArn: tableArn, IamRoleArn: role }));
  }
}
