/**
 * The AWS Config rules of the stack (issue 11): exactly the seven managed rules, each scoped to its one resource
 * type, with InputParameters compiled from the repository's desired-state/ (all string values); none with
 * `deploy: false`, whose `names` become CONFIG_RULES. Bundling is skipped: the handlers' code doesn't matter here.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { readDesiredStateFiles } from '../../functions/cli/desired-files.ts';
import { CONFIG_RULES_ENV, compileConfigRuleParameters, parseConfigRulesEnv } from '../../functions/core/config/rules.ts';
import { parseDesiredState } from '../../functions/core/desired/parse.ts';
import { cdkJsonContext } from '../../infra/app-factory.ts';
import { TableWarden, REPO_ROOT, type TableWardenProps } from '../../infra/table-warden.ts';
import { resourcesOfType, type TemplateJson } from './template-helpers.ts';

const outdir = mkdtempSync(join(tmpdir(), 'tablewarden-config-rules-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const NOW = new Date('2026-11-28T12:00:00Z');

function synth(props: TableWardenProps): { warden: TableWarden; stack: Stack; template: TemplateJson } {
  const app = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, `Config${Math.random().toString(36).slice(2, 8)}`);
  const warden = new TableWarden(stack, 'Warden', props);
  return { warden, stack, template: Template.fromStack(stack).toJSON() as TemplateJson };
}

type RuleProps = { ConfigRuleName: string; Source: { Owner: string; SourceIdentifier: string }; Scope: { ComplianceResourceTypes: string[] }; InputParameters?: Record<string, unknown> };

function configRules(template: TemplateJson): Record<string, RuleProps> {
  return Object.fromEntries(
    Object.values(resourcesOfType(template, 'AWS::Config::ConfigRule')).map((resource) => {
      const props = resource.Properties as unknown as RuleProps;
      return [props.Source.SourceIdentifier, props];
    }),
  );
}

describe('ConfigRules in the stack', () => {
  it('deploys exactly the seven managed rules with scope and string parameters compiled from desired-state/', async () => {
    // Prepare: the expected parameters come from the CLI's own reader, not the construct's synchronous one.
    const expected = compileConfigRuleParameters(parseDesiredState(await readDesiredStateFiles(join(REPO_ROOT, 'desired-state')), { now: NOW }).state);

    // Act
    const { template } = synth({});
    const rules = configRules(template);

    // Assess
    expect(Object.keys(rules).sort()).toEqual(
      [
        'CMK_BACKING_KEY_ROTATION_ENABLED',
        'DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED',
        'DYNAMODB_MEETS_RESTORE_TIME_TARGET',
        'DYNAMODB_PITR_ENABLED',
        'DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN',
        'DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED',
        'DYNAMODB_TABLE_ENCRYPTED_KMS',
      ].sort(),
    );
    for (const [identifier, rule] of Object.entries(rules)) {
      expect(rule.Source.Owner).toBe('AWS');
      // ConfigRule Description: 0–256 characters (https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigRule.html).
      expect((rule as { Description?: string }).Description?.length ?? 0).toBeLessThanOrEqual(256);
      expect(rule.ConfigRuleName).toBe(`tablewarden-${identifier.toLowerCase().replaceAll('_', '-')}`);
      expect(rule.Scope.ComplianceResourceTypes).toEqual([identifier === 'CMK_BACKING_KEY_ROTATION_ENABLED' ? 'AWS::KMS::Key' : 'AWS::DynamoDB::Table']);
      const parameters = rule.InputParameters ?? {};
      expect(parameters).toEqual(expected[identifier as keyof typeof expected]);
      for (const value of Object.values(parameters)) expect(typeof value).toBe('string');
    }
    // desired-state/policy.yaml: maxRecoveryPointAgeHours 26; the tables' drills: 60 and 30 minutes, no baseline drill.
    expect(rules['DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED']?.InputParameters).toEqual({ recoveryPointAgeValue: '26', recoveryPointAgeUnit: 'hours' });
    expect(rules['DYNAMODB_MEETS_RESTORE_TIME_TARGET']?.InputParameters).toEqual({ maxRestoreTime: '60' });
  });

  it('without key ARNs for the declared aliases leaves kmsKeyArns out and warns, naming them', () => {
    // Act
    const { stack, template } = synth({});

    // Assess
    expect(configRules(template)['DYNAMODB_TABLE_ENCRYPTED_KMS']?.InputParameters).toBeUndefined();
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('kmsKeyArns'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0]?.entry.data)).toContain('alias/tablewarden/customers, alias/tablewarden/orders, alias/tablewarden/platform');
  });

  it('with key ARNs lists them and the operator key that encrypts its own state table', () => {
    // Prepare
    const arn = (n: number) => `arn:aws:kms:eu-west-1:123456789012:key/${String(n).repeat(8)}-1111-1111-1111-111111111111`;

    // Act
    const { warden, stack, template } = synth({
      configRules: { kmsKeyArns: { 'alias/tablewarden/customers': arn(3), 'alias/tablewarden/orders': arn(1), 'alias/tablewarden/platform': arn(2) } },
    });

    // Assess
    const parameter = configRules(template)['DYNAMODB_TABLE_ENCRYPTED_KMS']?.InputParameters?.['kmsKeyArns'];
    expect(stack.resolve(parameter)).toEqual({ 'Fn::Join': ['', [`${arn(1)},${arn(2)},${arn(3)},`, { 'Fn::GetAtt': [stack.getLogicalId(warden.key.node.defaultChild as never), 'Arn'] }]] });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('kmsKeyArns'))).toHaveLength(0);
  });

  it('names the deployed rules as given and renders CONFIG_RULES for the handlers', () => {
    // Act
    const { warden, template } = synth({ configRules: { names: { DYNAMODB_PITR_ENABLED: 'security-dynamodb-pitr' } } });

    // Assess
    expect(configRules(template)['DYNAMODB_PITR_ENABLED']?.ConfigRuleName).toBe('security-dynamodb-pitr');
    const env = parseConfigRulesEnv(warden.configRules.environment()[CONFIG_RULES_ENV]);
    expect(env.size).toBe(7);
    expect(env.get('security-dynamodb-pitr')).toBe('DYNAMODB_PITR_ENABLED');
    expect(env.get('tablewarden-dynamodb-table-encrypted-kms')).toBe('DYNAMODB_TABLE_ENCRYPTED_KMS');
  });

  it('with deploy: false creates no Config rule and reads only the rules another team owns', () => {
    // Act: no desired state is read either (the directory does not exist).
    const { warden, template } = synth({
      configRules: { deploy: false, desiredStateDir: join(outdir, 'nowhere'), names: { DYNAMODB_PITR_ENABLED: 'org-pitr', CMK_BACKING_KEY_ROTATION_ENABLED: 'org-kms-rotation' } },
    });

    // Assess
    expect(resourcesOfType(template, 'AWS::Config::ConfigRule')).toEqual({});
    expect(warden.configRules.configRuleNames).toEqual({ 'org-pitr': 'DYNAMODB_PITR_ENABLED', 'org-kms-rotation': 'CMK_BACKING_KEY_ROTATION_ENABLED' });
    expect(JSON.parse(warden.configRules.configRulesEnv())).toEqual({ 'org-pitr': 'DYNAMODB_PITR_ENABLED', 'org-kms-rotation': 'CMK_BACKING_KEY_ROTATION_ENABLED' });
  });

  it('fails the synth on a desired state that does not validate, naming file, line and field', () => {
    // Prepare
    const dir = join(outdir, 'bad-desired-state');
    mkdirSync(join(dir, 'tables'), { recursive: true });
    writeFileSync(join(dir, 'policy.yaml'), 'apiVersion: tablewarden.io/v1\nkind: Policy\nspec:\n  baseline:\n    backup: { plan: p, maxRecoveryPointAgeHours: 0 }\n');

    // Act
    const act = () => synth({ configRules: { desiredStateDir: dir } });

    // Assess
    expect(act).toThrow(/policy\.yaml:5:\d+ spec\.baseline\.backup\.maxRecoveryPointAgeHours/);
  });

  it('refuses a name for a rule it does not know, and a blank name', () => {
    // Assess
    expect(() => synth({ configRules: { deploy: false, names: { DYNAMODB_AUTOSCALING_ENABLED: 'x' } as never } })).toThrow(/names has DYNAMODB_AUTOSCALING_ENABLED/);
    expect(() => synth({ configRules: { names: { DYNAMODB_PITR_ENABLED: ' ' } } })).toThrow(/names.DYNAMODB_PITR_ENABLED must be 1–128 characters/);
    expect(() => synth({ configRules: { deploy: false, names: { DYNAMODB_PITR_ENABLED: 'org-rule', CMK_BACKING_KEY_ROTATION_ENABLED: 'org-rule' } } })).toThrow(
      /names.DYNAMODB_PITR_ENABLED and names.CMK_BACKING_KEY_ROTATION_ENABLED are both "org-rule"; each rule needs its own name/,
    );
  });
});
