/**
 * Fixture builders for control tests.
 *
 * The defaults describe one fully converged "Customers" table: `desiredTable()` and `observedTable()` agree on
 * every setting, so every control judges `context()` COMPLIANT. A test changes only the field it is about.
 * Override a field with `undefined` to leave it out (not declared / not observed).
 */
import { expect } from 'vitest';
import type { z } from 'zod';
import type { ControlContext, ProposedAction } from '../../../functions/core/controls/control.ts';
import { policyFileSchema, type Policy } from '../../../functions/core/desired/schema.ts';
import type { DesiredSpec, DesiredTable } from '../../../functions/core/model/desired.ts';
import type { ObservedAccount, ObservedKmsKey, ObservedTable } from '../../../functions/core/model/observed.ts';
import { projectCreatedTable } from '../../../functions/core/plan/project-create.ts';

/** The fixed clock of every test context. */
export const NOW = new Date('2026-11-28T12:00:00Z');

export const TABLE_NAME = 'Customers';
export const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/Customers';
export const KEY_ALIAS = 'alias/tablewarden/customers';
export const KEY_ID = '11111111-1111-1111-1111-111111111111';
export const KEY_ARN = `arn:aws:kms:us-east-1:123456789012:key/${KEY_ID}`;
export const OTHER_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/22222222-2222-2222-2222-222222222222';
export const AWS_MANAGED_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/33333333-3333-3333-3333-333333333333';
export const BACKUP_PLAN = 'daily-35d';

/** The customer-managed key behind `alias/tablewarden/customers`, rotating yearly. */
export function kmsKey(overrides: Partial<ObservedKmsKey> = {}): ObservedKmsKey {
  return {
    arn: KEY_ARN,
    keyId: KEY_ID,
    aliases: [KEY_ALIAS],
    keyManager: 'CUSTOMER',
    keyState: 'Enabled',
    rotationEnabled: true,
    rotationPeriodDays: 365,
    ...overrides,
  };
}

/** The AWS-managed DynamoDB key (`alias/aws/dynamodb`). */
export function awsManagedKey(): ObservedKmsKey {
  return {
    arn: AWS_MANAGED_KEY_ARN,
    keyId: '33333333-3333-3333-3333-333333333333',
    aliases: ['alias/aws/dynamodb'],
    keyManager: 'AWS',
    keyState: 'Enabled',
    rotationEnabled: true,
    rotationPeriodDays: 365,
  };
}

/** The merged spec of the Customers table (policy baseline already under it). */
export function desiredSpec(overrides: Partial<DesiredSpec> = {}): DesiredSpec {
  return {
    keySchema: { partitionKey: { name: 'customerID', type: 'S' } },
    billing: { mode: 'PAY_PER_REQUEST' },
    tableClass: 'STANDARD',
    encryption: { type: 'CUSTOMER_MANAGED', kmsKeyAlias: KEY_ALIAS, rotationPeriodDays: 365 },
    pointInTimeRecovery: { enabled: true, recoveryPeriodDays: 35 },
    deletionProtection: true,
    backup: { plan: BACKUP_PLAN, maxRecoveryPointAgeHours: 26 },
    tags: { 'managed-by': 'tablewarden', 'data-classification': 'confidential', 'cost-center': 'payments' },
    contributorInsights: false,
    timeToLive: { attributeName: 'expiresAt', enabled: true },
    stream: 'NONE',
    globalSecondaryIndexes: [{ name: 'byEmail', partitionKey: { name: 'email', type: 'S' }, projection: 'KEYS_ONLY' }],
    ...overrides,
  };
}

/** A managed (git-declared) Customers table. */
export function desiredTable(specOverrides: Partial<DesiredSpec> = {}, tableOverrides: Partial<Omit<DesiredTable, 'spec'>> = {}): DesiredTable {
  return {
    name: TABLE_NAME,
    managed: true,
    source: { file: 'desired-state/tables/customers.yaml', line: 1 },
    owner: 'payments',
    waivers: [],
    ...tableOverrides,
    spec: desiredSpec(specOverrides),
  };
}

/** The Customers table as observed, converged with `desiredTable()`. */
export function observedTable(overrides: Partial<ObservedTable> = {}): ObservedTable {
  return {
    name: TABLE_NAME,
    arn: TABLE_ARN,
    status: 'ACTIVE',
    createdAt: '2024-03-01T09:00:00.000Z',
    keySchema: { partitionKey: { name: 'customerID', type: 'S' } },
    billing: { mode: 'PAY_PER_REQUEST' },
    tableClass: 'STANDARD',
    sse: { type: 'CUSTOMER_MANAGED', kmsKeyArn: KEY_ARN, status: 'ENABLED' },
    kmsKey: kmsKey(),
    pointInTimeRecovery: { enabled: true, recoveryPeriodDays: 35 },
    deletionProtection: true,
    tags: { 'managed-by': 'tablewarden', 'data-classification': 'confidential', 'cost-center': 'payments' },
    timeToLive: { status: 'ENABLED', attributeName: 'expiresAt' },
    stream: { enabled: false },
    contributorInsights: 'DISABLED',
    globalSecondaryIndexes: [
      { name: 'byEmail', partitionKey: { name: 'email', type: 'S' }, projection: { type: 'KEYS_ONLY' }, status: 'ACTIVE' },
    ],
    localSecondaryIndexes: [],
    backup: { planNames: [BACKUP_PLAN], latestRecoveryPointAt: '2026-11-28T03:05:00.000Z' },
    ...overrides,
  };
}

