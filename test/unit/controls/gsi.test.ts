import { describe, expect, it } from 'vitest';
import { gsiControl } from '../../../functions/core/controls/gsi.ts';
import type { GsiSpec } from '../../../functions/core/desired/schema.ts';
import type { ObservedIndex } from '../../../functions/core/model/observed.ts';
import { caseContext, cases, expectedAssessment, unmanagedTable } from './fixtures.ts';

const EMAIL = { name: 'email', type: 'S' } as const;
const COUNTRY = { name: 'country', type: 'S' } as const;
const SIGNED_UP = { name: 'signedUpAt', type: 'N' } as const;

const byEmail: GsiSpec = { name: 'byEmail', partitionKey: EMAIL, projection: 'KEYS_ONLY' };
const byCountry: GsiSpec = { name: 'byCountry', partitionKey: COUNTRY, sortKey: SIGNED_UP, projection: { type: 'INCLUDE', nonKeyAttributes: ['name', 'email'] } };
const observedByEmail: ObservedIndex = { name: 'byEmail', partitionKey: EMAIL, projection: { type: 'KEYS_ONLY' }, status: 'ACTIVE' };
const observedByCountry: ObservedIndex = {
  name: 'byCountry',
  partitionKey: COUNTRY,
  sortKey: SIGNED_UP,
  projection: { type: 'INCLUDE', nonKeyAttributes: ['email', 'name'] },
  status: 'ACTIVE',
};
const observedLegacy: ObservedIndex = { name: 'legacy', partitionKey: { name: 'oldId', type: 'N' }, projection: { type: 'ALL' }, status: 'ACTIVE' };

const PROVISIONED = { mode: 'PROVISIONED', readCapacity: 10, writeCapacity: 5 } as const;

