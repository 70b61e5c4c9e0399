/**
 * Event-driven remediation of AWS Config findings, the pure part: which tables a batch of "Config Rules Compliance
 * Change" events asks to reconcile, which events are dropped and why, and the one Reconcile execution the batch
 * starts (its input and its deterministic name).
 *
 * The event: EventBridge delivers Config's compliance-change notification as `detail`, under `source: aws.config`
 * and `detail-type: Config Rules Compliance Change`
 * (https://docs.aws.amazon.com/config/latest/developerguide/example-config-rule-compliance-notification.html,
 * https://docs.aws.amazon.com/config/latest/developerguide/monitor-config-with-cloudwatchevents.html). Its shape
 * differs from the rule-invocation event that a custom rule's Lambda gets
 * (https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_develop-rules_example-events.html): the
 * rule's ARN is `configRuleARN` here, `configRuleArn` there. `oldEvaluationResult` is absent on a resource's first
 * evaluation, and `annotation` (like `resultToken`) is absent or `null` when the rule gives none.
 *
 * Why a batch starts ONE execution: a change made out of band often trips several rules at once (PITR, backup
 * coverage, ...), and Config re-evaluates on every configuration item, so one table produces a burst of events. The
 * queue's batching window gathers them; one batch becomes one Reconcile of its distinct tables.
 *
 * Why the name is deterministic: SQS delivers at least once, and a batch comes back after a failure or a timeout.
 * StartExecution with the name and input of an open execution returns that execution; a closed one, or another
 * input, answers ExecutionAlreadyExists
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html). Names are 1–80
 * characters without whitespace, brackets, wildcards, `"#%\^|~`$&,;:/` or control characters, and unique per state
 * machine for 90 days.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini sets no locale: without this an issue's message is a bare "Invalid input".
z.config(en());

/** The config-events handler's environment variable naming the Reconcile state machine (set by the stack). */
export const RECONCILE_STATE_MACHINE_ENV = 'RECONCILE_STATE_MACHINE_ARN';

/** The event's `source`. */
export const CONFIG_EVENT_SOURCE = 'aws.config';
/** The event's `detail-type`. */
export const COMPLIANCE_CHANGE_DETAIL_TYPE = 'Config Rules Compliance Change';
/** The only resource type this remediation handles (the KMS rule's findings are keys, which Reconcile reaches through their tables). */
export const DYNAMODB_TABLE_RESOURCE_TYPE = 'AWS::DynamoDB::Table';

/**
 * The time bucket of an execution name, in seconds. Events of one table within one bucket share a name: the
 * redelivery of a batch, and a second batch of the same burst with the same tables, join the first execution instead
 * of starting another. Short, because a name closed within the bucket refuses a new start (a table drifting again
 * within the minute after its remediation waits for the nightly sweep).
 */
export const EXECUTION_NAME_BUCKET_SECONDS = 60;

/** `null` or absent, as Config writes optional fields. */
const nullish = <T extends z.ZodMiniType>(schema: T) => z.optional(z.nullable(schema));

