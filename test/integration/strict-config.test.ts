// AWS Config compliance on the local AWS (local/strict/config.py), exercised with the real AWS SDK over HTTP: the
// three compliance APIs with AWS's request rules, paging and response shapes, the local evaluator of the managed
// rules tablewarden deploys, and the test hook that puts evaluation results. moto 5.2.1 answers none of these APIs.
import {
  ConfigServiceClient,
  DeleteConfigRuleCommand,
  DescribeComplianceByConfigRuleCommand,
  GetComplianceDetailsByConfigRuleCommand,
  PutConfigRuleCommand,
  StartConfigRulesEvaluationCommand,
  type ComplianceType,
  type EvaluationResult,
} from '@aws-sdk/client-config-service';
import { BackupClient, CreateBackupPlanCommand, CreateBackupSelectionCommand, CreateBackupVaultCommand, StartBackupJobCommand, StartRestoreJobCommand } from '@aws-sdk/client-backup';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, EnableKeyRotationCommand, KMSClient } from '@aws-sdk/client-kms';
import { beforeEach, describe, expect, it } from 'vitest';
import { setRestoreSeconds } from '../../local/clock.ts';
import type { LocalConfigEvaluation } from '../../local/config-evaluations.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { failure } from '../support/aws-calls.ts';

const local = useLocalAws();
const ROLE = 'arn:aws:iam::123456789012:role/tablewarden-backup';
const TABLE = 'AWS::DynamoDB::Table';
let config: ConfigServiceClient;
let dynamodb: DynamoDBClient;
let kms: KMSClient;
let backup: BackupClient;

beforeEach(async () => {
  await local.reset();
  config = new ConfigServiceClient(local.clientConfig);
  dynamodb = new DynamoDBClient(local.clientConfig);
  kms = new KMSClient(local.clientConfig);
  backup = new BackupClient(local.clientConfig);
});

async function putRule(name: string, identifier: string, extra: { InputParameters?: string; Scope?: { ComplianceResourceTypes?: string[]; ComplianceResourceId?: string } } = {}) {
  await config.send(new PutConfigRuleCommand({ ConfigRule: { ConfigRuleName: name, Source: { Owner: 'AWS', SourceIdentifier: identifier }, ...extra } }));
}

async function createTable(name: string, over: Record<string, unknown> = {}) {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      ...over,
    }),
  );
}

async function details(rule: string, ComplianceTypes?: ComplianceType[]): Promise<EvaluationResult[]> {
  const out: EvaluationResult[] = [];
  let NextToken: string | undefined;
  do {
    const page = await config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: rule, ComplianceTypes, Limit: 100, NextToken }));
    out.push(...(page.EvaluationResults ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

const verdicts = (results: EvaluationResult[]) =>
  Object.fromEntries(results.map((r) => [r.EvaluationResultIdentifier!.EvaluationResultQualifier!.ResourceId!, r.ComplianceType]));

const nonCompliant = (rule: string, n: number, prefix = 't'): LocalConfigEvaluation[] =>
  Array.from({ length: n }, (_, i) => ({ configRuleName: rule, resourceType: TABLE, resourceId: `${prefix}-${String(i).padStart(3, '0')}`, complianceType: 'NON_COMPLIANT' }));

async function evaluate(...rules: string[]) {
  await config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: rules }));
  await local.server.advanceClock(60); // StartConfigRulesEvaluation: once per minute
}