describe('TW-GSI', () => {
  it.each(cases([
    // Compliant
    { name: 'compliant: the declared index exists with its key and projection', status: 'COMPLIANT', reason: /^indexes match: byEmail$/, actions: [] },
    {
      name: 'compliant: INCLUDE attributes compared as a set',
      spec: { globalSecondaryIndexes: [byEmail, byCountry] },
      observed: { globalSecondaryIndexes: [observedByEmail, observedByCountry] },
      status: 'COMPLIANT',
      reason: /^indexes match: byEmail, byCountry$/,
      actions: [],
    },
    {
      name: 'compliant: provisioned capacities match',
      spec: { billing: PROVISIONED, globalSecondaryIndexes: [{ ...byEmail, readCapacity: 4, writeCapacity: 2 }] },
      observed: { billing: PROVISIONED, globalSecondaryIndexes: [{ ...observedByEmail, readCapacity: 4, writeCapacity: 2 }] },
      status: 'COMPLIANT',
      reason: /indexes match: byEmail/,
      actions: [],
    },
    {
      name: 'capacity: different observed capacity is ignored on an on-demand table',
      spec: { globalSecondaryIndexes: [{ ...byEmail, readCapacity: 4, writeCapacity: 2 }] },
      observed: { globalSecondaryIndexes: [{ ...observedByEmail, readCapacity: 0, writeCapacity: 0 }] },
      status: 'COMPLIANT',
      reason: /indexes match/,
      actions: [],
    },
    {
      name: 'capacity: no declared index capacity on a provisioned table → not managed',
      spec: { billing: PROVISIONED },
      observed: { billing: PROVISIONED, globalSecondaryIndexes: [{ ...observedByEmail, readCapacity: 1, writeCapacity: 1 }] },
      status: 'COMPLIANT',
      reason: /indexes match/,
      actions: [],
    },
    {
      name: 'compliant: an index is CREATING but there is nothing to change',
      observed: { globalSecondaryIndexes: [{ ...observedByEmail, status: 'CREATING' }] },
      status: 'COMPLIANT',
      reason: /indexes match: byEmail/,
      actions: [],
    },
    // Create missing, delete extra
    {
      name: 'create: a declared index is missing → CreateGlobalSecondaryIndex, safe',
      spec: { globalSecondaryIndexes: [byEmail, byCountry] },
      status: 'NON_COMPLIANT',
      reason: /^create index byCountry \(backfills from the table\)$/,
      actions: [
        {
          type: 'CreateGlobalSecondaryIndex',
          index: { name: 'byCountry', partitionKey: COUNTRY, sortKey: SIGNED_UP, projection: { type: 'INCLUDE', nonKeyAttributes: ['email', 'name'] } },
          risk: 'safe',
          reason: 'create index byCountry (backfills from the table)',
        },
      ],
    },
    {
      name: 'create: declared capacities go into the index definition',
      spec: { billing: PROVISIONED, globalSecondaryIndexes: [{ ...byEmail, readCapacity: 4, writeCapacity: 2 }] },
      observed: { billing: PROVISIONED, globalSecondaryIndexes: [] },
      status: 'NON_COMPLIANT',
      reason: /create index byEmail/,
      actions: [
        {
          type: 'CreateGlobalSecondaryIndex',
          index: { name: 'byEmail', partitionKey: EMAIL, projection: { type: 'KEYS_ONLY' }, readCapacity: 4, writeCapacity: 2 },
          risk: 'safe',
          reason: 'create index byEmail (backfills from the table)',
        },
      ],
    },
    {
      name: 'delete: an undeclared index → DeleteGlobalSecondaryIndex, disruptive',
      observed: { globalSecondaryIndexes: [observedByEmail, observedLegacy] },
      status: 'NON_COMPLIANT',
      reason: /^delete undeclared index legacy$/,
      actions: [{ type: 'DeleteGlobalSecondaryIndex', indexName: 'legacy', risk: 'disruptive', reason: 'delete undeclared index legacy' }],
    },
    // Changed key or projection: delete and re-create, both disruptive
    {
      name: 'changed projection: delete then re-create, both disruptive',
      spec: { globalSecondaryIndexes: [{ ...byEmail, projection: 'ALL' }] },
      status: 'NON_COMPLIANT',
      reason: /^delete index byEmail to change its key or projection; re-create index byEmail/,
      actions: [
        { type: 'DeleteGlobalSecondaryIndex', indexName: 'byEmail', risk: 'disruptive', reason: 'delete index byEmail to change its key or projection' },
        {
          type: 'CreateGlobalSecondaryIndex',
          index: { name: 'byEmail', partitionKey: EMAIL, projection: { type: 'ALL' } },
          risk: 'disruptive',
          reason: 're-create index byEmail with the declared key and projection (queries on it fail until backfilled)',
        },
      ],
    },
    {
      name: 'changed key: a sort key added → delete then re-create',
      spec: { globalSecondaryIndexes: [{ ...byEmail, sortKey: SIGNED_UP }] },
      status: 'NON_COMPLIANT',
      reason: /delete index byEmail to change its key or projection/,
      actions: [
        { type: 'DeleteGlobalSecondaryIndex', indexName: 'byEmail', risk: 'disruptive', reason: 'delete index byEmail to change its key or projection' },
        {
          type: 'CreateGlobalSecondaryIndex',
          index: { name: 'byEmail', partitionKey: EMAIL, sortKey: SIGNED_UP, projection: { type: 'KEYS_ONLY' } },
          risk: 'disruptive',
          reason: 're-create index byEmail with the declared key and projection (queries on it fail until backfilled)',
        },
      ],
    },
    {
      name: 'changed key: partition key type differs → delete then re-create',
      spec: { globalSecondaryIndexes: [{ ...byEmail, partitionKey: { name: 'email', type: 'B' } }] },
      status: 'NON_COMPLIANT',
      reason: /delete index byEmail/,
      actions: [
        { type: 'DeleteGlobalSecondaryIndex', indexName: 'byEmail', risk: 'disruptive', reason: 'delete index byEmail to change its key or projection' },
        {
          type: 'CreateGlobalSecondaryIndex',
          index: { name: 'byEmail', partitionKey: { name: 'email', type: 'B' }, projection: { type: 'KEYS_ONLY' } },
          risk: 'disruptive',
          reason: 're-create index byEmail with the declared key and projection (queries on it fail until backfilled)',
        },
      ],
    },
    // Capacity update only with PROVISIONED billing
    {
      name: 'capacity: provisioned and different → UpdateGlobalSecondaryIndex, safe',
      spec: { billing: PROVISIONED, globalSecondaryIndexes: [{ ...byEmail, readCapacity: 8, writeCapacity: 4 }] },
      observed: { billing: PROVISIONED, globalSecondaryIndexes: [{ ...observedByEmail, readCapacity: 4, writeCapacity: 2 }] },
      status: 'NON_COMPLIANT',
      reason: /^set index byEmail capacity to 8 RCU \/ 4 WCU$/,
      actions: [{ type: 'UpdateGlobalSecondaryIndex', indexName: 'byEmail', readCapacity: 8, writeCapacity: 4, risk: 'safe', reason: 'set index byEmail capacity to 8 RCU / 4 WCU' }],
    },
    // Ordering: deletes, then creates, then capacity updates
    {
      name: 'several changes: deletes first, then creates, then updates',
      spec: {
        billing: PROVISIONED,
        globalSecondaryIndexes: [{ ...byEmail, readCapacity: 8, writeCapacity: 4 }, { ...byCountry, projection: 'ALL' }, { name: 'byName', partitionKey: { name: 'name', type: 'S' }, projection: 'KEYS_ONLY' }],
      },
      observed: { billing: PROVISIONED, globalSecondaryIndexes: [{ ...observedByEmail, readCapacity: 4, writeCapacity: 2 }, observedByCountry, observedLegacy] },
      status: 'NON_COMPLIANT',
      reason: /delete index byCountry.*; delete undeclared index legacy; re-create index byCountry.*; create index byName.*; set index byEmail capacity/,
      actions: [
        { type: 'DeleteGlobalSecondaryIndex', indexName: 'byCountry', risk: 'disruptive', reason: 'delete index byCountry to change its key or projection' },
        { type: 'DeleteGlobalSecondaryIndex', indexName: 'legacy', risk: 'disruptive', reason: 'delete undeclared index legacy' },
        {
          type: 'CreateGlobalSecondaryIndex',
          index: { name: 'byCountry', partitionKey: COUNTRY, sortKey: SIGNED_UP, projection: { type: 'ALL' } },
          risk: 'disruptive',
          reason: 're-create index byCountry with the declared key and projection (queries on it fail until backfilled)',
        },
        {
          type: 'CreateGlobalSecondaryIndex',
          index: { name: 'byName', partitionKey: { name: 'name', type: 'S' }, projection: { type: 'KEYS_ONLY' } },
          risk: 'safe',
          reason: 'create index byName (backfills from the table)',
        },
        { type: 'UpdateGlobalSecondaryIndex', indexName: 'byEmail', readCapacity: 8, writeCapacity: 4, risk: 'safe', reason: 'set index byEmail capacity to 8 RCU / 4 WCU' },
      ],
    },
    // Busy: one index operation at a time
    {
      name: 'busy: an index is CREATING → non-compliant with no actions',
      spec: { globalSecondaryIndexes: [byEmail, byCountry] },
      observed: { globalSecondaryIndexes: [{ ...observedByEmail, status: 'CREATING' }] },
      status: 'NON_COMPLIANT',
      reason: /^index byEmail is CREATING; index changes wait for it$/,
      actions: [],
    },
    {
      name: 'busy: an undeclared index is DELETING → no second delete',
      observed: { globalSecondaryIndexes: [observedByEmail, { ...observedLegacy, status: 'DELETING' }] },
      status: 'NON_COMPLIANT',
      reason: /index legacy is DELETING/,
      actions: [],
    },
    // Missing vs empty: absent = not managed, [] = no indexes (delete all, disruptive)
    {
      name: 'missing: globalSecondaryIndexes absent → not managed, extra indexes kept',
      spec: { globalSecondaryIndexes: undefined },
      observed: { globalSecondaryIndexes: [observedByEmail, observedLegacy] },
      status: 'NOT_APPLICABLE',
      reason: /^globalSecondaryIndexes is not declared$/,
      actions: [],
    },
    {
      name: 'empty: [] with two indexes → delete both, disruptive',
      spec: { globalSecondaryIndexes: [] },
      observed: { globalSecondaryIndexes: [observedByEmail, observedLegacy] },
      status: 'NON_COMPLIANT',
      reason: /^delete undeclared index byEmail; delete undeclared index legacy$/,
      actions: [
        { type: 'DeleteGlobalSecondaryIndex', indexName: 'byEmail', risk: 'disruptive', reason: 'delete undeclared index byEmail' },
        { type: 'DeleteGlobalSecondaryIndex', indexName: 'legacy', risk: 'disruptive', reason: 'delete undeclared index legacy' },
      ],
    },
    {
      name: 'empty: [] and no indexes → compliant',
      spec: { globalSecondaryIndexes: [] },
      observed: { globalSecondaryIndexes: [] },
      status: 'COMPLIANT',
      reason: /^no indexes, as declared$/,
      actions: [],
    },
    { name: 'not applicable: unmanaged table', desired: unmanagedTable(), observed: { globalSecondaryIndexes: [observedLegacy] }, status: 'NOT_APPLICABLE', reason: /not declared/, actions: [] },
    // New table: CreateTable carries the indexes
    { name: 'new table: CreateTable creates the indexes', exists: false, spec: { globalSecondaryIndexes: [byEmail, byCountry] }, status: 'COMPLIANT', reason: /indexes match: byEmail, byCountry/, actions: [] },
  ]))('%s', (_name, row) => {
    // Prepare
    const context = caseContext(row);
    // Act
    const assessment = gsiControl.assess(context);
    // Assess
    expect(assessment).toEqual(expectedAssessment(row));
  });
});
