/**
 * TW-TABLE-EXISTS — the declared table exists, with the declared key schema and local secondary indexes.
 *
 * Drives: dynamodb:CreateTable (key schema, billing, class, indexes, SSE, stream, deletion protection and tags in
 * one call). Key schema and LSIs can't change after creation, so a difference is a *refusal*: it is reported and
 * nothing is applied to that table. Never deletes a table.
 * Binds: 500 concurrent control-plane operations per account; a new table is CREATING for seconds to minutes.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
 */
import { compliant, defineControl, nonCompliant, notApplicable } from './control.ts';
import { toProjection } from './gsi.ts';
import type { KeySchema, ObservedIndex } from '../model/observed.ts';

function describeKey(key: KeySchema): string {
  return `${key.partitionKey.name} (${key.partitionKey.type})${key.sortKey ? ` + ${key.sortKey.name} (${key.sortKey.type})` : ''}`;
}

function sameKeySchema(a: KeySchema, b: KeySchema): boolean {
  return describeKey(a) === describeKey(b);
}

function describeLsi(index: Pick<ObservedIndex, 'name' | 'sortKey' | 'projection'>): string {
  const attributes = [...(index.projection.nonKeyAttributes ?? [])].sort().join(',');
  return `${index.name}:${index.sortKey?.name}(${index.sortKey?.type}):${index.projection.type}${attributes ? `[${attributes}]` : ''}`;
}

/** States in which DynamoDB accepts no changes at all. */
const FROZEN_STATES = new Set(['ARCHIVING', 'ARCHIVED', 'INACCESSIBLE_ENCRYPTION_CREDENTIALS', 'DELETING']);

/** Table existence and immutable shape control. */
export const tableExistsControl = defineControl({
  id: 'TW-TABLE-EXISTS',
  title: 'The table exists with the declared key schema and local secondary indexes',
  rationale: 'A table declared in git but missing breaks its applications; a key schema that differs is a different table.',
  references: { configRules: [], securityHub: [], documentation: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html' },
  permissions: {
    observe: ['dynamodb:ListTables', 'dynamodb:DescribeTable'],
    apply: ['dynamodb:CreateTable', 'dynamodb:TagResource', 'kms:CreateGrant', 'kms:DescribeKey'],
  },
  assess({ desired, observed, exists }) {
    const keySchema = desired.spec.keySchema;
    if (!keySchema) return notApplicable('unmanaged table: its shape is not declared');
    if (!exists) {
      return nonCompliant('table does not exist', [
        { type: 'CreateTable', spec: desired.spec, risk: 'safe', reason: `create table with key ${describeKey(keySchema)}` },
      ]);
    }
    const refusals: string[] = [];
    if (!sameKeySchema(keySchema, observed.keySchema)) {
      refusals.push(`key schema is ${describeKey(observed.keySchema)}, declared ${describeKey(keySchema)}: DynamoDB cannot change a key schema; migrate to a new table`);
    }
    const declaredLsis = desired.spec.localSecondaryIndexes;
    if (declaredLsis) {
      const want = declaredLsis.map((index) => describeLsi({ name: index.name, sortKey: index.sortKey, projection: toProjection(index.projection) })).sort();
      const have = observed.localSecondaryIndexes.map(describeLsi).sort();
      if (want.join('|') !== have.join('|')) {
        refusals.push(`local secondary indexes are [${have.join(', ')}], declared [${want.join(', ')}]: LSIs can only be defined when a table is created`);
      }
    }
    if (FROZEN_STATES.has(observed.status)) refusals.push(`table is ${observed.status}: DynamoDB accepts no changes in this state`);
    if (refusals.length > 0) return nonCompliant(refusals.join('; '), [], refusals);
    return compliant(`table exists with key ${describeKey(keySchema)}`);
  },
});
