/**
 * The operator can never weaken or delete the keys it creates. The key policy denies it deletion, disabling,
 * re-aliasing and turning rotation off. kms:PutKeyPolicy cannot be denied there (CreateKey's lockout safety check
 * would refuse the key), so it is withheld in IAM: no Lambda role is granted it, nor any of the others, not even
 * through a wildcard. The synthesized roles are checked against the same list in operator-stack.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { KEY_POLICY_DENIED_ACTIONS, OPERATOR_NEVER_GRANTED, keyPolicy } from '../../functions/core/kms/key-policy.ts';
import { FORBIDDEN_ACTIONS, HANDLER_NAMES, handlerGrants } from '../../infra/permissions.ts';

const MUST_NEVER_CALL = ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:DisableKeyRotation', 'kms:DeleteAlias'];

/** IAM action matching: case-insensitive, `*` and `?` wildcards. */
function matches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(action);
}

describe('no Lambda role can weaken or delete a table key', () => {
  it.each(HANDLER_NAMES)('%s is granted none of kms:PutKeyPolicy, ScheduleKeyDeletion, DisableKey, DisableKeyRotation, DeleteAlias', (handler) => {
    // Act
    const granted = handlerGrants(handler).flatMap((grant) => grant.actions);
    // Assess
    const offending = granted.flatMap((pattern) => MUST_NEVER_CALL.filter((action) => matches(pattern, action)).map((action) => `${pattern} → ${action}`));
    expect(offending).toEqual([]);
  });

  it('the stack refuses to grant every action the key policy relies on IAM to withhold', () => {
    // Assess
    expect(FORBIDDEN_ACTIONS).toEqual(expect.arrayContaining([...MUST_NEVER_CALL, ...OPERATOR_NEVER_GRANTED]));
  });

  it('the key policy denies the operator the rest, and does not deny it kms:PutKeyPolicy (lockout check)', () => {
    // Prepare
    const operatorArn = 'arn:aws:iam::123456789012:role/tablewarden-operator';
    // Act
    const document = JSON.parse(keyPolicy({ partition: 'aws', accountId: '123456789012', region: 'us-east-1', operatorArn })) as { Statement: Array<{ Effect: string; Principal: { AWS: string }; Action: string | string[] }> };
    // Assess
    const denied = document.Statement.filter((statement) => statement.Effect === 'Deny').flatMap((statement) => [statement.Action].flat());
    expect(denied).toEqual([...KEY_POLICY_DENIED_ACTIONS]);
    expect(denied.filter((pattern) => matches(pattern, 'kms:PutKeyPolicy'))).toEqual([]);
    expect(MUST_NEVER_CALL.filter((action) => action !== 'kms:PutKeyPolicy' && !denied.includes(action))).toEqual([]);
  });
});
