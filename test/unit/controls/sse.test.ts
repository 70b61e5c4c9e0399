import { describe, expect, it } from 'vitest';
import { sseControl } from '../../../functions/core/controls/sse.ts';
import { AWS_MANAGED_KEY_ARN, awsManagedKey, caseContext, cases, expectedAssessment, KEY_ALIAS, KEY_ARN, kmsKey, OTHER_KEY_ARN, unmanagedTable } from './fixtures.ts';

const CMK = { type: 'CUSTOMER_MANAGED', kmsKeyAlias: KEY_ALIAS, rotationPeriodDays: 365 } as const;
const NO_CMK = { kmsKeysByAlias: { 'alias/aws/dynamodb': awsManagedKey() } };

describe('TW-SSE', () => {
  it.each(cases([
    // Compliant
    { name: 'compliant: encrypted with the key behind the declared alias', status: 'COMPLIANT', reason: /^encrypted with alias\/tablewarden\/customers$/, actions: [] },
    {
      name: 'compliant: AWS owned declared and in use',
      spec: { encryption: { type: 'AWS_OWNED' } },
      observed: { sse: { type: 'AWS_OWNED' }, kmsKey: undefined },
      status: 'COMPLIANT',
      reason: /^encrypted with the AWS owned key$/,
      actions: [],
    },
    {
      name: 'compliant: AWS managed declared and in use',
      spec: { encryption: { type: 'AWS_MANAGED' } },
      observed: { sse: { type: 'AWS_MANAGED', kmsKeyArn: AWS_MANAGED_KEY_ARN, status: 'ENABLED' }, kmsKey: awsManagedKey() },
      status: 'COMPLIANT',
      reason: /^encrypted with the AWS managed key$/,
      actions: [],
    },
    // Not declared: DynamoDB always encrypts, so the control reports COMPLIANT (not NOT_APPLICABLE)
    {
      name: 'not declared: any key type is accepted and nothing is changed',
      spec: { encryption: undefined },
      observed: { sse: { type: 'AWS_OWNED' }, kmsKey: undefined },
      status: 'NOT_APPLICABLE',
      reason: /encryption is not declared \(DynamoDB always encrypts at rest\)/,
      actions: [],
    },
    {
      name: 'not declared: unmanaged table whose baseline has no encryption',
      desired: unmanagedTable(),
      observed: { sse: { type: 'AWS_MANAGED', kmsKeyArn: AWS_MANAGED_KEY_ARN } },
      status: 'NOT_APPLICABLE',
      reason: /not declared/,
      actions: [],
    },
    // Non-compliant, non-CMK targets
    {
      name: 'non-compliant: CMK in use, AWS managed declared → UpdateSse',
      spec: { encryption: { type: 'AWS_MANAGED' } },
      status: 'NON_COMPLIANT',
      reason: /^encrypted with CUSTOMER_MANAGED, want AWS_MANAGED$/,
      actions: [{ type: 'UpdateSse', encryption: { type: 'AWS_MANAGED' }, risk: 'safe', reason: 'switch encryption to the AWS managed key' }],
    },
    {
      name: 'non-compliant: AWS managed in use, AWS owned declared → UpdateSse',
      spec: { encryption: { type: 'AWS_OWNED' } },
      observed: { sse: { type: 'AWS_MANAGED', kmsKeyArn: AWS_MANAGED_KEY_ARN } },
      status: 'NON_COMPLIANT',
      reason: /^encrypted with AWS_MANAGED, want AWS_OWNED$/,
      actions: [{ type: 'UpdateSse', encryption: { type: 'AWS_OWNED' }, risk: 'safe', reason: 'switch encryption to the AWS owned key' }],
    },
    // Non-compliant, CMK target whose key exists
    {
      name: 'non-compliant: AWS owned in use, CMK declared and its key exists → UpdateSse only',
      observed: { sse: { type: 'AWS_OWNED' }, kmsKey: undefined },
      status: 'NON_COMPLIANT',
      reason: /^encrypted with AWS_OWNED, want alias\/tablewarden\/customers$/,
      actions: [{ type: 'UpdateSse', encryption: CMK, risk: 'safe', reason: 're-encrypt with alias/tablewarden/customers (online; about 4 key switches per 24 h)' }],
    },
    {
      name: 'non-compliant: another customer-managed key in use → UpdateSse',
      observed: { sse: { type: 'CUSTOMER_MANAGED', kmsKeyArn: OTHER_KEY_ARN, status: 'ENABLED' } },
      status: 'NON_COMPLIANT',
      reason: new RegExp(`another customer-managed key \\(${OTHER_KEY_ARN}\\), want alias/tablewarden/customers`),
      actions: [{ type: 'UpdateSse', encryption: CMK, risk: 'safe', reason: 're-encrypt with alias/tablewarden/customers (online; about 4 key switches per 24 h)' }],
    },
    {
      name: 'non-compliant: the alias now points at another key than the one in use (judged by kmsKeysByAlias)',
      account: { kmsKeysByAlias: { [KEY_ALIAS]: kmsKey({ arn: OTHER_KEY_ARN, keyId: '22222222-2222-2222-2222-222222222222' }) } },
      status: 'NON_COMPLIANT',
      reason: new RegExp(`another customer-managed key \\(${KEY_ARN}\\)`),
      actions: [{ type: 'UpdateSse', encryption: CMK, risk: 'safe', reason: 're-encrypt with alias/tablewarden/customers (online; about 4 key switches per 24 h)' }],
    },
    // Non-compliant, CMK target whose alias does not exist: create it first, then re-encrypt
    {
      name: 'missing key, existing table: CreateKmsKey then UpdateSse, in that order',
      observed: { sse: { type: 'AWS_OWNED' }, kmsKey: undefined },
      account: NO_CMK,
      status: 'NON_COMPLIANT',
      reason: /^encrypted with AWS_OWNED, want alias\/tablewarden\/customers$/,
      actions: [
        { type: 'CreateKmsKey', alias: KEY_ALIAS, rotationPeriodDays: 365, risk: 'safe', reason: 'create customer-managed key alias/tablewarden/customers (rotation every 365 days)' },
        { type: 'UpdateSse', encryption: CMK, risk: 'safe', reason: 're-encrypt with alias/tablewarden/customers (online; about 4 key switches per 24 h)' },
      ],
    },
    {
      name: 'missing key: the new key gets the declared rotation period',
      spec: { encryption: { ...CMK, rotationPeriodDays: 180 } },
      observed: { sse: { type: 'AWS_MANAGED', kmsKeyArn: AWS_MANAGED_KEY_ARN } },
      account: NO_CMK,
      status: 'NON_COMPLIANT',
      reason: /^encrypted with AWS_MANAGED, want alias\/tablewarden\/customers$/,
      actions: [
        { type: 'CreateKmsKey', alias: KEY_ALIAS, rotationPeriodDays: 180, risk: 'safe', reason: 'create customer-managed key alias/tablewarden/customers (rotation every 180 days)' },
        { type: 'UpdateSse', encryption: { ...CMK, rotationPeriodDays: 180 }, risk: 'safe', reason: 're-encrypt with alias/tablewarden/customers (online; about 4 key switches per 24 h)' },
      ],
    },
    // New table: the key goes into CreateTable, so only a missing key needs an action
    {
      name: 'new table, missing key: CreateKmsKey only (no UpdateSse)',
      exists: false,
      account: { tables: {}, allTableNames: [], ...NO_CMK },
      status: 'NON_COMPLIANT',
      reason: /^key alias\/tablewarden\/customers does not exist yet$/,
      actions: [{ type: 'CreateKmsKey', alias: KEY_ALIAS, rotationPeriodDays: 365, risk: 'safe', reason: 'create customer-managed key alias/tablewarden/customers (rotation every 365 days)' }],
    },
    {
      name: 'new table, existing key: compliant (CreateTable uses the key)',
      exists: false,
      account: { tables: {}, allTableNames: [] },
      status: 'COMPLIANT',
      reason: /^the new table is created with the declared key$/,
      actions: [],
    },
    {
      name: 'new table, AWS managed declared: compliant',
      exists: false,
      spec: { encryption: { type: 'AWS_MANAGED' } },
      status: 'COMPLIANT',
      reason: /AWS managed key/,
      actions: [],
    },
  ]))('%s', (_name, row) => {
    // Prepare
    const context = caseContext(row);
    // Act
    const assessment = sseControl.assess(context);
    // Assess
    expect(assessment).toEqual(expectedAssessment(row));
  });
});
