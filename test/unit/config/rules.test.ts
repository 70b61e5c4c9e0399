import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_RULE_IDENTIFIERS,
  compileConfigRuleParameters,
  configRuleCompileNotes,
  ConfigRulesEnvError,
  DEFAULT_MAX_RESTORE_MINUTES,
  defaultConfigRuleNames,
  MANAGED_CONFIG_RULES,
  MAX_RECOVERY_POINT_AGE_HOURS,
  parseConfigRulesEnv,
} from '../../../functions/core/config/rules.ts';
import { CONTROLS } from '../../../functions/core/controls/index.ts';
import type { Baseline } from '../../../functions/core/desired/schema.ts';
import type { DesiredState, DesiredTable } from '../../../functions/core/model/desired.ts';
import { desiredTable, policy } from '../controls/fixtures.ts';

const ORDERS_ARN = 'arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
const CUSTOMERS_ARN = 'arn:aws:kms:us-east-1:123456789012:key/bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb';

function table(name: string, spec: Partial<DesiredTable['spec']>, managed = true): DesiredTable {
  // The fixture's defaults declare backup, a key and no drill; each test here declares exactly what it is about.
  return desiredTable({ backup: undefined, encryption: undefined, restoreDrill: undefined, ...spec }, { name, managed });
}

function state(tables: DesiredTable[], baseline: Baseline = {}): DesiredState {
  return { policy: { ...policy(), baseline }, tables, invalidTables: [] };
}

const cmk = (alias: string) => ({ type: 'CUSTOMER_MANAGED' as const, kmsKeyAlias: alias, rotationPeriodDays: 365 });

describe('MANAGED_CONFIG_RULES', () => {
  it('lists the seven rules of issue 11 once each, with documented resource types', () => {
    // Prepare
    const expected = {
      DYNAMODB_PITR_ENABLED: 'AWS::DynamoDB::Table',
      DYNAMODB_TABLE_ENCRYPTED_KMS: 'AWS::DynamoDB::Table',
      DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED: 'AWS::DynamoDB::Table',
      DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN: 'AWS::DynamoDB::Table',
      DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED: 'AWS::DynamoDB::Table',
      DYNAMODB_MEETS_RESTORE_TIME_TARGET: 'AWS::DynamoDB::Table',
      CMK_BACKING_KEY_ROTATION_ENABLED: 'AWS::KMS::Key',
    };

    // Act
    const actual = Object.fromEntries(MANAGED_CONFIG_RULES.map((rule) => [rule.identifier, rule.resourceType]));

    // Assess
    expect(actual).toEqual(expected);
    expect(new Set(CONFIG_RULE_IDENTIFIERS).size).toBe(7);
  });

  it('names each rule tablewarden-<doc name> and links its page', () => {
    // Act
    const pitr = MANAGED_CONFIG_RULES.find((rule) => rule.identifier === 'DYNAMODB_PITR_ENABLED')!;

    // Assess
    expect(pitr.defaultName).toBe('tablewarden-dynamodb-pitr-enabled');
    expect(pitr.docName).toBe('dynamodb-pitr-enabled');
    expect(pitr.documentation).toBe('https://docs.aws.amazon.com/config/latest/developerguide/dynamodb-pitr-enabled.html');
    for (const rule of MANAGED_CONFIG_RULES) expect(rule.defaultName.length).toBeLessThanOrEqual(128);
  });
});

