/**
 * The operator's own resources on the local AWS (what the CDK stack creates in a real account): the bundle
 * bucket, the state table, the notification topic and the HMAC key that authenticates bundles, plus the
 * environment the Lambda handlers read (and `TABLEWARDEN_MAC_KEY`, which `tablewarden publish` reads).
 * Used by `npm start` and by the handler and workflow tests.
 */
import { CreateTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { createClient, createClients } from '../functions/aws/clients.ts';
import { BACKUP_ROLE_ENV } from '../functions/core/backup-plan-selection.ts';
import { CONFIG_RULES_ENV, defaultConfigRuleNames } from '../functions/core/config/rules.ts';
import { OPERATOR_TAG } from '../functions/core/plan/planner.ts';
import type { LocalAws } from './local-aws.ts';

/** Names of the operator resources, as the handlers see them in their environment. */
export interface OperatorEnvironment {
  BUNDLE_BUCKET: string;
  STATE_TABLE: string;
  TOPIC_ARN: string;
  /** The HMAC_256 key: the publisher MACs bundles with it, load-desired-state verifies them. */
  BUNDLE_MAC_KEY_ARN: string;
}

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** The backup role of the local operator (moto's default account). */
export const LOCAL_BACKUP_ROLE_ARN = 'arn:aws:iam::123456789012:role/tablewarden-backup';

/** The alias of the local operator's bundle MAC key, so a second run finds the key instead of making another. */
export const LOCAL_MAC_KEY_ALIAS = 'alias/tablewarden-local/bundle-mac';

/** Run a create call; an "already exists" answer (an earlier run made it) counts as done. */
async function ensure<T>(create: () => Promise<T>, existsErrors: readonly string[]): Promise<T | undefined> {
  try {
    return await create();
  } catch (error) {
    if (existsErrors.includes((error as Error).name)) return undefined;
    throw error;
  }
}

/**
 * The operator's state table as the CDK stack makes it (pk/sk, on-demand), tagged `tablewarden:role=operator` so it
 * is never reported as unmanaged and the CLI finds it to take the lock.
 */
export function operatorStateTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
    Tags: [{ Key: OPERATOR_TAG.key, Value: OPERATOR_TAG.value }],
  };
}

/**
 * Create the operator resources on the local AWS, or find them when an earlier run created them (so
 * `tablewarden reconcile --local --endpoint URL` can run again against the same local AWS), and point this
 * process's handlers at them.
 */
export async function createOperatorEnvironment(local: Pick<LocalAws, 'endpoint' | 'region'>): Promise<OperatorEnvironment> {
  const environment: OperatorEnvironment = { BUNDLE_BUCKET: 'tablewarden-bundles', STATE_TABLE: 'tablewarden-state', TOPIC_ARN: '', BUNDLE_MAC_KEY_ARN: '' };
  const connection = { endpoint: local.endpoint, region: local.region, credentials: CREDENTIALS };
  const clients = createClients(connection);
  const s3 = createClient(S3Client, 's3', clients.connection, clients.calls, { forcePathStyle: true });
  await ensure(() => s3.send(new CreateBucketCommand({ Bucket: environment.BUNDLE_BUCKET })), ['BucketAlreadyOwnedByYou', 'BucketAlreadyExists']);
  await ensure(() => clients.dynamodb.send(new CreateTableCommand(operatorStateTableInput(environment.STATE_TABLE))), ['ResourceInUseException']);
  const topic = await createClient(SNSClient, 'sns', clients.connection, clients.calls).send(new CreateTopicCommand({ Name: 'tablewarden-notifications' }));
  environment.TOPIC_ARN = topic.TopicArn!;
  const existing = await ensure(() => clients.kms.send(new DescribeKeyCommand({ KeyId: LOCAL_MAC_KEY_ALIAS })), ['NotFoundException']);
  if (existing?.KeyMetadata?.Arn) {
    environment.BUNDLE_MAC_KEY_ARN = existing.KeyMetadata.Arn;
  } else {
    const macKey = await clients.kms.send(
      new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'tablewarden: authenticates desired-state bundles (local)' }),
    );
    environment.BUNDLE_MAC_KEY_ARN = macKey.KeyMetadata!.Arn!;
    await clients.kms.send(new CreateAliasCommand({ AliasName: LOCAL_MAC_KEY_ALIAS, TargetKeyId: macKey.KeyMetadata!.KeyId! }));
  }
  Object.assign(process.env, environment, {
    TABLEWARDEN_MAC_KEY: environment.BUNDLE_MAC_KEY_ARN,
    // The backup service role the stack creates (infra/table-warden.ts) and passes to apply-batch; moto accepts any
    // role ARN for AWS Backup, so naming it is enough here.
    [BACKUP_ROLE_ENV]: LOCAL_BACKUP_ROLE_ARN,
    // The Config rules the stack deploys by default (infra/config-rules.ts), by name, as its handlers see them.
    [CONFIG_RULES_ENV]: JSON.stringify(defaultConfigRuleNames()),
    AWS_ENDPOINT_URL: local.endpoint,
    AWS_REGION: local.region,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
  });
  return environment;
}
