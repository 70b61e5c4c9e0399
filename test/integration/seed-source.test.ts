/**
 * Seed sources against the local AWS (moto's S3 over HTTP) and the file system: the bytes stream through unchanged,
 * each open() starts again at byte 0, and a missing object, bucket or file is one line naming the URI and the code.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { openSeedSource, parseS3Uri, SeedSourceError } from '../../functions/aws/seed-source.ts';
import { useLocalAws } from '../helpers/local-aws.ts';

const local = useLocalAws();
const s3 = () => new S3Client({ ...local.clientConfig, forcePathStyle: true });
const clients = () => createClients({ ...local.clientConfig, maxAttempts: 1 });

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; chunks: number }> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(Buffer.from(chunk));
  return { bytes: Buffer.concat(parts), chunks: parts.length };
}

/** Bytes that are not text (every byte value, pseudo-random order), so any re-encoding would show. */
function binaryBytes(length: number): Buffer {
  const out = Buffer.alloc(length);
  let state = 12345;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    out[i] = state >> 16;
  }
  return out;
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function rejection(promise: Promise<unknown>): Promise<SeedSourceError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SeedSourceError) return error;
    throw error;
  }
  throw new Error('expected a SeedSourceError');
}

beforeEach(async () => {
  await local.reset();
  await s3().send(new CreateBucketCommand({ Bucket: 'seeds' }));
});

describe('s3:// seed sources', () => {
  it('stream the object byte-identical, with ContentLength as the size, from byte 0 on every open()', async () => {
    // Prepare
    const body = binaryBytes(3 * 1024 * 1024 + 17);
    await s3().send(new PutObjectCommand({ Bucket: 'seeds', Key: 'data/customers.json', Body: body }));
    const recorded = clients();
    // Act
    const source = await openSeedSource('s3://seeds/data/customers.json', { clients: recorded });
    const first = await collect(source.open());
    const second = await collect(source.open());
    // Assess
    expect(source.uri).toBe('s3://seeds/data/customers.json');
    expect(source.sizeBytes).toBe(body.length);
    expect(sha(first.bytes)).toBe(sha(body));
    expect(first.bytes.length).toBe(body.length);
    expect(first.chunks).toBeGreaterThan(1); // streamed, not one buffer
    expect(sha(second.bytes)).toBe(sha(body));
    // The probe, then one GetObject per open(); nothing else (no DynamoDB call, no listing).
    expect(recorded.calls.all().map((call) => `${call.service}:${call.operation}`)).toEqual(['s3:GetObject', 's3:GetObject', 's3:GetObject']);
  });

  it('need only s3:GetObject on a versioned bucket (the ETag pins the bytes; no VersionId, so no s3:GetObjectVersion)', async () => {
    // Prepare
    await s3().send(new PutBucketVersioningCommand({ Bucket: 'seeds', VersioningConfiguration: { Status: 'Enabled' } }));
    await s3().send(new PutObjectCommand({ Bucket: 'seeds', Key: 'v.json', Body: '[{"customerID":"a"}]' }));
    const recorded = clients();
    // Act
    const source = await openSeedSource('s3://seeds/v.json', { clients: recorded });
    const read = await collect(source.open());
    // Assess
    expect(read.bytes.toString()).toBe('[{"customerID":"a"}]');
    expect(recorded.calls.all().map((call) => call.action)).toEqual(['s3:GetObject', 's3:GetObject']);
  });

  it('give an empty object size 0 and no bytes', async () => {
    // Prepare
    await s3().send(new PutObjectCommand({ Bucket: 'seeds', Key: 'empty.json', Body: Buffer.alloc(0) }));
    // Act
    const source = await openSeedSource('s3://seeds/empty.json', { clients: clients() });
    const read = await collect(source.open());
    // Assess
    expect(source.sizeBytes).toBe(0);
    expect(read.bytes.length).toBe(0);
  });

  it('refuse to resume from an object replaced since the probe (PreconditionFailed), instead of skipping the wrong records', async () => {
    // Prepare
    await s3().send(new PutObjectCommand({ Bucket: 'seeds', Key: 'k.json', Body: '[{"customerID":"a"}]' }));
    const source = await openSeedSource('s3://seeds/k.json', { clients: clients() });
    await s3().send(new PutObjectCommand({ Bucket: 'seeds', Key: 'k.json', Body: '[{"customerID":"b"}]' }));
    // Act
    const error = await rejection(collect(source.open()));
    // Assess
    expect(error.code).toBe('PreconditionFailed');
    expect(error.message).toBe('s3://seeds/k.json: the object changed since the seed started (its ETag differs); start the seed again (PreconditionFailed)');
  });

  it.each([
    ['a missing key', 's3://seeds/nope.json', 'NoSuchKey', 's3://seeds/nope.json: no such object (NoSuchKey)'],
    ['a missing bucket', 's3://no-such-bucket/x.json', 'NoSuchBucket', 's3://no-such-bucket/x.json: no such bucket (NoSuchBucket)'],
  ])('fail on %s with one line naming the URI, and call nothing but GetObject', async (_case, uri, code, message) => {
    // Prepare
    const recorded = clients();
    // Act
    const error = await rejection(openSeedSource(uri, { clients: recorded }));
    // Assess
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain('\n');
    expect(recorded.calls.all().map((call) => `${call.service}:${call.operation}`)).toEqual(['s3:GetObject']);
  });

  it.each(['s3://', 's3://bucket', 's3://bucket/', 's3:///key'])('reject %s as not an object URI', (uri) => {
    // Act + Assess
    expect(() => parseS3Uri(uri)).toThrow(/expected s3:\/\/bucket\/key/);
  });

  it('take the key literally, slashes and spaces included', () => {
    // Act + Assess
    expect(parseS3Uri('s3://b/a/b c/d%20e.json')).toEqual({ bucket: 'b', key: 'a/b c/d%20e.json' });
    expect(parseS3Uri('./s3/file.json')).toBeUndefined();
  });
});

describe('local file seed sources', () => {
  it('stream the file byte-identical with its stat size, from byte 0 on every open()', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'seed-source-'));
    const path = join(dir, 'customers.jsonl');
    const body = binaryBytes(2 * 1024 * 1024 + 5);
    writeFileSync(path, body);
    // Act
    const source = await openSeedSource(path);
    const first = await collect(source.open());
    const second = await collect(source.open());
    // Assess
    expect(source).toMatchObject({ uri: path, sizeBytes: body.length });
    expect(sha(first.bytes)).toBe(sha(body));
    expect(sha(second.bytes)).toBe(sha(body));
  });

  it('fail on a missing file with ENOENT naming the path, and on a directory with EISDIR', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'seed-source-'));
    // Act
    const missing = await rejection(openSeedSource(join(dir, 'nope.json')));
    const directory = await rejection(openSeedSource(dir));
    // Assess
    expect(missing.code).toBe('ENOENT');
    expect(missing.message).toBe(`${join(dir, 'nope.json')}: no such file (ENOENT)`);
    expect(directory.code).toBe('EISDIR');
  });

  it('refuse to re-open a file that changed since it was opened', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'seed-source-'));
    const path = join(dir, 'seed.json');
    writeFileSync(path, '[{"customerID":"a"}]');
    const source = await openSeedSource(path);
    writeFileSync(path, '[{"customerID":"a"},{"customerID":"b"}]');
    utimesSync(path, new Date(Date.UTC(2030, 0, 1)), new Date(Date.UTC(2030, 0, 1)));
    // Act
    const error = await rejection(collect(source.open()));
    // Assess
    expect(error.code).toBe('Changed');
  });
});
