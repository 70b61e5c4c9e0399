import { describe, expect, it } from 'vitest';
import { compareSamples, compareShape, evaluateChecks, type TableShape } from '../../../functions/core/drill/compare.ts';
import { drillVerdict, restoreDeadline, rtoSeconds, segmentQuotas, type DrillFindings } from '../../../functions/core/drill/verdict.ts';
import { keyId, type DrillItem } from '../../../functions/core/drill/checksum.ts';
import type { KeySchema } from '../../../functions/core/model/observed.ts';

const KEYS: KeySchema = { partitionKey: { name: 'id', type: 'S' } };
const item = (id: string, balance = '1'): DrillItem => ({ id: { S: id }, balance: { N: balance } });
const byKey = (items: DrillItem[]): Record<string, DrillItem> => Object.fromEntries(items.map((i) => [keyId({ id: i.id! }), i]));

describe('sample comparison', () => {
  it('matches, names changed items, items missing from either side, and leaves unreadable ones out', () => {
    // Prepare
    const copySample = [item('a'), item('b'), item('gone-from-source'), item('u')];
    const sourceSample = [item('a'), item('new-in-source'), item('b', '2')];
    // Act
    const result = compareSamples({
      keySchema: KEYS,
      copySample,
      sourceByKey: byKey([item('a'), item('b', '2')]),
      sourceSample,
      copyByKey: byKey([item('a'), item('b')]),
      unreadable: [{ id: { S: 'u' } }],
    });
    // Assess
    expect(result).toEqual({
      compared: 4,
      matched: 1,
      changed: ['id=b'],
      missingInSource: ['id=gone-from-source'],
      missingInCopy: ['id=new-in-source'],
      unreadable: ['id=u'],
      changedPercent: 75,
    });
  });

  it('compares nothing for empty samples (0%)', () => {
    // Prepare / Act
    const result = compareSamples({ keySchema: KEYS, copySample: [], sourceByKey: {}, sourceSample: [], copyByKey: {}, unreadable: [] });
    // Assess
    expect(result.changedPercent).toBe(0);
    expect(result.compared).toBe(0);
  });
});

describe('declared checks', () => {
  it.each([
    ['present and found', 'present', [item('c-1')], [], true, 'present'],
    ['present but absent', 'present', [], [], false, 'absent'],
    ['absent and absent', 'absent', [], [], true, 'absent'],
    ['absent but present', 'absent', [item('c-1')], [], false, 'present'],
    ['unreadable', 'present', [], [{ id: { S: 'c-1' } }], false, 'unreadable'],
  ] as const)('%s', (_case, expectation, found, unreadable, passed, what) => {
    // Prepare / Act
    const [result] = evaluateChecks([{ key: { id: 'c-1' }, expect: expectation }], KEYS, byKey([...found]), [...unreadable]);
    // Assess
    expect(result).toEqual({ key: 'id=c-1', expect: expectation, found: what, passed });
  });

  it('reads number keys as N (7 and "7.0" are one key)', () => {
    // Prepare
    const keys: KeySchema = { partitionKey: { name: 'id', type: 'S' }, sortKey: { name: 'n', type: 'N' } };
    const copy = { [keyId({ id: { S: 'x' }, n: { N: '7.0' } })]: { id: { S: 'x' }, n: { N: '7.0' } } };
    // Act
    const [result] = evaluateChecks([{ key: { id: 'x', n: 7 }, expect: 'present' }], keys, copy);
    // Assess
    expect(result?.passed).toBe(true);
  });
});

describe('shape comparison', () => {
  const source: TableShape = {
    keySchema: KEYS,
    globalSecondaryIndexes: [{ name: 'byStatus', partitionKey: { name: 'status', type: 'S' }, projection: { type: 'ALL' } }],
    localSecondaryIndexes: [],
    sse: { type: 'CUSTOMER_MANAGED', kmsKeyArn: 'arn:key/1' },
  };
  it.each<[string, Partial<TableShape>, { type: 'AWS_OWNED' | 'AWS_MANAGED' | 'CUSTOMER_MANAGED'; kmsKeyArn?: string }, string[]]>([
    ['identical', {}, { type: 'CUSTOMER_MANAGED', kmsKeyArn: 'arn:key/1' }, []],
    ['wrong key type', { keySchema: { partitionKey: { name: 'id', type: 'N' } } }, { type: 'CUSTOMER_MANAGED', kmsKeyArn: 'arn:key/1' }, ['key schema differs: source id (S), copy id (N)']],
    ['index missing', { globalSecondaryIndexes: [] }, { type: 'CUSTOMER_MANAGED', kmsKeyArn: 'arn:key/1' }, ['GSI byStatus is missing from the copy']],
    ['AWS owned instead of the declared key', { sse: { type: 'AWS_OWNED' } }, { type: 'CUSTOMER_MANAGED', kmsKeyArn: 'arn:key/1' }, ['encryption differs: declared CUSTOMER_MANAGED, copy AWS_OWNED']],
    ['another customer managed key', { sse: { type: 'CUSTOMER_MANAGED', kmsKeyArn: 'arn:key/2' } }, { type: 'CUSTOMER_MANAGED', kmsKeyArn: 'arn:key/1' }, ['encryption key differs: declared arn:key/1, copy arn:key/2']],
  ])('%s', (_case, change, expected, reasons) => {
    // Prepare / Act
    const result = compareShape(source, { ...source, ...change }, expected);
    // Assess
    expect(result).toEqual(reasons);
  });
});

