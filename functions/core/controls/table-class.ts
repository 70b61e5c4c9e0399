/**
 * TW-TABLE-CLASS — STANDARD or STANDARD_INFREQUENT_ACCESS, as declared.
 *
 * Drives: dynamodb:UpdateTable (TableClass), or CreateTable for new tables.
 * Binds: the class can be changed twice in 30 days; one change type per UpdateTable call.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.TableClasses.html
 */
import { compliant, defineControl, nonCompliant, notApplicable } from './control.ts';

export const tableClassControl = defineControl({
  id: 'TW-TABLE-CLASS',
  title: 'Table class matches the declared class',
  rationale: 'The table class sets the storage/throughput price balance; an accidental change costs money for 30 days.',
  references: {
    configRules: [],
    securityHub: [],
    documentation: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.TableClasses.html',
  },
  permissions: { observe: ['dynamodb:DescribeTable'], apply: ['dynamodb:UpdateTable'] },
  assess({ desired, observed }) {
    const want = desired.spec.tableClass;
    if (!want) return notApplicable('tableClass is not declared');
    if (observed.tableClass === want) return compliant(`table class is ${want}`);
    return nonCompliant(`table class is ${observed.tableClass}, want ${want}`, [
      { type: 'UpdateTableClass', tableClass: want, risk: 'safe', reason: `change the table class from ${observed.tableClass} to ${want} (at most twice in 30 days)` },
    ]);
  },
});
