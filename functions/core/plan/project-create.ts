/**
 * What a table will look like right after tablewarden's CreateTable call.
 *
 * Planning a missing table against this projection makes every control plan only what CreateTable can't carry
 * (PITR, TTL, Contributor Insights, backup selection), and makes "apply, observe, plan again" converge to zero.
 */
import { toIndexDefinition, toProjection } from '../controls/gsi.ts';
import type { DesiredSpec } from '../model/desired.ts';
import type { ObservedAccount, ObservedSse, ObservedTable } from '../model/observed.ts';

function projectedSse(spec: DesiredSpec, account: ObservedAccount): ObservedSse {
  const encryption = spec.encryption;
  if (!encryption || encryption.type === 'AWS_OWNED') return { type: 'AWS_OWNED' };
  if (encryption.type === 'AWS_MANAGED') return { type: 'AWS_MANAGED' };
  const key = account.kmsKeysByAlias[encryption.kmsKeyAlias];
  return key ? { type: 'CUSTOMER_MANAGED', kmsKeyArn: key.arn, status: 'ENABLED' } : { type: 'CUSTOMER_MANAGED', status: 'ENABLED' };
}

/** The observed state a new table will have once CreateTable returns (and it becomes ACTIVE). */
export function projectCreatedTable(name: string, spec: DesiredSpec, account: ObservedAccount, now: Date): ObservedTable {
  if (!spec.keySchema) throw new Error(`cannot project table ${name} without a key schema`);
  const billing = spec.billing ?? { mode: 'PAY_PER_REQUEST' as const };
  const stream = spec.stream && spec.stream !== 'NONE' ? { enabled: true, viewType: spec.stream } : { enabled: false };
  return {
    name,
    arn: `(known after create)`,
    status: 'ACTIVE',
    createdAt: now.toISOString(),
    keySchema: spec.keySchema,
    billing,
    tableClass: spec.tableClass ?? 'STANDARD',
    sse: projectedSse(spec, account),
    pointInTimeRecovery: { enabled: false },
    deletionProtection: spec.deletionProtection ?? false,
    tags: { ...(spec.tags ?? {}) },
    timeToLive: { status: 'DISABLED' },
    stream,
    contributorInsights: 'DISABLED',
    globalSecondaryIndexes: (spec.globalSecondaryIndexes ?? []).map((index) => ({ ...toIndexDefinition(index), status: 'ACTIVE' })),
    localSecondaryIndexes: (spec.localSecondaryIndexes ?? []).map((index) => ({
      name: index.name,
      partitionKey: spec.keySchema!.partitionKey,
      sortKey: index.sortKey,
      projection: toProjection(index.projection),
    })),
    backup: { planNames: [] },
  };
}
