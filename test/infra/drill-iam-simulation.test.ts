/**
 * The deletion invariant, proven with an IAM policy simulator (@cloud-copilot/iam-simulate, which evaluates identity
 * policies as IAM does: actions, resource ARNs against the action's resource types, condition operators and keys) over
 * the policies of the SYNTHESIZED template, not over infra/permissions.ts: no operator role may delete a table, except
 * drill-cleanup's, and that one only a `tw-drill-*` table that carries `tablewarden:drill=true`. And no role holds
 * both TagResource and DeleteTable on `tw-drill-*` tables: a role with both could tag any `tw-drill-*` table and then
 * delete it, so the tag condition would protect nothing against it.
 *
 * DynamoDB puts a table's tags in the request context as `aws:ResourceTag/<key>` (attribute-based access control on
 * tables: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/abac-tables.html), which is what the
 * simulations supply for a tagged table.
 *
 * "Operator role": every AWS::IAM::Role of the stack, with every identity policy attached to it (inline policies and
 * AWS::IAM::Policy resources). The AWS Backup service role's AWS managed policies (AWSBackupServiceRolePolicyFor*)
 * are not part of the template, so they are not simulated; that role is assumable by backup.amazonaws.com only.
 */
import { runSimulation, type RunSimulationResults } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizeOperator } from '../../infra/synth.ts';
import { resolveIntrinsics, type CfnTemplate } from '../../local/workflow/extract.ts';

const ACCOUNT = '123456789012';
const table = (name: string) => `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${name}`;
const DRILL_TAGGED = { 'aws:ResourceTag/tablewarden:drill': 'true' };

interface OperatorRole {
  logicalId: string;
  policies: Array<{ name: string; policy: unknown }>;
}

let roles: OperatorRole[];
let cleanupRole: string;

beforeAll(() => {
  const operator = synthesizeOperator({ bundle: false });
  const template = operator.template as unknown as CfnTemplate & { Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }> };
  const resources = Object.entries(template.Resources);
  const resolve = (value: unknown) => resolveIntrinsics(value, template, { account: ACCOUNT, region: 'us-east-1' });
  roles = resources
    .filter(([, resource]) => resource.Type === 'AWS::IAM::Role')
    .map(([logicalId, role]) => {
      const inline = ((role.Properties?.['Policies'] as Array<{ PolicyName: string; PolicyDocument: unknown }> | undefined) ?? []).map((policy) => ({ name: policy.PolicyName, policy: resolve(policy.PolicyDocument) }));
      const attached = resources
        .filter(([, resource]) => resource.Type === 'AWS::IAM::Policy')
        .filter(([, resource]) => ((resource.Properties?.['Roles'] as unknown[]) ?? []).some((ref) => JSON.stringify(ref) === JSON.stringify({ Ref: logicalId })))
        .map(([policyId, resource]) => ({ name: policyId, policy: resolve(resource.Properties?.['PolicyDocument']) }));
      return { logicalId, policies: [...inline, ...attached] };
    });
  const cleanupFunction = resources.find(([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Metadata?.['tablewarden:handler'] === 'drill-cleanup');
  cleanupRole = (cleanupFunction?.[1].Properties?.['Role'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}, 120_000);

/** Simulate `action` on `resource` by `role`, with the request context `context`; an invalid simulation fails the test. */
async function simulate(role: OperatorRole, action: string, resource: string, context: Record<string, string> = {}): Promise<string> {
  const result: RunSimulationResults = await runSimulation(
    {
      request: { principal: `arn:aws:iam::${ACCOUNT}:role/${role.logicalId}`, action, resource: { resource, accountId: ACCOUNT }, contextVariables: context },
      identityPolicies: role.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`${role.logicalId}: the simulation is invalid: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

describe('dynamodb:DeleteTable over the synthesized policies (IAM policy simulator)', () => {
  it('the stack has operator roles to simulate, drill-cleanup\'s among them', () => {
    // Assess
    expect(roles.length).toBeGreaterThan(15);
    expect(roles.map((role) => role.logicalId)).toContain(cleanupRole);
    expect(roles.find((role) => role.logicalId === cleanupRole)?.policies.length).toBeGreaterThan(0);
  });

  it('no role may delete a normal table, tagged as a drill copy or not', async () => {
    // Act
    const allowed: string[] = [];
    for (const role of roles) {
      for (const context of [{}, DRILL_TAGGED] as Array<Record<string, string>>) {
        if ((await simulate(role, 'dynamodb:DeleteTable', table('Customers'), context)) === 'Allowed') allowed.push(`${role.logicalId} ${JSON.stringify(context)}`);
      }
    }
    // Assess
    expect(allowed).toEqual([]);
  });

  it('no role may delete a tw-drill- table without the drill tag (or with the tag set to anything but true)', async () => {
    // Act
    const allowed: string[] = [];
    for (const role of roles) {
      for (const context of [{}, { 'aws:ResourceTag/tablewarden:drill': 'false' }, { 'aws:ResourceTag/other': 'true' }] as Array<Record<string, string>>) {
        if ((await simulate(role, 'dynamodb:DeleteTable', table('tw-drill-x'), context)) === 'Allowed') allowed.push(`${role.logicalId} ${JSON.stringify(context)}`);
      }
    }
    // Assess
    expect(allowed).toEqual([]);
  });

  it('only drill-cleanup\'s role may delete a tw-drill- table that carries tablewarden:drill=true', async () => {
    // Act
    const allowed: string[] = [];
    for (const role of roles) {
      if ((await simulate(role, 'dynamodb:DeleteTable', table('tw-drill-x'), DRILL_TAGGED)) === 'Allowed') allowed.push(role.logicalId);
    }
    // Assess
    expect(allowed).toEqual([cleanupRole]);
  });

  it('no role may both tag a tw-drill- table and delete it (tagging then deleting would defeat the tag condition)', async () => {
    // Act: TagResource is asked on an untagged drill table (what tag-then-delete starts from), DeleteTable on a tagged one.
    const both: string[] = [];
    for (const role of roles) {
      const tags = (await simulate(role, 'dynamodb:TagResource', table('tw-drill-x'))) === 'Allowed' || (await simulate(role, 'dynamodb:TagResource', table('tw-drill-x'), DRILL_TAGGED)) === 'Allowed';
      const deletes = (await simulate(role, 'dynamodb:DeleteTable', table('tw-drill-x'), DRILL_TAGGED)) === 'Allowed';
      if (tags && deletes) both.push(role.logicalId);
    }
    // Assess: the only deleter exists, and holds no TagResource (the restoring roles tag the copy).
    expect(roles.some((role) => role.logicalId === cleanupRole)).toBe(true);
    expect(both).toEqual([]);
  });

  it('turning deletion protection off (UpdateTable) on a drill copy is held the same way for drill-cleanup', async () => {
    // Prepare
    const role = roles.find((candidate) => candidate.logicalId === cleanupRole)!;
    // Act
    const decisions = await Promise.all([
      simulate(role, 'dynamodb:UpdateTable', table('tw-drill-x'), DRILL_TAGGED),
      simulate(role, 'dynamodb:UpdateTable', table('tw-drill-x')),
      simulate(role, 'dynamodb:UpdateTable', table('Customers'), DRILL_TAGGED),
    ]);
    // Assess
    expect(decisions).toEqual(['Allowed', 'ImplicitlyDenied', 'ImplicitlyDenied']);
  });
});