describe('the control catalog and the Config rules', () => {
  it('names each control\'s Config rules and Security Hub controls as the AWS docs map them', () => {
    // Prepare: https://docs.aws.amazon.com/securityhub/latest/userguide/dynamodb-controls.html (DynamoDB.1 autoscaling,
    // .2 PITR, .3 DAX at rest, .4 dynamodb-resources-protected-by-backup-plan, .5 tags, .6 deletion protection,
    // .7 DAX in transit) and kms-controls.html (KMS.4 cmk-backing-key-rotation-enabled).
    const expected = {
      'TW-TABLE-EXISTS': { configRules: [], securityHub: [] },
      'TW-SSE': { configRules: ['dynamodb-table-encrypted-kms', 'dynamodb-table-encryption-enabled'], securityHub: [] },
      'TW-KMS-ROTATION': { configRules: ['cmk-backing-key-rotation-enabled'], securityHub: ['KMS.4'] },
      'TW-PITR': { configRules: ['dynamodb-pitr-enabled'], securityHub: ['DynamoDB.2'] },
      'TW-DELETION-PROTECTION': { configRules: ['dynamodb-table-deletion-protection-enabled'], securityHub: ['DynamoDB.6'] },
      'TW-BACKUP-COVERAGE': { configRules: ['dynamodb-resources-protected-by-backup-plan', 'dynamodb-last-backup-recovery-point-created'], securityHub: ['DynamoDB.4'] },
      'TW-TAGS': { configRules: ['required-tags'], securityHub: ['DynamoDB.5'] },
      'TW-TTL': { configRules: [], securityHub: [] },
      'TW-STREAM': { configRules: [], securityHub: [] },
      'TW-BILLING': { configRules: ['dynamodb-autoscaling-enabled', 'dynamodb-throughput-limit-check'], securityHub: ['DynamoDB.1'] },
      'TW-TABLE-CLASS': { configRules: [], securityHub: [] },
      'TW-CONTRIBUTOR-INSIGHTS': { configRules: [], securityHub: [] },
      'TW-GSI': { configRules: [], securityHub: [] },
    };

    // Act
    const actual = Object.fromEntries(CONTROLS.map((control) => [control.id, { configRules: control.references.configRules, securityHub: control.references.securityHub }]));

    // Assess
    expect(actual).toEqual(expected);
  });

  it('has every deployed rule named by the controls it lists, with the same Security Hub control', () => {
    for (const rule of MANAGED_CONFIG_RULES) {
      for (const id of rule.controls) {
        // Act
        const control = CONTROLS.find((candidate) => candidate.id === id)!;

        // Assess
        expect(control.references.configRules, `${id} names ${rule.docName}`).toContain(rule.docName);
        if (rule.securityHub) expect(control.references.securityHub, `${id} names ${rule.securityHub}`).toContain(rule.securityHub);
      }
    }
  });

  it('names no Config rule of the seven in a control that the rule does not list', () => {
    // Prepare
    const docNames = new Map(MANAGED_CONFIG_RULES.map((rule) => [rule.docName, rule]));

    for (const control of CONTROLS) {
      for (const name of control.references.configRules) {
        // Act
        const rule = docNames.get(name);

        // Assess
        if (rule) expect(rule.controls, `${name} lists ${control.id}`).toContain(control.id);
      }
    }
  });
});

