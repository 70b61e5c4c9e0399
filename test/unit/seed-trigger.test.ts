/**
 * Which `spec.seed` tables the Reconcile run seeds (functions/run/core/seed-trigger.ts): the decision, the execution
 * name that makes a start once-per-object-version, and the per-run bounds.
 */
import { describe, expect, it } from 'vitest';
import {
  boundStarts,
  decideSeed,
  MAX_SEED_STARTS_BYTES,
  MAX_SEED_STARTS_PER_RUN,
  seedExecutionName,
  sourceAllowed,
  type SeedObservation,
  type SeedStart,
  type SeedTarget,
} from '../../functions/run/core/seed-trigger.ts';

const target: SeedTarget = { table: 'Customers', source: 's3://seeds/customers.json', format: 'json', mode: 'upsert' };
const record = { source: target.source, etag: '"a"', seededAt: '2026-01-01T00:00:00.000Z' };
const observed = (fields: Partial<SeedObservation>): SeedObservation => ({ tableStatus: 'ACTIVE', object: { version: { etag: '"a"' } }, record, ...fields });

describe('decideSeed', () => {
  it.each<[string, Partial<SeedObservation>, boolean, string]>([
    ['a table not created yet', { tableStatus: 'missing' }, false, 'table-not-ready'],
    ['a table still CREATING', { tableStatus: 'CREATING' }, false, 'table-not-ready'],
    ['an object that cannot be looked at', { object: { error: 'no such object (NotFound)' } }, false, 'source-unavailable'],
    ['no seed yet', { record: undefined }, true, 'first-seed'],
    ['another source than the one seeded', { record: { ...record, source: 's3://seeds/old.json' } }, true, 'source-changed'],
    ['another ETag', { object: { version: { etag: '"b"' } } }, true, 'object-changed'],
    ['the same ETag', {}, false, 'unchanged'],
    ['another version id, same ETag', { record: { ...record, versionId: 'v1' }, object: { version: { etag: '"a"', versionId: 'v2' } } }, true, 'object-changed'],
  ])('%s', (_, fields, start, reason) => {
    // Act
    const decision = decideSeed(target, observed(fields));
    // Assess
    expect(decision).toMatchObject({ start, reason });
  });
});

describe('seedExecutionName', () => {
  it('is stable per table, source and object version, and differs when any of them changes', () => {
    // Act
    const name = seedExecutionName(target, { etag: '"a"' });
    // Assess
    expect(name).toBe(seedExecutionName(target, { etag: '"a"' }));
    expect(name).toMatch(/^seed-Customers-[0-9a-f]{16}$/);
    expect(seedExecutionName(target, { etag: '"b"' })).not.toBe(name);
    expect(seedExecutionName({ ...target, source: 's3://seeds/other.json' }, { etag: '"a"' })).not.toBe(name);
  });

  it('fits Step Functions: at most 80 characters, none it refuses, even for a 255-character table name', () => {
    // Act
    const name = seedExecutionName({ table: `a.b-c_${'x'.repeat(249)}`, source: target.source }, { etag: '"a"' });
    // Assess
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).not.toMatch(/[\s<>{}[\]?*"#%\\^|~`$&,;:/]/);
  });
});

describe('boundStarts and sourceAllowed', () => {
  it(`keeps at most ${MAX_SEED_STARTS_PER_RUN} starts and ${MAX_SEED_STARTS_BYTES} bytes, the rest deferred`, () => {
    // Prepare
    const start = (index: number, keyLength: number): SeedStart => ({ name: `seed-t-${index}`, input: { ...target, source: `s3://b/${'k'.repeat(keyLength)}`, sourceVersion: {} } });
    // Act
    const many = boundStarts(Array.from({ length: 100 }, (_, index) => start(index, 10)));
    const large = boundStarts(Array.from({ length: 30 }, (_, index) => start(index, 1000)));
    // Assess
    expect(many).toMatchObject({ deferred: 100 - MAX_SEED_STARTS_PER_RUN });
    expect(many.starts).toHaveLength(MAX_SEED_STARTS_PER_RUN);
    expect(Buffer.byteLength(JSON.stringify(large.starts))).toBeLessThanOrEqual(MAX_SEED_STARTS_BYTES);
    expect(large.deferred).toBeGreaterThan(0);
    expect(large.starts.length + large.deferred).toBe(30);
  });

  it.each<[string, readonly string[] | undefined, boolean]>([
    ['s3://seeds/customers.json', undefined, true],
    ['s3://seeds/customers.json', ['s3://seeds'], true],
    ['s3://seeds-other/customers.json', ['s3://seeds'], false],
    ['s3://ops/seed/customers.json', ['s3://ops/seed/'], true],
    ['s3://ops/bundles/latest.json', ['s3://ops/seed/'], false],
  ])('sourceAllowed(%s, %j) = %s', (source, allowed, expected) => {
    // Assess
    expect(sourceAllowed(source, allowed)).toBe(expected);
  });
});
