/**
 * Splits a decoded (gunzipped) byte stream into the raw bytes of one record at a time, without holding the file:
 * - array container: the elements of one top-level JSON array, found by a byte-level scanner that tracks strings,
 *   escapes and a bracket stack (ASCII structural bytes never occur inside a UTF-8 multi-byte sequence, so
 *   scanning bytes is safe before decoding);
 * - lines container (JSON Lines): one record per non-blank line.
 *
 * Every record carries its byte offset in the decoded stream, its line (1-based) and its index, for checkpoints and
 * reports. A record longer than `maxRecordBytes` is not held: its bytes are dropped as they pass and it comes out
 * as `oversize`, so one 2 GB line can't exhaust memory. Structural damage that makes later boundaries unknowable
 * (the array is truncated, a bracket doesn't match, junk after the array) is a SeedReadError naming offset and line.
 */
import { SeedReadError } from './errors.ts';

/** The raw bytes of one record, or its length when it was too long to hold. */
export interface RawRecord {
  readonly index: number;
  readonly offset: number;
  readonly line: number;
  /** The record's bytes; undefined when the record exceeded maxRecordBytes. */
  readonly bytes: Buffer | undefined;
  readonly length: number;
}

/** How records are laid out in the file. */
export type Container = 'array' | 'lines';

const enum State {
  ExpectFirst,
  ExpectValue,
  InValue,
  InTopString,
  InScalar,
  AfterValue,
  AfterArray,
}

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9;
}

/** An incremental record splitter: feed chunks with `push`, then call `end`; records queue in `out`. */
export class RecordScanner {
  /** Records completed so far; the reader drains it after each push. */
  readonly out: RawRecord[] = [];
  private offset: number;
  private line: number;
  private index = 0;
  // The record being collected.
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  private recordStart = -1;
  private recordLine = 0;
  // Array state.
  private state = State.ExpectFirst;
  private stack: number[] = [];
  private inString = false;
  private escaped = false;

  /**
   * @param container how records are laid out
   * @param startOffset byte offset of the first byte pushed (after the opening '[' for arrays)
   * @param startLine line of that byte
   */
  constructor(
    private readonly container: Container,
    startOffset: number,
    startLine: number,
    private readonly maxRecordBytes: number,
  ) {
    this.offset = startOffset;
    this.line = startLine;
  }

  /** Scans one chunk. */
  push(chunk: Buffer): void {
    if (this.container === 'lines') this.pushLines(chunk);
    else this.pushArray(chunk);
    this.offset += chunk.length;
  }

  /** Ends the stream; throws when the file stops inside a record or before the array closes. */
  end(): void {
    if (this.container === 'lines') {
      if (this.recordStart >= 0) this.finishLine();
      return;
    }
    if (this.state === State.InScalar) {
      this.finishRecord();
      this.state = State.AfterValue;
    }
    if (this.state === State.AfterArray) return;
    if (this.state === State.InValue || this.state === State.InTopString) {
      throw new SeedReadError('Truncated', `the file ends inside item ${this.index} (which starts at byte ${this.recordStart}, line ${this.recordLine}): the JSON is truncated`, { offset: this.offset, line: this.line, index: this.index });
    }
    throw new SeedReadError('Truncated', `the file ends before the array's closing ']' after ${this.index} item(s): the JSON is truncated`, { offset: this.offset, line: this.line, index: this.index });
  }

  private collect(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.pieceBytes += to - from;
    if (this.pieceBytes <= this.maxRecordBytes) this.pieces.push(chunk.subarray(from, to));
    else this.pieces.length = 0;
  }

  private emit(bytes: Buffer | undefined, length: number): void {
    this.out.push({ index: this.index, offset: this.recordStart, line: this.recordLine, bytes, length });
    this.index++;
    this.pieces = [];
    this.pieceBytes = 0;
    this.recordStart = -1;
  }