describe('compileConfigRuleParameters', () => {
  it('compiles the repository desired state shape: key ARNs, hours and minutes, all strings', () => {
    // Prepare
    const desired = state(
      [
        table('Customers', { encryption: cmk('alias/tablewarden/customers'), backup: { plan: 'daily-35d', maxRecoveryPointAgeHours: 26 }, restoreDrill: drill(60) }),
        table('Orders', { encryption: cmk('alias/tablewarden/orders'), backup: { plan: 'daily-35d', maxRecoveryPointAgeHours: 26 }, restoreDrill: drill(30) }),
      ],
      { backup: { plan: 'daily-35d', maxRecoveryPointAgeHours: 26 } },
    );

    // Act
    const parameters = compileConfigRuleParameters(desired, { keyArns: { 'alias/tablewarden/orders': ORDERS_ARN, 'alias/tablewarden/customers': CUSTOMERS_ARN } });

    // Assess
    expect(parameters).toEqual({
      DYNAMODB_PITR_ENABLED: {},
      DYNAMODB_TABLE_ENCRYPTED_KMS: { kmsKeyArns: [ORDERS_ARN, CUSTOMERS_ARN].sort().join(',') },
      DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED: {},
      DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN: {},
      DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED: { recoveryPointAgeValue: '26', recoveryPointAgeUnit: 'hours' },
      DYNAMODB_MEETS_RESTORE_TIME_TARGET: { maxRestoreTime: '60' },
      CMK_BACKING_KEY_ROTATION_ENABLED: {},
    });
  });

  it('leaves kmsKeyArns out while a declared alias has no ARN, and the notes name the alias', () => {
    // Prepare
    const desired = state([table('Customers', { encryption: cmk('alias/tablewarden/customers') }), table('Orders', { encryption: cmk('alias/tablewarden/orders') })]);

    // Act
    const parameters = compileConfigRuleParameters(desired, { keyArns: { 'alias/tablewarden/customers': CUSTOMERS_ARN } });
    const notes = configRuleCompileNotes(desired, { keyArns: { 'alias/tablewarden/customers': CUSTOMERS_ARN } });

    // Assess
    expect(parameters.DYNAMODB_TABLE_ENCRYPTED_KMS).toEqual({});
    expect(notes.declaredKeyAliases).toEqual(['alias/tablewarden/customers', 'alias/tablewarden/orders']);
    expect(notes.unresolvedKeyAliases).toEqual(['alias/tablewarden/orders']);
  });

  it('takes the baseline recovery point age and lists tables that declare another', () => {
    // Prepare
    const desired = state(
      [table('Orders', { backup: { plan: 'p', maxRecoveryPointAgeHours: 12 } }), table('Customers', { backup: { plan: 'p', maxRecoveryPointAgeHours: 26 } })],
      { backup: { plan: 'p', maxRecoveryPointAgeHours: 26 } },
    );

    // Act
    const notes = configRuleCompileNotes(desired);

    // Assess
    expect(notes.recoveryPointAge).toEqual({ hours: 26, source: 'baseline' });
    expect(notes.recoveryPointAgeExceptions).toEqual([{ table: 'Orders', hours: 12 }]);
  });

  it('without a baseline takes the loosest table value, so Config never flags a table git calls fresh', () => {
    // Prepare
    const desired = state([table('Orders', { backup: { plan: 'p', maxRecoveryPointAgeHours: 12 }, restoreDrill: drill(30) }), table('Customers', { backup: { plan: 'p', maxRecoveryPointAgeHours: 48 }, restoreDrill: drill(60) })]);

    // Act
    const parameters = compileConfigRuleParameters(desired);
    const notes = configRuleCompileNotes(desired);

    // Assess
    expect(parameters.DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED).toEqual({ recoveryPointAgeValue: '48', recoveryPointAgeUnit: 'hours' });
    expect(parameters.DYNAMODB_MEETS_RESTORE_TIME_TARGET).toEqual({ maxRestoreTime: '60' });
    expect(notes.restoreTimeExceptions).toEqual([{ table: 'Orders', minutes: 30 }]);
  });

  it('caps the recovery point age at the documented 744 hours and says so', () => {
    // Prepare
    const desired = state([], { backup: { plan: 'p', maxRecoveryPointAgeHours: 24 * 40 } });

    // Act
    const parameters = compileConfigRuleParameters(desired);

    // Assess
    expect(parameters.DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED).toEqual({ recoveryPointAgeValue: '744', recoveryPointAgeUnit: 'hours' });
    expect(configRuleCompileNotes(desired).recoveryPointAge).toEqual({ hours: 744, source: 'baseline', cappedFrom: 960 });
  });

  it('gives the required maxRestoreTime a default when nothing declares a drill, and no age parameters without backup', () => {
    // Act
    const parameters = compileConfigRuleParameters(state([table('Orders', {})]));

    // Assess
    expect(parameters.DYNAMODB_MEETS_RESTORE_TIME_TARGET).toEqual({ maxRestoreTime: String(DEFAULT_MAX_RESTORE_MINUTES) });
    expect(parameters.DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED).toEqual({});
  });

  it('ignores unmanaged tables (their settings are the baseline already)', () => {
    // Act
    const notes = configRuleCompileNotes(state([table('Legacy', { backup: { plan: 'p', maxRecoveryPointAgeHours: 500 } }, false)]));

    // Assess
    expect(notes.recoveryPointAge).toBeUndefined();
  });

  it('always yields the seven identifiers with string values within the documented bounds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ age: fc.option(fc.integer({ min: 1, max: 24 * 366 }), { nil: undefined }), minutes: fc.option(fc.integer({ min: 1, max: 1440 }), { nil: undefined }) }), { maxLength: 6 }),
        fc.option(fc.integer({ min: 1, max: 24 * 366 }), { nil: undefined }),
        (specs, baselineAge) => {
          // Prepare
          const tables = specs.map((spec, index) =>
            table(`T-${index}`, {
              ...(spec.age === undefined ? {} : { backup: { plan: 'p', maxRecoveryPointAgeHours: spec.age } }),
              ...(spec.minutes === undefined ? {} : { restoreDrill: drill(spec.minutes) }),
            }),
          );
          const desired = state(tables, baselineAge === undefined ? {} : { backup: { plan: 'p', maxRecoveryPointAgeHours: baselineAge } });

          // Act
          const parameters = compileConfigRuleParameters(desired);

          // Assess
          expect(Object.keys(parameters).sort()).toEqual([...CONFIG_RULE_IDENTIFIERS].sort());
          for (const values of Object.values(parameters)) for (const value of Object.values(values)) expect(typeof value).toBe('string');
          const age = parameters.DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED.recoveryPointAgeValue;
          if (age !== undefined) {
            expect(Number(age)).toBeGreaterThanOrEqual(1);
            expect(Number(age)).toBeLessThanOrEqual(MAX_RECOVERY_POINT_AGE_HOURS);
            // Every table git calls fresh at the limit is fresh for Config too, unless the baseline says otherwise.
            if (baselineAge === undefined) for (const spec of specs) if (spec.age !== undefined) expect(Number(age)).toBeGreaterThanOrEqual(Math.min(spec.age, MAX_RECOVERY_POINT_AGE_HOURS));
          }
          const restore = Number(parameters.DYNAMODB_MEETS_RESTORE_TIME_TARGET.maxRestoreTime);
          expect(Number.isInteger(restore) && restore >= 1 && restore <= 1440).toBe(true);
        },
      ),
    );
  });
});

