/**
 * TW-DELETION-PROTECTION — deletion protection as declared.
 *
 * Drives: dynamodb:UpdateTable (DeletionProtectionEnabled), or CreateTable for new tables.
 * Binds: UpdateTable allows one change type per call and none while the table is UPDATING.
 * Never turns protection off unless the desired state says `false` explicitly.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection
 */
import { compliant, defineControl, nonCompliant, notApplicable } from './control.ts';

export const deletionProtectionControl = defineControl({
  id: 'TW-DELETION-PROTECTION',
  title: 'Deletion protection is set as declared',
  rationale: 'Deletion protection stops a DeleteTable call, from a person or a pipeline, from destroying a production table.',
  references: {
    configRules: ['dynamodb-table-deletion-protection-enabled'],
    securityHub: ['DynamoDB.6'],
    documentation: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection',
  },
  permissions: { observe: ['dynamodb:DescribeTable'], apply: ['dynamodb:UpdateTable'] },
  assess({ desired, observed }) {
    const want = desired.spec.deletionProtection;
    if (want === undefined) return notApplicable('deletionProtection is not declared');
    if (observed.deletionProtection === want) return compliant(`deletion protection is ${want ? 'on' : 'off'}, as declared`);
    return want
      ? nonCompliant('deletion protection is off', [
          { type: 'UpdateDeletionProtection', enabled: true, risk: 'safe', reason: 'enable deletion protection' },
        ])
      : nonCompliant('deletion protection is on but the desired state turns it off', [
          { type: 'UpdateDeletionProtection', enabled: false, risk: 'disruptive', reason: 'disable deletion protection as declared' },
        ]);
  },
});
