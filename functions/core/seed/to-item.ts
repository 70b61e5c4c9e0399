/**
 * Turns one parsed seed record into a DynamoDB item, and checks the rules DynamoDB enforces on values.
 *
 * Two encodings:
 * - plain JSON, marshalled like the SDK's `marshall` but without going through JS numbers: string → S, number → N
 *   (its exact source text), boolean → BOOL, null → NULL, array → L, object → M. Plain JSON never makes a set.
 * - DynamoDB-JSON: every value is a one-key type descriptor (`{"S": "x"}`, `{"N": "12"}`, `{"SS": [...]}`, ...),
 *   as the console, the CLI and DynamoDB's export to S3 write them (HowItWorks.NamingRulesDataTypes.html).
 *
 * Problems are thrown as ItemProblem with a path (`attribute 'tags' > [2]`), so a report line says which value.
 */
import { JsonNumber, isJsonObject } from './json-text.ts';
import type { JsonObject, JsonValue } from './json-text.ts';
import { TYPE_DESCRIPTORS, canonicalNumber, clip, numberProblem } from './attribute-value.ts';
import type { SeedAttributeValue, SeedItem } from './attribute-value.ts';

/** Why a record can't be an item; the message is the report's reason text. */
export class ItemProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ItemProblem';
  }
}

/** DynamoDB's nesting limit for lists and maps (ServiceQuotas.html#limits-attributes: 32 levels). */
export const MAX_NESTING = 32;

function where(path: readonly string[]): string {
  return path.length === 0 ? 'item' : `attribute '${path[0]}'${path.slice(1).map((step) => ` > ${step}`).join('')}`;
}

function typeName(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof JsonNumber) return 'a number';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Marshals a plain JSON object into an item. */
export function plainToItem(record: JsonObject): SeedItem {
  const item = Object.create(null) as SeedItem;
  for (const name in record) item[name] = plainValue(record[name]!, [name], 1);
  return item;
}

function plainValue(value: JsonValue, path: string[], depth: number): SeedAttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value === null) return { NULL: true };
  if (value instanceof JsonNumber) {
    const problem = numberProblem(value.text);
    if (problem !== undefined) throw new ItemProblem(`${where(path)}: ${problem}`);
    return { N: value.text };
  }
  if (depth > MAX_NESTING) throw new ItemProblem(`${where(path)}: nested deeper than DynamoDB's ${MAX_NESTING} levels`);
  if (Array.isArray(value)) return { L: value.map((element, index) => plainValue(element, [...path, `[${index}]`], depth + 1)) };
  const map = Object.create(null) as SeedItem;
  for (const name in value) map[name] = plainValue(value[name]!, [...path, name], depth + 1);
  return { M: map };
}

