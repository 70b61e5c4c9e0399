/**
 * AWS Backup: make sure the vault and the plan named in policy.yaml exist, put a table in the plan's selection,
 * and start an on-demand backup when the newest recovery point is too old.
 */
import {
  CreateBackupPlanCommand,
  CreateBackupSelectionCommand,
  CreateBackupVaultCommand,
  DescribeBackupVaultCommand,
  ListBackupPlansCommand,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import type { Policy } from '../../core/desired/schema.ts';
import { collectPages } from '../async-utils.ts';
import type { AwsClients } from '../clients.ts';

type PlanPolicy = Policy['backupPlans'][string];

/** The role AWS Backup assumes, as policy.yaml names it or AWS Backup's default service role. */
export function backupRoleArn(plan: PlanPolicy, tableArn: string): string {
  if (plan.iamRoleArn) return plan.iamRoleArn;
  const [, partition, , , account] = tableArn.split(':');
  return `arn:${partition}:iam::${account}:role/service-role/AWSBackupDefaultServiceRole`;
}

/** One selection per table, so adding a table never rewrites (or races with) another table's coverage. */
export function selectionName(table: string): string {
  return `tw-${table}`.replace(/[^a-zA-Z0-9\-_.]/g, '-').slice(0, 50);
}

const isNotFound = (error: unknown) => (error as { name?: string }).name === 'ResourceNotFoundException';
const isAlreadyExists = (error: unknown) => (error as { name?: string }).name === 'AlreadyExistsException';

/** Ensures vaults and plans once per run, however many tables need them. */
export class BackupEnsurer {
  private readonly vaults = new Map<string, Promise<void>>();
  private readonly plans = new Map<string, Promise<string>>();

  constructor(
    private readonly clients: AwsClients,
    private readonly policy: Policy,
  ) {}

  private planPolicy(name: string): PlanPolicy {
    const plan = this.policy.backupPlans[name];
    if (!plan) throw new Error(`backup plan ${name} is not defined in policy.yaml`);
    return plan;
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

  /** Add the table to the plan with its own selection; an existing selection of that name is kept. */
  async addTable(planName: string, table: string, tableArn: string): Promise<void> {
    const planId = await this.ensurePlan(planName);
    try {
      await this.clients.backup.send(
        new CreateBackupSelectionCommand({
          BackupPlanId: planId,
          BackupSelection: { SelectionName: selectionName(table), IamRoleArn: backupRoleArn(this.planPolicy(planName), tableArn), Resources: [tableArn] },
        }),
      );
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }

  /** Start an on-demand backup into the plan's vault. */
  async startBackup(planName: string, tableArn: string): Promise<void> {
    const plan = this.planPolicy(planName);
    await this.ensureVault(plan.vault);
    await this.clients.backup.send(new StartBackupJobCommand({ BackupVaultName: plan.vault, ResourceArn: tableArn, IamRoleArn: backupRoleArn(plan, tableArn) }));
  }
}
