import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { desiredStateJsonSchemaText } from '../../functions/core/desired/json-schema.ts';

describe('desired-state/schema.json', () => {
  it('is up to date with the zod schemas (run `npm run schema` when this fails)', () => {
    expect(readFileSync('desired-state/schema.json', 'utf8')).toBe(desiredStateJsonSchemaText());
  });

  it('describes both document kinds with strict objects', () => {
    const schema = JSON.parse(desiredStateJsonSchemaText()) as { anyOf: Array<{ properties: { kind: { const: string } }; additionalProperties: boolean }> };
    expect(schema.anyOf.map((option) => option.properties.kind.const)).toEqual(['Table', 'Policy']);
    expect(schema.anyOf.every((option) => option.additionalProperties === false)).toBe(true);
  });
});