describe('parseConfigRulesEnv', () => {
  it('round-trips the default names', () => {
    // Act
    const parsed = parseConfigRulesEnv(JSON.stringify(defaultConfigRuleNames()));

    // Assess
    expect(parsed.size).toBe(7);
    expect(parsed.get('tablewarden-dynamodb-pitr-enabled')).toBe('DYNAMODB_PITR_ENABLED');
  });

  it('round-trips any names for any of the seven identifiers', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 128 }).filter((name) => name.trim() !== ''), fc.constantFrom(...CONFIG_RULE_IDENTIFIERS)), (names) => {
        // Act
        const parsed = parseConfigRulesEnv(JSON.stringify(names));

        // Assess
        expect(Object.fromEntries(parsed)).toEqual(names);
      }),
    );
  });

  it('reads unset or blank as no rules', () => {
    // Assess
    expect(parseConfigRulesEnv(undefined).size).toBe(0);
    expect(parseConfigRulesEnv('  ').size).toBe(0);
  });

  it.each([
    ['not JSON', '{', /CONFIG_RULES is not JSON/],
    ['an array', '["x"]', /must be a JSON object/],
    ['an unknown identifier', '{"security-pitr":"DYNAMODB_PITR"}', /rule "security-pitr" names "DYNAMODB_PITR", not one of/],
    ['a non-string identifier', '{"x":1}', /rule "x" names 1/],
    ['a blank name', '{" ":"DYNAMODB_PITR_ENABLED"}', /is not a Config rule name/],
  ])('refuses %s', (_what, value, message) => {
    // Act
    const act = () => parseConfigRulesEnv(value);

    // Assess
    expect(act).toThrow(ConfigRulesEnvError);
    expect(act).toThrow(message);
  });
});

function drill(maxRestoreMinutes: number): NonNullable<Baseline['restoreDrill']> {
  return { schedule: 'weekly', source: 'pitr', maxRestoreMinutes, sampleSize: 50, maxChangedPercent: 0 };
}