describe('GetComplianceDetailsByConfigRule', () => {
  // https://docs.aws.amazon.com/config/latest/APIReference/API_GetComplianceDetailsByConfigRule.html
  it('returns the real EvaluationResult shape', async () => {
    // Prepare
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED');
    const ordering = new Date('2026-01-02T03:04:05.000Z');
    await local.server.putConfigEvaluations([{ configRuleName: 'pitr', resourceType: TABLE, resourceId: 'orders', complianceType: 'NON_COMPLIANT', annotation: 'PITR off', orderingTimestamp: ordering }]);
    // Act
    const page = await config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'pitr' }));
    // Assess
    expect(page.NextToken).toBeUndefined();
    const result = page.EvaluationResults![0]!;
    expect(result.EvaluationResultIdentifier).toEqual({
      EvaluationResultQualifier: { ConfigRuleName: 'pitr', ResourceType: TABLE, ResourceId: 'orders', EvaluationMode: 'DETECTIVE' },
      OrderingTimestamp: ordering,
    });
    expect(result.ComplianceType).toBe('NON_COMPLIANT');
    expect(result.Annotation).toBe('PITR off');
    expect(result.ResultRecordedTime).toBeInstanceOf(Date);
    expect(result.ConfigRuleInvokedTime).toBeInstanceOf(Date);
  });

  it('refuses an unknown rule with NoSuchConfigRuleException', async () => {
    // Act
    const refused = await failure(config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'no-such-rule' })));
    // Assess
    expect(refused.name).toBe('NoSuchConfigRuleException');
  });

  it('refuses a rule name over 64 characters in the compliance APIs with ValidationException (StringWithCharLimit64)', async () => {
    // Act
    const details = await failure(config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'r'.repeat(65) })));
    const start = await failure(config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: ['r'.repeat(65)] })));
    // Assess
    expect(details.name).toBe('ValidationException');
    expect(details.message).toMatch(/Member must have length less than or equal to 64/);
    expect(start.name).toBe('ValidationException');
  });

  it('refuses Limit 101 and -1 with ValidationException (valid range 0-100) and accepts 0 and 100', async () => {
    // Prepare
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED');
    await local.server.putConfigEvaluations(nonCompliant('pitr', 12));
    // Act
    const over = await failure(config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'pitr', Limit: 101 })));
    const under = await failure(config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'pitr', Limit: -1 })));
    const zero = await config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'pitr', Limit: 0 }));
    const hundred = await config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'pitr', Limit: 100 }));
    // Assess
    expect(over.name).toBe('ValidationException');
    expect(over.message).toMatch(/'limit' failed to satisfy constraint: Member must have value less than or equal to 100/);
    expect(under.name).toBe('ValidationException');
    expect(zero.EvaluationResults).toHaveLength(10); // "If you specify 0, Config uses the default" (10)
    expect(zero.NextToken).toBeTruthy();
    expect(hundred.EvaluationResults).toHaveLength(12);
  });

  it('refuses a made-up NextToken, and a token of another rule, with InvalidNextTokenException', async () => {
    // Prepare
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED');
    await putRule('dp', 'DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED');
    await local.server.putConfigEvaluations([...nonCompliant('pitr', 3), ...nonCompliant('dp', 3)]);
    const first = await config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'pitr', Limit: 1 }));
    // Act
    const madeUp = await failure(config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'pitr', NextToken: 'not-a-token' })));
    const otherRule = await failure(config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'dp', NextToken: first.NextToken })));
    // Assess
    expect(madeUp.name).toBe('InvalidNextTokenException');
    expect(otherRule.name).toBe('InvalidNextTokenException');
  });

  it('refuses INSUFFICIENT_DATA as a filter with InvalidParameterValueException, and more than 3 types with ValidationException', async () => {
    // Prepare
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED');
    // Act
    const insufficient = await failure(config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'pitr', ComplianceTypes: ['INSUFFICIENT_DATA'] })));
    const four = await failure(
      config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'pitr', ComplianceTypes: ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'COMPLIANT'] })),
    );
    // Assess
    expect(insufficient.name).toBe('InvalidParameterValueException');
    expect(four.name).toBe('ValidationException');
  });

  it('pages across 250 results: every result exactly once, at most Limit per page', async () => {
    // Prepare
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED');
    await local.server.putConfigEvaluations(nonCompliant('pitr', 230));
    await local.server.putConfigEvaluations(
      Array.from({ length: 20 }, (_, i) => ({ configRuleName: 'pitr', resourceType: TABLE, resourceId: `ok-${i}`, complianceType: 'COMPLIANT' as const })),
    );
    // Act
    const pageSizes: number[] = [];
    const seen: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'pitr', ComplianceTypes: ['NON_COMPLIANT'], Limit: 100, NextToken }));
      pageSizes.push(page.EvaluationResults!.length);
      seen.push(...page.EvaluationResults!.map((r) => r.EvaluationResultIdentifier!.EvaluationResultQualifier!.ResourceId!));
      NextToken = page.NextToken;
    } while (NextToken);
    // Assess
    expect(pageSizes).toEqual([100, 100, 30]);
    expect(new Set(seen).size).toBe(230);
    expect(seen.every((id) => id.startsWith('t-'))).toBe(true);
    expect(await details('pitr')).toHaveLength(250);
  });
});

