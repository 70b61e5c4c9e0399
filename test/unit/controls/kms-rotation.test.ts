import { describe, expect, it } from 'vitest';
import { kmsRotationControl } from '../../../functions/core/controls/kms-rotation.ts';
import { account, awsManagedKey, caseContext, cases, context, expectedAssessment, KEY_ALIAS, KEY_ARN, kmsKey, OTHER_KEY_ARN, unmanagedTable } from './fixtures.ts';

describe('TW-KMS-ROTATION', () => {
  it.each(cases([
    // Compliant
    { name: 'compliant: the key behind the alias rotates every 365 days', status: 'COMPLIANT', reason: /^alias\/tablewarden\/customers rotates every 365 days$/, actions: [] },
    {
      name: 'compliant: judged from account.kmsKeysByAlias, not from observed.kmsKey',
      observed: { kmsKey: kmsKey({ rotationEnabled: false, rotationPeriodDays: undefined }) },
      status: 'COMPLIANT',
      reason: /rotates every 365 days/,
      actions: [],
    },
    {
      name: 'compliant: a declared 90-day period that is in force',
      spec: { encryption: { type: 'CUSTOMER_MANAGED', kmsKeyAlias: KEY_ALIAS, rotationPeriodDays: 90 } },
      account: { kmsKeysByAlias: { [KEY_ALIAS]: kmsKey({ rotationPeriodDays: 90 }) } },
      status: 'COMPLIANT',
      reason: /rotates every 90 days/,
      actions: [],
    },
    // Non-compliant
    {
      name: 'non-compliant: rotation off → enable with the declared period',
      account: { kmsKeysByAlias: { [KEY_ALIAS]: kmsKey({ rotationEnabled: false, rotationPeriodDays: undefined }) } },
      status: 'NON_COMPLIANT',
      reason: /^alias\/tablewarden\/customers does not rotate, want every 365 days$/,
      actions: [{ type: 'UpdateKmsKeyRotation', alias: KEY_ALIAS, keyArn: KEY_ARN, rotationPeriodDays: 365, risk: 'safe', reason: 'rotate alias/tablewarden/customers every 365 days' }],
    },
    {
      name: 'non-compliant: another period → set the declared one, on the key the alias names',
      spec: { encryption: { type: 'CUSTOMER_MANAGED', kmsKeyAlias: KEY_ALIAS, rotationPeriodDays: 180 } },
      account: { kmsKeysByAlias: { [KEY_ALIAS]: kmsKey({ arn: OTHER_KEY_ARN }) } },
      status: 'NON_COMPLIANT',
      reason: /^alias\/tablewarden\/customers rotates every 365 days, want every 180 days$/,
      actions: [{ type: 'UpdateKmsKeyRotation', alias: KEY_ALIAS, keyArn: OTHER_KEY_ARN, rotationPeriodDays: 180, risk: 'safe', reason: 'rotate alias/tablewarden/customers every 180 days' }],
    },
    {
      name: 'non-compliant: observed.kmsKey rotates but the account key does not',
      observed: { kmsKey: kmsKey() },
      account: { kmsKeysByAlias: { [KEY_ALIAS]: kmsKey({ rotationEnabled: false }) } },
      status: 'NON_COMPLIANT',
      reason: /does not rotate/,
      actions: [{ type: 'UpdateKmsKeyRotation', alias: KEY_ALIAS, keyArn: KEY_ARN, rotationPeriodDays: 365, risk: 'safe', reason: 'rotate alias/tablewarden/customers every 365 days' }],
    },
    // Missing key: TW-SSE creates it with rotation, so no action here
    {
      name: 'missing key: non-compliant with no action (TW-SSE creates the key)',
      account: { kmsKeysByAlias: { 'alias/aws/dynamodb': awsManagedKey() } },
      status: 'NON_COMPLIANT',
      reason: /^key alias\/tablewarden\/customers does not exist yet \(TW-SSE creates it with rotation on\)$/,
      actions: [],
    },
    {
      name: 'missing key, new table: still no action',
      exists: false,
      account: { tables: {}, allTableNames: [], kmsKeysByAlias: {} },
      status: 'NON_COMPLIANT',
      reason: /does not exist yet/,
      actions: [],
    },
    // Not applicable
    {
      name: 'not applicable: encryption not declared',
      spec: { encryption: undefined },
      status: 'NOT_APPLICABLE',
      reason: /^no customer-managed key is declared$/,
      actions: [],
    },
    {
      name: 'not applicable: AWS managed key declared (AWS rotates it)',
      spec: { encryption: { type: 'AWS_MANAGED' } },
      account: { kmsKeysByAlias: { [KEY_ALIAS]: kmsKey({ rotationEnabled: false }) } },
      status: 'NOT_APPLICABLE',
      reason: /no customer-managed key/,
      actions: [],
    },
    {
      name: 'not applicable: AWS owned key declared',
      spec: { encryption: { type: 'AWS_OWNED' } },
      status: 'NOT_APPLICABLE',
      reason: /no customer-managed key/,
      actions: [],
    },
    {
      name: 'not applicable: unmanaged table without encryption in the baseline',
      desired: unmanagedTable(),
      status: 'NOT_APPLICABLE',
      reason: /no customer-managed key/,
      actions: [],
    },
  ]))('%s', (_name, row) => {
    // Prepare
    const context = caseContext(row);
    // Act
    const assessment = kmsRotationControl.assess(context);
    // Assess
    expect(assessment).toEqual(expectedAssessment(row));
  });
});

describe('TW-KMS-ROTATION with a key KMS cannot rotate', () => {
  it('reports it non-compliant with the reason and plans no EnableKeyRotation', () => {
    // Prepare
    const base = account();
    const key = base.kmsKeysByAlias['alias/tablewarden/customers']!;
    const imported = { ...key, rotationEnabled: false, rotationPeriodDays: undefined, rotationUnsupported: 'its key material origin is EXTERNAL' };
    // Act
    const result = kmsRotationControl.assess(context({ account: { ...base, kmsKeysByAlias: { ...base.kmsKeysByAlias, 'alias/tablewarden/customers': imported } } }));
    // Assess
    expect(result).toEqual({
      status: 'NON_COMPLIANT',
      reason: 'alias/tablewarden/customers cannot rotate automatically: its key material origin is EXTERNAL; rotate it by hand or point the alias at a KMS-generated symmetric key',
      actions: [],
    });
  });
});
