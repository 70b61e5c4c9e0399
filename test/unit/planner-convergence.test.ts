/**
 * Property: for any desired state and any drifted account, applying the plan and planning again yields zero
 * actions. The account is an in-memory fake that enforces AWS's rules (see test/support/fake-account.ts),
 * including one UpdateTimeToLive per table per hour: a TTL attribute move leaves step 2 pending after the first
 * run, and a second run an hour later finishes it, so two runs an hour apart converge completely.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { policyFileSchema } from '../../functions/core/desired/schema.ts';
import type { DesiredSpec, DesiredState, DesiredTable } from '../../functions/core/model/desired.ts';
import type { ObservedTable } from '../../functions/core/model/observed.ts';
import { plan } from '../../functions/core/plan/planner.ts';
import { applyToFakeAccount, observeFakeAccount } from '../support/fake-account.ts';
import { accountWith, bareTable, cmk, NOW } from '../support/scenario.ts';

const ALIASES = ['alias/team-a', 'alias/team-b'] as const;
const KEY = { name: 'id', type: 'S' as const };
const GSI_POOL = [
  { name: 'byEmail', partitionKey: { name: 'email', type: 'S' as const }, projection: 'ALL' as const },
  { name: 'byStatus', partitionKey: { name: 'status', type: 'S' as const }, sortKey: { name: 'at', type: 'N' as const }, projection: 'KEYS_ONLY' as const },
  { name: 'byOwner', partitionKey: { name: 'owner', type: 'S' as const }, projection: { type: 'INCLUDE' as const, nonKeyAttributes: ['name', 'email'] } },
];

const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

const encryption = fc.oneof(
  fc.constant({ type: 'AWS_OWNED' as const }),
  fc.constant({ type: 'AWS_MANAGED' as const }),
  // One rotation period per alias: validation rejects two tables that disagree about a shared key.
  fc.constantFrom(...ALIASES).map((alias) => ({ type: 'CUSTOMER_MANAGED' as const, kmsKeyAlias: alias, rotationPeriodDays: alias === 'alias/team-a' ? 90 : 365 })),
);

const desiredSpec: fc.Arbitrary<DesiredSpec> = fc.record(
  {
    keySchema: fc.constant({ partitionKey: KEY }),
    billing: fc.oneof(fc.constant({ mode: 'PAY_PER_REQUEST' as const }), fc.record({ mode: fc.constant('PROVISIONED' as const), readCapacity: fc.integer({ min: 1, max: 20 }), writeCapacity: fc.integer({ min: 1, max: 20 }) })),
    tableClass: fc.constantFrom('STANDARD' as const, 'STANDARD_INFREQUENT_ACCESS' as const),
    encryption,
    pointInTimeRecovery: fc.record({ enabled: fc.boolean(), recoveryPeriodDays: optional(fc.integer({ min: 1, max: 35 })) }, { requiredKeys: ['enabled'] }),
    deletionProtection: fc.boolean(),
    backup: fc.record({ plan: fc.constant('daily'), maxRecoveryPointAgeHours: optional(fc.constantFrom(24, 48)) }, { requiredKeys: ['plan'] }),
    tags: fc.dictionary(fc.constantFrom('team', 'env', 'cost-center'), fc.constantFrom('a', 'b')),
    timeToLive: fc.record({ attributeName: fc.constantFrom('exp', 'ttl'), enabled: fc.boolean() }),
    stream: fc.constantFrom('NONE' as const, 'NEW_AND_OLD_IMAGES' as const, 'KEYS_ONLY' as const),
    contributorInsights: fc.oneof(
      fc.boolean(),
      fc.record({ enabled: fc.boolean(), mode: optional(fc.constantFrom('ACCESSED_AND_THROTTLED_KEYS' as const, 'THROTTLED_KEYS' as const)) }, { requiredKeys: ['enabled'] }),
    ),
    globalSecondaryIndexes: fc.subarray(GSI_POOL),
  },
  { requiredKeys: ['keySchema', 'stream'] },
).map((spec) => {
  // Index capacities follow the table's billing mode, as validation requires.
  if (spec.billing?.mode !== 'PROVISIONED' || !spec.globalSecondaryIndexes) return spec;
  return { ...spec, globalSecondaryIndexes: spec.globalSecondaryIndexes.map((index) => ({ ...index, readCapacity: 5, writeCapacity: 5 })) };
});

const observedState: fc.Arbitrary<Partial<ObservedTable>> = fc.record({
  billing: fc.oneof(fc.constant({ mode: 'PAY_PER_REQUEST' as const }), fc.record({ mode: fc.constant('PROVISIONED' as const), readCapacity: fc.integer({ min: 1, max: 20 }), writeCapacity: fc.integer({ min: 1, max: 20 }) })),
  tableClass: fc.constantFrom('STANDARD' as const, 'STANDARD_INFREQUENT_ACCESS' as const),
  sse: fc.oneof(
    fc.constant({ type: 'AWS_OWNED' as const }),
    fc.constant({ type: 'AWS_MANAGED' as const, kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/aws-dynamodb' }),
    fc.constant({ type: 'CUSTOMER_MANAGED' as const, kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/stranger' }),
  ),
  pointInTimeRecovery: fc.oneof(fc.constant({ enabled: false }), fc.record({ enabled: fc.constant(true), recoveryPeriodDays: fc.integer({ min: 1, max: 35 }) })),
  deletionProtection: fc.boolean(),
  tags: fc.dictionary(fc.constantFrom('team', 'env', 'owner'), fc.constantFrom('a', 'b', 'c')),
  timeToLive: fc.oneof(fc.constant({ status: 'DISABLED' as const }), fc.record({ status: fc.constant('ENABLED' as const), attributeName: fc.constantFrom('exp', 'ttl') })),
  stream: fc.oneof(fc.constant({ enabled: false }), fc.record({ enabled: fc.constant(true), viewType: fc.constantFrom('NEW_IMAGE' as const, 'KEYS_ONLY' as const) })),
  contributorInsights: fc.constantFrom('ENABLED' as const, 'DISABLED' as const),
  contributorInsightsMode: optional(fc.constantFrom('ACCESSED_AND_THROTTLED_KEYS' as const, 'THROTTLED_KEYS' as const)),
  globalSecondaryIndexes: fc.subarray(GSI_POOL).map((indexes) => indexes.map((index) => ({ ...index, projection: typeof index.projection === 'string' ? { type: index.projection } : { type: 'INCLUDE' as const, nonKeyAttributes: index.projection.nonKeyAttributes }, status: 'ACTIVE' }))),
  backup: fc.record({
    planNames: fc.subarray(['daily', 'weekly']),
    latestRecoveryPointAt: optional(fc.constantFrom('2026-11-28T06:00:00.000Z', '2026-11-20T06:00:00.000Z')),
  }, { requiredKeys: ['planNames'] }),
});

const tableCase = fc.record({ spec: desiredSpec, exists: fc.boolean(), state: observedState });

describe('planner convergence (property)', () => {
  it('apply → observe → plan is empty, for generated desired/observed pairs', () => {
    fc.assert(
      fc.property(
        fc.array(tableCase, { minLength: 1, maxLength: 3 }),
        fc.subarray([...ALIASES]),
        fc.constantFrom(90, 365, 730),
        fc.boolean(),
        (cases, existingAliases, rotation, startBackupWhenStale) => {
          // Prepare
          const policy = policyFileSchema.shape.spec.parse({
            backupPlans: { daily: { schedule: 'cron(0 3 * * ? *)', retentionDays: 7, vault: 'v1', startBackupWhenStale } },
            blastRadius: { maxDisruptivePercent: 100 },
          });
          const tables: DesiredTable[] = cases.map((item, i) => ({ name: `T${i}`, managed: true, spec: item.spec, waivers: [] }));
          const desired: DesiredState = { policy, tables, invalidTables: [] };
          const keys = existingAliases.map((alias, i) => ({ ...cmk(alias, `key-${i}`), rotationEnabled: rotation !== 730, rotationPeriodDays: rotation }));
          const observed = accountWith(
            cases.flatMap((item, i) => (item.exists ? [bareTable(`T${i}`, { ...item.state, keySchema: { partitionKey: KEY } })] : [])),
            keys,
          );
          // Act
          const first = plan({ desired, observed, now: NOW });
          const after = applyToFakeAccount(observed, first.tables.flatMap((table) => table.actions), NOW);
          const second = plan({ desired, observed: observeFakeAccount(after, NOW), now: NOW });
          // An hour later DynamoDB accepts the next TTL change: the second run applies what was pending.
          const later = new Date(NOW.getTime() + 3600_000);
          const secondRun = plan({ desired, observed: observeFakeAccount(after, later), now: later });
          const afterSecondRun = applyToFakeAccount(observeFakeAccount(after, later), secondRun.tables.flatMap((table) => table.actions), later);
          const third = plan({ desired, observed: observeFakeAccount(afterSecondRun, later), now: later });
          // Assess
          expect(first.blocked).toBeUndefined();
          expect(second.tables.flatMap((table) => table.actions)).toEqual([]);
          // Only a step DynamoDB won't take yet may be left, and only a TTL one.
          expect(second.tables.flatMap((table) => table.pending ?? []).every((step) => step.control === 'TW-TTL')).toBe(true);
          expect(third.tables.flatMap((table) => table.actions)).toEqual([]);
          expect(third.tables.flatMap((table) => table.pending ?? [])).toEqual([]);
          // Stale backups without permission to start one remain a finding, never a silent pass.
          for (const table of second.tables) {
            const backup = table.findings.find((finding) => finding.control === 'TW-BACKUP-COVERAGE');
            if (!startBackupWhenStale && backup?.reason.includes('old')) expect(backup.status).toBe('NON_COMPLIANT');
          }
        },
      ),
      { numRuns: 400, seed: 20261128 },
    );
  });
});
