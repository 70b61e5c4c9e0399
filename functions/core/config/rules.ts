/**
 * The AWS Config managed rules tablewarden deploys (issue 11), and their `InputParameters` compiled from the
 * desired state.
 *
 * Why managed rules at all: security teams watch AWS Config and Security Hub, not tablewarden. The rules here check
 * what the controls check, with the thresholds git declares, so a NON_COMPLIANT verdict in Config means the same
 * thing as a drift finding in a tablewarden plan, and an out-of-band change shows up where those teams look.
 *
 * Drives: config:PutConfigRule (through CloudFormation, AWS::Config::ConfigRule). Every `InputParameters` value is a
 * string, whatever the parameter's documented type (int, CSV): Config passes them to the rule as a JSON object of
 * strings (https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigRule.html, InputParameters).
 * Binds: the account's quota of AWS Config rules per Region (seven more here), and one parameter set per rule: a
 * managed rule cannot hold per-table thresholds, so account-wide values are chosen below and tables that declare their own are
 * listed by `configRuleCompileNotes`.
 * Docs: https://docs.aws.amazon.com/config/latest/developerguide/managed-rules-by-aws-config.html
 *
 * Pure: no AWS SDK. The stack (infra/config-rules.ts) and the Config handlers read this module.
 */
import type { Baseline } from '../desired/schema.ts';
import { customerManagedKeyAlias, type DesiredState } from '../model/desired.ts';
import type { ControlId } from '../model/plan.ts';

/** The managed-rule identifiers (SourceIdentifier) of the rules issue 11 names. */
export type ConfigRuleIdentifier =
  | 'DYNAMODB_PITR_ENABLED'
  | 'DYNAMODB_TABLE_ENCRYPTED_KMS'
  | 'DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED'
  | 'DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN'
  | 'DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED'
  | 'DYNAMODB_MEETS_RESTORE_TIME_TARGET'
  | 'CMK_BACKING_KEY_ROTATION_ENABLED';

/** One managed rule, as the stack deploys it and the reports name it. */
export interface ManagedConfigRule {
  /** AWS Config managed-rule SourceIdentifier. */
  identifier: ConfigRuleIdentifier;
  /** The rule's name in the AWS docs (`dynamodb-pitr-enabled`): what the control catalog's `configRules` lists. */
  docName: string;
  /** The ConfigRuleName the stack deploys: `tablewarden-<docName>`. */
  defaultName: string;
  /** The one resource type the rule evaluates (its Scope). */
  resourceType: 'AWS::DynamoDB::Table' | 'AWS::KMS::Key';
  /** The tablewarden controls that check the same thing; empty when no control does (restore drills). */
  controls: ControlId[];
  /** The Security Hub control backed by this rule, when there is one. */
  securityHub?: string;
  /** The managed rule's page in the AWS Config developer guide. */
  documentation: string;
}

const docs = (name: string) => `https://docs.aws.amazon.com/config/latest/developerguide/${name}.html`;

function rule(identifier: ConfigRuleIdentifier, resourceType: ManagedConfigRule['resourceType'], controls: ControlId[], securityHub?: string): ManagedConfigRule {
  const docName = identifier.toLowerCase().replaceAll('_', '-');
  return {
    identifier,
    docName,
    defaultName: `tablewarden-${docName}`,
    resourceType,
    controls,
    ...(securityHub === undefined ? {} : { securityHub }),
    documentation: docs(docName),
  };
}

