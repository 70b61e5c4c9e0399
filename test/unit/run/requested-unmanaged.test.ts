/**
 * A run limited to named tables may name an unmanaged table (a Config finding on a table git does not declare): it is
 * planned as unmanaged (reported, or given the baseline under `unmanagedTables: remediate`), never refused as unknown
 * while it exists in the account. Names neither declared nor in the account stay unknown (a typo fails loudly); the
 * operator's own tables and drill copies are never in scope.
 */
import { describe, expect, it } from 'vitest';
import { splitIntoBatches, unknownTables } from '../../../functions/run/core/batches.ts';
import { sampleDesiredState } from '../../support/scenario.ts';

const ACCOUNT = ['Customers', 'a-unmanaged', 'b-unmanaged', 'tw-drill-1', 'tablewarden-state'];
const TAGS = { 'tablewarden-state': { 'tablewarden:role': 'operator' } };

describe('a run limited to named tables', () => {
  it('plans a requested unmanaged table as unmanaged, next to the requested declared ones, and no other unmanaged table', () => {
    // Act
    const split = splitIntoBatches({ revision: 'r', desired: sampleDesiredState(), requested: ['Orders', 'a-unmanaged'], tableNames: ACCOUNT, tags: TAGS, batchSize: 50 });
    // Assess
    expect(split.batches.map((batch) => [batch.desired.tables.map((table) => table.name), batch.unmanaged])).toEqual([[['Orders'], ['a-unmanaged']]]);
    expect(split).toMatchObject({ tables: 1, unmanaged: 1 });
  });

  it('never takes in the operator\'s own table or a drill copy, even when named', () => {
    // Act
    const split = splitIntoBatches({ revision: 'r', desired: sampleDesiredState(), requested: ['tw-drill-1', 'tablewarden-state'], tableNames: ACCOUNT, tags: TAGS, batchSize: 50 });
    // Assess
    expect(split.batches.flatMap((batch) => [...batch.desired.tables.map((table) => table.name), ...batch.unmanaged])).toEqual([]);
  });

  it('calls unknown only the names neither declared nor in the account', () => {
    // Assess
    expect(unknownTables(sampleDesiredState(), ['Orders', 'a-unmanaged', 'Nobody'], ACCOUNT)).toEqual(['Nobody']);
    // Without the account's tables (the CLI's check before observing), every undeclared name is unknown.
    expect(unknownTables(sampleDesiredState(), ['Orders', 'a-unmanaged'])).toEqual(['a-unmanaged']);
  });
});
