/**
 * Test support for restore drills: no test may leave a `tw-drill-*` table behind, so every drill test ends by
 * asserting it through {@link expectNoDrillTables}.
 */
import { ListTablesCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { expect } from 'vitest';
import { DRILL_TABLE_PREFIX } from '../../functions/core/drill/names.ts';

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
