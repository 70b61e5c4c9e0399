/**
 * "Config Rules Compliance Change" events as EventBridge delivers them, built locally: the local AWS has no
 * EventBridge feed from Config, so `npm start` and the workflow tests hand the remediation the event Config would
 * have sent. The shape is AWS's documented example (test/fixtures/config/compliance-change-event.json, sources in
 * test/fixtures/config/README.md); a test compares the key structure of both, so a drift from AWS's shape fails.
 *
 * Note the spellings consumers must expect: `configRuleARN` (a rule-invocation event says `configRuleArn`);
 * `oldEvaluationResult` is absent on a resource's first evaluation; `annotation` is null when the rule gives none.
 */
import { randomUUID } from 'node:crypto';

/** A compliance type as Config reports it. */
export type ComplianceType = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE' | 'INSUFFICIENT_DATA';

/** One evaluation result inside the event. */
export interface ComplianceChangeEvaluationResult {
  evaluationResultIdentifier: {
    evaluationResultQualifier: { configRuleName: string; resourceType: string; resourceId: string; evaluationMode?: string };
    orderingTimestamp: string;
  };
  complianceType: ComplianceType;
  resultRecordedTime: string;
  configRuleInvokedTime: string;
  annotation: string | null;
  resultToken: null;
}

/** The event, envelope and detail. */
export interface ComplianceChangeEventShape {
  version: '0';
  id: string;
  'detail-type': 'Config Rules Compliance Change';
  source: 'aws.config';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    awsAccountId: string;
    configRuleName: string;
    configRuleARN: string;
    resourceType: string;
    resourceId: string;
    awsRegion: string;
    newEvaluationResult: ComplianceChangeEvaluationResult;
    oldEvaluationResult?: ComplianceChangeEvaluationResult;
    notificationCreationTime: string;
    messageType: 'ComplianceChangeNotification';
    recordVersion: string;
  };
}

/** What the event is about. */
export interface ComplianceChangeInput {
  ruleName: string;
  ruleArn: string;
  resourceType: string;
  /** For `AWS::DynamoDB::Table` the table name. */
  resourceId: string;
  newType: ComplianceType;
  /** The previous result; leave it out for a resource's first evaluation (the event then has no oldEvaluationResult). */
  oldType?: ComplianceType;
  annotation?: string;
  /** When Config evaluated (the new result's times and the notification's). */
  time: Date;
  account: string;
  region: string;
  /** The event id; a random UUID by default (EventBridge gives every event a new one). */
  id?: string;
}

/** A second: Config records a result shortly after it invoked the rule, and notifies shortly after recording. */
const SECOND_MS = 1_000;

function result(input: ComplianceChangeInput, type: ComplianceType, at: Date, annotation: string | undefined): ComplianceChangeEvaluationResult {
  return {
    evaluationResultIdentifier: {
      evaluationResultQualifier: { configRuleName: input.ruleName, resourceType: input.resourceType, resourceId: input.resourceId },
      orderingTimestamp: new Date(at.getTime() - SECOND_MS).toISOString(),
    },
    complianceType: type,
    resultRecordedTime: at.toISOString(),
    configRuleInvokedTime: new Date(at.getTime() - SECOND_MS / 2).toISOString(),
    annotation: annotation ?? null,
    resultToken: null,
  };
}

/**
 * The "Config Rules Compliance Change" event Config sends when `resourceId`'s result for `ruleName` changes to
 * `newType`. The old result (when `oldType` is given) is dated an hour earlier.
 */
export function complianceChangeEvent(input: ComplianceChangeInput): ComplianceChangeEventShape {
  const notified = new Date(input.time.getTime() + SECOND_MS);
  return {
    version: '0',
    id: input.id ?? randomUUID(),
    'detail-type': 'Config Rules Compliance Change',
    source: 'aws.config',
    account: input.account,
    time: notified.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: input.region,
    resources: [],
    detail: {
      awsAccountId: input.account,
      configRuleName: input.ruleName,
      configRuleARN: input.ruleArn,
      resourceType: input.resourceType,
      resourceId: input.resourceId,
      awsRegion: input.region,
      newEvaluationResult: result(input, input.newType, input.time, input.annotation),
      ...(input.oldType !== undefined ? { oldEvaluationResult: result(input, input.oldType, new Date(input.time.getTime() - 3_600 * SECOND_MS), undefined) } : {}),
      notificationCreationTime: notified.toISOString(),
      messageType: 'ComplianceChangeNotification',
      recordVersion: '1.0',
    },
  };
}
