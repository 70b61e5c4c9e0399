/**
 * TableWarden's grant helpers (grantPublish, grantReadReports) and its removalPolicy prop: what they put in the
 * template. The handlers' code doesn't matter here, so esbuild bundling is skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, RemovalPolicy, Stack, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { afterAll, describe, expect, it } from 'vitest';
import { cdkJsonContext } from '../../infra/app-factory.ts';
import { TableWarden, type TableWardenProps } from '../../infra/table-warden.ts';
import { render, resourcesOfType, roleStatements, type TemplateJson } from './template-helpers.ts';

const outdir = mkdtempSync(join(tmpdir(), 'tablewarden-grants-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** A stack with the operator and a CI role, `use` applied before the template is read. */
function synth(props: TableWardenProps, use: (warden: TableWarden, role: Role) => void = () => undefined, context: Record<string, unknown> = cdkJsonContext()) {
  const app = new App({ outdir, context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, `Grants${Math.random().toString(36).slice(2, 8)}`, { env: { account: '123456789012', region: 'eu-west-1' } });
  const warden = new TableWarden(stack, 'Warden', props);
  const role = new Role(stack, 'Ci', { assumedBy: new AccountRootPrincipal() });
  use(warden, role);
  const template = Template.fromStack(stack).toJSON() as TemplateJson;
  const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnResource);
  return { warden, stack, role, template, id };
}

describe('TableWarden grant helpers', () => {
  it('grantPublish: PutObject under bundles/ only, a data key of the operator key through S3 only, GenerateMac on the MAC key', () => {
    // Act
    const { template, role, warden, id } = synth({}, (warden, role) => warden.grantPublish(role));
    // Assess
    const statements = roleStatements(template, id(role)).map((statement) => ({ actions: statement.Action, resources: statement.Resource.map(render), condition: statement.Condition }));
    expect(statements).toEqual([
      { actions: ['s3:PutObject'], resources: [`\${${id(warden.bucket)}.Arn}/bundles/*`], condition: undefined },
      { actions: ['kms:GenerateDataKey'], resources: [`\${${id(warden.key)}.Arn}`], condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } } },
      { actions: ['kms:GenerateMac'], resources: [`\${${id(warden.bundleMacKey)}.Arn}`], condition: undefined },
    ]);
  });

  it('grantPublish with bundlePublisherArns also allows the grantee in the MAC key policy (which otherwise names only those publishers)', () => {
    // Act
    const { template, role, warden, id } = synth({ bundlePublisherArns: ['arn:aws:iam::123456789012:role/github-publish'] }, (warden, role) => warden.grantPublish(role));
    // Assess
    const policy = template.Resources[id(warden.bundleMacKey)]!.Properties!['KeyPolicy'] as { Statement: Array<{ Action: string | string[]; Principal: { AWS: unknown } }> };
    const generateMac = policy.Statement.filter((statement) => [statement.Action].flat().includes('kms:GenerateMac')).map((statement) => render(statement.Principal.AWS));
    expect(generateMac).toEqual(['arn:aws:iam::123456789012:role/github-publish', `\${${id(role)}.Arn}`]);
    expect(roleStatements(template, id(role)).flatMap((statement) => statement.Action)).toContain('kms:GenerateMac');
  });

  it('grantReadReports: GetObject under reports/ and Decrypt through S3, nothing else', () => {
    // Act
    const { template, role, warden, id } = synth({}, (warden, role) => warden.grantReadReports(role));
    // Assess
    expect(roleStatements(template, id(role)).map((statement) => [statement.Action, statement.Resource.map(render), statement.Condition])).toEqual([
      [['s3:GetObject'], [`\${${id(warden.bucket)}.Arn}/reports/*`], undefined],
      [['kms:Decrypt'], [`\${${id(warden.key)}.Arn}`], { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } }],
    ]);
  });
});

describe('TableWarden removalPolicy', () => {
  const stateful = ['AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::Logs::LogGroup'];
  const deletionPolicies = (template: TemplateJson) => new Set(stateful.flatMap((type) => Object.values(resourcesOfType(template, type)).map((resource) => `${type} ${resource.DeletionPolicy}`)));
  const keyAdminActions = (template: TemplateJson) =>
    Object.values(resourcesOfType(template, 'AWS::KMS::Key')).map((key) =>
      (key.Properties!['KeyPolicy'] as { Statement: Array<{ Sid: string; Action: string[] }> }).Statement.find((statement) => statement.Sid === 'KeyAdministrationThroughIam')!.Action,
    );

  it('retains keys, buckets, the state table and log groups by default, with deletion protection and no key deletion', () => {
    // Act
    const { template, warden, id } = synth({});
    // Assess
    expect(deletionPolicies(template)).toEqual(new Set(stateful.map((type) => `${type} Retain`)));
    expect(template.Resources[id(warden.stateTable)]!.Properties!['DeletionProtectionEnabled']).toBe(true);
    for (const actions of keyAdminActions(template)) expect(actions).not.toContain('kms:ScheduleKeyDeletion');
  });

  it('DESTROY (sandboxes) deletes them: no deletion protection, and the key policies let CloudFormation schedule key deletion', () => {
    // Act
    const { template, warden, id } = synth({ removalPolicy: RemovalPolicy.DESTROY });
    // Assess
    expect(deletionPolicies(template)).toEqual(new Set(stateful.map((type) => `${type} Delete`)));
    expect(template.Resources[id(warden.stateTable)]!.Properties!['DeletionProtectionEnabled']).toBe(false);
    const admin = keyAdminActions(template);
    expect(admin).toHaveLength(2);
    for (const actions of admin) expect(actions).toContain('kms:ScheduleKeyDeletion');
  });

  it('refuses SNAPSHOT, which keys, buckets and log groups do not have', () => {
    // Act + Assess
    expect(() => synth({ removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow('TableWarden: removalPolicy SNAPSHOT is not supported');
  });

  it('synthesizes in an app without the S3 server-access-log feature flag (a consumer app need not set it)', () => {
    // Act
    const { template, warden, id } = synth({}, () => undefined, {});
    // Assess: the access-log bucket keeps BucketOwnerEnforced and gets a bucket policy, not a LogDeliveryWrite ACL.
    const logs = template.Resources[id(warden.accessLogBucket)]!.Properties!;
    expect(logs['AccessControl']).toBeUndefined();
    expect(logs['OwnershipControls']).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  });
});