/** The account around the Customers table. */
export function account(overrides: Partial<ObservedAccount> = {}): ObservedAccount {
  return {
    tables: { [TABLE_NAME]: observedTable() },
    allTableNames: [TABLE_NAME],
    kmsKeysByAlias: { [KEY_ALIAS]: kmsKey(), 'alias/aws/dynamodb': awsManagedKey() },
    errors: {},
    ...overrides,
  };
}

type PolicyInput = z.input<typeof policyFileSchema.shape.spec>;

/** The `daily-35d` plan of policy.yaml. */
export function backupPlan(overrides: Partial<NonNullable<PolicyInput['backupPlans']>[string]> = {}): NonNullable<PolicyInput['backupPlans']>[string] {
  return { schedule: 'cron(0 3 * * ? *)', retentionDays: 35, vault: 'tablewarden-vault', startBackupWhenStale: true, ...overrides };
}

/** A parsed policy spec (zod defaults applied) with the `daily-35d` backup plan. */
export function policy(overrides: PolicyInput = {}): Policy {
  return policyFileSchema.shape.spec.parse({ backupPlans: { [BACKUP_PLAN]: backupPlan() }, ...overrides });
}

/** A control context for an existing, converged Customers table; override any part. */
export function context(overrides: Partial<ControlContext> = {}): ControlContext {
  return {
    desired: desiredTable(),
    observed: observedTable(),
    exists: true,
    account: account(),
    policy: policy(),
    now: NOW,
    ...overrides,
  };
}

/**
 * A context for a Customers table that does not exist yet: observed is what CreateTable will leave, as the
 * planner projects it.
 */
export function newTableContext(specOverrides: Partial<DesiredSpec> = {}, overrides: Partial<Omit<ControlContext, 'observed' | 'exists'>> = {}): ControlContext {
  const desired = overrides.desired ?? desiredTable(specOverrides);
  const observedAccount = overrides.account ?? account({ tables: {}, allTableNames: [] });
  const now = overrides.now ?? NOW;
  return {
    policy: policy(),
    ...overrides,
    desired,
    account: observedAccount,
    now,
    observed: projectCreatedTable(desired.name, desired.spec, observedAccount, now),
    exists: false,
  };
}

/** The baseline applied to an unmanaged table: no key schema, no stream, no indexes. */
export function unmanagedTable(specOverrides: Partial<DesiredSpec> = {}): DesiredTable {
  return {
    name: TABLE_NAME,
    managed: false,
    waivers: [],
    spec: {
      pointInTimeRecovery: { enabled: true, recoveryPeriodDays: 35 },
      deletionProtection: true,
      tableClass: 'STANDARD',
      backup: { plan: BACKUP_PLAN, maxRecoveryPointAgeHours: 26 },
      tags: { 'managed-by': 'tablewarden' },
      ...specOverrides,
    },
  };
}

/** One row of a control's `it.each` table. */
export interface Case {
  name: string;
  /** Changes to the default desired spec (`undefined` leaves a field out). */
  spec?: Partial<DesiredSpec>;
  /** A whole desired table instead (for example `unmanagedTable()`); `spec` is ignored then. */
  desired?: DesiredTable;
  /** Changes to the default observed table (ignored for a table that does not exist yet). */
  observed?: Partial<ObservedTable>;
  /** False: the table is created by this plan and observed is its projection. */
  exists?: boolean;
  account?: Partial<ObservedAccount>;
  policy?: PolicyInput;
  now?: Date;
  status: 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';
  reason: RegExp;
  actions: ProposedAction[];
  /** Refusals, each matched as a pattern; absent means the assessment carries no `refusals` key. */
  refusals?: RegExp[];
}

/** The context a row describes. */
export function caseContext(row: Case): ControlContext {
  const desired = row.desired ?? desiredTable(row.spec);
  const parts = {
    desired,
    ...(row.account ? { account: account(row.account) } : {}),
    ...(row.policy ? { policy: policy(row.policy) } : {}),
    ...(row.now ? { now: row.now } : {}),
  };
  if (row.exists === false) return newTableContext(undefined, parts);
  return context({ ...parts, observed: observedTable(row.observed) });
}

/** The whole assessment a row expects, for `toEqual`. */
export function expectedAssessment(row: Case): unknown {
  return {
    status: row.status,
    reason: expect.stringMatching(row.reason),
    actions: row.actions,
    ...(row.refusals ? { refusals: row.refusals.map((refusal) => expect.stringMatching(refusal)) } : {}),
  };
}

/** `it.each` rows titled by their full name (`$name` would truncate long names): use with the title `'%s'`. */
export function cases(rows: Case[]): Array<[string, Case]> {
  return rows.map((row) => [row.name, row]);
}
