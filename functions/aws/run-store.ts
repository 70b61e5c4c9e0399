/**
 * The run store on S3: the operator's bundles (`bundles/`) and per-run artefacts (`runs/`, keys in
 * functions/run/core/keys.ts). Step Functions passes only these keys between states, never the documents (256 KiB
 * payload limit). Only the handlers that list (the report) call ListObjectsV2, so only they carry s3:ListBucket.
 * APIs: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, API_PutObject.html, API_ListObjectsV2.html
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RunStore as RunStorePort } from '../run/ports.ts';
import { collectPages } from './async-utils.ts';

/** A JSON store on one bucket. */
export class S3RunStore implements RunStorePort {
  constructor(
    readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /** Where a key lives, for messages. */
  where(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  /** Write a JSON document. */
  async put(key: string, value: unknown): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(value), ContentType: 'application/json' }));
  }

  /** Write text as is (JSON Lines and other non-JSON artefacts). */
  async putText(key: string, text: string, contentType: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text, ContentType: contentType }));
  }

  /** Read a JSON document; undefined when the key does not exist. */
  async get(key: string): Promise<unknown> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return JSON.parse(await object.Body!.transformToString('utf8')) as unknown;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  /** Every key under a prefix, sorted (ListObjectsV2, 1,000 a page). */
  async list(prefix: string): Promise<string[]> {
    const pages = await collectPages(
      (token) => this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) })),
      (page) => page.NextContinuationToken,
    );
    return pages.flatMap((page) => (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []))).sort();
  }
}
