/**
 * Opens a seed source: `s3://bucket/key` (S3 GetObject, the body streamed) or a local file path, as the
 * {@link SeedSource} the seed run reads (functions/run/seed.ts). Nothing here parses: the bytes go to the streaming
 * reader (functions/core/seed/read-seed.ts) chunk by chunk, so a 1 GB object never sits in memory.
 *
 * API: GetObject, https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (needs `s3:GetObject` on the
 * object; without `s3:ListBucket` on the bucket S3 answers a missing key with 403 AccessDenied, not NoSuchKey).
 *
 * Why a ranged probe first: the source must be known to exist, and its size known for the progress ETA, before the
 * seed run touches the table, so a missing object fails with one line and no DynamoDB write. A `Range: bytes=0-0`
 * GetObject answers both (Content-Range carries the total size; NoSuchKey/NoSuchBucket come back as for a full
 * GET) without holding an unread body open while the run prepares. Each `open()` is then a fresh GetObject from
 * byte 0 with `If-Match` on the probe's ETag: a resumed seed
 * skips the records it already wrote by count, which is only right if the bytes are the same, so an object
 * replaced between the probe and a resume fails with PreconditionFailed instead of skipping the wrong records.
 * A local file gets the same guard from its size and modification time.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { SeedSource } from '../run/seed.ts';
import { createClient, type AwsClients } from './clients.ts';

/** Why a source could not be opened; `code` is AWS's error code or the file system's. */
export class SeedSourceError extends Error {
  override name = 'SeedSourceError';
  constructor(
    /** The source as given (`s3://bucket/key` or the path). */
    readonly uri: string,
    /** NoSuchKey, NoSuchBucket, AccessDenied, PreconditionFailed, ENOENT, EISDIR, InvalidUri, Changed, ... */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An `s3://` location. */
export interface S3Location {
  bucket: string;
  key: string;
}

/**
 * Splits `s3://bucket/key` (the key taken literally, slashes and all, as the AWS CLI does); undefined for anything
 * that is not an s3:// URI.
 * @throws SeedSourceError (InvalidUri) for an s3:// URI without a bucket or a key.
 */
export function parseS3Uri(uri: string): S3Location | undefined {
  if (!uri.startsWith('s3://')) return undefined;
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  if (bucket === '' || key === '') throw new SeedSourceError(uri, 'InvalidUri', `${uri}: expected s3://bucket/key (an object, not a bucket or prefix)`);
  return { bucket, key };
}

/** How to reach S3: the run's clients (their connection and call recorder), or an S3 client to use as is. */
export interface OpenSeedSourceOptions {
  /** The clients of the run: an S3 client is built on the same connection, its calls recorded with theirs. */
  clients?: Pick<AwsClients, 'connection' | 'calls'>;
  /** An S3 client to use instead (tests, callers that already have one). */
  s3?: S3Client;
}

/** Read-only S3 client on the run's connection: path-style addressing when an endpoint override is in use (moto). */
export function seedS3Client(clients: Pick<AwsClients, 'connection' | 'calls'>): S3Client {
  const local = clients.connection.settings.endpoint !== undefined || Boolean(process.env.AWS_ENDPOINT_URL) || Boolean(process.env.AWS_ENDPOINT_URL_S3);
  return createClient(S3Client, 's3', clients.connection, clients.calls, local ? { forcePathStyle: true } : {});
}

/**
 * Opens `from` (an `s3://bucket/key` URI or a local path) and checks that it exists.
 * @throws SeedSourceError naming the URI and the code (NoSuchKey, NoSuchBucket, ENOENT, ...), before any write.
 */
export async function openSeedSource(from: string, options: OpenSeedSourceOptions = {}): Promise<SeedSource> {
  const location = parseS3Uri(from);
  if (location === undefined) return openFile(from);
  const s3 = options.s3 ?? (options.clients ? seedS3Client(options.clients) : undefined);
  if (s3 === undefined) throw new Error('openSeedSource: an s3:// source needs clients or an S3 client');
  return openS3(from, location, s3);
}

const NOT_FOUND: Record<string, string> = {
  NoSuchKey: 'no such object',
  NoSuchBucket: 'no such bucket',
  NotFound: 'not found',
  AccessDenied: 'access denied (without s3:ListBucket a missing object also reads as AccessDenied)',
  PreconditionFailed: 'the object changed since the seed started (its ETag differs); start the seed again',
  InvalidObjectState: 'the object is archived (restore it from Glacier first)',
};

function s3Failure(uri: string, error: unknown): SeedSourceError {
  const code = (error as { name?: string; Code?: string }).name ?? 'Error';
  const what = NOT_FOUND[code] ?? (error as Error).message;
  return new SeedSourceError(uri, code, `${uri}: ${what} (${code})`, { cause: error });
}

/** Total size from `Content-Range: bytes 0-0/1234`; a plain 200 (range ignored) carries it in Content-Length. */
function totalSize(probe: GetObjectCommandOutput): number | undefined {
  const range = /\/(\d+)$/.exec(probe.ContentRange ?? '');
  if (range) return Number(range[1]);
  return probe.ContentRange === undefined ? probe.ContentLength : undefined;
}

async function openS3(uri: string, { bucket, key }: S3Location, s3: S3Client): Promise<SeedSource> {
  let sizeBytes: number | undefined;
  let etag: string | undefined;
  try {
    const probe = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: 'bytes=0-0' }));
    sizeBytes = totalSize(probe);
    etag = probe.ETag;
    // Release the connection: the probe's body is at most one byte (or the whole object when the range was ignored).
    (probe.Body as { destroy?: () => void } | undefined)?.destroy?.();
  } catch (error) {
    // An empty object has no byte 0: S3 answers 416 InvalidRange. It exists, and is empty (the reader says so).
    if ((error as { name?: string }).name !== 'InvalidRange') throw s3Failure(uri, error);
    sizeBytes = 0;
  }
  return {
    uri,
    ...(sizeBytes !== undefined ? { sizeBytes } : {}),
    // If-Match, not VersionId: the ETag pins the same bytes in any bucket, and a VersionId would need
    // s3:GetObjectVersion on top of s3:GetObject.
    open: () => streamS3(uri, s3, { Bucket: bucket, Key: key, ...(etag ? { IfMatch: etag } : {}) }),
  };
}