/**
 * The seven rules, in the order the issue lists them. Checked against each rule's page (identifier, resource type,
 * parameters) and the Security Hub DynamoDB / KMS control pages:
 * - DYNAMODB_PITR_ENABLED: AWS::DynamoDB::Table, no parameters; Security Hub DynamoDB.2.
 *   https://docs.aws.amazon.com/config/latest/developerguide/dynamodb-pitr-enabled.html
 * - DYNAMODB_TABLE_ENCRYPTED_KMS: AWS::DynamoDB::Table, `kmsKeyArns` (optional, CSV of key ARNs). No Security Hub
 *   control (DynamoDB.3 is DAX encryption at rest, not tables).
 *   https://docs.aws.amazon.com/config/latest/developerguide/dynamodb-table-encrypted-kms.html
 * - DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED: AWS::DynamoDB::Table, no parameters; Security Hub DynamoDB.6.
 *   https://docs.aws.amazon.com/config/latest/developerguide/dynamodb-table-deletion-protection-enabled.html
 * - DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN (chosen over DYNAMODB_IN_BACKUP_PLAN): AWS::DynamoDB::Table,
 *   optional resourceTags, resourceId, crossRegionList, crossAccountList, maxRetentionDays, minRetentionDays,
 *   backupVaultLockCheck; Security Hub DynamoDB.4 evaluates this rule. DYNAMODB_IN_BACKUP_PLAN takes no parameters
 *   and is missing from several Regions (its page lists Jakarta, Cape Town, UAE, Hyderabad, Osaka, Melbourne,
 *   Milan, Spain, Zurich ... as unsupported); the newer rule is the one Security Hub uses, so a finding here is the
 *   same finding the security team sees there.
 *   https://docs.aws.amazon.com/config/latest/developerguide/dynamodb-resources-protected-by-backup-plan.html
 *   https://docs.aws.amazon.com/config/latest/developerguide/dynamodb-in-backup-plan.html
 * - DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED: AWS::DynamoDB::Table, optional resourceTags, resourceId,
 *   recoveryPointAgeValue (int, default 1, at most 744 for hours or 31 for days) and recoveryPointAgeUnit ('hours'
 *   or 'days', default 'days'). No Security Hub control.
 *   https://docs.aws.amazon.com/config/latest/developerguide/dynamodb-last-backup-recovery-point-created.html
 * - DYNAMODB_MEETS_RESTORE_TIME_TARGET: AWS::DynamoDB::Table, `maxRestoreTime` (required, int, minutes: the rule is
 *   NON_COMPLIANT when LatestRestoreExecutionTimeMinutes exceeds it), optional resourceTags, resourceId. No control:
 *   restore drills (issue 9) prove the same thing. Not available in GovCloud.
 *   https://docs.aws.amazon.com/config/latest/developerguide/dynamodb-meets-restore-time-target.html
 * - CMK_BACKING_KEY_ROTATION_ENABLED: AWS::KMS::Key, no parameters; Security Hub KMS.4.
 *   https://docs.aws.amazon.com/config/latest/developerguide/cmk-backing-key-rotation-enabled.html
 * Security Hub: https://docs.aws.amazon.com/securityhub/latest/userguide/dynamodb-controls.html and
 * https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html
 */
export const MANAGED_CONFIG_RULES: readonly ManagedConfigRule[] = [
  rule('DYNAMODB_PITR_ENABLED', 'AWS::DynamoDB::Table', ['TW-PITR'], 'DynamoDB.2'),
  rule('DYNAMODB_TABLE_ENCRYPTED_KMS', 'AWS::DynamoDB::Table', ['TW-SSE']),
  rule('DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED', 'AWS::DynamoDB::Table', ['TW-DELETION-PROTECTION'], 'DynamoDB.6'),
  rule('DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN', 'AWS::DynamoDB::Table', ['TW-BACKUP-COVERAGE'], 'DynamoDB.4'),
  rule('DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED', 'AWS::DynamoDB::Table', ['TW-BACKUP-COVERAGE']),
  rule('DYNAMODB_MEETS_RESTORE_TIME_TARGET', 'AWS::DynamoDB::Table', []),
  rule('CMK_BACKING_KEY_ROTATION_ENABLED', 'AWS::KMS::Key', ['TW-KMS-ROTATION'], 'KMS.4'),
];

/** Every identifier, for lookups and validation. */
export const CONFIG_RULE_IDENTIFIERS: readonly ConfigRuleIdentifier[] = MANAGED_CONFIG_RULES.map((entry) => entry.identifier);

/** A rule's facts by identifier. */
export function managedConfigRule(identifier: ConfigRuleIdentifier): ManagedConfigRule {
  const found = MANAGED_CONFIG_RULES.find((entry) => entry.identifier === identifier);
  if (!found) throw new Error(`unknown AWS Config managed rule ${identifier}`);
  return found;
}

/** Is this string one of the seven identifiers? */
export function isConfigRuleIdentifier(value: string): value is ConfigRuleIdentifier {
  return (CONFIG_RULE_IDENTIFIERS as readonly string[]).includes(value);
}

/** recoveryPointAgeValue's documented ceiling in hours ("No more than 744 for hours, 31 for days"). */
export const MAX_RECOVERY_POINT_AGE_HOURS = 744;

/**
 * maxRestoreTime when no table and no baseline declares a restore drill: the loosest target git itself accepts
 * (`restoreDrill.maxRestoreMinutes` is at most 24 × 60), because the parameter is required.
 */
export const DEFAULT_MAX_RESTORE_MINUTES = 24 * 60;

