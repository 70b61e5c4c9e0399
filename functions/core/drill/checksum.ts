/**
 * A canonical checksum of a DynamoDB item, so a restored copy and its source compare equal exactly when DynamoDB
 * would call them the same item.
 *
 * Why canonical: the same item comes back from two tables with attributes and map keys in any order, set members
 * in any order, and numbers spelled as written (`1`, `1.0`, `10E-1` are one DynamoDB number). Hashing the raw JSON
 * would call identical items "changed". Canonically: map keys sorted; set members sorted (sets are unordered); list
 * order kept (lists are ordered); numbers in one spelling (core/seed's canonicalNumber: exact, no float rounding);
 * binary as base64; every value tagged with its type, so the string "1" and the number 1 differ.
 * Data types: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
 */
import { createHash } from 'node:crypto';
import { canonicalNumber } from '../seed/attribute-value.ts';
import type { KeySchema } from '../model/observed.ts';

/**
 * An attribute value as DynamoDB's wire format has it (the SDK's AttributeValue fits): exactly one member set.
 * Binary is bytes (SDK) or base64 text (DynamoDB JSON).
 */
export interface DrillAttributeValue {
  S?: string | undefined;
  N?: string | undefined;
  B?: Uint8Array | string | undefined;
  BOOL?: boolean | undefined;
  NULL?: boolean | undefined;
  L?: DrillAttributeValue[] | undefined;
  M?: Record<string, DrillAttributeValue> | undefined;
  SS?: string[] | undefined;
  NS?: string[] | undefined;
  BS?: Array<Uint8Array | string> | undefined;
}

/** An item: attribute name to value. */
export type DrillItem = Record<string, DrillAttributeValue>;

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function base64(bytes: Uint8Array | string): string {
  // Text is already base64 (DynamoDB JSON); re-encode through bytes so padding/spelling differences vanish.
  const raw = typeof bytes === 'string' ? Buffer.from(bytes, 'base64') : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return raw.toString('base64');
}

/** The canonical text of one value (type-tagged). */
export function canonicalValue(value: DrillAttributeValue): string {
  if (value.S !== undefined) return `S${JSON.stringify(value.S)}`;
  if (value.N !== undefined) return `N${canonicalNumber(value.N)}`;
  if (value.B !== undefined) return `B${base64(value.B)}`;
  if (value.BOOL !== undefined) return value.BOOL ? 'BOOL1' : 'BOOL0';
  if (value.NULL !== undefined) return 'NULL';
  if (value.L !== undefined) return `L[${value.L.map(canonicalValue).join(',')}]`;
  if (value.M !== undefined) return `M${canonicalMap(value.M)}`;
  if (value.SS !== undefined) return `SS[${value.SS.map((member) => JSON.stringify(member)).sort(byCodeUnit).join(',')}]`;
  if (value.NS !== undefined) return `NS[${value.NS.map(canonicalNumber).sort(byCodeUnit).join(',')}]`;
  if (value.BS !== undefined) return `BS[${value.BS.map(base64).sort(byCodeUnit).join(',')}]`;
  return '?';
}

function canonicalMap(map: Readonly<Record<string, DrillAttributeValue>>): string {
  const names = Object.keys(map).sort(byCodeUnit);
  return `{${names.map((name) => `${JSON.stringify(name)}:${canonicalValue(map[name] as DrillAttributeValue)}`).join(',')}}`;
}

/** The canonical text of an item (attributes in code-unit order). */
export function canonicalItem(item: Readonly<DrillItem>): string {
  return canonicalMap(item);
}

/** SHA-256 (hex) of {@link canonicalItem}: equal for items DynamoDB considers equal, different otherwise. */
export function itemChecksum(item: Readonly<DrillItem>): string {
  return createHash('sha256').update(canonicalItem(item)).digest('hex');
}

/** An item's primary key attributes only (undefined when the item lacks one). */
export function keyOf(item: Readonly<DrillItem>, keySchema: KeySchema): DrillItem | undefined {
  const partition = item[keySchema.partitionKey.name];
  if (partition === undefined) return undefined;
  if (!keySchema.sortKey) return { [keySchema.partitionKey.name]: partition };
  const sort = item[keySchema.sortKey.name];
  return sort === undefined ? undefined : { [keySchema.partitionKey.name]: partition, [keySchema.sortKey.name]: sort };
}

/** A key's identity, for maps and sets of keys (canonical, so `7` and `7.0` are one key). */
export function keyId(key: Readonly<DrillItem>): string {
  return canonicalItem(key);
}

/**
 * The longest key label: keys reach 255-byte names and 2,048 + 1,024-byte values, and labels travel in the drill's
 * state (Step Functions' 256 KiB between states; the project keeps 64 KiB), so a longer one is cut.
 */
export const MAX_KEY_LABEL = 200;

/**
 * A key for people: `customerID=c-0001, orderNo=7`, in key-schema order. Longer than {@link MAX_KEY_LABEL}: its
 * start, `…` and `#` with 12 hex digits of the full label's SHA-256, so two long keys with the same start stay
 * distinguishable and the same key always reads the same.
 */
export function keyLabel(key: Readonly<DrillItem>, keySchema: KeySchema): string {
  const full = fullKeyLabel(key, keySchema);
  if (full.length <= MAX_KEY_LABEL) return full;
  const marker = `…#${createHash('sha256').update(full).digest('hex').slice(0, 12)}`;
  return `${full.slice(0, MAX_KEY_LABEL - marker.length)}${marker}`;
}

function fullKeyLabel(key: Readonly<DrillItem>, keySchema: KeySchema): string {
  const names = [keySchema.partitionKey.name, ...(keySchema.sortKey ? [keySchema.sortKey.name] : [])];
  return names
    .map((name) => {
      const value = key[name];
      if (value === undefined) return `${name}=?`;
      if (value.S !== undefined) return `${name}=${value.S}`;
      if (value.N !== undefined) return `${name}=${value.N}`;
      if (value.B !== undefined) return `${name}=b64:${base64(value.B)}`;
      return `${name}=${canonicalValue(value)}`;
    })
    .join(', ');
}
