/**
 * The streaming seed reader: raw bytes in (a Node Readable or any AsyncIterable of chunks, so the caller chooses
 * S3, a file or a test generator), validated DynamoDB items and rejections out, one at a time.
 *
 * Pipeline: raw chunks → sha256 + byte count (the content checksum is of the file as stored, gzip included) →
 * gunzip when the first bytes are gzip's magic 1f 8b → BOM check → container from the first non-blank byte
 * ('[' array, '{' JSON Lines) → RecordScanner (record bytes, offset, line, index) → strict UTF-8 decode →
 * precise JSON parse → encoding (plain or DynamoDB-JSON, from the first object record unless given) → item →
 * key/size/duplicate checks. Once a file is known to be plain JSON, each record first tries the one-pass fast path
 * (plain-item.ts: parse, convert, size and wire size together); whatever it doesn't accept takes the general path,
 * which alone writes rejection reasons.
 *
 * Memory: one chunk, the record in progress (capped by maxRecordBytes) and the duplicate-key table (16–32 bytes
 * per distinct key; see DuplicateKeys). Backpressure is the consumer's: the next chunk is read only when the
 * consumer asks for the next record.
 *
 * Decisions:
 * - A UTF-8 BOM is accepted and skipped (RFC 8259 §8.1 lets parsers ignore it; Windows editors write it) with a
 *   warning in the summary; offsets still count it. UTF-16/32 BOMs are fatal: the seed must be UTF-8.
 * - Offsets and lines are of the decoded stream (after gunzip); for a plain file that is the file itself.
 * - A bad record (invalid UTF-8 or JSON, not an object, a bad value, a missing or mistyped key, oversize,
 *   duplicate key) is rejected and reading goes on; damage to the file's structure is a SeedReadError.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TYPE_DESCRIPTORS, clip } from './attribute-value.ts';
import type { SeedItem, SeedKeySchema } from './attribute-value.ts';
import { SeedReadError } from './errors.ts';
import { JsonSyntaxError, isJsonObject, parseJsonText } from './json-text.ts';
import type { JsonObject } from './json-text.ts';
import { RecordScanner } from './record-scanner.ts';
import type { Container, RawRecord } from './record-scanner.ts';
import { parsePlainItem } from './plain-item.ts';
import { ItemProblem, dynamoJsonToItem, plainToItem } from './to-item.ts';
import { DuplicateKeys, itemProblem, keyFingerprint } from './validate.ts';
import { putRequestWireBytes } from './wire-size.ts';

/** The file formats a seed may have; `auto` detects the container and the encoding. */
export type SeedFormat = 'auto' | 'json' | 'jsonl' | 'dynamodb-json';

/** How attribute values are written in the file. */
export type SeedEncoding = 'plain' | 'dynamodb-json';

/** Options for one read. */
export interface ReadSeedOptions {
  readonly keySchema: SeedKeySchema;
  /** 'json' = an array of plain items, 'jsonl' = JSON Lines of plain items, 'dynamodb-json' = typed values in either container. */
  readonly format?: SeedFormat;
  /** Longest record text held in memory (default 8 MiB: a 400 KB item in DynamoDB-JSON with escapes fits). */
  readonly maxRecordBytes?: number;
}

/** A valid item, ready to write. */
export interface SeedItemRecord {
  readonly kind: 'item';
  readonly index: number;
  readonly line: number;
  readonly offset: number;
  readonly item: SeedItem;
  /** JSON bytes of its PutRequest in a BatchWriteItem body (putRequestWireBytes), so the writer need not walk it again. */
  readonly wireBytes: number;
}

/** A record that can't be written, and why. */
export interface SeedRejection {
  readonly kind: 'rejected';
  readonly index: number;
  readonly line: number;
  readonly offset: number;
  readonly reason: string;
}

/** One entry of the reader's output. */
export type SeedRecord = SeedItemRecord | SeedRejection;

/** What the reader saw, for the run report and the manifest. */
export interface SeedReadSummary {
  /** True once the stream was read to its end without a fatal error. */
  complete: boolean;
  gzip: boolean;
  container: Container | undefined;
  encoding: SeedEncoding | undefined;
  /** True when records are DynamoDB export lines (`{"Item": {...}}`). */
  exportWrapper: boolean;
  records: number;
  items: number;
  rejected: number;
  /** Bytes of the file as stored (compressed, when gzipped). */
  rawBytes: number;
  /** Bytes after gunzip. */
  decodedBytes: number;
  /** sha256 (hex) of the raw bytes; set when complete. */
  sha256: string | undefined;
  /** Distinct keys held for duplicate detection and the table's bytes. */
  keyTableBytes: number;
  warnings: string[];
}