/** How the stack learned key ARNs for the aliases git declares (the desired state knows only aliases). */
export interface CompileOptions {
  /**
   * Key ARN per declared alias (`alias/tablewarden/orders` → `arn:aws:kms:...:key/...`). The operator creates table
   * keys at run time, so their ARNs are not known to the desired state; the stack gets them as a prop.
   */
  keyArns?: Readonly<Record<string, string>>;
}

/** What the compiled parameters could not say, for the synth warnings and the posture report. */
export interface ConfigRuleCompileNotes {
  /** Every KMS alias the desired state declares (baseline and tables), sorted. */
  declaredKeyAliases: string[];
  /** Declared aliases without a key ARN: while any is missing, `kmsKeyArns` is left out (see compile). */
  unresolvedKeyAliases: string[];
  /** The account-wide recovery point age in hours, and where it came from. */
  recoveryPointAge?: { hours: number; source: 'baseline' | 'loosest-table'; cappedFrom?: number };
  /** Tables whose own maxRecoveryPointAgeHours differs from the account-wide value. */
  recoveryPointAgeExceptions: Array<{ table: string; hours: number }>;
  /** The account-wide maxRestoreTime in minutes, and where it came from. */
  maxRestoreMinutes: { minutes: number; source: 'baseline' | 'loosest-table' | 'default' };
  /** Tables whose own restoreDrill.maxRestoreMinutes differs from the account-wide value. */
  restoreTimeExceptions: Array<{ table: string; minutes: number }>;
}

/**
 * An account-wide threshold from per-table values: the baseline's when the policy declares one (that is the
 * account's own promise), else the loosest a table declares, so Config never calls a table non-compliant that git
 * calls fine. Stricter tables are held to their own value by the operator, and listed.
 */
function accountWide(desired: DesiredState, pick: (spec: Baseline) => number | undefined): { value: number; source: 'baseline' | 'loosest-table' } | undefined {
  const baseline = pick(desired.policy.baseline);
  if (baseline !== undefined) return { value: baseline, source: 'baseline' };
  const values = desired.tables.filter((table) => table.managed).map((table) => pick(table.spec)).filter((value): value is number => value !== undefined);
  return values.length === 0 ? undefined : { value: Math.max(...values), source: 'loosest-table' };
}

function exceptions(desired: DesiredState, pick: (spec: Baseline) => number | undefined, value: number | undefined): Array<{ table: string; value: number }> {
  return desired.tables
    .filter((table) => table.managed)
    .flatMap((table) => {
      const own = pick(table.spec);
      return own !== undefined && own !== value ? [{ table: table.name, value: own }] : [];
    })
    .sort((a, b) => a.table.localeCompare(b.table));
}

const recoveryPointAgeOf = (spec: Baseline) => spec.backup?.maxRecoveryPointAgeHours;
const restoreMinutesOf = (spec: Baseline) => spec.restoreDrill?.maxRestoreMinutes;

/** The notes behind `compileConfigRuleParameters`: unresolved aliases and per-table thresholds Config cannot hold. */
export function configRuleCompileNotes(desired: DesiredState, options: CompileOptions = {}): ConfigRuleCompileNotes {
  const aliases = new Set<string>();
  const baselineAlias = customerManagedKeyAlias(desired.policy.baseline.encryption);
  if (baselineAlias) aliases.add(baselineAlias);
  for (const table of desired.tables) {
    const alias = customerManagedKeyAlias(table.spec.encryption);
    if (alias) aliases.add(alias);
  }
  const declaredKeyAliases = [...aliases].sort();
  const unresolvedKeyAliases = declaredKeyAliases.filter((alias) => !options.keyArns?.[alias]);

  const age = accountWide(desired, recoveryPointAgeOf);
  const ageHours = age === undefined ? undefined : Math.min(age.value, MAX_RECOVERY_POINT_AGE_HOURS);
  const restore = accountWide(desired, restoreMinutesOf);
  const restoreMinutes = restore?.value ?? DEFAULT_MAX_RESTORE_MINUTES;

  return {
    declaredKeyAliases,
    unresolvedKeyAliases,
    ...(age === undefined || ageHours === undefined
      ? {}
      : { recoveryPointAge: { hours: ageHours, source: age.source, ...(ageHours === age.value ? {} : { cappedFrom: age.value }) } }),
    recoveryPointAgeExceptions: exceptions(desired, recoveryPointAgeOf, age?.value).map(({ table, value }) => ({ table, hours: value })),
    maxRestoreMinutes: restore === undefined ? { minutes: restoreMinutes, source: 'default' } : { minutes: restoreMinutes, source: restore.source },
    restoreTimeExceptions: exceptions(desired, restoreMinutesOf, restore?.value).map(({ table, value }) => ({ table, minutes: value })),
  };
}

