/**
 * functions/aws/apply/kms-keys.ts with the exact requests pinned (aws-sdk-client-mock): the cases the local AWS
 * cannot stage, because they need AWS to complete a request and the answer to be lost, or another run to win a race
 * between two calls.
 */
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, EnableKeyRotationCommand } from '@aws-sdk/client-kms';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ensureKmsKey, operatorIdentity } from '../../functions/aws/apply/kms-keys.ts';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';

const ALIAS = 'alias/tablewarden/customers';
const ARN = (id: string) => `arn:aws:kms:us-east-1:123456789012:key/${id}`;
const notFound = () => Object.assign(new Error('Alias not found'), { name: 'NotFoundException', $metadata: { httpStatusCode: 400 } });
const internal = () => Object.assign(new Error('internal'), { name: 'KMSInternalException', $metadata: { httpStatusCode: 500 } });

let clients: AwsClients;
let kms: ReturnType<typeof mockClient>;
let tagging: ReturnType<typeof mockClient>;
const noWait = { sleep: async () => {} };

beforeEach(() => {
  clients = createClients({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  kms = mockClient(clients.kms);
  tagging = mockClient(clients.tagging);
  mockClient(clients.sts).on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/tablewarden-operator/run-1' });
});

const taggedKey = (id: string) => ({ ResourceTagMappingList: [{ ResourceARN: ARN(id), Tags: [{ Key: 'managed-by', Value: 'tablewarden' }, { Key: 'tablewarden:alias', Value: ALIAS }] }] });

describe('ensureKmsKey', () => {
  it('creates a key tagged with its alias, looked up by tag first, then the alias and rotation', async () => {
    // Prepare
    kms.on(DescribeKeyCommand).rejects(notFound());
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    kms.on(CreateKeyCommand).resolves({ KeyMetadata: { KeyId: 'k-1', Arn: ARN('k-1') } as never });
    // Act
    const arn = await ensureKmsKey(clients, { alias: ALIAS, rotationPeriodDays: 365 }, () => operatorIdentity(clients), noWait);
    // Assess
    expect(arn).toBe(ARN('k-1'));
    expect(tagging.commandCalls(GetResourcesCommand).map((call) => call.args[0].input)).toEqual([
      { ResourceTypeFilters: ['kms:key'], TagFilters: [{ Key: 'managed-by', Values: ['tablewarden'] }, { Key: 'tablewarden:alias', Values: [ALIAS] }] },
    ]);
    expect(kms.commandCalls(CreateKeyCommand).map((call) => call.args[0].input.Tags)).toEqual([
      [
        { TagKey: 'managed-by', TagValue: 'tablewarden' },
        { TagKey: 'tablewarden:alias', TagValue: ALIAS },
      ],
    ]);
    expect(kms.commandCalls(CreateAliasCommand).map((call) => call.args[0].input)).toEqual([{ AliasName: ALIAS, TargetKeyId: 'k-1' }]);
    expect(kms.commandCalls(EnableKeyRotationCommand).map((call) => call.args[0].input)).toEqual([{ KeyId: 'k-1', RotationPeriodInDays: 365 }]);
  });

  it('after a CreateKey that failed with a 5xx but was completed by AWS, adopts that key instead of creating another', async () => {
    // Prepare: the first lookup finds nothing; CreateKey "fails"; the key it made shows up in the next lookup.
    kms.on(DescribeKeyCommand, { KeyId: ALIAS }).rejects(notFound());
    kms.on(DescribeKeyCommand, { KeyId: ARN('k-lost') }).resolves({ KeyMetadata: { KeyId: 'k-lost', Arn: ARN('k-lost'), KeyState: 'Enabled', CreationDate: new Date(0) } as never });
    tagging.on(GetResourcesCommand).resolvesOnce({ ResourceTagMappingList: [] }).resolves(taggedKey('k-lost'));
    kms.on(CreateKeyCommand).rejects(internal());
    // Act
    const arn = await ensureKmsKey(clients, { alias: ALIAS, rotationPeriodDays: 180 }, () => operatorIdentity(clients), noWait);
    // Assess
    expect(arn).toBe(ARN('k-lost'));
    expect(kms.commandCalls(CreateKeyCommand)).toHaveLength(1);
    expect(kms.commandCalls(CreateAliasCommand).map((call) => call.args[0].input)).toEqual([{ AliasName: ALIAS, TargetKeyId: 'k-lost' }]);
    expect(kms.commandCalls(EnableKeyRotationCommand).map((call) => call.args[0].input)).toEqual([{ KeyId: 'k-lost', RotationPeriodInDays: 180 }]);
  });

  it('never adopts a key pending deletion or disabled; takes the oldest enabled one', async () => {
    // Prepare
    kms.on(DescribeKeyCommand, { KeyId: ALIAS }).rejects(notFound());
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [...taggedKey('k-gone').ResourceTagMappingList, ...taggedKey('k-new').ResourceTagMappingList, ...taggedKey('k-old').ResourceTagMappingList] });
    kms.on(DescribeKeyCommand, { KeyId: ARN('k-gone') }).resolves({ KeyMetadata: { KeyId: 'k-gone', Arn: ARN('k-gone'), KeyState: 'PendingDeletion', CreationDate: new Date(0) } as never });
    kms.on(DescribeKeyCommand, { KeyId: ARN('k-new') }).resolves({ KeyMetadata: { KeyId: 'k-new', Arn: ARN('k-new'), KeyState: 'Enabled', CreationDate: new Date(2000) } as never });
    kms.on(DescribeKeyCommand, { KeyId: ARN('k-old') }).resolves({ KeyMetadata: { KeyId: 'k-old', Arn: ARN('k-old'), KeyState: 'Enabled', CreationDate: new Date(1000) } as never });
    // Act
    const arn = await ensureKmsKey(clients, { alias: ALIAS, rotationPeriodDays: 365 }, () => operatorIdentity(clients), noWait);
    // Assess
    expect(arn).toBe(ARN('k-old'));
    expect(kms.commandCalls(CreateKeyCommand)).toHaveLength(0);
  });

  it('when another run attached the alias first (AlreadyExistsException), uses the key the alias points to', async () => {
    // Prepare
    kms.on(DescribeKeyCommand, { KeyId: ALIAS }).rejectsOnce(notFound()).resolves({ KeyMetadata: { KeyId: 'k-winner', Arn: ARN('k-winner') } as never });
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    kms.on(CreateKeyCommand).resolves({ KeyMetadata: { KeyId: 'k-mine', Arn: ARN('k-mine') } as never });
    kms.on(CreateAliasCommand).rejects(Object.assign(new Error(`An alias with the name ${ALIAS} already exists`), { name: 'AlreadyExistsException' }));
    // Act
    const arn = await ensureKmsKey(clients, { alias: ALIAS, rotationPeriodDays: 365 }, () => operatorIdentity(clients), noWait);
    // Assess
    expect(arn).toBe(ARN('k-winner'));
    expect(kms.commandCalls(EnableKeyRotationCommand)).toHaveLength(0);
  });

  it('does not retry CreateKey after an error that cannot have created a key', async () => {
    // Prepare
    kms.on(DescribeKeyCommand).rejects(notFound());
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    kms.on(CreateKeyCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    // Act
    const failed = ensureKmsKey(clients, { alias: ALIAS, rotationPeriodDays: 365 }, () => operatorIdentity(clients), noWait);
    // Assess
    await expect(failed).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(kms.commandCalls(CreateKeyCommand)).toHaveLength(1);
    expect(tagging.commandCalls(GetResourcesCommand)).toHaveLength(1);
  });
});
