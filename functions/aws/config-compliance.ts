/**
 * AWS Config compliance: the nightly sweep of every configured rule's NON_COMPLIANT resources, and the on-demand
 * re-evaluation after a run.
 *
 * APIs:
 * - GetComplianceDetailsByConfigRule: `ComplianceTypes` (at most 3; INSUFFICIENT_DATA can't filter), `Limit` at
 *   most 100 (default 10; 0 means the default), paged with `NextToken` until it is absent. Every page is read: a rule
 *   with 1,000 non-compliant tables is 10 calls.
 *   https://docs.aws.amazon.com/config/latest/APIReference/API_GetComplianceDetailsByConfigRule.html
 * - StartConfigRulesEvaluation: 1–25 `ConfigRuleNames` per request, so the names are sent in chunks of 25. It
 *   answers LimitExceededException while an evaluation of those rules is still running or when called more than once
 *   a minute: Config is re-checking already, so that chunk counts as in progress, not as a failure.
 *   https://docs.aws.amazon.com/config/latest/APIReference/API_StartConfigRulesEvaluation.html
 * Quotas: Config's API rate limits; throttling (ThrottlingException) and 5xx are retried by the SDK's strategy
 * (functions/aws/clients.ts CONFIG_CLIENT), never by hand here.
 *
 * A rule Config does not know (NoSuchConfigRuleException: another team deleted or renamed it) is reported in the
 * findings, not fatal: the other rules are still swept, and the report names it.
 */
import { GetComplianceDetailsByConfigRuleCommand, StartConfigRulesEvaluationCommand, type ConfigServiceClient } from '@aws-sdk/client-config-service';
import type { ConfigFindings, ConfigRuleFindings, NonCompliantResource } from '../core/config/disagreements.ts';
import type { ConfigRuleIdentifier } from '../core/config/rules.ts';
import { describeError, errorName } from './async-utils.ts';

/** GetComplianceDetailsByConfigRule's largest page. */
export const COMPLIANCE_PAGE_LIMIT = 100;

/** StartConfigRulesEvaluation's most rule names per request. */
export const EVALUATION_RULES_PER_CALL = 25;

/** Config does not know a rule the request names. */
const isNoSuchRule = (error: unknown): boolean => errorName(error) === 'NoSuchConfigRuleException';

/** Every NON_COMPLIANT evaluation result of one rule, all pages. */
export async function nonCompliantResources(config: ConfigServiceClient, ruleName: string): Promise<NonCompliantResource[]> {
  const resources: NonCompliantResource[] = [];
  let nextToken: string | undefined;
  do {
    const page = await config.send(
      new GetComplianceDetailsByConfigRuleCommand({
        ConfigRuleName: ruleName,
        ComplianceTypes: ['NON_COMPLIANT'],
        Limit: COMPLIANCE_PAGE_LIMIT,
        ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
      }),
    );
    for (const result of page.EvaluationResults ?? []) {
      const qualifier = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
      // Defensive: a result without a resource can't be mapped to anything (the API always names one).
      if (!qualifier?.ResourceType || !qualifier.ResourceId) continue;
      resources.push({
        resourceType: qualifier.ResourceType,
        resourceId: qualifier.ResourceId,
        ...(result.Annotation ? { annotation: result.Annotation } : {}),
        ...(result.ResultRecordedTime ? { resultRecordedTime: result.ResultRecordedTime.toISOString() } : {}),
      });
    }
    // An empty string is no token: stop rather than loop on it.
    nextToken = page.NextToken ? page.NextToken : undefined;
  } while (nextToken !== undefined);
  return resources;
}

/**
 * Sweep every configured rule (CONFIG_RULES: name → managed-rule identifier), one rule after another (Config's
 * read rate is per account; a handful of rules is a handful of pages).
 *
 * @throws the first error other than NoSuchConfigRuleException (after the SDK's retries): a sweep that silently
 *   lost a rule's findings would hide drift.
 */
export async function sweepConfigRules(config: ConfigServiceClient, rules: ReadonlyMap<string, ConfigRuleIdentifier>, now: Date): Promise<ConfigFindings> {
  const swept: ConfigRuleFindings[] = [];
  for (const [ruleName, identifier] of rules) {
    try {
      swept.push({ ruleName, identifier, nonCompliant: await nonCompliantResources(config, ruleName) });
    } catch (error) {
      if (!isNoSuchRule(error)) throw error;
      swept.push({ ruleName, identifier, nonCompliant: [], missing: describeError(error) });
    }
  }
  return { collectedAt: now.toISOString(), rules: swept };
}

/** What the re-evaluation did, per rule name. */
export interface EvaluationStart {
  /** Config started evaluating these. */
  started: string[];
  /** An evaluation of these was already running, or started less than a minute ago (LimitExceededException). */
  inProgress: string[];
  /** Config does not know these (NoSuchConfigRuleException). */
  missing: string[];
}

/**
 * Ask Config to evaluate the rules again, 25 names a call. A chunk that names a rule Config does not know fails
 * whole (NoSuchConfigRuleException, without saying which), so that chunk is retried one rule a call to start the
 * others and name the missing ones.
 *
 * @throws any other error (after the SDK's retries).
 */
export async function startConfigRulesEvaluation(config: ConfigServiceClient, ruleNames: readonly string[]): Promise<EvaluationStart> {
  const outcome: EvaluationStart = { started: [], inProgress: [], missing: [] };
  const start = async (names: string[]): Promise<'started' | 'inProgress' | 'missing'> => {
    try {
      await config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: names }));
      return 'started';
    } catch (error) {
      if (isNoSuchRule(error)) return 'missing';
      if (errorName(error) === 'LimitExceededException') return 'inProgress';
      throw error;
    }
  };
  const unique = [...new Set(ruleNames)];
  for (let offset = 0; offset < unique.length; offset += EVALUATION_RULES_PER_CALL) {
    const chunk = unique.slice(offset, offset + EVALUATION_RULES_PER_CALL);
    const result = await start(chunk);
    if (result !== 'missing' || chunk.length === 1) {
      outcome[result].push(...chunk);
      continue;
    }
    for (const name of chunk) outcome[await start([name])].push(name);
  }
  return outcome;
}
