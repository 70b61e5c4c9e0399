/**
 * The fast path for a plain-JSON seed record: one pass over the record's text that parses it, builds the DynamoDB
 * item (as plainToItem would), checks its numbers and nesting, and adds up its size in DynamoDB's accounting
 * (itemSize) and its bytes in a BatchWriteItem body (putRequestWireBytes) as it goes.
 *
 * Why: the general path walks every item four times (parse to JSON values, convert to an item, size it, size its
 * wire form) and allocates the intermediate JSON tree; on ~650-byte nested items that was most of the reader's time
 * (issue 10 asks for 100,000 items/s parse-and-validate).
 *
 * It only ever answers for a record that is a clean plain item. Anything else (a syntax error, a value that is not
 * an object, a duplicate name, a number DynamoDB refuses, nesting past 32 levels, an exponent) makes it answer
 * `undefined`, and the reader runs the general path on the same text, which yields exactly the rejection it always
 * did: the fast path changes speed, never a result. test/unit/seed/plain-item.test.ts holds it to that.
 */
import type { SeedAttributeValue, SeedItem } from './attribute-value.ts';
import { numberProblem, numberSize, utf8Length } from './attribute-value.ts';
import { JsonSyntaxError, JsonTextParser, isDigit } from './json-text.ts';
import { MAX_NESTING } from './to-item.ts';
import { PUT_REQUEST_OVERHEAD_BYTES, jsonStringBytes } from './wire-size.ts';

/** A plain record as an item, with the two sizes the reader and the writer need. */
export interface PlainItem {
  readonly item: SeedItem;
  /** DynamoDB's size accounting (= itemSize(item)). */
  readonly size: number;
  /** JSON bytes of its PutRequest in a BatchWriteItem body (= putRequestWireBytes(item)). */
  readonly wireBytes: number;
}

/** Parses a plain-JSON record into an item in one pass; undefined whenever the general path must decide. */
export function parsePlainItem(text: string): PlainItem | undefined {
  const parser = new PlainItemParser(text);
  try {
    return parser.item();
  } catch (error) {
    if (error instanceof JsonSyntaxError) return undefined;
    throw error;
  }
}

/** A bail-out: the general path decides (the message is never shown). */
const GENERAL_PATH = 'not a clean plain item: the general path decides';

class PlainItemParser extends JsonTextParser {
  // Results of the last string, number or value scanned (fields, not objects, so a value costs no allocation).
  private stringUtf8 = 0;
  private stringJson = 0;
  private valueSize = 0;
  private valueWire = 0;

