/**
 * The latest restore drill per table, from the drill history in the operator's state table (pk `DRILL#<table>`, sk
 * the drill's start time, ISO-8601, so the newest sorts last): one Query per table, newest first, one item.
 * API: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html (ScanIndexForward, Limit).
 * Bound: the tables that declare drills, a few at a time (the state table is on-demand; reads are cheap).
 */
import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { drillSummaryFromItem } from '../core/report/drill-history.ts';
import type { DrillSummary } from '../core/report/posture.ts';
import { mapWithConcurrency } from './async-utils.ts';

/** Queries in flight at once. */
const CONCURRENCY = 8;

/** The newest drill record of each table (absent: no drill yet). */
export async function readLatestDrills(dynamodb: DynamoDBClient, stateTable: string, tables: readonly string[]): Promise<Record<string, DrillSummary>> {
  const found = await mapWithConcurrency(tables, CONCURRENCY, async (table) => {
    const page = await dynamodb.send(
      new QueryCommand({ TableName: stateTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `DRILL#${table}` } }, ScanIndexForward: false, Limit: 1 }),
    );
    return drillSummaryFromItem(table, page.Items?.[0] as Parameters<typeof drillSummaryFromItem>[1]);
  });
  return Object.fromEntries(found.flatMap((summary) => (summary ? [[summary.table, summary]] : [])));
}
