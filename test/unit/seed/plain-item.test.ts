/**
 * The reader's plain-item fast path (functions/core/seed/plain-item.ts) must change speed, never a result: for every
 * text, either it answers with exactly the item, size and wire size of the general path (parseJsonText →
 * plainToItem → itemSize / putRequestWireBytes), attribute order included, or it answers undefined and leaves the
 * decision (and the exact rejection text) to the general path. Checked on hand-picked edge cases, the committed
 * sample data, generated Customers items, random JSON and random damage to valid items.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itemSize } from '../../../functions/core/seed/attribute-value.ts';
import { isJsonObject, parseJsonText } from '../../../functions/core/seed/json-text.ts';
import { parsePlainItem } from '../../../functions/core/seed/plain-item.ts';
import { plainToItem } from '../../../functions/core/seed/to-item.ts';
import { putRequestWireBytes } from '../../../functions/core/seed/wire-size.ts';
import { customersJson, generateCustomers } from '../../../seed/generate-customers.ts';

type General = { kind: 'item'; json: string; size: number; wireBytes: number } | { kind: 'refused' };

/** The general path's answer for one record text. */
function general(text: string): General {
  try {
    const value = parseJsonText(text);
    if (!isJsonObject(value)) return { kind: 'refused' };
    const item = plainToItem(value);
    return { kind: 'item', json: JSON.stringify(item), size: itemSize(item), wireBytes: putRequestWireBytes(item) };
  } catch {
    return { kind: 'refused' };
  }
}

/** Asserts the fast path agrees with the general path on `text`; returns whether the fast path answered. */
function agrees(text: string): boolean {
  const expected = general(text);
  const fast = parsePlainItem(text);
  if (expected.kind === 'refused') {
    expect(fast, text.slice(0, 200)).toBeUndefined();
    return false;
  }
  expect(fast, text.slice(0, 200)).toBeDefined();
  // JSON.stringify walks attributes in enumeration order, so this also compares the order.
  expect(JSON.stringify(fast!.item)).toBe(expected.json);
  expect(fast!.size).toBe(expected.size);
  expect(fast!.wireBytes).toBe(expected.wireBytes);
  return true;
}

const nested = (levels: number) => `{"id":"a","v":${'['.repeat(levels)}1${']'.repeat(levels)}}`;

describe('the plain-item fast path', () => {
  it('answers exactly as the general path on edge cases, and leaves every refusal to it', () => {
    // Prepare
    const answered = [
      '{"id":"a"}',
      ' \t{ "id" : "a" , "n" : -0.0 , "z": 0, "e": 1.5E+3, "f": 12e-2, "g": -0E0 }\r\n',
      '{"id":"a","deep":{"a":{"b":[{"c":[true,false,null]}]}},"empty":{},"none":[]}',
      '{"id":"é ü 中文 😀 \\u00e9 \\ud83d\\ude00 \\"q\\" \\\\ \\/ \\b\\f\\n\\r\\t","ünï":"x"}',
      '{"id":"lone \\ud800 surrogate","ctl":"\\u0001\\u001f"}',
      '{"id":"a","10":1,"2":2,"x":3,"1":4}', // integer-like names come first, in both paths
      '{"id":"a","__proto__":{"polluted":true},"constructor":"c"}',
      `{"id":"a","n38":${'9'.repeat(38)},"lead":000.5e0,"small":0.${'0'.repeat(128)}1,"big":${'9'.repeat(38)}${'0'.repeat(88)}}`.replace('000.5e0', '0.5e0'),
      '{"id":"a","trailingZeros":1000000000000000000000000000000000000000000000,"fraction":1.2500000}',
      nested(32), // DynamoDB's 32 levels, exactly
      `{"id":"a","max":1${'0'.repeat(125)},"min":0.${'0'.repeat(129)}1}`, // 1E+125 and 1E-130: the bounds
      '{}',
      '{"notTheKey":1}',
    ];
    const refused = [
      '',
      '[]',
      '"a"',
      '12',
      'null',
      '{"id":"a"',
      '{"id":"a",}',
      '{"id":"a"} x',
      '{"id":"a","id":"b"}',
      '{"id":"a","m":{"k":1,"k":2}}',
      '{"id":"a","n":01}',
      '{"id":"a","n":1.}',
      '{"id":"a","n":-}',
      '{"id":"a","n":1e}',
      '{"id":"a","n":+1}',
      `{"id":"a","n":${'1'.repeat(39)}}`,
      `{"id":"a","n":1${'0'.repeat(126)}}`,
      `{"id":"a","n":0.${'0'.repeat(130)}1}`,
      '{"id":"a","n":1e1000000000000}',
      '{"id":"a","s":"tab\there"}',
      '{"id":"a","s":"\\x"}',
      '{"id":"a","s":"\\u12"}',
      '{"id":"a","s":"unterminated}',
      '{"id":"a","b":tru}',
      '{"id":"a","b":nul}',
      '{"id":"a" "b":1}',
      '{"id":"a",b:1}',
      '{"id" "a"}',
      nested(33),
      nested(70),
    ];

    // Act
    const answeredResults = answered.map(agrees);
    const refusedResults = refused.map(agrees);

    // Assess
    expect(answeredResults.every(Boolean)).toBe(true);
    expect(refusedResults.some(Boolean)).toBe(false);
  });

  it('answers exactly as the general path on the sample data and on generated Customers items', () => {
    // Prepare
    const sample = JSON.parse(readFileSync(new URL('../../../seed/customers.json', import.meta.url), 'utf8')) as unknown[];
    const texts = [
      ...sample.map((customer) => JSON.stringify(customer)),
      ...generateCustomers(2_000, 42).map((customer) => customersJson([customer]).slice(2, -3)),
    ];

    // Act
    const answered = texts.filter(agrees).length;

    // Assess
    expect(answered).toBe(texts.length);
  });

  it('agrees with the general path on random JSON and on random damage to valid items', () => {
    // Prepare
    const numberText = fc
      .tuple(fc.boolean(), fc.stringMatching(/^(0|[1-9][0-9]{0,45})$/), fc.option(fc.stringMatching(/^[0-9]{1,45}$/)), fc.option(fc.stringMatching(/^[eE][+-]?[0-9]{1,4}$/)))
      .map(([negative, integer, fraction, exponent]) => `${negative ? '-' : ''}${integer}${fraction === null ? '' : `.${fraction}`}${exponent ?? ''}`);
    const json: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.string({ unit: 'binary' }).map((text) => JSON.stringify(text)),
        numberText,
        fc.constantFrom('true', 'false', 'null'),
        fc.array(tie('value'), { maxLength: 4 }).map((elements) => `[${elements.join(',')}]`),
        fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 6 }), tie('value')), { maxLength: 4 }).map((members) => `{${members.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`),
      ),
    })).value;
    const record = fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 6 }), json), { maxLength: 6 }).map((members) => `{"id":"k"${members.map(([name, value]) => `,${JSON.stringify(name)}: ${value}`).join('')}}`);
    const damaged = fc.tuple(record, fc.nat(), fc.constantFrom('', '"', ',', '}', ']', '{', '\\', '\u0001', ' ', '0', 'e', '.')).map(([text, at, insert]) => {
      const position = text.length === 0 ? 0 : at % text.length;
      return text.slice(0, position) + insert + text.slice(position + 1);
    });

    // Act / Assess
    fc.assert(fc.property(record, (text) => { agrees(text); }), { numRuns: 2_000 });
    fc.assert(fc.property(damaged, (text) => { agrees(text); }), { numRuns: 3_000 });
  });
});
