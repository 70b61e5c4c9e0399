/**
 * `tablewarden publish`: validated desired state becomes a checksummed bundle in S3; invalid state is never
 * uploaded.
 */
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { RunStore } from '../../functions/aws/run-store.ts';
import { runPublish } from '../../functions/cli/commands/publish.ts';
import { readBundle } from '../../functions/core/bundle.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo } from '../support/capture.ts';

const local = useLocalAws();
const s3 = () => new S3Client({ ...local.clientConfig, forcePathStyle: true });

beforeEach(async () => {
  await local.reset();
  await s3().send(new CreateBucketCommand({ Bucket: 'bundles' }));
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
});

describe('tablewarden publish', () => {
  it('uploads the revision and latest, both verifiable, and says where', async () => {
    // Prepare
    const io = captureIo();
    // Act
    const code = await runPublish({ dir: 'desired-state', bucket: 'bundles', revision: 'c0ffee', endpointUrl: local.endpoint, region: local.region }, io);
    // Assess
    expect(io.stderr()).toBe('');
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/^published 4 files as revision c0ffee \(sha256:[0-9a-f]{64}\) to s3:\/\/bundles\/bundles\/c0ffee\.json, s3:\/\/bundles\/bundles\/latest\.json\n$/);
    const store = new RunStore(s3(), 'bundles');
    const bundle = readBundle(await store.get('bundles/c0ffee.json'), 'c0ffee');
    expect(bundle.revision).toBe('c0ffee');
    expect(bundle.files.map((file) => file.path).sort()).toEqual(['desired-state/policy.yaml', 'desired-state/tables/customers.yaml', 'desired-state/tables/orders.yaml', 'desired-state/tables/terraform-state-lock.yaml']);
    expect(await store.get('bundles/latest.json')).toEqual(await store.get('bundles/c0ffee.json'));
  });

  it('refuses to publish an invalid desired state and uploads nothing', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'tw-publish-'));
    cpSync('desired-state', dir, { recursive: true });
    writeFileSync(join(dir, 'tables', 'orders.yaml'), 'apiVersion: tablewarden.io/v1\nkind: Table\nmetadata: { name: Orders }\nspec: { keySchema: { partitionKey: { name: id, type: Q } } }\n');
    const io = captureIo();
    // Act
    const code = await runPublish({ dir, bucket: 'bundles', revision: 'bad', endpointUrl: local.endpoint, region: local.region }, io);
    // Assess
    expect(code).toBe(1);
    expect(io.stderr()).toMatch(/orders\.yaml:4:54 spec\.keySchema\.partitionKey\.type: must be one of S/);
    expect(io.stderr()).toContain('not published: the desired state is invalid');
    expect((await s3().send(new ListObjectsV2Command({ Bucket: 'bundles' }))).KeyCount).toBe(0);
  });

  it('rejects a bundle whose files changed after publishing', async () => {
    // Prepare
    await runPublish({ dir: 'desired-state', bucket: 'bundles', revision: 'c0ffee', endpointUrl: local.endpoint, region: local.region }, captureIo());
    const bundle = (await new RunStore(s3(), 'bundles').get('bundles/c0ffee.json')) as { files: Array<{ text: string }> };
    bundle.files[0]!.text += '\n# edited in the bucket\n';
    // Act / Assess
    expect(() => readBundle(bundle, 's3://bundles/bundles/c0ffee.json')).toThrow(/checksum sha256:[0-9a-f]+ does not match the recorded sha256:[0-9a-f]+; refusing a bundle that changed after publishing/);
  });
});