describe('DescribeComplianceByConfigRule', () => {
  // https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeComplianceByConfigRule.html
  it('NON_COMPLIANT with the count of non-compliant resources, COMPLIANT without a count, INSUFFICIENT_DATA without results', async () => {
    // Prepare
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED');
    await putRule('dp', 'DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED');
    await putRule('kms', 'DYNAMODB_TABLE_ENCRYPTED_KMS');
    await local.server.putConfigEvaluations([
      ...nonCompliant('pitr', 3),
      { configRuleName: 'pitr', resourceType: TABLE, resourceId: 'good', complianceType: 'COMPLIANT' },
      { configRuleName: 'dp', resourceType: TABLE, resourceId: 'good', complianceType: 'COMPLIANT' },
    ]);
    // Act
    const all = await config.send(new DescribeComplianceByConfigRuleCommand({}));
    const filtered = await config.send(new DescribeComplianceByConfigRuleCommand({ ComplianceTypes: ['NON_COMPLIANT'] }));
    // Assess
    expect(all.ComplianceByConfigRules).toEqual([
      { ConfigRuleName: 'dp', Compliance: { ComplianceType: 'COMPLIANT' } },
      { ConfigRuleName: 'kms', Compliance: { ComplianceType: 'INSUFFICIENT_DATA' } },
      { ConfigRuleName: 'pitr', Compliance: { ComplianceType: 'NON_COMPLIANT', ComplianceContributorCount: { CappedCount: 3, CapExceeded: false } } },
    ]);
    expect(filtered.ComplianceByConfigRules!.map((r) => r.ConfigRuleName)).toEqual(['pitr']);
  });

  it('caps the contributor count at 100 and says so', async () => {
    // Prepare
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED');
    await local.server.putConfigEvaluations(nonCompliant('pitr', 120));
    // Act
    const out = await config.send(new DescribeComplianceByConfigRuleCommand({ ConfigRuleNames: ['pitr'] }));
    // Assess
    expect(out.ComplianceByConfigRules![0]!.Compliance!.ComplianceContributorCount).toEqual({ CappedCount: 100, CapExceeded: true });
  });

  it('refuses an unknown rule name with NoSuchConfigRuleException and a bad NextToken with InvalidNextTokenException', async () => {
    // Prepare
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED');
    // Act
    const unknown = await failure(config.send(new DescribeComplianceByConfigRuleCommand({ ConfigRuleNames: ['pitr', 'nope'] })));
    const token = await failure(config.send(new DescribeComplianceByConfigRuleCommand({ NextToken: 'garbage' })));
    // Assess
    expect(unknown.name).toBe('NoSuchConfigRuleException');
    expect(token.name).toBe('InvalidNextTokenException');
  });

  it('pages through 30 rules, each once', async () => {
    // Prepare
    for (let i = 0; i < 30; i += 1) await putRule(`rule-${String(i).padStart(2, '0')}`, 'DYNAMODB_PITR_ENABLED');
    // Act
    const names: string[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const page = await config.send(new DescribeComplianceByConfigRuleCommand({ NextToken }));
      names.push(...page.ComplianceByConfigRules!.map((r) => r.ConfigRuleName!));
      NextToken = page.NextToken;
      pages += 1;
    } while (NextToken);
    // Assess
    expect(pages).toBe(2);
    expect(new Set(names).size).toBe(30);
  });
});