const DEFAULT_MAX_RECORD_BYTES = 8 * 1024 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Offset of the first byte that is not valid UTF-8 (only called after the strict decoder refused the bytes). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
      code = (code << 6) | (next & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw new TypeError('seed source chunks must be Buffers or Uint8Arrays');
}

function looksTyped(record: JsonObject): boolean {
  let attributes = 0;
  for (const name in record) {
    const value = record[name]!;
    if (!isJsonObject(value)) return false;
    const keys = Object.keys(value);
    if (keys.length !== 1 || !TYPE_DESCRIPTORS.has(keys[0]!)) return false;
    attributes++;
  }
  return attributes > 0;
}

/**
 * Reads a seed. Iterate it once; `summary` fills in as it goes and is complete (with the checksum) after the last
 * record. A fatal problem is thrown from the iteration as a SeedReadError after every earlier record was yielded.
 */
export class SeedReader implements AsyncIterable<SeedRecord> {
  /** Totals, checksum and detected format. */
  readonly summary: SeedReadSummary = {
    complete: false,
    gzip: false,
    container: undefined,
    encoding: undefined,
    exportWrapper: false,
    records: 0,
    items: 0,
    rejected: 0,
    rawBytes: 0,
    decodedBytes: 0,
    sha256: undefined,
    keyTableBytes: 0,
    warnings: [],
  };
  private readonly format: SeedFormat;
  private readonly maxRecordBytes: number;
  private readonly keys = new DuplicateKeys();
  private started = false;
  private detected = false;
  /** Set once the encoding is known to be plain without the export wrapper: records try parsePlainItem first. */
  private plainFastPath = false;
  /** Bytes of the preamble chunk after the container's first byte, not yet scanned. */
  private pending: Buffer | undefined;

  constructor(
    private readonly source: AsyncIterable<unknown>,
    private readonly options: ReadSeedOptions,
  ) {
    this.format = options.format ?? 'auto';
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (this.format === 'dynamodb-json') this.summary.encoding = 'dynamodb-json';
    if (this.format === 'json' || this.format === 'jsonl') this.summary.encoding = 'plain';
  }

  [Symbol.asyncIterator](): AsyncIterator<SeedRecord> {
    if (this.started) throw new Error('a SeedReader can be iterated once');
    this.started = true;
    return this.records();
  }

  /** Raw chunks, hashed and counted as they pass. */
  private async *raw(hash: ReturnType<typeof createHash>): AsyncGenerator<Buffer> {
    for await (const chunk of this.source) {
      const buffer = toBuffer(chunk);
      if (buffer.length === 0) continue;
      hash.update(buffer);
      this.summary.rawBytes += buffer.length;
      yield buffer;
    }
  }

  /** Decoded chunks: the raw ones, or gunzipped when the stream starts with gzip's magic bytes. */
  private async *decoded(hash: ReturnType<typeof createHash>): AsyncGenerator<Buffer> {
    const raw = this.raw(hash);
    const head: Buffer[] = [];
    let headBytes = 0;
    while (headBytes < 2) {
      const next = await raw.next();
      if (next.done) break;
      head.push(next.value);
      headBytes += next.value.length;
    }
    const first = Buffer.concat(head);
    const all = (async function* () {
      if (first.length > 0) yield first;
      yield* raw;
    })();
    if (!(first[0] === 0x1f && first[1] === 0x8b)) {
      yield* all;
      return;
    }
    this.summary.gzip = true;
    const gunzip = createGunzip();
    const input = Readable.from(all, { objectMode: false });
    input.on('error', (error) => gunzip.destroy(error));
    input.pipe(gunzip);
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (error) {
      if (error instanceof SeedReadError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: string }).code;
      if (code !== undefined && !code.startsWith('Z_') && code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error; // the source's own failure
      throw new SeedReadError('CorruptGzip', `the gzip stream is corrupt after ${this.summary.decodedBytes} decompressed bytes, ${this.summary.rawBytes} compressed bytes read: ${message}`, { offset: this.summary.decodedBytes, cause: error });
    } finally {
      input.destroy();
    }
  }

