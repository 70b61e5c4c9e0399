/**
 * The seed trigger's AWS calls: the seed object's version (HeadObject), the table's status (DescribeTable), and the
 * seed trigger record in the operator's state table (GetItem / PutItem; what it is: functions/run/core/seed-trigger.ts).
 *
 * APIs and what binds them:
 * - HeadObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html): needs `s3:GetObject`; without
 *   `s3:ListBucket` a missing key answers 403, not 404, so both read as "unavailable". No body is read: the nightly
 *   drift check of a 1 GB seed costs one request.
 * - DescribeTable, GetItem, PutItem: DynamoDB's control-plane and item limits are far above one call per seeded table
 *   per run.
 */
import { DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { seedTriggerKey, type SeedTriggerRecord, type SourceVersion } from '../run/core/seed-trigger.ts';
import type { AwsClients } from './clients.ts';
import { parseS3Uri } from './seed-source.ts';

type Dynamo = Pick<AwsClients, 'dynamodb'>;

/** The object's ETag and version id, or why it could not be looked at (one line, with AWS's code). */
export async function headSeedObject(s3: S3Client, uri: string): Promise<{ version: SourceVersion } | { error: string }> {
  let location;
  try {
    location = parseS3Uri(uri);
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (location === undefined) return { error: 'not an s3:// URI' };
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
    return { version: { ...(head.ETag === undefined ? {} : { etag: head.ETag }), ...(head.VersionId === undefined || head.VersionId === 'null' ? {} : { versionId: head.VersionId }) } };
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error';
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (name === 'NotFound' || name === 'NoSuchKey' || status === 404) return { error: 'no such object (NotFound)' };
    if (name === 'Forbidden' || name === 'AccessDenied' || status === 403) return { error: 'access denied, or no such object (403: without s3:ListBucket S3 does not say which)' };
    throw error;
  }
}

/** DescribeTable's TableStatus, or `missing`. */
export async function seedTableStatus(clients: Dynamo, table: string): Promise<string> {
  try {
    const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: table }));
    return Table?.TableStatus ?? 'missing';
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return 'missing';
    throw error;
  }
}

/** The table's seed trigger record, if a seed ever ended completed or unchanged. */
export async function readSeedTrigger(clients: Dynamo, stateTable: string, table: string): Promise<SeedTriggerRecord | undefined> {
  const { pk, sk } = seedTriggerKey(table);
  const { Item } = await clients.dynamodb.send(new GetItemCommand({ TableName: stateTable, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }));
  if (Item?.source?.S === undefined) return undefined;
  return {
    source: Item.source.S,
    ...(Item.etag?.S === undefined ? {} : { etag: Item.etag.S }),
    ...(Item.versionId?.S === undefined ? {} : { versionId: Item.versionId.S }),
    ...(Item.checksum?.S === undefined ? {} : { checksum: Item.checksum.S }),
    seededAt: Item.seededAt?.S ?? '',
  };
}

/** Records what a seed that ended completed or unchanged read (replaces the previous record). */
export async function writeSeedTrigger(clients: Dynamo, stateTable: string, table: string, record: SeedTriggerRecord): Promise<void> {
  const { pk, sk } = seedTriggerKey(table);
  await clients.dynamodb.send(
    new PutItemCommand({
      TableName: stateTable,
      Item: {
        pk: { S: pk },
        sk: { S: sk },
        source: { S: record.source },
        seededAt: { S: record.seededAt },
        ...(record.etag === undefined ? {} : { etag: { S: record.etag } }),
        ...(record.versionId === undefined ? {} : { versionId: { S: record.versionId } }),
        ...(record.checksum === undefined ? {} : { checksum: { S: record.checksum } }),
      },
    }),
  );
}
