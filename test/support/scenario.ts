/**
 * Building blocks for planner tests: the repository's sample desired state and observed tables in known states.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDesiredState, type SourceFile } from '../../functions/core/desired/parse.ts';
import type { DesiredState } from '../../functions/core/model/desired.ts';
import type { ObservedAccount, ObservedKmsKey, ObservedTable } from '../../functions/core/model/observed.ts';

/** The fixed clock every planner test uses. */
export const NOW = new Date('2026-11-28T12:00:00Z');

/** The samples in desired-state/ as parsed (throws if they are invalid). */
export function sampleDesiredState(dir = 'desired-state'): DesiredState {
  const files: SourceFile[] = [{ path: join(dir, 'policy.yaml'), text: readFileSync(join(dir, 'policy.yaml'), 'utf8') }];
  for (const name of readdirSync(join(dir, 'tables')).sort()) files.push({ path: join(dir, 'tables', name), text: readFileSync(join(dir, 'tables', name), 'utf8') });
  const result = parseDesiredState(files, { now: NOW });
  if (result.failed) throw new Error(`samples are invalid: ${JSON.stringify(result.diagnostics)}`);
  return result.state;
}

/** A customer-managed key with rotation on. */
export function cmk(alias: string, id: string, rotationPeriodDays = 365): ObservedKmsKey {
  return {
    arn: `arn:aws:kms:us-east-1:123456789012:key/${id}`,
    keyId: id,
    aliases: [alias],
    keyManager: 'CUSTOMER',
    keyState: 'Enabled',
    rotationEnabled: true,
    rotationPeriodDays,
  };
}

/** A plain, existing table with nothing configured (AWS defaults); override what the test needs. */
export function bareTable(name: string, overrides: Partial<ObservedTable> = {}): ObservedTable {
  return {
    name,
    arn: `arn:aws:dynamodb:us-east-1:123456789012:table/${name}`,
    status: 'ACTIVE',
    createdAt: '2025-01-01T00:00:00.000Z',
    keySchema: { partitionKey: { name: 'id', type: 'S' } },
    billing: { mode: 'PAY_PER_REQUEST' },
    tableClass: 'STANDARD',
    sse: { type: 'AWS_OWNED' },
    pointInTimeRecovery: { enabled: false },
    deletionProtection: false,
    tags: {},
    timeToLive: { status: 'DISABLED' },
    stream: { enabled: false },
    contributorInsights: 'DISABLED',
    globalSecondaryIndexes: [],
    localSecondaryIndexes: [],
    backup: { planNames: [] },
    ...overrides,
  };
}

/** An account with the given tables and keys. */
export function accountWith(tables: ObservedTable[], keys: ObservedKmsKey[] = [], extraTableNames: string[] = []): ObservedAccount {
  return {
    tables: Object.fromEntries(tables.map((table) => [table.name, table])),
    allTableNames: [...tables.map((table) => table.name), ...extraTableNames].sort(),
    kmsKeysByAlias: Object.fromEntries(keys.flatMap((key) => key.aliases.map((alias) => [alias, key]))),
    errors: {},
  };
}

/**
 * The drifted account `npm start` and the golden test use: Customers exists with PITR off, AWS-owned encryption
 * and missing tags; terraform-state-lock is converged but for one tag and its key's rotation; Orders is missing;
 * legacy-sessions is unmanaged; a drill table is left over.
 */
export function driftedAccount(): ObservedAccount {
  const platformKey = cmk('alias/tablewarden/platform', '22222222-2222-2222-2222-222222222222', 730);
  return accountWith(
    [
      bareTable('Customers', {
        keySchema: { partitionKey: { name: 'customerID', type: 'S' } },
        deletionProtection: true,
        tags: { 'cost-center': 'payments', team: 'payments-core' },
        contributorInsights: 'DISABLED',
      }),
      bareTable('terraform-state-lock', {
        keySchema: { partitionKey: { name: 'LockID', type: 'S' } },
        sse: { type: 'CUSTOMER_MANAGED', kmsKeyArn: platformKey.arn, status: 'ENABLED' },
        kmsKey: platformKey,
        pointInTimeRecovery: { enabled: true, recoveryPeriodDays: 35 },
        deletionProtection: true,
        tags: { 'managed-by': 'tablewarden', 'data-classification': 'internal', 'cost-center': 'platform' },
        backup: { planNames: ['daily-35d'], latestRecoveryPointAt: '2026-11-28T03:10:00.000Z' },
      }),
      bareTable('legacy-sessions'),
    ],
    [platformKey],
    ['tw-drill-Customers-20261127'],
  );
}