async function* streamS3(uri: string, s3: S3Client, input: { Bucket: string; Key: string; IfMatch?: string }): AsyncGenerator<Uint8Array> {
  let response: GetObjectCommandOutput;
  try {
    response = await s3.send(new GetObjectCommand(input));
  } catch (error) {
    throw s3Failure(uri, error);
  }
  const body = response.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
  if (body === undefined) return;
  try {
    yield* body;
  } finally {
    // A consumer that stops early (a deadline, a fatal read error) must not leave the socket half-read.
    body.destroy?.();
  }
}

/**
 * Chunk size for local files. 64 KiB, not larger: chunks that outlive a young-generation GC (a record in progress
 * across a slow write) are freed only by a full GC, and with 1 MiB chunks ~50 MiB of them were held at the peak of a
 * 1 GB seed (bench/seed.ts); the read speed is the same.
 */
const FILE_CHUNK_BYTES = 64 * 1024;

async function openFile(path: string): Promise<SeedSource> {
  const first = await statFile(path);
  return {
    uri: path,
    sizeBytes: first.size,
    open: () => streamFile(path, first),
  };
}

async function statFile(path: string): Promise<{ size: number; mtimeMs: number }> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'Error';
    const what = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new SeedSourceError(path, code, `${path}: ${what} (${code})`, { cause: error });
  }
  if (info.isDirectory()) throw new SeedSourceError(path, 'EISDIR', `${path}: is a directory, not a seed file (EISDIR)`);
  return { size: info.size, mtimeMs: info.mtimeMs };
}

async function* streamFile(path: string, expected: { size: number; mtimeMs: number }): AsyncGenerator<Uint8Array> {
  const now = await statFile(path);
  if (now.size !== expected.size || now.mtimeMs !== expected.mtimeMs) {
    throw new SeedSourceError(path, 'Changed', `${path}: the file changed since the seed started (size or modification time differs); start the seed again`);
  }
  const stream = createReadStream(path, { highWaterMark: FILE_CHUNK_BYTES });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } finally {
    stream.destroy();
  }
}
