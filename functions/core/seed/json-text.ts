/**
 * A JSON parser for one seed record that keeps every number as its source text.
 *
 * Why not JSON.parse: it turns 12345678901234567890123 into 1.2345678901234568e22, and Node 20's reviver has no
 * access to the source text. A seed must write the number the file holds. Records are small (an item is at most
 * 400 KB), so a recursive-descent parser over the decoded string is fast enough (see test/unit/seed/).
 * Duplicate names in one object are an error rather than "last wins": the file is ambiguous, and a seed must not
 * guess which value the author meant.
 */

/** A JSON number as its exact source text. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

/** A parsed JSON value; objects have a null prototype. */
export type JsonValue = string | boolean | null | JsonNumber | JsonValue[] | JsonObject;

/** A JSON object (null prototype, so `__proto__` is an ordinary name). */
export interface JsonObject {
  [name: string]: JsonValue;
}

/** Why a record's text is not JSON, and where (a UTF-16 index into the text; the reader turns it into a byte offset). */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

/** True for a parsed JSON object (not an array, number or null). */
export function isJsonObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

/** Nesting deeper than this is refused before the stack is at risk (DynamoDB itself allows 32 levels). */
const MAX_DEPTH = 64;

/** Parses one JSON text; throws JsonSyntaxError with the position of the first problem. */
export function parseJsonText(text: string): JsonValue {
  const parser = new JsonTextParser(text);
  parser.skipWhitespace();
  const value = parser.value(0);
  parser.skipWhitespace();
  if (parser.at < text.length) parser.fail(`unexpected ${parser.describe()} after the value`);
  return value;
}

/**
 * The parser's state and its pieces, exported so the plain-item fast path (plain-item.ts) parses with exactly the
 * same grammar, string decoding and error positions instead of a second copy of them.
 */
export class JsonTextParser {
  at = 0;
  constructor(protected readonly text: string) {}

  fail(message: string, position = this.at): never {
    throw new JsonSyntaxError(message, position);
  }

  describe(): string {
    if (this.at >= this.text.length) return 'end of text';
    return `'${this.text[this.at]}'`;
  }

  skipWhitespace(): void {
    const text = this.text;
    let at = this.at;
    for (;;) {
      const code = text.charCodeAt(at);
      if (code === 32 || code === 10 || code === 13 || code === 9) at++;
      else break;
    }
    this.at = at;
  }

  value(depth: number): JsonValue {
    const code = this.text.charCodeAt(this.at);
    if (code === 123) return this.object(depth + 1);
    if (code === 91) return this.array(depth + 1);
    if (code === 34) return this.string();
    if (code === 45 || (code >= 48 && code <= 57)) return this.number();
    if (this.text.startsWith('true', this.at)) {
      this.at += 4;
      return true;
    }
    if (this.text.startsWith('false', this.at)) {
      this.at += 5;
      return false;
    }
    if (this.text.startsWith('null', this.at)) {
      this.at += 4;
      return null;
    }
    return this.fail(`unexpected ${this.describe()} where a value should be`);
  }

  object(depth: number): JsonObject {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
    this.at++;
    const result = Object.create(null) as JsonObject;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.at) === 125) {
      this.at++;
      return result;
    }
    for (;;) {
      if (this.text.charCodeAt(this.at) !== 34) this.fail(`expected a quoted name, found ${this.describe()}`);
      const namePosition = this.at;
      const name = this.string();
      if (Object.prototype.hasOwnProperty.call(result, name)) this.fail(`duplicate name "${name.slice(0, 40)}" in one object`, namePosition);
      this.skipWhitespace();
      if (this.text.charCodeAt(this.at) !== 58) this.fail(`expected ':' after a name, found ${this.describe()}`);
      this.at++;
      this.skipWhitespace();
      result[name] = this.value(depth);
      this.skipWhitespace();
      const code = this.text.charCodeAt(this.at);
      if (code === 44) {
        this.at++;
        this.skipWhitespace();
      } else if (code === 125) {
        this.at++;
        return result;
      } else this.fail(`expected ',' or '}' in an object, found ${this.describe()}`);
    }
  }

  array(depth: number): JsonValue[] {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
    this.at++;
    const result: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text.charCodeAt(this.at) === 93) {
      this.at++;
      return result;
    }
    for (;;) {
      result.push(this.value(depth));
      this.skipWhitespace();
      const code = this.text.charCodeAt(this.at);
      if (code === 44) {
        this.at++;
        this.skipWhitespace();
      } else if (code === 93) {
        this.at++;
        return result;
      } else this.fail(`expected ',' or ']' in an array, found ${this.describe()}`);
    }
  }

  string(): string {
    const text = this.text;
    const start = ++this.at;
    // Fast path: no escapes.
    let at = start;
    for (;;) {
      const code = text.charCodeAt(at);
      if (code === 34) {
        this.at = at + 1;
        return text.slice(start, at);
      }
      if (code === 92) break;
      if (code < 32 || Number.isNaN(code)) {
        if (Number.isNaN(code)) this.fail('unterminated string', start - 1);
        this.fail('control character in a string (must be escaped)', at);
      }
      at++;
    }
    let out = text.slice(start, at);
    for (;;) {
      const code = text.charCodeAt(at);
      if (Number.isNaN(code)) this.fail('unterminated string', start - 1);
      if (code === 34) {
        this.at = at + 1;
        return out;
      }
      if (code < 32) this.fail('control character in a string (must be escaped)', at);
      if (code !== 92) {
        out += text[at];
        at++;
        continue;
      }
      const escape = text[at + 1];
      switch (escape) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = text.slice(at + 2, at + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape (needs four hex digits)', at);
          out += String.fromCharCode(parseInt(hex, 16));
          at += 4;
          break;
        }
        default:
          this.fail(`bad escape '\\${escape ?? ''}'`, at);
      }
      at += 2;
    }
  }

  number(): JsonNumber {
    const text = this.text;
    const start = this.at;
    let at = start;
    if (text.charCodeAt(at) === 45) at++;
    const firstDigit = text.charCodeAt(at);
    if (firstDigit === 48) at++;
    else if (firstDigit >= 49 && firstDigit <= 57) while (isDigit(text.charCodeAt(at))) at++;
    else this.fail('a number needs a digit after -', at);
    if (text.charCodeAt(at) === 46) {
      at++;
      if (!isDigit(text.charCodeAt(at))) this.fail('a number needs a digit after the decimal point', at);
      while (isDigit(text.charCodeAt(at))) at++;
    }
    const e = text.charCodeAt(at);
    if (e === 101 || e === 69) {
      at++;
      const sign = text.charCodeAt(at);
      if (sign === 43 || sign === 45) at++;
      if (!isDigit(text.charCodeAt(at))) this.fail('a number needs a digit in its exponent', at);
      while (isDigit(text.charCodeAt(at))) at++;
    }
    this.at = at;
    return new JsonNumber(text.slice(start, at));
  }
}

/** True for an ASCII digit's char code. */
export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
