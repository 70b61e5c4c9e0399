/**
 * The nightly Config sweep in the stack: the config-sweep Lambda gets CONFIG_RULES, and its role may read and
 * re-evaluate exactly the configured rules: by ARN when the stack deploys them (a ConfigRule ARN holds the rule's ID,
 * not its name: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsconfig.html), by
 * `config-rule/*` of the account and region when another team owns them (known by name only).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_RULES_ENV, MANAGED_CONFIG_RULES, parseConfigRulesEnv } from '../../functions/core/config/rules.ts';
import { handlerApiActions } from '../../infra/permissions.ts';
import { cdkJsonContext } from '../../infra/app-factory.ts';
import { TableWarden, type TableWardenProps } from '../../infra/table-warden.ts';
import { resourcesOfType, type TemplateJson } from './template-helpers.ts';

const outdir = mkdtempSync(join(tmpdir(), 'tablewarden-config-sweep-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function synth(props: TableWardenProps): { warden: TableWarden; stack: Stack; template: TemplateJson } {
  const app = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, `Sweep${Math.random().toString(36).slice(2, 8)}`);
  const warden = new TableWarden(stack, 'Warden', props);
  return { warden, stack, template: Template.fromStack(stack).toJSON() as TemplateJson };
}

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
}

function sweepStatement(warden: TableWarden, stack: Stack, template: TemplateJson): Statement | undefined {
  const roleId = stack.getLogicalId(warden.roles['config-sweep'].node.defaultChild as never);
  const policies = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).filter((policy) => JSON.stringify(policy.Properties?.['Roles']).includes(roleId));
  const statements = policies.flatMap((policy) => (policy.Properties?.['PolicyDocument'] as { Statement: Statement[] }).Statement);
  return statements.find((statement) => statement.Sid === 'ConfigCompliance');
}

function environmentOf(warden: TableWarden, stack: Stack, template: TemplateJson): Record<string, unknown> {
  const fnId = stack.getLogicalId(warden.functions['config-sweep'].node.defaultChild as never);
  return ((template.Resources[fnId]?.Properties?.['Environment'] as { Variables: Record<string, unknown> }) ?? { Variables: {} }).Variables;
}

describe('config-sweep in the stack', () => {
  it('may call exactly the two Config actions besides its run artefacts', () => {
    // Assess
    expect(handlerApiActions('config-sweep')).toEqual(['config:GetComplianceDetailsByConfigRule', 'config:StartConfigRulesEvaluation', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
  });

  it('deployed rules: the grant names each deployed rule by its ARN, and CONFIG_RULES names the deployed rules', () => {
    // Act
    const { warden, stack, template } = synth({});
    const statement = sweepStatement(warden, stack, template);
    // Assess
    expect(statement?.Action).toEqual(['config:GetComplianceDetailsByConfigRule', 'config:StartConfigRulesEvaluation']);
    const ruleIds = Object.keys(resourcesOfType(template, 'AWS::Config::ConfigRule')).sort();
    expect(ruleIds).toHaveLength(MANAGED_CONFIG_RULES.length);
    expect(((statement?.Resource as Array<{ 'Fn::GetAtt': [string, string] }>) ?? []).map((resource) => resource['Fn::GetAtt']).sort()).toEqual(ruleIds.map((id) => [id, 'Arn']));
    const env = environmentOf(warden, stack, template);
    expect(Object.fromEntries(parseConfigRulesEnv(env[CONFIG_RULES_ENV] as string))).toEqual(Object.fromEntries(MANAGED_CONFIG_RULES.map((rule) => [rule.defaultName, rule.identifier])));
  });

  it("another team's rules (deploy: false, names): config-rule/* of the stack's account and region, and their names in CONFIG_RULES", () => {
    // Act
    const { warden, stack, template } = synth({ configRules: { deploy: false, names: { DYNAMODB_PITR_ENABLED: 'securityhub-dynamodb-pitr-enabled-abc123' } } });
    const statement = sweepStatement(warden, stack, template);
    // Assess
    expect(JSON.stringify([statement?.Resource].flat())).toBe(
      JSON.stringify([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':config:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':config-rule/*']] }]),
    );
    expect(environmentOf(warden, stack, template)[CONFIG_RULES_ENV]).toBe(JSON.stringify({ 'securityhub-dynamodb-pitr-enabled-abc123': 'DYNAMODB_PITR_ENABLED' }));
  });
});
