/**
 * Config evaluation results put straight into the local AWS (local/strict/config.py), for tests that need
 * NON_COMPLIANT results the local evaluator would not produce, or hundreds of results to page through. Real AWS
 * has no such door: PutEvaluations needs the ResultToken of a custom rule's invocation, so managed-rule results
 * only ever come from Config itself. The rule must exist (PutConfigRule first), as results belong to a rule.
 */

/** The path of the evaluation hook on the local AWS endpoint. */
export const CONFIG_EVALUATIONS_PATH = '/tablewarden/config/evaluations';

/** One evaluation result, keyed like Config's: (rule, resource type, resource id); a later one replaces it. */
export interface LocalConfigEvaluation {
  configRuleName: string;
  resourceType: string;
  /** For `AWS::DynamoDB::Table` the table name, as Config reports it. */
  resourceId: string;
  complianceType: 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE' | 'INSUFFICIENT_DATA';
  annotation?: string;
  /** When the configuration the result is about was recorded; defaults to the emulator's now. */
  orderingTimestamp?: Date;
}

/** Which account and region's Config backend receives the results (moto's defaults otherwise). */
export interface ConfigEvaluationTarget {
  account?: string;
  region?: string;
}

/** Records the results; all or nothing (a bad item or an unknown rule records none and throws). */
export async function putConfigEvaluations(
  endpoint: string,
  evaluations: readonly LocalConfigEvaluation[],
  target: ConfigEvaluationTarget = {},
): Promise<number> {
  const response = await fetch(`${endpoint}${CONFIG_EVALUATIONS_PATH}`, {
    method: 'POST',
    body: JSON.stringify({
      ...target,
      evaluations: evaluations.map((e) => ({ ...e, orderingTimestamp: e.orderingTimestamp?.toISOString() })),
    }),
    headers: { 'content-type': 'application/json' },
  });
  const body = (await response.json()) as { recorded?: number; message?: string };
  if (!response.ok || body.recorded === undefined) {
    throw new Error(`local AWS: POST ${CONFIG_EVALUATIONS_PATH} failed: ${body.message ?? `HTTP ${response.status}`}`);
  }
  return body.recorded;
}
