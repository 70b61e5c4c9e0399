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
  return compileSelection(selection)(resource);
}

/**
 * {@link selectionCoversResource} with the selection's patterns compiled once: the observer tests every table
 * against every candidate selection, and compiling a RegExp per test made that cost grow with tables × patterns.
 */
export function compileSelection(selection: BackupSelectionRule): (resource: SelectableResource) => boolean {
  const resources = (selection.resources ?? []).map(compileArnPattern);
  const notResources = (selection.notResources ?? []).map(compileArnPattern);
  const listOfTags = selection.listOfTags ?? [];
  const noIncludes = resources.length === 0 && listOfTags.length === 0;
  const conditions = compileConditions(selection.conditions);
  return (resource) => {
    const selected = noIncludes || resources.some((matches) => matches(resource.arn)) || listOfTags.some((tag) => tagConditionMatches(tag, resource.tags));
    if (!selected) return false;
    if (!conditions(resource.tags)) return false;
    return !notResources.some((matches) => matches(resource.arn));
  };
}

/** `"*"` matches everything; otherwise `*` matches any run of non-whitespace characters; case-sensitive. */
export function arnMatches(pattern: string, arn: string): boolean {
  return compileArnPattern(pattern)(arn);
}

function compileArnPattern(pattern: string): (arn: string) => boolean {
  if (pattern === '*') return () => true;
  const regExp = wildcardRegExp(pattern, '\\S*');
  return (arn) => regExp.test(arn);
}

function tagConditionMatches(condition: SelectionTagCondition, tags: Record<string, string>): boolean {
  if (condition.conditionType.toUpperCase() !== 'STRINGEQUALS') return false;
  const key = condition.conditionKey.startsWith(RESOURCE_TAG_PREFIX)
    ? condition.conditionKey.slice(RESOURCE_TAG_PREFIX.length)
    : condition.conditionKey;
  return Object.hasOwn(tags, key) && tags[key] === condition.conditionValue;
}

function compileConditions(conditions: BackupSelectionRule['conditions']): (tags: Record<string, string>) => boolean {
  if (conditions === undefined) return () => true;
  const like = (pattern: string) => {
    const regExp = wildcardRegExp(pattern, '.*');
    return (value: string) => regExp.test(value);
  };
  const compiled: Array<[SelectionConditionParameter[] | undefined, (expected: string) => (value: string | undefined) => boolean]> = [
    [conditions.stringEquals, (expected) => (value) => value !== undefined && value === expected],
    [conditions.stringNotEquals, (expected) => (value) => value === undefined || value !== expected],
    [conditions.stringLike, (expected) => { const matches = like(expected); return (value) => value !== undefined && matches(value); }],
    [conditions.stringNotLike, (expected) => { const matches = like(expected); return (value) => value === undefined || !matches(value); }],
  ];
  const checks: Array<(tags: Record<string, string>) => boolean> = [];
  for (const [parameters, make] of compiled) {
    for (const parameter of parameters ?? []) {
      // A key other than aws:ResourceTag/<key> cannot be evaluated: the selection matches nothing.
      if (!parameter.conditionKey.startsWith(RESOURCE_TAG_PREFIX)) return () => false;
      const key = parameter.conditionKey.slice(RESOURCE_TAG_PREFIX.length);
      const test = make(parameter.conditionValue);
      checks.push((tags) => test(Object.hasOwn(tags, key) ? tags[key] : undefined));
    }
  }
  return (tags) => checks.every((check) => check(tags));
}

function wildcardRegExp(pattern: string, star: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join(star);
  return new RegExp(`^${body}$`, 's');
}