/**
 * InputParameters per rule, all values strings, compiled from the desired state.
 *
 * - `kmsKeyArns`: the key ARNs of every alias git declares, sorted, comma-separated. Left out while any declared
 *   alias has no ARN in `options.keyArns`: a partial list would make Config call every table on a missing key
 *   non-compliant although git is satisfied, and a rule without the parameter still checks "encrypted with KMS".
 *   Left out too when git declares no customer managed key.
 * - `recoveryPointAgeValue` / `recoveryPointAgeUnit`: `maxRecoveryPointAgeHours` in 'hours' (the policy's unit, no
 *   rounding), from the baseline or else the loosest table, capped at the documented 744 hours.
 * - `maxRestoreTime`: `restoreDrill.maxRestoreMinutes` in minutes, the rule's unit, chosen the same way; required,
 *   so `DEFAULT_MAX_RESTORE_MINUTES` when nothing declares a drill.
 */
export function compileConfigRuleParameters(desired: DesiredState, options: CompileOptions = {}): Record<ConfigRuleIdentifier, Record<string, string>> {
  const notes = configRuleCompileNotes(desired, options);
  const keyArns = notes.declaredKeyAliases.map((alias) => options.keyArns?.[alias]).filter((arn): arn is string => arn !== undefined);
  const encrypted: Record<string, string> =
    notes.declaredKeyAliases.length > 0 && notes.unresolvedKeyAliases.length === 0 ? { kmsKeyArns: [...new Set(keyArns)].sort().join(',') } : {};
  const recoveryPoint: Record<string, string> = notes.recoveryPointAge
    ? { recoveryPointAgeValue: String(notes.recoveryPointAge.hours), recoveryPointAgeUnit: 'hours' }
    : {};
  return {
    DYNAMODB_PITR_ENABLED: {},
    DYNAMODB_TABLE_ENCRYPTED_KMS: encrypted,
    DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED: {},
    DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN: {},
    DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED: recoveryPoint,
    DYNAMODB_MEETS_RESTORE_TIME_TARGET: { maxRestoreTime: String(notes.maxRestoreMinutes.minutes) },
    CMK_BACKING_KEY_ROTATION_ENABLED: {},
  };
}

/** The environment variable that names the deployed (or another team's) rules for the handlers. */
export const CONFIG_RULES_ENV = 'CONFIG_RULES';

/** The `CONFIG_RULES` value for the default rule names: `{ "tablewarden-dynamodb-pitr-enabled": "DYNAMODB_PITR_ENABLED", ... }`. */
export function defaultConfigRuleNames(): Record<string, ConfigRuleIdentifier> {
  return Object.fromEntries(MANAGED_CONFIG_RULES.map((entry) => [entry.defaultName, entry.identifier]));
}

/** A malformed `CONFIG_RULES` value: a deployment mistake, reported before any AWS call. */
export class ConfigRulesEnvError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigRulesEnvError';
  }
}

/** ConfigRuleName rules (https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigRule.html): 1–128, `.*\S.*`. */
const CONFIG_RULE_NAME = /^(?=.*\S).{1,128}$/s;

/**
 * Parse `CONFIG_RULES` (`{ "<ConfigRuleName>": "<ConfigRuleIdentifier>" }`). Unset or empty means "no rules known"
 * (an empty map), so a handler without Config simply has nothing to match. Anything else that is not such an object
 * is a deployment mistake and throws, naming the variable and the bad entry, before any AWS call.
 */
export function parseConfigRulesEnv(value: string | undefined): Map<string, ConfigRuleIdentifier> {
  const rules = new Map<string, ConfigRuleIdentifier>();
  if (value === undefined || value.trim() === '') return rules;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new ConfigRulesEnvError(`${CONFIG_RULES_ENV} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigRulesEnvError(`${CONFIG_RULES_ENV} must be a JSON object of { "<ConfigRuleName>": "<identifier>" }`);
  }
  for (const [name, identifier] of Object.entries(parsed)) {
    if (!CONFIG_RULE_NAME.test(name)) throw new ConfigRulesEnvError(`${CONFIG_RULES_ENV}: "${name}" is not a Config rule name (1–128 characters, not blank)`);
    if (typeof identifier !== 'string' || !isConfigRuleIdentifier(identifier)) {
      throw new ConfigRulesEnvError(`${CONFIG_RULES_ENV}: rule "${name}" names ${JSON.stringify(identifier)}, not one of ${CONFIG_RULE_IDENTIFIERS.join(', ')}`);
    }
    rules.set(name, identifier);
  }
  return rules;
}
