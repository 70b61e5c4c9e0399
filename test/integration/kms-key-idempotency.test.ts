/**
 * Creating a KMS key is idempotent across crashes, SDK retries and concurrent runs: one key per alias, ever
 * (docs/DESIGN.md, safety invariants). Against the strict local AWS (moto + local/strict, fault injection).
 */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, DescribeKeyCommand, GetKeyRotationStatusCommand, ListKeysCommand, ListResourceTagsCommand, type KMSClient } from '@aws-sdk/client-kms';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ensureKmsKey, operatorIdentity } from '../../functions/aws/apply/kms-keys.ts';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { runApply } from '../../functions/cli/commands/apply.ts';
import { keyPolicy } from '../../functions/core/kms/key-policy.ts';
import { createDriftedAccount } from '../../local/drifted-account.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo, unattended } from '../support/capture.ts';
import { operatorStateTableInput } from '../../local/operator-env.ts';

const local = useLocalAws();
const CUSTOMERS = 'alias/tablewarden/customers';
const ORDERS = 'alias/tablewarden/orders';

/** Every key tablewarden made (tag managed-by=tablewarden), with its tags, via ListKeys + ListResourceTags. */
async function tablewardenKeys(kms: KMSClient): Promise<Array<{ keyId: string; tags: Record<string, string> }>> {
  const keys = (await kms.send(new ListKeysCommand({}))).Keys ?? [];
  const tagged = await Promise.all(
    keys.map(async (key) => {
      const tags = (await kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId! }))).Tags ?? [];
      return { keyId: key.KeyId!, tags: Object.fromEntries(tags.map((tag) => [tag.TagKey!, tag.TagValue ?? ''])) };
    }),
  );
  return tagged.filter((key) => key.tags['managed-by'] === 'tablewarden');
}

async function aliasTarget(kms: KMSClient, alias: string): Promise<string | undefined> {
  return (await kms.send(new DescribeKeyCommand({ KeyId: alias }))).KeyMetadata?.KeyId;
}

/** What a crash between CreateKey and CreateAlias leaves behind: a tagged key without its alias. */
async function keyLeftByACrash(aws: AwsClients, alias: string): Promise<string> {
  const who = await operatorIdentity(aws);
  const created = await aws.kms.send(
    new CreateKeyCommand({
      Description: `tablewarden: DynamoDB encryption key for ${alias}`,
      Policy: keyPolicy({ ...who, region: aws.region }),
      Tags: [
        { TagKey: 'managed-by', TagValue: 'tablewarden' },
        { TagKey: 'tablewarden:alias', TagValue: alias },
      ],
    }),
  );
  return created.KeyMetadata!.KeyId!;
}

beforeEach(async () => {
  await local.reset();
  await local.server.clearFaults();
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
});

describe('a key left without its alias', () => {
  it('is adopted: the alias is attached to it, rotation turned on, and no second key is created', async () => {
    // Prepare
    const aws = createClients(local.clientConfig);
    const orphan = await keyLeftByACrash(createClients(local.clientConfig), CUSTOMERS);
    // Act
    const arn = await ensureKmsKey(aws, { alias: CUSTOMERS, rotationPeriodDays: 180 }, () => operatorIdentity(aws));
    // Assess
    expect(arn).toMatch(new RegExp(`:key/${orphan}$`));
    expect(await aliasTarget(aws.kms, CUSTOMERS)).toBe(orphan);
    expect(await aws.kms.send(new GetKeyRotationStatusCommand({ KeyId: orphan }))).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 180 });
    expect((await tablewardenKeys(aws.kms)).map((key) => key.keyId)).toEqual([orphan]);
    expect(aws.calls.all().filter((call) => call.action === 'kms:CreateKey')).toEqual([]);
  });

  it('is adopted by `tablewarden apply`, which ends with one key for the alias', async () => {
    // Prepare
    const aws = createClients(local.clientConfig);
    await createDriftedAccount(aws);
    const orphan = await keyLeftByACrash(aws, CUSTOMERS);
    // Act
    const code = await runApply({ dir: 'desired-state', table: ['Customers'], output: 'text', autoApprove: true, endpointUrl: local.endpoint, region: local.region }, { io: captureIo(), confirmation: unattended, apply: { pollMs: 10 } });
    // Assess
    expect(code).toBe(0);
    expect(await aliasTarget(aws.kms, CUSTOMERS)).toBe(orphan);
    expect((await tablewardenKeys(aws.kms)).filter((key) => key.tags['tablewarden:alias'] === CUSTOMERS).map((key) => key.keyId)).toEqual([orphan]);
  });
});

