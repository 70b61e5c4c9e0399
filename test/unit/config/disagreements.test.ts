/**
 * functions/core/config/disagreements.ts: Config's NON_COMPLIANT findings beside the plan's findings.
 */
import { describe, expect, it } from 'vitest';
import { compareWithPlan, findDisagreements, NO_ANNOTATION, type ConfigFindings, type PlannedTable } from '../../../functions/core/config/disagreements.ts';
import type { ControlId, Finding, FindingStatus } from '../../../functions/core/model/plan.ts';

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1111aaaa-0000-4000-8000-000000000001';
const OTHER_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/2222bbbb-0000-4000-8000-000000000002';

const finding = (control: ControlId, status: FindingStatus, reason: string): Finding => ({ control, status, reason });
const table = (name: string, findings: Finding[], extra: Partial<PlannedTable> = {}): PlannedTable => ({ name, managed: true, status: 'in-sync', findings, ...extra });
const findings = (...rules: ConfigFindings['rules']): ConfigFindings => ({ collectedAt: '2026-01-01T00:00:00.000Z', rules });
const tableResource = (name: string, annotation?: string) => ({ resourceType: 'AWS::DynamoDB::Table', resourceId: name, ...(annotation ? { annotation } : {}) });

describe('findDisagreements', () => {
  it('a table on a key that is not in kmsKeyArns: Config says NON_COMPLIANT, the plan says TW-SSE COMPLIANT: one disagreement with both reasons', () => {
    // Prepare
    const planned = [table('Orders', [finding('TW-SSE', 'COMPLIANT', 'encrypted with alias/tablewarden/orders'), finding('TW-PITR', 'COMPLIANT', 'PITR on')])];
    const swept = findings({
      ruleName: 'tablewarden-dynamodb-table-encrypted-kms',
      identifier: 'DYNAMODB_TABLE_ENCRYPTED_KMS',
      nonCompliant: [tableResource('Orders', `The table is encrypted with ${OTHER_KEY_ARN}, which is not in kmsKeyArns.`)],
    });
    // Act
    const disagreements = findDisagreements(swept, planned);
    // Assess
    expect(disagreements).toEqual([
      {
        table: 'Orders',
        control: 'TW-SSE',
        configRule: 'tablewarden-dynamodb-table-encrypted-kms',
        configSays: `The table is encrypted with ${OTHER_KEY_ARN}, which is not in kmsKeyArns.`,
        planSays: 'COMPLIANT: encrypted with alias/tablewarden/orders',
      },
    ]);
  });

  it('a KMS key finding (CMK_BACKING_KEY_ROTATION_ENABLED, resource ID = key ID) maps to every planned table on that key', () => {
    // Prepare: two tables on the key, one on another key; the plan calls rotation compliant for all.
    const rotating = finding('TW-KMS-ROTATION', 'COMPLIANT', 'alias/tablewarden/shared rotates every 365 days');
    const planned = [
      table('Customers', [rotating], { kmsKeyArn: KEY_ARN }),
      table('Orders', [rotating], { kmsKeyArn: KEY_ARN }),
      table('Sessions', [rotating], { kmsKeyArn: OTHER_KEY_ARN }),
    ];
    const swept = findings({
      ruleName: 'tablewarden-cmk-backing-key-rotation-enabled',
      identifier: 'CMK_BACKING_KEY_ROTATION_ENABLED',
      nonCompliant: [{ resourceType: 'AWS::KMS::Key', resourceId: '1111aaaa-0000-4000-8000-000000000001' }],
    });
    // Act
    const disagreements = findDisagreements(swept, planned);
    // Assess
    expect(disagreements.map((entry) => [entry.table, entry.control, entry.configSays, entry.planSays])).toEqual([
      ['Customers', 'TW-KMS-ROTATION', NO_ANNOTATION, 'COMPLIANT: alias/tablewarden/shared rotates every 365 days'],
      ['Orders', 'TW-KMS-ROTATION', NO_ANNOTATION, 'COMPLIANT: alias/tablewarden/shared rotates every 365 days'],
    ]);
  });

  it('a KMS key no planned table uses is not a disagreement: listed as not planned', () => {
    // Prepare
    const planned = [table('Orders', [finding('TW-KMS-ROTATION', 'COMPLIANT', 'rotates')], { kmsKeyArn: KEY_ARN })];
    const swept = findings({ ruleName: 'cmk', identifier: 'CMK_BACKING_KEY_ROTATION_ENABLED', nonCompliant: [{ resourceType: 'AWS::KMS::Key', resourceId: '9999' }] });
    // Act
    const comparison = compareWithPlan(swept, planned);
    // Assess
    expect(comparison.disagreements).toEqual([]);
    expect(comparison.unjudged).toEqual([{ configRule: 'cmk', resourceType: 'AWS::KMS::Key', resourceId: '9999', configSays: NO_ANNOTATION, why: 'not-planned' }]);
  });

  it.each([
    ['NON_COMPLIANT (the run remediates it): agreed', 'NON_COMPLIANT', { remediated: 1, waived: 0, disagreements: 0 }],
    ['WAIVED: a waived finding, not a disagreement', 'WAIVED', { remediated: 0, waived: 1, disagreements: 0 }],
    ['COMPLIANT: a disagreement', 'COMPLIANT', { remediated: 0, waived: 0, disagreements: 1 }],
    ['NOT_APPLICABLE (git does not ask for it, nothing will fix it): a disagreement', 'NOT_APPLICABLE', { remediated: 0, waived: 0, disagreements: 1 }],
  ] as const)('the plan says %s', (_label, status, counts) => {
    // Prepare
    const planned = [table('Orders', [finding('TW-PITR', status, 'why')])];
    const swept = findings({ ruleName: 'pitr', identifier: 'DYNAMODB_PITR_ENABLED', nonCompliant: [tableResource('Orders', 'PITR is off')] });
    // Act
    const comparison = compareWithPlan(swept, planned);
    // Assess
    expect({ remediated: comparison.remediated.length, waived: comparison.waived.length, disagreements: comparison.disagreements.length }).toEqual(counts);
  });

  it('keeps the waiver text on a waived finding', () => {
    // Prepare
    const planned = [table('Orders', [finding('TW-DELETION-PROTECTION', 'WAIVED', 'waived until 2027-01-01 by team-a: migration')])];
    const swept = findings({ ruleName: 'dp', identifier: 'DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED', nonCompliant: [tableResource('Orders')] });
    // Act
    const { waived } = compareWithPlan(swept, planned);
    // Assess
    expect(waived).toEqual([{ table: 'Orders', control: 'TW-DELETION-PROTECTION', configRule: 'dp', configSays: NO_ANNOTATION, waiver: 'waived until 2027-01-01 by team-a: migration' }]);
  });

  it('an unmanaged table the policy only reports is listed as unmanaged; one the policy remediates is judged like a managed one', () => {
    // Prepare
    const pitrCompliant = [finding('TW-PITR', 'COMPLIANT', 'PITR on')];
    const planned = [
      table('legacy', pitrCompliant, { managed: false, status: 'unmanaged', unmanagedTables: 'report' }),
      table('legacy-remediated', [finding('TW-PITR', 'NON_COMPLIANT', 'PITR off')], { managed: false, status: 'unmanaged', unmanagedTables: 'remediate' }),
    ];
    const swept = findings({ ruleName: 'pitr', identifier: 'DYNAMODB_PITR_ENABLED', nonCompliant: [tableResource('legacy'), tableResource('legacy-remediated')] });
    // Act
    const comparison = compareWithPlan(swept, planned);
    // Assess
    expect(comparison.unjudged).toEqual([{ configRule: 'pitr', resourceType: 'AWS::DynamoDB::Table', resourceId: 'legacy', configSays: NO_ANNOTATION, why: 'unmanaged' }]);
    expect(comparison.remediated).toEqual([{ table: 'legacy-remediated', configRule: 'pitr', controls: ['TW-PITR'], configSays: NO_ANNOTATION }]);
    expect(comparison.disagreements).toEqual([]);
  });

  it('a table this run did not plan, a planned table without findings (observation error), and a rule no control checks are listed, never dropped', () => {
    // Prepare
    const planned = [table('Broken', [], { status: 'error' })];
    const swept = findings(
      { ruleName: 'pitr', identifier: 'DYNAMODB_PITR_ENABLED', nonCompliant: [tableResource('Gone'), tableResource('Broken')] },
      { ruleName: 'restore', identifier: 'DYNAMODB_MEETS_RESTORE_TIME_TARGET', nonCompliant: [tableResource('Broken', 'slow restore')] },
    );
    // Act
    const comparison = compareWithPlan(swept, planned);
    // Assess
    expect(comparison.unjudged.map((entry) => [entry.configRule, entry.resourceId, entry.why])).toEqual([
      ['pitr', 'Gone', 'not-planned'],
      ['pitr', 'Broken', 'not-judged'],
      ['restore', 'Broken', 'no-control'],
    ]);
    expect(comparison.disagreements).toEqual([]);
  });

  it('a blank annotation reads as "no annotation"', () => {
    // Prepare
    const planned = [table('Orders', [finding('TW-PITR', 'COMPLIANT', 'PITR on')])];
    const swept = findings({ ruleName: 'pitr', identifier: 'DYNAMODB_PITR_ENABLED', nonCompliant: [tableResource('Orders', '   ')] });
    // Act
    const [disagreement] = findDisagreements(swept, planned);
    // Assess
    expect(disagreement?.configSays).toBe(NO_ANNOTATION);
  });
});