  item(): PlainItem {
    this.skipWhitespace();
    if (this.text.charCodeAt(this.at) !== 123) this.fail(GENERAL_PATH);
    this.at++;
    const item = Object.create(null) as SeedItem;
    let size = 0;
    let wire = 2;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.at) === 125) this.at++;
    else {
      let first = true;
      for (;;) {
        if (this.text.charCodeAt(this.at) !== 34) this.fail(GENERAL_PATH);
        const name = this.scanString();
        if (item[name] !== undefined) this.fail(GENERAL_PATH); // a duplicate name
        size += this.stringUtf8;
        wire += (first ? 0 : 1) + this.stringJson + 1;
        first = false;
        this.colon();
        item[name] = this.attributeValue(1);
        size += this.valueSize;
        wire += this.valueWire;
        if (this.afterMember(125)) break;
      }
    }
    this.skipWhitespace();
    if (this.at < this.text.length) this.fail(GENERAL_PATH);
    return { item, size, wireBytes: PUT_REQUEST_OVERHEAD_BYTES + wire };
  }

  /** After a name: whitespace, ':', whitespace. */
  private colon(): void {
    this.skipWhitespace();
    if (this.text.charCodeAt(this.at) !== 58) this.fail(GENERAL_PATH);
    this.at++;
    this.skipWhitespace();
  }

  /** After a member or element: true at the closing `close`, false after a ',' (whitespace skipped either way). */
  private afterMember(close: number): boolean {
    this.skipWhitespace();
    const code = this.text.charCodeAt(this.at);
    this.at++;
    if (code === 44) {
      this.skipWhitespace();
      return false;
    }
    if (code === close) return true;
    return this.fail(GENERAL_PATH);
  }

  /** A string; sets its UTF-8 and JSON-literal byte counts. Escapes and anything odd go through the shared decoder. */
  private scanString(): string {
    const text = this.text;
    const start = this.at + 1;
    let at = start;
    let ascii = true;
    for (;;) {
      const code = text.charCodeAt(at);
      if (code === 34) break;
      if (code === 92 || !(code >= 32)) {
        // An escape, a control character or the end of the text: the shared decoder decodes it exactly or throws.
        const value = this.string();
        this.stringUtf8 = utf8Length(value);
        this.stringJson = jsonStringBytes(value);
        return value;
      }
      if (code >= 0x80) ascii = false;
      at++;
    }
    this.at = at + 1;
    const value = text.slice(start, at);
    if (ascii) {
      this.stringUtf8 = at - start;
      this.stringJson = at - start + 2;
    } else {
      this.stringUtf8 = utf8Length(value);
      this.stringJson = jsonStringBytes(value);
    }
    return value;
  }

  /** One attribute value at `depth` (1 for the item's own attributes), as plainValue would make it. */
  private attributeValue(depth: number): SeedAttributeValue {
    const text = this.text;
    const code = text.charCodeAt(this.at);
    if (code === 34) {
      const value = this.scanString();
      this.valueSize = this.stringUtf8;
      this.valueWire = 6 + this.stringJson;
      return { S: value };
    }
    if (code === 45 || (code >= 48 && code <= 57)) {
      const value = this.scanNumber();
      this.valueWire = 8 + value.length;
      return { N: value };
    }
    if (code === 123) {
      if (depth > MAX_NESTING) this.fail(GENERAL_PATH);
      return this.map(depth);
    }
    if (code === 91) {
      if (depth > MAX_NESTING) this.fail(GENERAL_PATH);
      return this.list(depth);
    }
    if (text.startsWith('true', this.at)) {
      this.at += 4;
      this.valueSize = 1;
      this.valueWire = 13;
      return { BOOL: true };
    }
    if (text.startsWith('false', this.at)) {
      this.at += 5;
      this.valueSize = 1;
      this.valueWire = 14;
      return { BOOL: false };
    }
    if (text.startsWith('null', this.at)) {
      this.at += 4;
      this.valueSize = 1;
      this.valueWire = 13;
      return { NULL: true };
    }
    return this.fail(GENERAL_PATH);
  }

  private map(depth: number): SeedAttributeValue {
    this.at++;
    const map = Object.create(null) as SeedItem;
    let size = 3;
    let wire = 2;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.at) === 125) this.at++;
    else {
      let first = true;
      for (;;) {
        if (this.text.charCodeAt(this.at) !== 34) this.fail(GENERAL_PATH);
        const name = this.scanString();
        if (map[name] !== undefined) this.fail(GENERAL_PATH);
        const nameUtf8 = this.stringUtf8;
        wire += (first ? 0 : 1) + this.stringJson + 1;
        first = false;
        this.colon();
        map[name] = this.attributeValue(depth + 1);
        size += nameUtf8 + this.valueSize + 1;
        wire += this.valueWire;
        if (this.afterMember(125)) break;
      }
    }
    this.valueSize = size;
    this.valueWire = 6 + wire;
    return { M: map };
  }

  private list(depth: number): SeedAttributeValue {
    this.at++;
    const list: SeedAttributeValue[] = [];
    let size = 3;
    let wire = 8;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.at) === 93) this.at++;
    else {
      for (;;) {
        list.push(this.attributeValue(depth + 1));
        size += this.valueSize + 1;
        wire += this.valueWire + (list.length > 1 ? 1 : 0);
        if (this.afterMember(93)) break;
      }
    }
    this.valueSize = size;
    this.valueWire = wire;
    return { L: list };
  }

  /**
   * A number's exact text; sets its DynamoDB size. Without an exponent the significant digits are counted here; a
   * number with one (rare in seed data) is checked by numberProblem/numberSize. Any number DynamoDB refuses bails.
   */
  private scanNumber(): string {
    const text = this.text;
    const start = this.at;
    let at = start;
    if (text.charCodeAt(at) === 45) at++;
    const integerStart = at;
    // Significant digits: from the first non-zero digit to the last, over the integer and fraction digits.
    let digitIndex = 0;
    let firstNonZero = -1;
    let lastNonZero = -1;
    let code = text.charCodeAt(at);
    if (code === 48) {
      at++;
      digitIndex++;
    } else if (code >= 49 && code <= 57) {
      while (isDigit((code = text.charCodeAt(at)))) {
        if (code !== 48) {
          if (firstNonZero < 0) firstNonZero = digitIndex;
          lastNonZero = digitIndex;
        }
        digitIndex++;
        at++;
      }
    } else this.fail(GENERAL_PATH);
    const integerDigits = at - integerStart;
    if (text.charCodeAt(at) === 46) {
      at++;
      if (!isDigit(text.charCodeAt(at))) this.fail(GENERAL_PATH);
      while (isDigit((code = text.charCodeAt(at)))) {
        if (code !== 48) {
          if (firstNonZero < 0) firstNonZero = digitIndex;
          lastNonZero = digitIndex;
        }
        digitIndex++;
        at++;
      }
    }
    code = text.charCodeAt(at);
    if (code === 101 || code === 69) {
      at++;
      const sign = text.charCodeAt(at);
      if (sign === 43 || sign === 45) at++;
      if (!isDigit(text.charCodeAt(at))) this.fail(GENERAL_PATH);
      while (isDigit(text.charCodeAt(at))) at++;
      this.at = at;
      const value = text.slice(start, at);
      if (numberProblem(value) !== undefined) this.fail(GENERAL_PATH);
      this.valueSize = numberSize(value);
      return value;
    }
    this.at = at;
    if (firstNonZero >= 0) {
      const significant = lastNonZero - firstNonZero + 1;
      // The value is 0.digits × 10^exponent; DynamoDB keeps 38 digits, 1E-130 ≤ |value| < 1E+126.
      const exponent = integerDigits - firstNonZero;
      if (significant > 38 || exponent > 126 || exponent < -129) this.fail(GENERAL_PATH);
      this.valueSize = Math.ceil(significant / 2) + 1;
    } else this.valueSize = 1;
    return text.slice(start, at);
  }
}
