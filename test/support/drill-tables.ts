/**
 * Test support for restore drills: no test may leave a `tw-drill-*` table behind, so every drill test ends by
 * asserting it through {@link expectNoDrillTables}.
 */
import { ListTablesCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { expect } from 'vitest';
import { DRILL_TABLE_PREFIX } from '../../functions/core/drill/names.ts';
import type { DrillReport } from '../../functions/core/drill/record.ts';

/** Every `tw-drill-*` table in the account and region (all ListTables pages). */
export async function drillTables(dynamodb: DynamoDBClient): Promise<string[]> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const page = await dynamodb.send(new ListTablesCommand({ ...(start ? { ExclusiveStartTableName: start } : {}) }));
    names.push(...(page.TableNames ?? []));
    start = page.LastEvaluatedTableName;
  } while (start);
  return names.filter((name) => name.startsWith(DRILL_TABLE_PREFIX));
}

/** Fails the test when any drill table is left (the safety invariant: a drill always cleans up after itself). */
export async function expectNoDrillTables(dynamodb: DynamoDBClient): Promise<void> {
  expect(await drillTables(dynamodb)).toEqual([]);
}

/** A passed drill's report as drill-record returns it: what a deployed Drill execution's output carries (--remote). */
export const PASSED_DRILL_REPORT: DrillReport = {
  table: 'Customers',
  verdict: 'passed',
  reasons: [],
  startedAt: '2026-12-01T08:00:00.000Z',
  finishedAt: '2026-12-01T08:03:00.000Z',
  source: { kind: 'pitr', id: 'latest:2026-12-01T07:55:00.000Z' },
  copyTable: 'tw-drill-Customers-20261201T080000Z',
  rtoSeconds: 150,
  maxRestoreMinutes: 60,
  counts: { copyItems: 10, sourceItemsApproximate: 10, compared: 10, matched: 10, changed: 0, missingInCopy: 0, missingInSource: 0, unreadable: 0, changedPercent: 0, checks: 0, checksFailed: 0 },
  dropped: [],
  cleanup: { outcome: 'deleted', reason: 'deleted' },
};
