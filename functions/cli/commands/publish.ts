/**
 * `tablewarden publish`: validate desired-state/ and upload it as a versioned bundle (the GitOps trigger: the
 * operator reconciles when a bundle lands), authenticated with the operator's HMAC KMS key (`--mac-key`, the stack
 * output BundleMacKeyArn; the publisher needs kms:GenerateMac on it). Invalid desired state is never published.
 */
import { execFileSync } from 'node:child_process';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { createClient, resolveConnection } from '../../aws/clients.ts';
import { CallRecorder } from '../../aws/call-recorder.ts';
import { publishBundle } from '../../aws/publish.ts';
import { processIo, type CommandIo } from '../io.ts';
import { readAndValidate } from '../read-desired.ts';
import { cliConnection, reportFailure, type ConnectionOptions } from '../run-context.ts';

/** Options of `tablewarden publish`. */
export interface PublishOptions extends ConnectionOptions {
  dir: string;
  bucket?: string;
  revision?: string;
  /** The HMAC KMS key that authenticates the bundle (key ARN, key id or alias); else TABLEWARDEN_MAC_KEY. */
  macKey?: string;
}

function gitRevision(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Run `publish`; 0 published, 1 invalid desired state, no MAC key, or an AWS failure (nothing uploaded). */
export async function runPublish(options: PublishOptions, io: CommandIo = processIo, now = new Date()): Promise<number> {
  try {
    const bucket = options.bucket ?? process.env.TABLEWARDEN_BUCKET;
    if (!bucket) throw new Error('no bucket: pass --bucket or set TABLEWARDEN_BUCKET (the stack output BundleBucketName)');
    const revision = options.revision ?? process.env.GITHUB_SHA ?? gitRevision();
    if (!revision) throw new Error('no revision: pass --revision <git sha> (not in a git checkout)');
    const macKey = options.macKey ?? process.env.TABLEWARDEN_MAC_KEY;
    if (!macKey) throw new Error('no MAC key: pass --mac-key or set TABLEWARDEN_MAC_KEY (the stack output BundleMacKeyArn); the operator refuses unauthenticated bundles');
    const { files, validation } = await readAndValidate(options.dir, io, now);
    if (validation.failed) {
      io.err.write('tablewarden: not published: the desired state is invalid\n');
      return 1;
    }
    const endpoint = options.endpointUrl;
    const connection = resolveConnection(await cliConnection(options));
    const calls = new CallRecorder();
    const s3 = createClient(S3Client, 's3', connection, calls, endpoint ? { forcePathStyle: true } : {});
    const kms = createClient(KMSClient, 'kms', connection, calls);
    const { bundle, keys } = await publishBundle({ s3, kms }, bucket, files, revision, { macKeyId: macKey, now });
    io.out.write(`published ${files.length} files as revision ${revision} (${bundle.checksum}, MAC by ${bundle.mac?.keyId}) to ${keys.map((key) => `s3://${bucket}/${key}`).join(', ')}\n`);
    return 0;
  } catch (error) {
    return reportFailure(error, io);
  }
}
