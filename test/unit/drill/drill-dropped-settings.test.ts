import { describe, expect, it } from 'vitest';
import { droppedSettings } from '../../../functions/core/drill/dropped-settings.ts';
import { drillHistoryItem } from '../../../functions/core/drill/record.ts';
import { policyFileSchema } from '../../../functions/core/desired/schema.ts';
import type { DesiredTable } from '../../../functions/core/model/desired.ts';
import type { ObservedKmsKey, ObservedTable } from '../../../functions/core/model/observed.ts';

const NOW = new Date('2026-12-01T08:00:00Z');
const KEY: ObservedKmsKey = { arn: 'arn:aws:kms:us-east-1:123456789012:key/k1', keyId: 'k1', aliases: ['alias/tablewarden/customers'], keyManager: 'CUSTOMER', keyState: 'Enabled', rotationEnabled: true, rotationPeriodDays: 365 };
const POLICY = policyFileSchema.shape.spec.parse({ backupPlans: { daily: { schedule: 'cron(0 3 * * ? *)', retentionDays: 35, vault: 'tw-vault' } } });

const table: DesiredTable = {
  name: 'Customers',
  managed: true,
  waivers: [],
  spec: {
    keySchema: { partitionKey: { name: 'customerID', type: 'S' } },
    encryption: { type: 'CUSTOMER_MANAGED', kmsKeyAlias: 'alias/tablewarden/customers', rotationPeriodDays: 365 },
    pointInTimeRecovery: { enabled: true, recoveryPeriodDays: 35 },
    deletionProtection: true,
    tags: { team: 'payments' },
    timeToLive: { attributeName: 'expiresAt', enabled: true },
    stream: 'NEW_AND_OLD_IMAGES',
    backup: { plan: 'daily' },
  },
};

/** A restored copy: items, keys and the declared key, nothing else. */
const copy: ObservedTable = {
  name: 'tw-drill-Customers-20261201T080000Z',
  arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/tw-drill-Customers-20261201T080000Z',
  status: 'ACTIVE',
  createdAt: NOW.toISOString(),
  keySchema: { partitionKey: { name: 'customerID', type: 'S' } },
  billing: { mode: 'PAY_PER_REQUEST' },
  tableClass: 'STANDARD',
  sse: { type: 'CUSTOMER_MANAGED', kmsKeyArn: KEY.arn, status: 'ENABLED' },
  kmsKey: KEY,
  pointInTimeRecovery: { enabled: false },
  deletionProtection: false,
  tags: { 'tablewarden:drill': 'true' },
  timeToLive: { status: 'DISABLED' },
  stream: { enabled: false },
  globalSecondaryIndexes: [],
  localSecondaryIndexes: [],
  backup: { planNames: [] },
};

describe('settings a restore drops', () => {
  it('lists what the planner would re-apply to the copy, control by control (not the KMS key, which exists)', () => {
    // Prepare / Act
    const dropped = droppedSettings({ table, copy, kmsKeysByAlias: { 'alias/tablewarden/customers': KEY }, policy: POLICY, now: NOW });
    // Assess
    expect(dropped.map((setting) => `${setting.control} ${setting.action}`)).toEqual([
      'TW-PITR UpdatePointInTimeRecovery',
      'TW-DELETION-PROTECTION UpdateDeletionProtection',
      'TW-TAGS TagResource',
      'TW-TTL UpdateTimeToLive',
      'TW-STREAM UpdateStream',
      'TW-BACKUP-COVERAGE AddToBackupPlan',
    ]);
  });

  it('lists nothing for a copy that already has the declared posture', () => {
    // Prepare
    const converged: ObservedTable = {
      ...copy,
      pointInTimeRecovery: { enabled: true, recoveryPeriodDays: 35 },
      deletionProtection: true,
      tags: { ...copy.tags, team: 'payments', 'tablewarden:backup-plan': 'daily' },
      timeToLive: { status: 'ENABLED', attributeName: 'expiresAt' },
      stream: { enabled: true, viewType: 'NEW_AND_OLD_IMAGES' },
      backup: { planNames: ['daily'], latestRecoveryPointAt: NOW.toISOString() },
    };
    // Act
    const dropped = droppedSettings({ table, copy: converged, kmsKeysByAlias: { 'alias/tablewarden/customers': KEY }, policy: POLICY, now: NOW });
    // Assess
    expect(dropped).toEqual([]);
  });
});

describe('drill history item', () => {
  it('is keyed by DRILL#<table> and the start time, with counts as numbers and reasons cut to size', () => {
    // Prepare / Act
    const item = drillHistoryItem({
      table: 'Customers',
      verdict: 'failed',
      reasons: ['x'.repeat(2_000)],
      startedAt: '2026-12-01T08:00:00.000Z',
      finishedAt: '2026-12-01T08:05:00.000Z',
      source: { kind: 'pitr', id: 'latest:2026-12-01T07:55:00.000Z' },
      copyTable: 'tw-drill-Customers-20261201T080000Z',
      rtoSeconds: 270,
      maxRestoreMinutes: 30,
      counts: { copyItems: 19, changedPercent: 5.123 },
      dropped: [],
      cleanup: { outcome: 'deleted', reason: 'deleted' },
    });
    // Assess
    expect(item.pk).toEqual({ S: 'DRILL#Customers' });
    expect(item.sk).toEqual({ S: '2026-12-01T08:00:00.000Z' });
    expect(item.copyItems).toEqual({ N: '19' });
    expect(item.changedPercent).toEqual({ N: '5.12' });
    expect(item.rtoSeconds).toEqual({ N: '270' });
    expect((item.reasons as { L: Array<{ S: string }> }).L[0]?.S).toHaveLength(1_000);
    expect(item.cleanup).toEqual({ S: 'deleted' });
  });
});