describe('CreateKey is never retried blindly', () => {
  it('sends each CreateKey once (SDK retries off), looks for the key again before the next one, and gives up after 3', async () => {
    // Prepare
    const aws = createClients(local.clientConfig);
    await local.server.setFaults({ rate: 1, seed: 1, kinds: ['5xx'], services: ['kms'], operations: ['CreateKey'] });
    // Act
    const failed = ensureKmsKey(aws, { alias: CUSTOMERS, rotationPeriodDays: 365 }, () => operatorIdentity(aws), { sleep: async () => {} });
    // Assess
    await expect(failed).rejects.toMatchObject({ name: 'KMSInternalException' });
    expect((await local.server.faultStats()).seen).toBe(3);
    const actions = aws.calls.all().map((call) => call.action).filter((action) => action === 'kms:CreateKey' || action === 'tag:GetResources');
    expect(actions).toEqual(['tag:GetResources', 'kms:CreateKey', 'tag:GetResources', 'kms:CreateKey', 'tag:GetResources', 'kms:CreateKey']);
    await local.server.clearFaults();
    expect(await tablewardenKeys(aws.kms)).toEqual([]);
  });
});

describe('two applies at once', () => {
  it('end with exactly one key per alias when the account has an operator state table (the CLI takes its lock)', async () => {
    // Prepare
    const aws = createClients(local.clientConfig);
    await createDriftedAccount(aws);
    await aws.dynamodb.send(new CreateTableCommand(operatorStateTableInput('tablewarden-state')));
    const options = { dir: 'desired-state', table: [], output: 'text' as const, autoApprove: true, endpointUrl: local.endpoint, region: local.region };
    const [first, second] = [captureIo(), captureIo()];
    // Act
    const codes = await Promise.all([
      runApply(options, { io: first, confirmation: unattended, apply: { pollMs: 10 } }),
      runApply(options, { io: second, confirmation: unattended, apply: { pollMs: 10 } }),
    ]);
    // Assess
    const keys = await tablewardenKeys(aws.kms);
    expect(keys).toHaveLength(2);
    expect(keys.map((key) => key.tags['tablewarden:alias']).sort()).toEqual([CUSTOMERS, ORDERS]);
    for (const alias of [CUSTOMERS, ORDERS]) expect(keys.find((key) => key.tags['tablewarden:alias'] === alias)?.keyId).toBe(await aliasTarget(aws.kms, alias));
    expect([...codes].sort()).toEqual([0, 1]);
    const loser = codes[0] === 1 ? first : second;
    expect(loser.stderr()).toMatch(/another run holds the lock: cli:\S+ until \d{4}-\d\d-\d\dT\S+ \(lock item in tablewarden-state\)/);
  });
});

describe('a key left for an alias that points elsewhere', () => {
  it('is reported by apply, never deleted', async () => {
    // Prepare: two runs without a shared lock made two keys; the alias went to the first.
    const aws = createClients(local.clientConfig);
    await createDriftedAccount(aws);
    await runApply({ dir: 'desired-state', table: ['Customers'], output: 'text', autoApprove: true, endpointUrl: local.endpoint, region: local.region }, { io: captureIo(), confirmation: unattended, apply: { pollMs: 10 } });
    const orphan = await keyLeftByACrash(createClients(local.clientConfig), CUSTOMERS);
    const io = captureIo();
    // Act
    const code = await runApply({ dir: 'desired-state', table: ['Customers'], output: 'text', autoApprove: true, endpointUrl: local.endpoint, region: local.region }, { io, confirmation: unattended });
    // Assess
    expect(code).toBe(0);
    expect(io.stderr()).toMatch(new RegExp(`warning: KMS key arn:aws:kms:us-east-1:123456789012:key/${orphan} was created by tablewarden for ${CUSTOMERS} \\(tag tablewarden:alias\\), which points to key \\S+\\. tablewarden never deletes keys`));
    expect((await aws.kms.send(new DescribeKeyCommand({ KeyId: orphan }))).KeyMetadata?.KeyState).toBe('Enabled');
  });
});
