/**
 * What a drill's state carries about its findings (functions/core/drill/record.ts drillDetails, checksum.ts keyLabel):
 * long key labels cut with a marker and a hash, only failed checks listed, every list capped with "and N more".
 */
import { describe, expect, it } from 'vitest';
import { keyLabel, MAX_KEY_LABEL } from '../../../functions/core/drill/checksum.ts';
import { drillDetails, MAX_DETAIL_KEYS } from '../../../functions/core/drill/record.ts';
import type { KeySchema } from '../../../functions/core/model/observed.ts';

const SCHEMA: KeySchema = { partitionKey: { name: 'p'.repeat(255), type: 'S' }, sortKey: { name: 's'.repeat(255), type: 'S' } };
const longKey = (start: string) => ({ [SCHEMA.partitionKey.name]: { S: `${start}${'x'.repeat(2_040)}` }, [SCHEMA.sortKey!.name]: { S: 'y'.repeat(1_024) } });

describe('keyLabel at DynamoDB\'s key size limits', () => {
  it('cuts a long label to MAX_KEY_LABEL with a marker and a hash, keeping two keys with the same start apart', () => {
    // Act
    const a = keyLabel(longKey('a'), SCHEMA);
    const b = keyLabel({ ...longKey('a'), [SCHEMA.sortKey!.name]: { S: 'z'.repeat(1_024) } }, SCHEMA);
    // Assess
    expect(a.length).toBe(MAX_KEY_LABEL);
    expect(a).toMatch(/…#[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    expect(keyLabel(longKey('a'), SCHEMA)).toBe(a);
    expect(keyLabel({ id: { S: 'c-1' } }, { partitionKey: { name: 'id', type: 'S' } })).toBe('id=c-1');
  });
});

describe('drillDetails', () => {
  it('lists only failed checks (at most MAX_DETAIL_KEYS, the rest counted) and caps every key list with "and N more"', () => {
    // Prepare
    const labels = Array.from({ length: 500 }, (_, index) => `id=${index}`);
    const checks = Array.from({ length: 100 }, (_, index) => ({ key: `id=${index}`, expect: 'present' as const, found: index < 30 ? ('absent' as const) : ('present' as const), passed: index >= 30 }));
    // Act
    const details = drillDetails({ shape: ['x'.repeat(1_000)], comparison: { changed: labels, missingInCopy: labels.slice(0, 3), missingInSource: [], unreadable: [] }, checks });
    // Assess
    expect(details.changed).toHaveLength(MAX_DETAIL_KEYS + 1);
    expect(details.changed.at(-1)).toBe(`and ${500 - MAX_DETAIL_KEYS} more`);
    expect(details.missingInCopy).toEqual(['id=0', 'id=1', 'id=2']);
    expect(details.checks).toHaveLength(MAX_DETAIL_KEYS);
    expect(details.checks.every((check) => !check.passed)).toBe(true);
    expect(details.checksPassed).toBe(70);
    expect(details.checksNotListed).toBe(30 - MAX_DETAIL_KEYS);
    expect(details.shape[0]).toHaveLength(300);
  });
});
