/**
 * A converged account of N tables, built by the product itself: the plan of an empty account (every table to create,
 * with a customer managed key, PITR, deletion protection, tags and an AWS Backup plan) is applied by `applyPlan`,
 * exactly as `tablewarden apply` does, and a plan of the result must have zero actions.
 *
 * Why one home: the call-budget test (test/integration/call-budget.test.ts) and `npm run bench` (bench/run.ts) must
 * measure the same account, or the deterministic budget and the benchmark's figures could drift apart. An account
 * made by plain CreateTable is not converged (no key, no PITR, no tags, no backup selection) and reads cheaper
 * than the one the operator meets, which is how the old BENCHMARKS.md came to claim figures that don't reproduce.
 */
import { applyPlan } from '../../functions/aws/apply/apply-plan.ts';
import type { AwsClients } from '../../functions/aws/clients.ts';
import { observeAccount } from '../../functions/aws/observe.ts';
import { parseDesiredState, type SourceFile } from '../../functions/core/desired/parse.ts';
import type { DesiredState } from '../../functions/core/model/desired.ts';
import { observeRequestFor } from '../../functions/core/plan/observe-request.ts';
import { plan } from '../../functions/core/plan/planner.ts';

/** The backup role every converged account's plan names. */
export const CONVERGED_BACKUP_ROLE = 'arn:aws:iam::123456789012:role/tablewarden-backup';

/** The customer managed key alias every converged table is encrypted with. */
export const CONVERGED_KMS_ALIAS = 'alias/tablewarden/budget';

/** Name of the i-th table of a converged account (zero-padded, so name order is creation order). */
export const convergedTableName = (i: number): string => `budget-${String(i).padStart(5, '0')}`;

/** The policy file of a converged account: baseline tag, a required tag, one daily backup plan, no blast-radius stop. */
export function convergedPolicyYaml(): string {
  return [
    'apiVersion: tablewarden.io/v1',
    'kind: Policy',
    'spec:',
    '  baseline:',
    '    tags: { managed-by: tablewarden }',
    '  requiredTags: [cost-center]',
    '  backupPlans:',
    '    daily:',
    '      schedule: cron(0 3 * * ? *)',
    '      retentionDays: 35',
    '      vault: tablewarden-vault',
    `      iamRoleArn: ${CONVERGED_BACKUP_ROLE}`,
    '  blastRadius: { maxDisruptivePercent: 100 }',
    '',
  ].join('\n');
}

/** The file of one converged table: CMK with rotation, PITR 35 days, deletion protection, backup plan, a tag. */
export function convergedTableYaml(name: string): string {
  return [
    'apiVersion: tablewarden.io/v1',
    'kind: Table',
    `metadata: { name: ${name} }`,
    'spec:',
    '  keySchema: { partitionKey: { name: pk, type: S } }',
    '  billing: { mode: PAY_PER_REQUEST }',
    `  encryption: { type: CUSTOMER_MANAGED, kmsKeyAlias: ${CONVERGED_KMS_ALIAS}, rotationPeriodDays: 365 }`,
    '  pointInTimeRecovery: { enabled: true, recoveryPeriodDays: 35 }',
    '  deletionProtection: true',
    '  backup: { plan: daily }',
    '  tags: { cost-center: payments }',
    '',
  ].join('\n');
}

/** The desired state of a converged account of `count` tables, parsed as the CLI parses a directory. */
export function convergedDesiredState(count: number, now: Date): DesiredState {
  const files: SourceFile[] = [{ path: 'desired-state/policy.yaml', text: convergedPolicyYaml() }];
  for (let i = 0; i < count; i += 1) {
    const name = convergedTableName(i);
    files.push({ path: `desired-state/tables/${name}.yaml`, text: convergedTableYaml(name) });
  }
  const result = parseDesiredState(files, { now });
  if (result.failed) throw new Error(`desired state is invalid: ${JSON.stringify(result.diagnostics)}`);
  return result.state;
}

/** Options of {@link convergeAccount}. */
export interface ConvergeOptions {
  /** Tables applied at once (default 32: the build of 1,000 tables takes about 40 s on 2 cores). */
  concurrency?: number;
}

/**
 * Converges an EMPTY account to `desired` with the product's own plan and apply (`settle: 'wait'`, as the CLI), then
 * checks that a fresh plan has nothing left to do.
 *
 * @throws Error when the account is not empty, a table is not applied, or the account is not converged afterwards.
 */
export async function convergeAccount(clients: AwsClients, desired: DesiredState, now: Date, options: ConvergeOptions = {}): Promise<void> {
  const request = observeRequestFor(desired);
  const observed = await observeAccount(clients, request);
  const planned = plan({ desired, observed, now });
  if (planned.summary.create !== desired.tables.length) {
    throw new Error(`convergeAccount needs an empty account: the plan creates ${planned.summary.create} of ${desired.tables.length} tables`);
  }
  const result = await applyPlan(clients, planned, desired, observed, { concurrency: options.concurrency ?? 32, pollMs: 5, settle: 'wait' });
  const notApplied = result.tables.filter((table) => table.status !== 'applied');
  if (notApplied.length > 0) throw new Error(`convergeAccount: ${notApplied.length} tables not applied, e.g. ${JSON.stringify(notApplied.slice(0, 3))}`);
  const after = plan({ desired, observed: await observeAccount(clients, request), now });
  const left = after.tables.flatMap((table) => table.actions.map((action) => `${table.name} ${action.control} ${action.type}`));
  if (left.length > 0 || after.summary.inSync !== desired.tables.length) {
    throw new Error(`convergeAccount: the account is not converged after apply (${after.summary.inSync} in sync; left: ${left.slice(0, 5).join(', ')})`);
  }
}
