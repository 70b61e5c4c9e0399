/**
 * TW-TAGS — the declared tags (policy baseline merged with the table's own) are present with their values.
 *
 * Drives: dynamodb:TagResource. Never UntagResource: tags the desired state does not name belong to someone else.
 * Binds: TagResource is limited to 5 requests per second per account, so all of a table's tags go in one call;
 * tags are read in bulk through the Resource Groups Tagging API.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Tagging.html
 */
import { compliant, defineControl, nonCompliant, notApplicable } from './control.ts';

/** Tag control. */
export const tagsControl = defineControl({
  id: 'TW-TAGS',
  title: 'Declared and required tags are present with their values',
  rationale: 'Tags drive cost allocation, data classification and ownership; security tooling keys off them.',
  references: {
    configRules: ['required-tags'],
    securityHub: ['DynamoDB.5'],
    documentation: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Tagging.html',
  },
  permissions: { observe: ['tag:GetResources'], apply: ['dynamodb:TagResource'] },
  assess({ desired, observed }) {
    if (desired.spec.tags === undefined) return notApplicable('no tags are declared');
    const entries = Object.entries(desired.spec.tags);
    if (entries.length === 0) return compliant('no tags are declared');
    // A Map, not property lookups: a tag may be called "constructor" or "toString".
    const have = new Map(Object.entries(observed.tags));
    const wrong = new Map(entries.filter(([key, value]) => have.get(key) !== value));
    const keys = [...wrong.keys()].sort();
    if (keys.length === 0) return compliant(`all ${entries.length} declared tags are set`);
    const describe = keys
      .map((key) => (have.has(key) ? `${key}=${have.get(key)} (want ${wrong.get(key)})` : `${key} missing`))
      .join(', ');
    return nonCompliant(`tags differ: ${describe}`, [
      { type: 'TagResource', tags: Object.fromEntries(keys.map((key) => [key, wrong.get(key)!])), risk: 'safe', reason: `set tag${keys.length > 1 ? 's' : ''} ${keys.join(', ')}` },
    ]);
  },
});
