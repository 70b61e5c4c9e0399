import { describe, expect, it } from 'vitest';
import { tableExistsControl } from '../../../functions/core/controls/table-exists.ts';
import type { LsiSpec } from '../../../functions/core/desired/schema.ts';
import type { ObservedIndex } from '../../../functions/core/model/observed.ts';
import { caseContext, cases, context, desiredSpec, desiredTable, expectedAssessment, observedTable, unmanagedTable } from './fixtures.ts';

const CUSTOMER_ID = { name: 'customerID', type: 'S' } as const;
const REGION = { name: 'region', type: 'S' } as const;
const COMPOSITE = { partitionKey: CUSTOMER_ID, sortKey: REGION };
const byCreated: LsiSpec = { name: 'byCreated', sortKey: { name: 'createdAt', type: 'N' }, projection: 'KEYS_ONLY' };
const byStatus: LsiSpec = { name: 'byStatus', sortKey: { name: 'status', type: 'S' }, projection: { type: 'INCLUDE', nonKeyAttributes: ['total', 'email'] } };
const observedByCreated: ObservedIndex = { name: 'byCreated', partitionKey: CUSTOMER_ID, sortKey: { name: 'createdAt', type: 'N' }, projection: { type: 'KEYS_ONLY' } };
const observedByStatus: ObservedIndex = {
  name: 'byStatus',
  partitionKey: CUSTOMER_ID,
  sortKey: { name: 'status', type: 'S' },
  projection: { type: 'INCLUDE', nonKeyAttributes: ['email', 'total'] },
};