describe('StartConfigRulesEvaluation', () => {
  // https://docs.aws.amazon.com/config/latest/APIReference/API_StartConfigRulesEvaluation.html: 1-25 rule names;
  // LimitExceededException "if an evaluation is in progress or if you call the StartConfigRulesEvaluation API more
  // than once per minute" (https://docs.aws.amazon.com/config/latest/APIReference/API_StartConfigRulesEvaluation.html#API_StartConfigRulesEvaluation_Errors)
  it('refuses no rule names and 26 rule names with ValidationException, an unknown rule with NoSuchConfigRuleException', async () => {
    // Prepare
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED');
    // Act
    const none = await failure(config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: [] })));
    const many = await failure(config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: Array.from({ length: 26 }, () => 'pitr') })));
    const unknown = await failure(config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: ['pitr', 'nope'] })));
    // Assess
    expect(none.name).toBe('ValidationException');
    expect(many.name).toBe('ValidationException');
    expect(unknown.name).toBe('NoSuchConfigRuleException');
  });

  it('refuses a second call within a minute with LimitExceededException; after a minute it runs again', async () => {
    // Prepare
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED');
    await config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: ['pitr'] }));
    // Act
    const again = await failure(config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: ['pitr'] })));
    await local.server.advanceClock(60);
    const later = await config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: ['pitr'] }));
    // Assess
    expect(again.name).toBe('LimitExceededException');
    expect(later.$metadata.httpStatusCode).toBe(200);
  });
});