/** One evaluation result, as the compliance-change notification carries it. */
const evaluationResultSchema = z.object({
  evaluationResultIdentifier: z.object({
    evaluationResultQualifier: z.object({ configRuleName: z.string(), resourceType: z.string(), resourceId: z.string() }),
    orderingTimestamp: nullish(z.string()),
  }),
  complianceType: z.enum(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA']),
  resultRecordedTime: nullish(z.string()),
  configRuleInvokedTime: nullish(z.string()),
  annotation: nullish(z.string()),
  resultToken: nullish(z.string()),
});

/**
 * A "Config Rules Compliance Change" event as EventBridge delivers it (SQS: the message body). Unknown fields are
 * allowed (zod strips them): AWS adds fields to events without notice.
 */
export const complianceChangeEventSchema = z.object({
  id: z.string().check(z.minLength(1)),
  source: z.literal(CONFIG_EVENT_SOURCE),
  'detail-type': z.literal(COMPLIANCE_CHANGE_DETAIL_TYPE),
  account: z.string(),
  region: z.string(),
  time: z.iso.datetime(),
  detail: z.object({
    resourceId: z.string().check(z.minLength(1)),
    resourceType: z.string(),
    configRuleName: z.string().check(z.minLength(1)),
    /** Spelt `configRuleARN` in this event (a rule-invocation event says `configRuleArn`). */
    configRuleARN: nullish(z.string()),
    awsAccountId: nullish(z.string()),
    awsRegion: nullish(z.string()),
    newEvaluationResult: evaluationResultSchema,
    /** Absent on a resource's first evaluation. */
    oldEvaluationResult: z.optional(evaluationResultSchema),
    notificationCreationTime: nullish(z.string()),
    messageType: nullish(z.string()),
    recordVersion: nullish(z.string()),
  }),
});
/** A parsed compliance-change event. */
export type ComplianceChangeEvent = z.output<typeof complianceChangeEventSchema>;

/** One message of the batch (the SQS record's id and body). */
export interface ConfigEventMessage {
  messageId: string;
  body: string;
}

/** What one message asks for. */
export type ConfigEventDecision =
  | { messageId: string; action: 'reconcile'; table: string; rule: string; identifier: string; annotation?: string; time: string }
  | { messageId: string; action: 'drop'; reason: string };

/** A DynamoDB table name (3–255 of `a-zA-Z0-9_.-`): https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html */
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/**
 * The table a finding names. Config's resource id of an `AWS::DynamoDB::Table` is the table name; a table ARN is
 * accepted too (as `resourceName` and some aggregators give it). Undefined: not a table name.
 */
export function tableOfResourceId(resourceId: string): string | undefined {
  const name = /^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/([^/]+)$/.exec(resourceId)?.[1] ?? resourceId;
  return TABLE_NAME.test(name) ? name : undefined;
}

/**
 * Decide one message: reconcile its table, or drop it with the reason. Dropped: a body that is not JSON or not a
 * compliance-change event, another resource type, a rule that is not one of `rules` (name → managed-rule
 * identifier, CONFIG_RULES), a result other than NON_COMPLIANT (the EventBridge rule filters those; a hand-sent
 * event may not). A dropped message is never retried: it could only fail again.
 */
export function decideConfigEvent(message: ConfigEventMessage, rules: ReadonlyMap<string, string>): ConfigEventDecision {
  const drop = (reason: string): ConfigEventDecision => ({ messageId: message.messageId, action: 'drop', reason });
  let json: unknown;
  try {
    json = JSON.parse(message.body);
  } catch {
    return drop('the message body is not JSON');
  }
  const parsed = complianceChangeEventSchema.safeParse(json);
  if (!parsed.success) {
    return drop(`not a ${COMPLIANCE_CHANGE_DETAIL_TYPE} event: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`).join('; ')}`);
  }
  const { detail, time } = parsed.data;
  if (detail.resourceType !== DYNAMODB_TABLE_RESOURCE_TYPE) return drop(`resource type ${detail.resourceType} is not handled (only ${DYNAMODB_TABLE_RESOURCE_TYPE})`);
  const identifier = rules.get(detail.configRuleName);
  if (identifier === undefined) return drop(`rule ${detail.configRuleName} is not one of the configured rules (CONFIG_RULES)`);
  const compliance = detail.newEvaluationResult.complianceType;
  if (compliance !== 'NON_COMPLIANT') return drop(`the new result is ${compliance}: nothing to remediate`);
  const table = tableOfResourceId(detail.resourceId);
  if (table === undefined) return drop(`resource id ${JSON.stringify(detail.resourceId)} is not a DynamoDB table name`);
  const annotation = detail.newEvaluationResult.annotation ?? undefined;
  return { messageId: message.messageId, action: 'reconcile', table, rule: detail.configRuleName, identifier, time, ...(annotation !== undefined ? { annotation } : {}) };
}

/** What a batch asks for: the tables to reconcile (sorted, distinct), the messages behind them, and the dropped ones. */
export interface ConfigBatchPlan {
  tables: string[];
  /** The messages that asked for a reconcile: they succeed or fail with the one execution. */
  reconcile: Array<Extract<ConfigEventDecision, { action: 'reconcile' }>>;
  dropped: Array<Extract<ConfigEventDecision, { action: 'drop' }>>;
  /** The newest event time among the reconcile messages (ISO), for the execution name; undefined when none. */
  newestEventTime?: string;
}

/** Decide every message of a batch (see {@link decideConfigEvent}). */
export function planConfigBatch(messages: readonly ConfigEventMessage[], rules: ReadonlyMap<string, string>): ConfigBatchPlan {
  const decisions = messages.map((message) => decideConfigEvent(message, rules));
  const reconcile = decisions.filter((decision): decision is Extract<ConfigEventDecision, { action: 'reconcile' }> => decision.action === 'reconcile');
  const dropped = decisions.filter((decision): decision is Extract<ConfigEventDecision, { action: 'drop' }> => decision.action === 'drop');
  const tables = [...new Set(reconcile.map((decision) => decision.table))].sort();
  const newest = reconcile.map((decision) => Date.parse(decision.time)).reduce<number | undefined>((max, time) => (max === undefined || time > max ? time : max), undefined);
  return { tables, reconcile, dropped, ...(newest !== undefined ? { newestEventTime: new Date(newest).toISOString() } : {}) };
}

/** The Reconcile input of a batch: apply, just these tables (functions/handlers/contracts.ts reconcileInputSchema). */
export function configReconcileInput(tables: readonly string[]): { trigger: 'config'; mode: 'apply'; tables: string[] } {
  return { trigger: 'config', mode: 'apply', tables: [...tables] };
}

/**
 * The execution name of a batch: `config-<UTC minute of the newest event, floored to the bucket>-<hash of the sorted
 * tables>`, e.g. `config-20261201T1130Z-3f2a9c0d41b7e865` (36 characters; only `[a-zA-Z0-9-]`). The same tables in
 * the same bucket give the same name (see the module comment); different tables never share one.
 */
export function configExecutionName(tables: readonly string[], newestEventTime: string, bucketSeconds = EXECUTION_NAME_BUCKET_SECONDS): string {
  const time = Date.parse(newestEventTime);
  if (Number.isNaN(time)) throw new Error(`configExecutionName: not a time: ${newestEventTime}`);
  const bucket = new Date(Math.floor(time / (bucketSeconds * 1000)) * bucketSeconds * 1000);
  const stamp = bucket.toISOString().replace(/[-:]/g, '').replace(/\d\d\.\d{3}Z$/, 'Z');
  const hash = createHash('sha256').update(JSON.stringify([...new Set(tables)].sort())).digest('hex').slice(0, 16);
  return `config-${stamp}-${hash}`;
}

/**
 * The ARN an execution named `name` of `stateMachineArn` gets (`arn:<partition>:states:<region>:<account>:execution:<machine>:<name>`):
 * the owner the run lock shows while that execution holds it.
 */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}
