/**
 * The fatal seed error: the file as a whole can't be read on (its structure is broken, so later record boundaries
 * are unknowable), as opposed to a rejected item, which is reported and skipped. It names where the reader was, so
 * the report and the CLI can say "line 3, byte 2041" and a person can open the file there.
 */

/** What kind of damage stopped the reader. */
export type SeedReadFailure =
  | 'EmptyFile'
  | 'NotArrayOrObjects'
  | 'FormatMismatch'
  | 'UnsupportedEncoding'
  | 'Truncated'
  | 'Malformed'
  | 'CorruptGzip';

/** Thrown by the seed reader after every record before the damage has been yielded. */
export class SeedReadError extends Error {
  /** Machine-readable kind of damage. */
  readonly failure: SeedReadFailure;
  /** Byte offset in the decoded (gunzipped) stream where the reader stopped. */
  readonly offset: number;
  /** 1-based line of that offset, when known. */
  readonly line: number | undefined;
  /** Index of the record the reader was in or about to read. */
  readonly index: number | undefined;

  constructor(failure: SeedReadFailure, message: string, where: { offset: number; line?: number; index?: number; cause?: unknown }) {
    super(`${message} (byte ${where.offset}${where.line === undefined ? '' : `, line ${where.line}`})`, where.cause === undefined ? undefined : { cause: where.cause });
    this.name = 'SeedReadError';
    this.failure = failure;
    this.offset = where.offset;
    this.line = where.line;
    this.index = where.index;
  }
}
