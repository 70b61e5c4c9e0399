import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalValue, itemChecksum, keyLabel, type DrillAttributeValue, type DrillItem } from '../../../functions/core/drill/checksum.ts';

const shuffle = <T>(values: readonly T[], seed: number): T[] => {
  const out = [...values];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

/** The same value with every map's keys and every set's members in another order. */
function reorder(value: DrillAttributeValue, seed: number): DrillAttributeValue {
  if (value.M) return { M: Object.fromEntries(shuffle(Object.entries(value.M), seed).map(([k, v]) => [k, reorder(v, seed + 1)])) };
  if (value.L) return { L: value.L.map((v) => reorder(v, seed + 1)) };
  if (value.SS) return { SS: shuffle(value.SS, seed) };
  if (value.NS) return { NS: shuffle(value.NS, seed) };
  if (value.BS) return { BS: shuffle(value.BS, seed) };
  return value;
}

const numberText = fc.tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 6 })).map(([negative, digits, scale]) => {
  const text = digits.toString().padStart(scale + 1, '0');
  const value = scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
  return `${negative && digits !== 0n ? '-' : ''}${value}`;
});

const value: fc.Arbitrary<DrillAttributeValue> = fc.letrec((tie) => ({
  any: fc.oneof(
    { maxDepth: 3 },
    fc.string().map((S) => ({ S })),
    numberText.map((N) => ({ N })),
    fc.uint8Array({ maxLength: 8 }).map((B) => ({ B })),
    fc.boolean().map((BOOL) => ({ BOOL })),
    fc.constant({ NULL: true }),
    fc.array(tie('any'), { maxLength: 4 }).map((L) => ({ L: L as DrillAttributeValue[] })),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('any'), { maxKeys: 4 }).map((M) => ({ M: M as Record<string, DrillAttributeValue> })),
    fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 5 }).map((SS) => ({ SS })),
    fc.uniqueArray(fc.integer(), { minLength: 1, maxLength: 5 }).map((NS) => ({ NS: NS.map(String) })),
  ),
})).any;

const item = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), value, { minKeys: 1, maxKeys: 6 });

describe('canonical item checksum', () => {
  it('is independent of attribute, map key and set member order (property)', () => {
    fc.assert(
      fc.property(item, fc.integer(), (original, seed) => {
        // Prepare
        const reordered = Object.fromEntries(shuffle(Object.entries(original), seed).map(([k, v]) => [k, reorder(v, seed)]));
        // Act / Assess
        expect(itemChecksum(reordered)).toBe(itemChecksum(original));
      }),
    );
  });

  it('changes when any attribute value changes (property)', () => {
    fc.assert(
      fc.property(item, fc.string(), (original, extra) => {
        // Prepare
        const name = Object.keys(original)[0] as string;
        const changed: DrillItem = { ...original, [name]: { S: `${canonicalValue(original[name] as DrillAttributeValue)}${extra}!` } };
        // Act / Assess
        expect(itemChecksum(changed)).not.toBe(itemChecksum(original));
      }),
    );
  });

  it('normalises numbers as DynamoDB does, trailing zeros and exponents included (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 30n }), fc.integer({ min: 0, max: 5 }), (digits, zeros) => {
        // Prepare: the same number as an integer, with trailing fraction zeros, and in exponent form
        const plain = digits.toString();
        const padded = `${plain}.${'0'.repeat(zeros + 1)}`;
        const exponent = `${plain}0E-1`;
        // Act / Assess
        expect(itemChecksum({ n: { N: padded } })).toBe(itemChecksum({ n: { N: plain } }));
        expect(itemChecksum({ n: { N: exponent } })).toBe(itemChecksum({ n: { N: plain } }));
      }),
    );
  });

  it.each<[string, DrillItem, DrillItem, boolean]>([
    ['1 == 1.0', { a: { N: '1' } }, { a: { N: '1.0' } }, true],
    ['-0 == 0', { a: { N: '-0' } }, { a: { N: '0' } }, true],
    ['number sets: members normalised and unordered', { a: { NS: ['1.50', '2'] } }, { a: { NS: ['2.0', '1.5'] } }, true],
    ['binary as bytes == binary as base64', { a: { B: new Uint8Array([1, 2, 3]) } }, { a: { B: 'AQID' } }, true],
    ['string "1" != number 1', { a: { S: '1' } }, { a: { N: '1' } }, false],
    ['list order matters', { a: { L: [{ S: 'x' }, { S: 'y' }] } }, { a: { L: [{ S: 'y' }, { S: 'x' }] } }, false],
    ['a missing attribute differs', { a: { S: 'x' }, b: { NULL: true } }, { a: { S: 'x' } }, false],
    ['string set vs list', { a: { SS: ['x'] } }, { a: { L: [{ S: 'x' }] } }, false],
    ['no separator confusion in names', { ab: { S: 'c' } }, { a: { S: 'bc' } }, false],
  ])('%s', (_case, left, right, equal) => {
    // Prepare / Act
    const same = itemChecksum(left) === itemChecksum(right);
    // Assess
    expect(same).toBe(equal);
  });

  it('labels keys for people in key-schema order', () => {
    // Prepare / Act
    const label = keyLabel({ orderNo: { N: '7' }, customerID: { S: 'c-1' } }, { partitionKey: { name: 'customerID', type: 'S' }, sortKey: { name: 'orderNo', type: 'N' } });
    // Assess
    expect(label).toBe('customerID=c-1, orderNo=7');
  });
});
