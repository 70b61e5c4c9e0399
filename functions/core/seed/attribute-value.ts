/**
 * DynamoDB attribute values as plain objects, numbers as their exact decimal text.
 *
 * Why not the SDK's `AttributeValue`: functions/core is pure (no AWS SDK imports), and the SDK's marshaller goes
 * through JS numbers, which lose digits past 2^53. The seed writer (functions/aws) turns `N` strings into the SDK's
 * NumberValue so a 23-digit number in the file is the same 23-digit number in the table.
 *
 * Size accounting follows "DynamoDB item sizes and formats":
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */

/** One DynamoDB attribute value; `N` and `NS` hold exact decimal text, `B`/`BS` raw bytes. */
export type SeedAttributeValue =
  | { S: string }
  | { N: string }
  | { B: Uint8Array }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: SeedAttributeValue[] }
  | { M: SeedItem }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: Uint8Array[] };

/** An item: attribute name to value. Built with a null prototype so a `__proto__` attribute is just a name. */
export type SeedItem = Record<string, SeedAttributeValue>;

/** The scalar types a key attribute may have (KeySchema + AttributeDefinitions). */
export type KeyAttributeType = 'S' | 'N' | 'B';

/** The table's primary key, as the seed validates items against it. */
export interface SeedKeySchema {
  readonly partitionKey: { readonly name: string; readonly type: KeyAttributeType };
  readonly sortKey?: { readonly name: string; readonly type: KeyAttributeType } | undefined;
}

/** DynamoDB's item size limit: 400 KB = 409,600 bytes (CapacityUnitCalculations.html / ServiceQuotas.html). */
export const MAX_ITEM_BYTES = 400 * 1024;

/** The type descriptors DynamoDB-JSON uses (HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypeDescriptors). */
export const TYPE_DESCRIPTORS: ReadonlySet<string> = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'L', 'M', 'SS', 'NS', 'BS']);

const encoder = new TextEncoder();

/**
 * UTF-8 byte length of a string without allocating: ASCII counts 1, BMP up to U+07FF 2, the rest of the BMP 3, and
 * a surrogate pair 4 (a lone surrogate is 3, as WTF-8; JSON text can carry one through a `\uD800` escape).
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Exposed for tests: the encoder's own count, to cross-check `utf8Length`. */
export function utf8LengthByEncoder(text: string): number {
  return encoder.encode(text).length;
}

/** A DynamoDB number, split into its significant digits and the decimal exponent of the first of them. */
export interface DecimalParts {
  /** Significant digits, leading and trailing zeros trimmed ('' for zero). */
  readonly digits: string;
  /** The value is 0.digits × 10^exponent. */
  readonly exponent: number;
  readonly negative: boolean;
}

const NUMBER_TEXT = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses decimal text into significant digits and exponent without going through a JS number (which keeps only
 * ~17 digits). Accepts JSON numbers and the forms DynamoDB-JSON strings use (`"+1"` is not valid; `"1."` is not).
 * Returns undefined when the text is not a number.
 */
export function decimalParts(text: string): DecimalParts | undefined {
  const match = NUMBER_TEXT.exec(text);
  if (match === null) return undefined;
  const integer = match[2] ?? '';
  const fraction = match[3] ?? '';
  const exponentText = match[4];
  // An exponent with hundreds of digits is not a DynamoDB number either; cap so Number() stays exact.
  if (exponentText !== undefined && exponentText.replace(/^[+-]?0*/, '').length > 9) {
    return { digits: '1', exponent: Number.POSITIVE_INFINITY, negative: match[1] === '-' };
  }
  const all = integer + fraction;
  let start = 0;
  while (start < all.length && all.charCodeAt(start) === 48) start++;
  let end = all.length;
  while (end > start && all.charCodeAt(end - 1) === 48) end--;
  const digits = all.slice(start, end);
  const exponent = digits === '' ? 0 : integer.length - start + (exponentText === undefined ? 0 : Number(exponentText));
  return { digits, exponent, negative: match[1] === '-' && digits !== '' };
}

/**
 * Why a number text can't be a DynamoDB number, or undefined when it can: at most 38 significant digits, magnitude
 * between 1E-130 and 9.9999999999999999999999999999999999999E+125 (HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes.Number).
 */
export function numberProblem(text: string): string | undefined {
  const parts = decimalParts(text);
  if (parts === undefined) return `'${clip(text)}' is not a number`;
  if (parts.digits.length > 38) return `number '${clip(text)}' has ${parts.digits.length} significant digits; DynamoDB keeps at most 38`;
  if (parts.digits === '') return undefined;
  // 0.d × 10^e: the value is ≥ 1E-130 when e ≥ -129, and < 1E+126 when e ≤ 126.
  if (parts.exponent > 126) return `number '${clip(text)}' is larger than DynamoDB's maximum 9.9999999999999999999999999999999999999E+125`;
  if (parts.exponent < -129) return `number '${clip(text)}' is smaller in magnitude than DynamoDB's minimum 1E-130`;
  return undefined;
}

/** A canonical spelling of a number, so `1`, `1.0` and `10e-1` compare equal (sets and key fingerprints). */
export function canonicalNumber(text: string): string {
  const parts = decimalParts(text);
  if (parts === undefined) return text;
  if (parts.digits === '') return '0';
  return `${parts.negative ? '-' : ''}0.${parts.digits}e${parts.exponent}`;
}

/** Size of a number value: 1 byte per two significant digits, rounded up, plus 1 (CapacityUnitCalculations.html). */
export function numberSize(text: string): number {
  const parts = decimalParts(text);
  const digits = parts === undefined ? text.length : parts.digits.length;
  return Math.ceil(digits / 2) + 1;
}

/**
 * The size of one value (without its attribute name) in DynamoDB's accounting:
 * S = UTF-8 bytes; N = ceil(significant digits / 2) + 1; B = raw bytes; BOOL and NULL = 1;
 * L and M = 3 + for each element (its name's bytes for M) + its size + 1; sets = the sum of their elements' sizes
 * (the page gives no set overhead).
 */
export function valueSize(value: SeedAttributeValue): number {
  if ('S' in value) return utf8Length(value.S);
  if ('N' in value) return numberSize(value.N);
  if ('B' in value) return value.B.length;
  if ('BOOL' in value || 'NULL' in value) return 1;
  if ('L' in value) {
    let size = 3;
    for (const element of value.L) size += valueSize(element) + 1;
    return size;
  }
  if ('M' in value) {
    let size = 3;
    for (const name in value.M) size += utf8Length(name) + valueSize(value.M[name]!) + 1;
    return size;
  }
  if ('SS' in value) return value.SS.reduce((sum, element) => sum + utf8Length(element), 0);
  if ('NS' in value) return value.NS.reduce((sum, element) => sum + numberSize(element), 0);
  return value.BS.reduce((sum, element) => sum + element.length, 0);
}

/** The size of an item: for each attribute, its name's UTF-8 bytes plus its value's size. */
export function itemSize(item: SeedItem): number {
  let size = 0;
  for (const name in item) size += utf8Length(name) + valueSize(item[name]!);
  return size;
}

/** Shortens long text for messages, so a report line never carries a 400 KB value. */
export function clip(text: string, max = 40): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