describe('TW-TABLE-EXISTS', () => {
  it.each(cases([
    // Compliant
    { name: 'compliant: exists with the declared key', status: 'COMPLIANT', reason: /^table exists with key customerID \(S\)$/, actions: [] },
    {
      name: 'compliant: composite key and LSIs match (INCLUDE attributes as a set, any order)',
      spec: { keySchema: COMPOSITE, localSecondaryIndexes: [byStatus, byCreated] },
      observed: { keySchema: COMPOSITE, localSecondaryIndexes: [observedByCreated, observedByStatus] },
      status: 'COMPLIANT',
      reason: /^table exists with key customerID \(S\) \+ region \(S\)$/,
      actions: [],
    },
    {
      name: 'compliant: an UPDATING table can still be planned',
      observed: { status: 'UPDATING' },
      status: 'COMPLIANT',
      reason: /table exists/,
      actions: [],
    },
    // Does not exist: CreateTable with the whole spec
    {
      name: 'missing table → CreateTable (safe) with the desired spec',
      exists: false,
      status: 'NON_COMPLIANT',
      reason: /^table does not exist$/,
      actions: [{ type: 'CreateTable', spec: desiredSpec(), risk: 'safe', reason: 'create table with key customerID (S)' }],
    },
    // Key schema and LSI differences are refusals, never actions
    {
      name: 'refusal: different partition key',
      observed: { keySchema: { partitionKey: { name: 'id', type: 'S' } } },
      status: 'NON_COMPLIANT',
      reason: /key schema is id \(S\), declared customerID \(S\)/,
      actions: [],
      refusals: [/^key schema is id \(S\), declared customerID \(S\): DynamoDB cannot change a key schema; migrate to a new table$/],
    },
    {
      name: 'refusal: same key name, different type',
      observed: { keySchema: { partitionKey: { name: 'customerID', type: 'N' } } },
      status: 'NON_COMPLIANT',
      reason: /customerID \(N\), declared customerID \(S\)/,
      actions: [],
      refusals: [/key schema is customerID \(N\), declared customerID \(S\)/],
    },
    {
      name: 'refusal: sort key present but not declared',
      observed: { keySchema: COMPOSITE },
      status: 'NON_COMPLIANT',
      reason: /key schema is customerID \(S\) \+ region \(S\), declared customerID \(S\)/,
      actions: [],
      refusals: [/cannot change a key schema/],
    },
    {
      name: 'refusal: an LSI with another projection',
      spec: { keySchema: COMPOSITE, localSecondaryIndexes: [{ ...byCreated, projection: 'ALL' }] },
      observed: { keySchema: COMPOSITE, localSecondaryIndexes: [observedByCreated] },
      status: 'NON_COMPLIANT',
      reason: /local secondary indexes are \[byCreated:createdAt\(N\):KEYS_ONLY\], declared \[byCreated:createdAt\(N\):ALL\]/,
      actions: [],
      refusals: [/^local secondary indexes are \[byCreated:createdAt\(N\):KEYS_ONLY\], declared \[byCreated:createdAt\(N\):ALL\]: LSIs can only be defined when a table is created$/],
    },
    {
      name: 'refusal: a declared LSI that does not exist',
      spec: { keySchema: COMPOSITE, localSecondaryIndexes: [byCreated, byStatus] },
      observed: { keySchema: COMPOSITE, localSecondaryIndexes: [observedByCreated] },
      status: 'NON_COMPLIANT',
      reason: /LSIs can only be defined when a table is created/,
      actions: [],
      refusals: [/local secondary indexes are \[byCreated.*\], declared \[byCreated.*, byStatus.*\]/],
    },
    {
      name: 'refusal: key schema and LSIs both differ → two refusals',
      spec: { keySchema: COMPOSITE, localSecondaryIndexes: [byCreated] },
      observed: { keySchema: { partitionKey: CUSTOMER_ID, sortKey: { name: 'region', type: 'N' } }, localSecondaryIndexes: [] },
      status: 'NON_COMPLIANT',
      reason: /cannot change a key schema.*; local secondary indexes are \[\]/,
      actions: [],
      refusals: [/key schema is customerID \(S\) \+ region \(N\)/, /local secondary indexes are \[\], declared \[byCreated/],
    },
    {
      name: 'refusal: the table is ARCHIVED',
      observed: { status: 'ARCHIVED' },
      status: 'NON_COMPLIANT',
      reason: /^table is ARCHIVED: DynamoDB accepts no changes in this state$/,
      actions: [],
      refusals: [/^table is ARCHIVED: DynamoDB accepts no changes in this state$/],
    },
    {
      name: 'refusal: the table key is inaccessible',
      observed: { status: 'INACCESSIBLE_ENCRYPTION_CREDENTIALS' },
      status: 'NON_COMPLIANT',
      reason: /INACCESSIBLE_ENCRYPTION_CREDENTIALS/,
      actions: [],
      refusals: [/table is INACCESSIBLE_ENCRYPTION_CREDENTIALS/],
    },
    // Missing vs empty LSIs: absent = not checked, [] = there must be none
    {
      name: 'missing: localSecondaryIndexes absent → existing LSIs are not checked',
      spec: { keySchema: COMPOSITE, localSecondaryIndexes: undefined },
      observed: { keySchema: COMPOSITE, localSecondaryIndexes: [observedByCreated] },
      status: 'COMPLIANT',
      reason: /table exists/,
      actions: [],
    },
    {
      name: 'empty: localSecondaryIndexes [] with an LSI → refusal',
      spec: { keySchema: COMPOSITE, localSecondaryIndexes: [] },
      observed: { keySchema: COMPOSITE, localSecondaryIndexes: [observedByCreated] },
      status: 'NON_COMPLIANT',
      reason: /local secondary indexes are \[byCreated:createdAt\(N\):KEYS_ONLY\], declared \[\]/,
      actions: [],
      refusals: [/declared \[\]: LSIs can only be defined when a table is created/],
    },
    {
      name: 'empty: localSecondaryIndexes [] and none → compliant',
      spec: { localSecondaryIndexes: [] },
      status: 'COMPLIANT',
      reason: /table exists/,
      actions: [],
    },
    // Not applicable: unmanaged tables have no declared shape
    {
      name: 'not applicable: unmanaged table (no key schema), whatever its key',
      desired: unmanagedTable(),
      observed: { keySchema: { partitionKey: { name: 'pk', type: 'B' } }, status: 'ARCHIVED' },
      status: 'NOT_APPLICABLE',
      reason: /^unmanaged table: its shape is not declared$/,
      actions: [],
    },
  ]))('%s', (_name, row) => {
    // Prepare
    const ctx = caseContext(row);
    // Act
    const assessment = tableExistsControl.assess(ctx);
    // Assess
    expect(assessment).toEqual(expectedAssessment(row));
  });

  it('CreateTable carries the exact merged spec, LSIs and all', () => {
    // Prepare
    const desired = desiredTable({ keySchema: COMPOSITE, localSecondaryIndexes: [byCreated], stream: 'NEW_IMAGE' });
    const ctx = context({ desired, exists: false, observed: observedTable() });
    // Act
    const actions = tableExistsControl.plan(ctx);
    // Assess
    expect(actions).toEqual([{ type: 'CreateTable', spec: desired.spec, risk: 'safe', reason: 'create table with key customerID (S) + region (S)' }]);
  });

  it('never proposes an action for an existing table, whatever differs', () => {
    // Prepare
    const ctx = context({
      desired: desiredTable({ keySchema: COMPOSITE, localSecondaryIndexes: [byCreated] }),
      observed: observedTable({ keySchema: { partitionKey: { name: 'id', type: 'N' } }, localSecondaryIndexes: [], status: 'DELETING' }),
    });
    // Act
    const assessment = tableExistsControl.assess(ctx);
    // Assess
    expect(assessment.actions).toEqual([]);
    expect(assessment.refusals).toHaveLength(3);
  });
});