  private joined(): Buffer | undefined {
    if (this.pieceBytes > this.maxRecordBytes) return undefined;
    return this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces, this.pieceBytes);
  }

  // ---- JSON Lines ----

  private pushLines(chunk: Buffer): void {
    let from = 0;
    for (;;) {
      const newline = chunk.indexOf(10, from);
      const to = newline === -1 ? chunk.length : newline;
      if (this.recordStart < 0) {
        // Skip leading blanks on this line to see whether it has content.
        let first = from;
        while (first < to && isSpace(chunk[first]!)) first++;
        if (first < to) {
          this.recordStart = this.offset + first;
          this.recordLine = this.line;
          this.collect(chunk, first, to);
        }
      } else this.collect(chunk, from, to);
      if (newline === -1) return;
      if (this.recordStart >= 0) this.finishLine();
      this.line++;
      from = newline + 1;
    }
  }

  private finishLine(): void {
    let bytes = this.joined();
    let length = this.pieceBytes;
    if (bytes !== undefined) {
      let end = bytes.length;
      while (end > 0 && isSpace(bytes[end - 1]!)) end--; // CRLF files and trailing blanks
      bytes = bytes.subarray(0, end);
      length = end;
    }
    this.emit(bytes, length);
  }

  // ---- JSON array ----

  private finishRecord(): void {
    this.emit(this.joined(), this.pieceBytes);
  }

  private fail(message: string, at: number): never {
    throw new SeedReadError('Malformed', message, { offset: this.offset + at, line: this.line, index: this.index });
  }

  private pushArray(chunk: Buffer): void {
    let segmentStart = this.recordStart >= 0 ? 0 : -1;
    const length = chunk.length;
    for (let i = 0; i < length; i++) {
      const code = chunk[i]!;
      if (code === 10) this.line++;
      switch (this.state) {
        case State.InValue: {
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (code === 92) this.escaped = true;
            else if (code === 34) this.inString = false;
            continue;
          }
          if (code === 34) this.inString = true;
          else if (code === 123) this.stack.push(125);
          else if (code === 91) this.stack.push(93);
          else if (code === 125 || code === 93) {
            const expected = this.stack.pop();
            if (expected !== code) this.fail(`'${String.fromCharCode(code)}' does not match '${expected === 125 ? '{' : '['}' in item ${this.index} (which starts at byte ${this.recordStart}, line ${this.recordLine})`, i);
            if (this.stack.length === 0) {
              this.collect(chunk, segmentStart, i + 1);
              segmentStart = -1;
              this.finishRecord();
              this.state = State.AfterValue;
            }
          }
          continue;
        }
        case State.InTopString: {
          if (this.escaped) this.escaped = false;
          else if (code === 92) this.escaped = true;
          else if (code === 34) {
            this.collect(chunk, segmentStart, i + 1);
            segmentStart = -1;
            this.finishRecord();
            this.state = State.AfterValue;
          }
          continue;
        }
        case State.InScalar: {
          if (code !== 44 && code !== 93 && !isSpace(code)) continue;
          this.collect(chunk, segmentStart, i);
          segmentStart = -1;
          this.finishRecord();
          this.state = State.AfterValue;
          break; // the delimiter is handled below as AfterValue
        }
        default:
          break;
      }
      if (isSpace(code)) continue;
      switch (this.state) {
        case State.ExpectFirst:
        case State.ExpectValue:
          if (code === 93) {
            if (this.state === State.ExpectValue) this.fail(`a ',' followed by ']' (a trailing comma) after item ${this.index - 1}`, i);
            this.state = State.AfterArray;
            break;
          }
          if (code === 44) this.fail(`an empty element (',' where item ${this.index} should be)`, i);
          this.recordStart = this.offset + i;
          this.recordLine = this.line;
          segmentStart = i;
          if (code === 123 || code === 91) {
            this.stack = [code === 123 ? 125 : 93];
            this.inString = false;
            this.escaped = false;
            this.state = State.InValue;
          } else if (code === 34) {
            this.escaped = false;
            this.state = State.InTopString;
          } else this.state = State.InScalar;
          break;
        case State.AfterValue:
          if (code === 44) this.state = State.ExpectValue;
          else if (code === 93) this.state = State.AfterArray;
          else this.fail(`expected ',' or ']' after item ${this.index - 1}, found '${String.fromCharCode(code)}'`, i);
          break;
        case State.AfterArray:
          this.fail(`unexpected '${String.fromCharCode(code)}' after the array's closing ']'; a seed file holds one array`, i);
          break;
        default:
          break;
      }
    }
    if (segmentStart >= 0) this.collect(chunk, segmentStart, length);
  }
}
