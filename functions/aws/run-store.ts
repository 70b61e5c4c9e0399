/**
 * The operator's S3 artefacts: bundles (`bundles/`), and per-run batches, plans, results and reports (`runs/`).
 * Step Functions passes only these keys between states, never the documents (256 KiB payload limit).
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** A JSON store on one bucket. */
export class RunStore {
  constructor(
    readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /** Write a JSON document. */
  async put(key: string, value: unknown): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(value), ContentType: 'application/json' }));
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
}

/** Keys of one run's artefacts. */
export const runKeys = {
  batch: (runId: string, index: number) => `runs/${runId}/batches/${String(index).padStart(5, '0')}.json`,
  plan: (runId: string, index: number) => `runs/${runId}/plans/${String(index).padStart(5, '0')}.json`,
  result: (runId: string, index: number, round: number) => `runs/${runId}/results/${String(index).padStart(5, '0')}-${String(round).padStart(3, '0')}.json`,
  report: (runId: string) => `runs/${runId}/report.json`,
  prefix: (runId: string, kind: 'plans' | 'results') => `runs/${runId}/${kind}/`,
};
