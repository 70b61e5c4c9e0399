/**
 * AWS Backup resource-assignment ("backup selection") semantics, evaluated offline.
 *
 * Why: the TW-BACKUP control needs to know which backup plans cover a table. AWS offers no "which plans cover
 * this ARN" API, so the observer lists every selection once per run and decides coverage here, for every table,
 * without further calls. Pure: plain strings in, a boolean out (no AWS SDK types, see the lint rule on core).
 *
 * Semantics, from the AWS Backup developer guide ("Assign resources with AWS CLI", API_BackupSelection,
 * API_Conditions) and the AWS re:Post article "backup-assign-resources":
 * - `Resources` entries are OR'ed. `"*"` means every resource; `*` inside an ARN pattern matches any run of
 *   non-whitespace characters.
 * - `ListOfTags` entries (ConditionType STRINGEQUALS only) are OR'ed, and OR'ed with `Resources`
 *   (the two are "additive").
 * - `Conditions` (StringEquals / StringNotEquals / StringLike / StringNotLike on `aws:ResourceTag/<key>`) are
 *   AND'ed with each other and AND'ed with what `Resources` selected ("Resources and Conditions are combined
 *   using AND"). With no `Resources` and no `ListOfTags`, every resource is the starting set (a tags-only
 *   assignment).
 * - `NotResources` removes matching ARNs from the result.
 * - A selection with none of the four selects every supported, opted-in resource.
 *
 * Where the documentation is silent we choose the reading that can only *under*-report coverage (a false
 * "not covered" surfaces as a finding a human checks; a false "covered" would hide an unprotected table):
 * - `Conditions` also filter what `ListOfTags` selected.
 * - Negated operators (StringNotEquals / StringNotLike) are true when the tag is absent, as in IAM policy
 *   evaluation; positive operators are false when it is absent.
 * - A condition key that is not `aws:ResourceTag/<key>`, or a ListOfTags ConditionType other than STRINGEQUALS,
 *   cannot be evaluated and does not match.
 * Service opt-in (DescribeRegionSettings) is not considered: tags-only assignments of DynamoDB assume the
 * account has DynamoDB opted in, which is the AWS default.
 */

/** One `Conditions` entry: a condition key such as `aws:ResourceTag/backup` and the value to compare. */
export interface SelectionConditionParameter {
  conditionKey: string;
  conditionValue: string;
}

/** One `ListOfTags` entry. AWS accepts only STRINGEQUALS here. */
export interface SelectionTagCondition {
  conditionType: string;
  /** A tag key, optionally written as `aws:ResourceTag/<key>`. */
  conditionKey: string;
  conditionValue: string;
}

/** A backup selection (resource assignment) as plain data; mirrors AWS Backup's `BackupSelection`. */
export interface BackupSelectionRule {
  resources?: string[];
  notResources?: string[];
  listOfTags?: SelectionTagCondition[];
  conditions?: {
    stringEquals?: SelectionConditionParameter[];
    stringNotEquals?: SelectionConditionParameter[];
    stringLike?: SelectionConditionParameter[];
    stringNotLike?: SelectionConditionParameter[];
  };
}

/** The resource being tested: its ARN and its tags. */
export interface SelectableResource {
  arn: string;
  tags: Record<string, string>;
}

const RESOURCE_TAG_PREFIX = 'aws:ResourceTag/';

/**
 * Whether `selection` assigns `resource` to its backup plan.
 *
 * Why a single predicate: coverage must be computed identically by the observer, the report and the tests, and
 * it is the one place where AWS Backup's OR/AND rules live.
 */
export function selectionCoversResource(selection: BackupSelectionRule, resource: SelectableResource): boolean {
  const resources = selection.resources ?? [];
  const listOfTags = selection.listOfTags ?? [];

  const selectedByResources = resources.some((pattern) => arnMatches(pattern, resource.arn));
  const selectedByTags = listOfTags.some((tag) => tagConditionMatches(tag, resource.tags));
  const noIncludes = resources.length === 0 && listOfTags.length === 0;
  const selected = noIncludes || selectedByResources || selectedByTags;
  if (!selected) return false;

  if (!conditionsHold(selection.conditions, resource.tags)) return false;

  const excluded = (selection.notResources ?? []).some((pattern) => arnMatches(pattern, resource.arn));
  return !excluded;
}

/** `"*"` matches everything; otherwise `*` matches any run of non-whitespace characters; case-sensitive. */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  return wildcardRegExp(pattern, '\\S*').test(arn);
}

function tagConditionMatches(condition: SelectionTagCondition, tags: Record<string, string>): boolean {
  if (condition.conditionType.toUpperCase() !== 'STRINGEQUALS') return false;
  const key = condition.conditionKey.startsWith(RESOURCE_TAG_PREFIX)
    ? condition.conditionKey.slice(RESOURCE_TAG_PREFIX.length)
    : condition.conditionKey;
  return Object.hasOwn(tags, key) && tags[key] === condition.conditionValue;
}

function conditionsHold(conditions: BackupSelectionRule['conditions'], tags: Record<string, string>): boolean {
  if (conditions === undefined) return true;
  const checks: Array<[SelectionConditionParameter[] | undefined, (value: string | undefined, expected: string) => boolean]> = [
    [conditions.stringEquals, (value, expected) => value !== undefined && value === expected],
    [conditions.stringNotEquals, (value, expected) => value === undefined || value !== expected],
    [conditions.stringLike, (value, expected) => value !== undefined && likeMatches(expected, value)],
    [conditions.stringNotLike, (value, expected) => value === undefined || !likeMatches(expected, value)],
  ];
  for (const [parameters, test] of checks) {
    for (const parameter of parameters ?? []) {
      if (!parameter.conditionKey.startsWith(RESOURCE_TAG_PREFIX)) return false;
      const key = parameter.conditionKey.slice(RESOURCE_TAG_PREFIX.length);
      const value = Object.hasOwn(tags, key) ? tags[key] : undefined;
      if (!test(value, parameter.conditionValue)) return false;
    }
  }
  return true;
}

/** StringLike: `*` matches any run of characters (tag values may contain spaces). */
function likeMatches(pattern: string, value: string): boolean {
  return wildcardRegExp(pattern, '.*').test(value);
}

function wildcardRegExp(pattern: string, star: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join(star);
  return new RegExp(`^${body}$`, 's');
}