/** Decodes a DynamoDB-JSON object (attribute name → type descriptor) into an item. */
export function dynamoJsonToItem(record: JsonObject): SeedItem {
  const item = Object.create(null) as SeedItem;
  for (const name in record) item[name] = typedValue(record[name]!, [name], 1);
  return item;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function binary(value: JsonValue, path: readonly string[]): Uint8Array {
  if (typeof value !== 'string') throw new ItemProblem(`${where(path)}: B must be a base64 string, found ${typeName(value)}`);
  if (!BASE64.test(value)) throw new ItemProblem(`${where(path)}: B is not valid base64 ('${clip(value)}')`);
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function numberText(value: JsonValue, path: readonly string[], type: string): string {
  // DynamoDB-JSON writes numbers as strings; a bare JSON number is accepted too (its source text is kept).
  const text = value instanceof JsonNumber ? value.text : value;
  if (typeof text !== 'string') throw new ItemProblem(`${where(path)}: ${type} must be a number in a string, found ${typeName(value)}`);
  const problem = numberProblem(text);
  if (problem !== undefined) throw new ItemProblem(`${where(path)}: ${problem}`);
  return text;
}

function setOf<T>(value: JsonValue, path: readonly string[], type: string, element: (entry: JsonValue, at: string[]) => T, identity: (entry: T) => string): T[] {
  if (!Array.isArray(value)) throw new ItemProblem(`${where(path)}: ${type} must be an array, found ${typeName(value)}`);
  if (value.length === 0) throw new ItemProblem(`${where(path)}: ${type} is empty; DynamoDB sets must have at least one element`);
  const seen = new Set<string>();
  return value.map((entry, index) => {
    const decoded = element(entry, [...path, `[${index}]`]);
    const id = identity(decoded);
    if (seen.has(id)) {
      const shown = entry instanceof JsonNumber ? entry.text : String(entry);
      throw new ItemProblem(`${where(path)}: ${type} has a duplicate value at [${index}] ('${clip(shown)}'); set elements must be unique`);
    }
    seen.add(id);
    return decoded;
  });
}

function typedValue(value: JsonValue, path: string[], depth: number): SeedAttributeValue {
  if (!isJsonObject(value)) throw new ItemProblem(`${where(path)}: expected a type descriptor like {"S": "..."}, found ${typeName(value)}`);
  const types = Object.keys(value);
  if (types.length !== 1 || !TYPE_DESCRIPTORS.has(types[0]!)) {
    throw new ItemProblem(`${where(path)}: expected exactly one of ${[...TYPE_DESCRIPTORS].join(', ')}, found {${types.map((type) => `"${clip(type, 20)}"`).join(', ')}}`);
  }
  const type = types[0]!;
  const inner = value[type]!;
  switch (type) {
    case 'S':
      if (typeof inner !== 'string') throw new ItemProblem(`${where(path)}: S must be a string, found ${typeName(inner)}`);
      return { S: inner };
    case 'N':
      return { N: numberText(inner, path, 'N') };
    case 'B':
      return { B: binary(inner, path) };
    case 'BOOL':
      if (typeof inner !== 'boolean') throw new ItemProblem(`${where(path)}: BOOL must be true or false, found ${typeName(inner)}`);
      return { BOOL: inner };
    case 'NULL':
      if (inner !== true) throw new ItemProblem(`${where(path)}: NULL must be true, found ${inner === false ? 'false' : typeName(inner)}`);
      return { NULL: true };
    case 'L':
      if (!Array.isArray(inner)) throw new ItemProblem(`${where(path)}: L must be an array, found ${typeName(inner)}`);
      if (depth > MAX_NESTING) throw new ItemProblem(`${where(path)}: nested deeper than DynamoDB's ${MAX_NESTING} levels`);
      return { L: inner.map((element, index) => typedValue(element, [...path, `[${index}]`], depth + 1)) };
    case 'M': {
      if (!isJsonObject(inner)) throw new ItemProblem(`${where(path)}: M must be an object, found ${typeName(inner)}`);
      if (depth > MAX_NESTING) throw new ItemProblem(`${where(path)}: nested deeper than DynamoDB's ${MAX_NESTING} levels`);
      const map = Object.create(null) as SeedItem;
      for (const name in inner) map[name] = typedValue(inner[name]!, [...path, name], depth + 1);
      return { M: map };
    }
    case 'SS':
      return {
        SS: setOf(inner, path, 'SS', (entry, at) => {
          if (typeof entry !== 'string') throw new ItemProblem(`${where(at)}: SS elements must be strings, found ${typeName(entry)}`);
          return entry;
        }, (entry) => entry),
      };
    case 'NS':
      // Uniqueness is numeric: DynamoDB treats "1" and "1.0" as the same set element.
      return { NS: setOf(inner, path, 'NS', (entry, at) => numberText(entry, at, 'NS element'), canonicalNumber) };
    default:
      return { BS: setOf(inner, path, 'BS', (entry, at) => binary(entry, at), (entry) => Buffer.from(entry).toString('base64')) };
  }
}