describe('verdict', () => {
  const base: DrillFindings = { shape: [], maxChangedPercent: 0, checks: [], rtoSeconds: 60, maxRestoreMinutes: 30 };
  const comparison = { compared: 20, matched: 20, changed: [], missingInSource: [], missingInCopy: [], unreadable: [], changedPercent: 0 };
  it.each<[string, Partial<DrillFindings>, string[]]>([
    ['everything matches', { comparison }, []],
    ['changed share within the allowance', { comparison: { ...comparison, matched: 19, changed: ['id=a'], changedPercent: 5 }, maxChangedPercent: 5 }, []],
    ['changed share over the allowance', { comparison: { ...comparison, matched: 19, changed: ['id=a'], changedPercent: 5 }, maxChangedPercent: 4 }, ['1 of 20 sampled items differ (5% > maxChangedPercent 4%); changed: id=a']],
    ['an item missing from the copy is named', { comparison: { ...comparison, matched: 19, missingInCopy: ['id=c-0007'], changedPercent: 5 } }, ['1 of 20 sampled items differ (5% > maxChangedPercent 0%); missing from the copy: id=c-0007']],
    ['unreadable items fail whatever the allowance', { comparison: { ...comparison, compared: 19, unreadable: ['id=x'] }, maxChangedPercent: 100 }, ['1 sampled item(s) could not be read: id=x']],
    ['a failed check', { checks: [{ key: 'id=c-1', expect: 'present', found: 'absent', passed: false }] }, ['check failed: item id=c-1 expected present, is absent in the copy']],
    ['RTO over the target', { rtoSeconds: 31 * 60 }, ['restore took 31 min, over maxRestoreMinutes 30']],
    ['RTO exactly the target', { rtoSeconds: 30 * 60 }, []],
    ['a shape difference', { shape: ['GSI byStatus is missing from the copy'] }, ['GSI byStatus is missing from the copy']],
  ])('%s', (_case, findings, reasons) => {
    // Prepare / Act
    const verdict = drillVerdict({ ...base, ...findings });
    // Assess
    expect(verdict).toEqual({ passed: reasons.length === 0, reasons });
  });

  it('names at most 10 keys, then counts the rest', () => {
    // Prepare
    const missing = Array.from({ length: 12 }, (_, i) => `id=${i}`);
    // Act
    const verdict = drillVerdict({ ...base, comparison: { ...comparison, missingInCopy: missing, matched: 8, changedPercent: 60 } });
    // Assess
    expect(verdict.reasons[0]).toMatch(/id=9 and 2 more$/);
  });
});

describe('timing', () => {
  it.each([
    ['2026-12-01T08:00:00Z', '2026-12-01T08:04:30Z', 270],
    ['2026-12-01T08:00:00Z', '2026-12-01T07:59:00Z', 0],
  ])('RTO from %s to %s is %i s', (start, active, seconds) => {
    // Prepare / Act / Assess
    expect(rtoSeconds(start, active)).toBe(seconds);
  });

  it.each([
    [30, '2026-12-01T09:00:00.000Z'],
    [1, '2026-12-01T08:10:00.000Z'],
  ])('the wait for a %i-minute RTO ends at %s', (minutes, deadline) => {
    // Prepare / Act / Assess
    expect(restoreDeadline(new Date('2026-12-01T08:00:00Z'), minutes).toISOString()).toBe(deadline);
  });

  it.each([
    [50, 2, [25, 25]],
    [7, 3, [3, 2, 2]],
    [0, 2, [0, 0]],
    [2, 4, [1, 1, 0, 0]],
  ])('%i items over %i segments: %j', (size, segments, quotas) => {
    // Prepare / Act / Assess
    expect(segmentQuotas(size, segments)).toEqual(quotas);
  });
});

describe('state size', () => {
  it('keeps the reasons a drill state carries to a few KB, however many there are', async () => {
    // Prepare
    const { compactReasons, MAX_STATE_REASONS } = await import('../../../functions/core/drill/verdict.ts');
    const reasons = Array.from({ length: 50 }, (_, i) => `reason ${i} ${'x'.repeat(2_000)}`);
    // Act
    const compact = compactReasons(reasons);
    // Assess
    expect(compact).toHaveLength(MAX_STATE_REASONS + 1);
    expect(compact.at(-1)).toBe('and 42 more reasons');
    expect(JSON.stringify(compact).length).toBeLessThan(3_000);
    expect(compactReasons(['short'])).toEqual(['short']);
  });
});
