/**
 * `ConfigRules`: the seven AWS Config managed rules of issue 11, with `InputParameters` compiled from the desired
 * state at synth (functions/core/config/rules.ts), so Config and Security Hub judge tables by the thresholds git
 * declares.
 *
 * Drives: AWS::Config::ConfigRule (config:PutConfigRule), one per rule, Source.Owner AWS, Scope = the rule's one
 * resource type. Binds: the account's Config rule quota per Region; a managed rule holds one parameter set.
 * Docs: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-config-configrule.html
 *
 * Prerequisite, not created here: AWS Config rules evaluate only what a configuration recorder records. The recorder
 * (and its delivery channel) is account infrastructure, usually owned by a security or platform team, and an account
 * has at most one per Region, so this construct never creates one. Without a recorder recording AWS::DynamoDB::Table
 * and AWS::KMS::Key the rules deploy but stay without evaluations
 * (https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html).
 * In accounts where another team owns the Config rules, set `deploy: false` and name their rules in `names`: the
 * handlers then read those rules' findings instead (CONFIG_RULES).
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations } from 'aws-cdk-lib';
import { ManagedRule, ResourceType, RuleScope } from 'aws-cdk-lib/aws-config';
import { Construct } from 'constructs';
import {
  compileConfigRuleParameters,
  configRuleCompileNotes,
  CONFIG_RULES_ENV,
  MANAGED_CONFIG_RULES,
  type ConfigRuleIdentifier,
} from '../functions/core/config/rules.ts';
import { parseDesiredState, type SourceFile } from '../functions/core/desired/parse.ts';
import { decodeYamlBytes, MAX_FILE_BYTES } from '../functions/core/desired/yaml-source.ts';
import type { DesiredState } from '../functions/core/model/desired.ts';

/** Props of {@link ConfigRules} (also `TableWardenProps.configRules`, where every field is optional). */
export interface ConfigRulesProps {
  /** Deploy the rules. Default true. False in accounts where another team owns AWS Config rules. */
  deploy?: boolean;
  /**
   * ConfigRuleName per rule. With `deploy` (default), the names the rules are deployed under (default
   * `tablewarden-<rule>`); with `deploy: false`, the rules another team owns, which the handlers read. A rule left
   * out is not read then.
   */
  names?: Partial<Record<ConfigRuleIdentifier, string>>;
  /**
   * Key ARN per KMS alias the desired state declares. The desired state names keys by alias only and the operator
   * creates them at run time, so their ARNs are unknown at synth; DYNAMODB_TABLE_ENCRYPTED_KMS wants ARNs. Until
   * every declared alias has one here, `kmsKeyArns` is left out (the rule then checks "encrypted with KMS") and
   * synth warns, naming the aliases. Find them with `aws kms describe-key --key-id alias/...`.
   */
  kmsKeyArns?: Record<string, string>;
  /** Key ARNs the stack itself uses for tables (the operator's state table key), added to `kmsKeyArns`. */
  ownKeyArns?: string[];
  /** The desired state, already parsed. Default: read from {@link desiredStateDir}. */
  desiredState?: DesiredState;
  /** Where `policy.yaml` and `tables/` are. Default `<repo>/desired-state`. Read at synth only when deploying. */
  desiredStateDir?: string;
}

/** The deployed (or adopted) rules, and how to tell the handlers about them. */
export class ConfigRules extends Construct {
  /** ConfigRuleName → identifier: what `CONFIG_RULES` carries. */
  readonly configRuleNames: Record<string, ConfigRuleIdentifier>;
  /** The rules this construct deploys (empty with `deploy: false`). */
  readonly rules: Partial<Record<ConfigRuleIdentifier, ManagedRule>> = {};