describe('local evaluator of the managed rules', () => {
  it('DYNAMODB_PITR_ENABLED: NON_COMPLIANT after PITR is turned off, COMPLIANT after it is turned on again', async () => {
    // Prepare
    await createTable('orders');
    await dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: 'orders', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED'); // a new rule is evaluated at once
    expect(verdicts(await details('pitr'))).toEqual({ orders: 'COMPLIANT' });
    // Act
    await dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: 'orders', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }));
    await evaluate('pitr');
    const off = await details('pitr', ['NON_COMPLIANT']);
    await dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: 'orders', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    await evaluate('pitr');
    const on = await details('pitr');
    // Assess
    expect(verdicts(off)).toEqual({ orders: 'NON_COMPLIANT' });
    expect(on.map((r) => [r.EvaluationResultIdentifier!.EvaluationResultQualifier!.ResourceId, r.ComplianceType])).toEqual([['orders', 'COMPLIANT']]);
  });

  it('DYNAMODB_TABLE_ENCRYPTED_KMS: an AWS owned key and a key outside kmsKeyArns are NON_COMPLIANT', async () => {
    // Prepare
    const allowed = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const other = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await createTable('owned');
    await createTable('cmk', { SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: allowed } });
    await createTable('stranger', { SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: other } });
    // Act
    await putRule('kms', 'DYNAMODB_TABLE_ENCRYPTED_KMS', { InputParameters: JSON.stringify({ kmsKeyArns: `${allowed},arn:aws:kms:us-east-1:123456789012:key/unused` }) });
    await putRule('kms-any', 'DYNAMODB_TABLE_ENCRYPTED_KMS');
    // Assess
    expect(verdicts(await details('kms'))).toEqual({ owned: 'NON_COMPLIANT', cmk: 'COMPLIANT', stranger: 'NON_COMPLIANT' });
    expect(verdicts(await details('kms-any'))).toEqual({ owned: 'NON_COMPLIANT', cmk: 'COMPLIANT', stranger: 'COMPLIANT' });
  });

  it('DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED follows UpdateTable', async () => {
    // Prepare
    await createTable('orders', { DeletionProtectionEnabled: true });
    await createTable('scratch');
    await putRule('dp', 'DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED');
    // Act
    await dynamodb.send(new UpdateTableCommand({ TableName: 'orders', DeletionProtectionEnabled: false }));
    await evaluate('dp');
    // Assess
    expect(verdicts(await details('dp'))).toEqual({ orders: 'NON_COMPLIANT', scratch: 'NON_COMPLIANT' });
  });

  it('DYNAMODB_IN_BACKUP_PLAN and DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN: COMPLIANT once a selection of a live plan covers the table', async () => {
    // Prepare
    await createTable('orders');
    await createTable('scratch');
    await putRule('in-plan', 'DYNAMODB_IN_BACKUP_PLAN');
    await putRule('protected', 'DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN');
    const before = verdicts(await details('in-plan'));
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'tw-vault' }));
    const plan = await backup.send(
      new CreateBackupPlanCommand({ BackupPlan: { BackupPlanName: 'daily', Rules: [{ RuleName: 'd', TargetBackupVaultName: 'tw-vault', ScheduleExpression: 'cron(0 3 * * ? *)' }] } }),
    );
    await backup.send(
      new CreateBackupSelectionCommand({
        BackupPlanId: plan.BackupPlanId!,
        BackupSelection: { SelectionName: 'orders', IamRoleArn: ROLE, Resources: ['arn:aws:dynamodb:*:*:table/orders'] },
      }),
    );
    // Act
    await evaluate('in-plan', 'protected');
    // Assess
    expect(before).toEqual({ orders: 'NON_COMPLIANT', scratch: 'NON_COMPLIANT' });
    expect(verdicts(await details('in-plan'))).toEqual({ orders: 'COMPLIANT', scratch: 'NON_COMPLIANT' });
    expect(verdicts(await details('protected'))).toEqual({ orders: 'COMPLIANT', scratch: 'NON_COMPLIANT' });
  });

  it('DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED: COMPLIANT after a backup job, NON_COMPLIANT once the point is older than the age', async () => {
    // Prepare
    await createTable('orders');
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'tw-vault' }));
    await backup.send(new StartBackupJobCommand({ BackupVaultName: 'tw-vault', ResourceArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders', IamRoleArn: ROLE }));
    await putRule('fresh', 'DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED', { InputParameters: JSON.stringify({ recoveryPointAgeValue: '25', recoveryPointAgeUnit: 'hours' }) });
    const fresh = verdicts(await details('fresh'));
    // Act
    await local.server.advanceClock(26 * 3600);
    await evaluate('fresh');
    // Assess
    expect(fresh).toEqual({ orders: 'COMPLIANT' });
    expect(verdicts(await details('fresh'))).toEqual({ orders: 'NON_COMPLIANT' });
  });

  it('DYNAMODB_MEETS_RESTORE_TIME_TARGET: NOT_APPLICABLE without a completed restore job', async () => {
    // Prepare
    await createTable('orders');
    // Act
    await putRule('restore', 'DYNAMODB_MEETS_RESTORE_TIME_TARGET', { InputParameters: JSON.stringify({ maxRestoreTime: '60' }) });
    // Assess
    expect(verdicts(await details('restore'))).toEqual({ orders: 'NOT_APPLICABLE' });
  });

  it('DYNAMODB_MEETS_RESTORE_TIME_TARGET: the latest completed restore job against maxRestoreTime minutes', async () => {
    // Prepare: a backup, then a restore job that runs 30 emulator minutes
    await createTable('orders');
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'tw-vault' }));
    const job = await backup.send(new StartBackupJobCommand({ BackupVaultName: 'tw-vault', ResourceArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders', IamRoleArn: ROLE }));
    await setRestoreSeconds(local.endpoint, 30 * 60);
    await backup.send(new StartRestoreJobCommand({ RecoveryPointArn: job.RecoveryPointArn!, IamRoleArn: ROLE, Metadata: { targetTableName: 'orders-drill' } }));
    await putRule('fast', 'DYNAMODB_MEETS_RESTORE_TIME_TARGET', { InputParameters: JSON.stringify({ maxRestoreTime: '20' }), Scope: { ComplianceResourceTypes: [TABLE], ComplianceResourceId: 'orders' } });
    await putRule('slow', 'DYNAMODB_MEETS_RESTORE_TIME_TARGET', { InputParameters: JSON.stringify({ maxRestoreTime: '45' }), Scope: { ComplianceResourceTypes: [TABLE], ComplianceResourceId: 'orders' } });
    const running = verdicts(await details('fast'));
    // Act
    await local.server.advanceClock(31 * 60);
    await evaluate('fast', 'slow');
    // Assess
    expect(running).toEqual({ orders: 'NOT_APPLICABLE' }); // the job has not completed yet
    expect(verdicts(await details('fast'))).toEqual({ orders: 'NON_COMPLIANT' });
    expect(verdicts(await details('slow'))).toEqual({ orders: 'COMPLIANT' });
  });

  it('CMK_BACKING_KEY_ROTATION_ENABLED: customer keys only, NON_COMPLIANT until rotation is enabled', async () => {
    // Prepare
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await createTable('aws-managed', { SSESpecification: { Enabled: true, SSEType: 'KMS' } }); // creates alias/aws/dynamodb's key
    await putRule('rotation', 'CMK_BACKING_KEY_ROTATION_ENABLED');
    const before = await details('rotation');
    // Act
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
    await evaluate('rotation');
    // Assess
    expect(before.map((r) => [r.EvaluationResultIdentifier!.EvaluationResultQualifier!.ResourceType, r.EvaluationResultIdentifier!.EvaluationResultQualifier!.ResourceId, r.ComplianceType])).toEqual([
      ['AWS::KMS::Key', keyId, 'NON_COMPLIANT'],
    ]);
    expect(verdicts(await details('rotation'))).toEqual({ [keyId]: 'COMPLIANT' });
  });

  it('honours Scope: a rule scoped to one table evaluates only that table; a scope of other types evaluates none', async () => {
    // Prepare
    await createTable('orders');
    await createTable('scratch');
    // Act
    await putRule('one', 'DYNAMODB_PITR_ENABLED', { Scope: { ComplianceResourceTypes: [TABLE], ComplianceResourceId: 'orders' } });
    await putRule('buckets', 'DYNAMODB_PITR_ENABLED', { Scope: { ComplianceResourceTypes: ['AWS::S3::Bucket'] } });
    // Assess
    expect(verdicts(await details('one'))).toEqual({ orders: 'NON_COMPLIANT' });
    expect(await details('buckets')).toEqual([]);
  });

  it('a deleted table becomes NOT_APPLICABLE; a deleted rule loses its results', async () => {
    // Prepare
    await createTable('orders');
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED');
    await dynamodb.send(new DeleteTableCommand({ TableName: 'orders' }));
    // Act
    await evaluate('pitr');
    const afterDelete = verdicts(await details('pitr'));
    await config.send(new DeleteConfigRuleCommand({ ConfigRuleName: 'pitr' }));
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED');
    // Assess
    expect(afterDelete).toEqual({ orders: 'NOT_APPLICABLE' });
    expect(await details('pitr')).toEqual([]);
  });
});

describe('test hook and reset', () => {
  it('refuses results for a rule that does not exist, and records nothing of a bad batch', async () => {
    // Prepare
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED');
    // Act
    const refused = await local.server
      .putConfigEvaluations([...nonCompliant('pitr', 2), { configRuleName: 'nope', resourceType: TABLE, resourceId: 'x', complianceType: 'NON_COMPLIANT' }])
      .then(() => undefined, (error: unknown) => error as Error);
    // Assess
    expect(refused?.message).toMatch(/evaluations\[2\]\.configRuleName: no Config rule nope/);
    expect(await details('pitr')).toEqual([]);
  });

  it('/moto-api/reset clears rules, results and the once-a-minute window', async () => {
    // Prepare
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED');
    await local.server.putConfigEvaluations(nonCompliant('pitr', 5));
    await config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: ['pitr'] }));
    // Act
    await local.reset();
    await putRule('pitr', 'DYNAMODB_PITR_ENABLED');
    const started = await config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: ['pitr'] }));
    // Assess
    expect(await details('pitr')).toEqual([]);
    expect(started.$metadata.httpStatusCode).toBe(200);
  });
});