  private async *records(): AsyncGenerator<SeedRecord> {
    const hash = createHash('sha256');
    let scanner: RecordScanner | undefined;
    let preamble: Buffer = Buffer.alloc(0);
    for await (const chunk of this.decoded(hash)) {
      this.summary.decodedBytes += chunk.length;
      if (scanner === undefined) {
        preamble = preamble.length === 0 ? chunk : Buffer.concat([preamble, chunk]);
        scanner = this.start(preamble, false);
        if (scanner === undefined) continue;
        preamble = Buffer.alloc(0);
        yield* this.pushPending(scanner);
      } else yield* this.guarded(scanner, () => scanner!.push(chunk));
      yield* this.drain(scanner);
    }
    if (scanner === undefined) scanner = this.start(preamble, true);
    if (scanner === undefined) throw new SeedReadError('EmptyFile', 'the seed file is empty (no JSON at all)', { offset: this.summary.decodedBytes, line: 1 });
    const last = scanner;
    yield* this.pushPending(last);
    yield* this.guarded(last, () => last.end());
    yield* this.drain(last);
    this.summary.sha256 = hash.digest('hex');
    this.summary.complete = true;
  }

  /**
   * Reads the preamble (BOM, blanks) and the first structural byte; returns the scanner fed with the rest, or
   * undefined when more bytes are needed (or, at the end, when there were none).
   */
  private start(head: Buffer, atEnd: boolean): RecordScanner | undefined {
    if (head.length < 4 && !atEnd) return undefined;
    let at = 0;
    if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
      at = 3;
      this.summary.warnings.push('the file starts with a UTF-8 byte order mark; it was skipped');
    } else if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff) || (head[0] === 0 && head[1] === 0)) {
      throw new SeedReadError('UnsupportedEncoding', 'the file starts with a UTF-16/UTF-32 byte order mark; a seed must be UTF-8', { offset: 0, line: 1 });
    }
    let line = 1;
    while (at < head.length && (head[at] === 32 || head[at] === 10 || head[at] === 13 || head[at] === 9)) {
      if (head[at] === 10) line++;
      at++;
    }
    if (at >= head.length) return undefined; // blanks so far: need more (or, at the end, the file is empty)
    const first = head[at]!;
    let container: Container;
    if (first === 0x5b) container = 'array';
    else if (first === 0x7b) container = 'lines';
    else {
      const shown = first >= 0x20 && first < 0x7f ? `'${String.fromCharCode(first)}'` : `byte 0x${first.toString(16).padStart(2, '0')}`;
      throw new SeedReadError('NotArrayOrObjects', `the file starts with ${shown}: a seed is a JSON array ('[') or JSON Lines of objects ('{')`, { offset: at, line });
    }
    if (this.format === 'json' && container !== 'array') throw new SeedReadError('FormatMismatch', "format 'json' expects a JSON array, but the file starts with '{' (use format 'jsonl' for JSON Lines)", { offset: at, line });
    if (this.format === 'jsonl' && container !== 'lines') throw new SeedReadError('FormatMismatch', "format 'jsonl' expects one object per line, but the file starts with '[' (use format 'json' for an array)", { offset: at, line });
    this.summary.container = container;
    const skip = container === 'array' ? at + 1 : at;
    this.pending = head.subarray(skip);
    return new RecordScanner(container, skip, line, this.maxRecordBytes);
  }

  /** Feeds the bytes of the first chunk(s) after the container's first byte. */
  private *pushPending(scanner: RecordScanner): Generator<SeedRecord> {
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined && pending.length > 0) yield* this.guarded(scanner, () => scanner.push(pending));
  }

  /** Runs a scanner step; when it finds the file broken, the records it completed before the damage come out first. */
  private *guarded(scanner: RecordScanner, step: () => void): Generator<SeedRecord> {
    try {
      step();
    } catch (error) {
      yield* this.drain(scanner);
      throw error;
    }
  }

  private *drain(scanner: RecordScanner): Generator<SeedRecord> {
    const queue = scanner.out;
    for (let i = 0; i < queue.length; i++) yield this.judge(queue[i]!);
    queue.length = 0;
  }

  private reject(raw: RawRecord, reason: string): SeedRejection {
    this.summary.records++;
    this.summary.rejected++;
    return { kind: 'rejected', index: raw.index, line: raw.line, offset: raw.offset, reason };
  }

  /** One record: decode, parse, convert, validate. */
  private judge(raw: RawRecord): SeedRecord {
    if (raw.bytes === undefined) {
      return this.reject(raw, `item text is ${raw.length} bytes, more than the ${this.maxRecordBytes} this reader holds; it can't fit DynamoDB's 400 KB item limit`);
    }
    let text: string;
    try {
      text = utf8.decode(raw.bytes);
    } catch {
      return this.reject(raw, `invalid UTF-8 at byte ${raw.offset + firstInvalidUtf8(raw.bytes)}`);
    }
    if (this.plainFastPath) {
      // A clean plain item in one pass; anything else (undefined) goes the general way below, which decides exactly as before.
      const fast = parsePlainItem(text);
      if (fast !== undefined) return this.accept(raw, fast.item, fast.size, fast.wireBytes);
    }
    let value;
    try {
      value = parseJsonText(text);
    } catch (error) {
      if (!(error instanceof JsonSyntaxError)) throw error;
      const at = raw.offset + Buffer.byteLength(text.slice(0, error.position), 'utf8');
      return this.reject(raw, `invalid JSON at byte ${at}: ${error.message}`);
    }
    if (!isJsonObject(value)) {
      const found = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value === 'object' ? 'a number' : `a ${typeof value}`;
      return this.reject(raw, `item is not a JSON object (found ${found})`);
    }
    let record: JsonObject = value;
    if (!this.detected) {
      this.detect(record);
      this.detected = true;
      this.plainFastPath = this.summary.encoding === 'plain' && !this.summary.exportWrapper;
    }
    if (this.summary.exportWrapper) {
      const names = Object.keys(record);
      const inner = record.Item;
      if (names.length !== 1 || inner === undefined || !isJsonObject(inner)) {
        return this.reject(raw, `expected a DynamoDB export line {"Item": {...}} like the earlier lines, found {${names.map((name) => `"${clip(name, 20)}"`).join(', ')}}`);
      }
      record = inner;
    }
    let item: SeedItem;
    try {
      item = this.summary.encoding === 'dynamodb-json' ? dynamoJsonToItem(record) : plainToItem(record);
    } catch (error) {
      if (!(error instanceof ItemProblem)) throw error;
      return this.reject(raw, error.message);
    }
    return this.accept(raw, item, undefined, undefined);
  }

  /** Key, size and duplicate checks on a converted item (sizes given when the fast path already has them). */
  private accept(raw: RawRecord, item: SeedItem, size: number | undefined, wireBytes: number | undefined): SeedRecord {
    const problem = itemProblem(item, this.options.keySchema, size);
    if (problem !== undefined) return this.reject(raw, problem);
    const earlier = this.keys.add(keyFingerprint(item, this.options.keySchema), raw.index);
    this.summary.keyTableBytes = this.keys.bytes;
    if (earlier !== undefined) return this.reject(raw, `duplicate key: item ${earlier} has the same primary key (the first one is kept)`);
    this.summary.records++;
    this.summary.items++;
    return { kind: 'item', index: raw.index, line: raw.line, offset: raw.offset, item, wireBytes: wireBytes ?? putRequestWireBytes(item) };
  }

  /**
   * Decides plain vs DynamoDB-JSON, and the export wrapper, from the first object record. `{"Item": {...}}` is an
   * export line unless the table's key is itself called Item or Item's value is a type descriptor.
   */
  private detect(record: JsonObject): void {
    const names = Object.keys(record);
    const key = this.options.keySchema;
    const inner = record.Item;
    const keyIsItem = key.partitionKey.name === 'Item' || key.sortKey?.name === 'Item';
    if (names.length === 1 && inner !== undefined && isJsonObject(inner) && !keyIsItem && this.format !== 'json' && this.format !== 'jsonl') {
      const innerKeys = Object.keys(inner);
      const innerIsDescriptor = innerKeys.length === 1 && TYPE_DESCRIPTORS.has(innerKeys[0]!);
      if (!innerIsDescriptor) {
        this.summary.exportWrapper = true;
        this.summary.encoding = 'dynamodb-json';
        return;
      }
    }
    if (this.summary.encoding === undefined) this.summary.encoding = looksTyped(record) ? 'dynamodb-json' : 'plain';
  }
}

/** Reads a seed from a stream of byte chunks; see SeedReader. */
export function readSeed(source: AsyncIterable<unknown>, options: ReadSeedOptions): SeedReader {
  return new SeedReader(source, options);
}