  constructor(scope: Construct, id: string, props: ConfigRulesProps & { defaultDesiredStateDir: string }) {
    super(scope, id);
    const deploy = props.deploy ?? true;
    const names = props.names ?? {};
    for (const [identifier, name] of Object.entries(names)) {
      if (!MANAGED_CONFIG_RULES.some((rule) => rule.identifier === identifier)) throw new Error(`ConfigRules: names has ${identifier}, not one of the managed rules tablewarden reads`);
      // ConfigRuleName: 1–128 characters, at least one not blank (https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigRule.html).
      if (typeof name !== 'string' || name.length < 1 || name.length > 128 || name.trim() === '') throw new Error(`ConfigRules: names.${identifier} must be 1–128 characters, got ${JSON.stringify(name)}`);
      // The handlers map a finding's rule name back to one identifier: two identifiers under one name would lose one.
      const twin = Object.entries(names).find(([other, otherName]) => other !== identifier && otherName === name);
      if (twin) throw new Error(`ConfigRules: names.${identifier} and names.${twin[0]} are both ${JSON.stringify(name)}; each rule needs its own name`);
    }

    if (!deploy) {
      this.configRuleNames = Object.fromEntries(Object.entries(names).map(([identifier, name]) => [name, identifier as ConfigRuleIdentifier]));
      if (Object.keys(this.configRuleNames).length === 0) {
        Annotations.of(this).addInfo('ConfigRules: deploy is false and no names are given, so the handlers read no AWS Config findings');
      }
      return;
    }

    const desired = props.desiredState ?? loadDesiredStateSync(props.desiredStateDir ?? props.defaultDesiredStateDir);
    const options = props.kmsKeyArns ? { keyArns: props.kmsKeyArns } : {};
    const parameters = compileConfigRuleParameters(desired, options);
    const notes = configRuleCompileNotes(desired, options);
    if (notes.unresolvedKeyAliases.length > 0) {
      Annotations.of(this).addWarningV2(
        'tablewarden:config-kms-key-arns',
        `DYNAMODB_TABLE_ENCRYPTED_KMS is deployed without kmsKeyArns (it checks KMS encryption, not which key): no key ARN for ${notes.unresolvedKeyAliases.join(', ')}; give them in configRules.kmsKeyArns`,
      );
    }
    const kmsKeyArns = parameters.DYNAMODB_TABLE_ENCRYPTED_KMS['kmsKeyArns'];
    if (kmsKeyArns !== undefined && props.ownKeyArns?.length) {
      // The operator's own state table is a DynamoDB table the rule evaluates too.
      parameters.DYNAMODB_TABLE_ENCRYPTED_KMS['kmsKeyArns'] = [kmsKeyArns, ...props.ownKeyArns].join(',');
    }

    const configRuleNames: Record<string, ConfigRuleIdentifier> = {};
    for (const rule of MANAGED_CONFIG_RULES) {
      const name = names[rule.identifier] ?? rule.defaultName;
      const inputParameters = parameters[rule.identifier];
      this.rules[rule.identifier] = new ManagedRule(this, rule.identifier, {
        identifier: rule.identifier,
        configRuleName: name,
        description: `tablewarden: ${rule.docName}${rule.securityHub ? ` (Security Hub ${rule.securityHub})` : ''}; parameters from desired-state/. ${rule.documentation}`,
        ruleScope: RuleScope.fromResources([rule.resourceType === 'AWS::KMS::Key' ? ResourceType.KMS_KEY : ResourceType.DYNAMODB_TABLE]),
        ...(Object.keys(inputParameters).length > 0 ? { inputParameters } : {}),
      });
      configRuleNames[name] = rule.identifier;
    }
    this.configRuleNames = configRuleNames;
  }

  /** The `CONFIG_RULES` environment value for a handler: JSON of {@link configRuleNames}. */
  configRulesEnv(): string {
    return JSON.stringify(this.configRuleNames);
  }

  /** `{ CONFIG_RULES: ... }`, to spread into a Lambda's environment. */
  environment(): Record<typeof CONFIG_RULES_ENV, string> {
    return { [CONFIG_RULES_ENV]: this.configRulesEnv() };
  }
}

/**
 * Read `<dir>/policy.yaml` and `<dir>/tables/*.yaml|yml` synchronously (constructs are built synchronously) and
 * validate them as every command does. Synth stops on any error, naming file, line and field: rules compiled from a
 * desired state that does not validate would promise thresholds git does not hold. The clock only decides which
 * waivers have expired, which no rule parameter depends on.
 */
export function loadDesiredStateSync(dir: string, now: Date = new Date()): DesiredState {
  const files: SourceFile[] = [];
  const read = (path: string) => {
    let stats;
    try {
      stats = lstatSync(path);
    } catch {
      return; // absent
    }
    if (!stats.isFile()) {
      files.push({ path, text: '', problem: 'is not a regular file; it is not read' });
      return;
    }
    if (stats.size > MAX_FILE_BYTES) {
      files.push({ path, text: '', problem: `file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB; desired-state files are small` });
      return;
    }
    const decoded = decodeYamlBytes(readFileSync(path));
    files.push('text' in decoded ? { path, text: decoded.text } : { path, text: '', problem: decoded.problem });
  };
  let tables: string[];
  try {
    tables = readdirSync(join(dir, 'tables')).filter((name) => /\.ya?ml$/.test(name)).sort();
  } catch (error) {
    throw new Error(`ConfigRules: cannot read the desired state at ${join(dir, 'tables')} (${(error as Error).message}); set configRules.desiredStateDir, or configRules.deploy: false`, { cause: error });
  }
  for (const name of ['policy.yaml', 'policy.yml']) read(join(dir, name));
  for (const name of tables) read(join(dir, 'tables', name));
  const result = parseDesiredState(files, { now });
  const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`ConfigRules: the desired state at ${dir} does not validate:\n${errors.map((e) => `  ${e.file}:${e.line}:${e.column} ${e.field}: ${e.message}`).join('\n')}`);
  }
  return result.state;
}
