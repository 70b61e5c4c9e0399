/**
 * `ConfigRemediation`: event-driven remediation of AWS Config findings (issue 11, item 2). An EventBridge rule on
 * "Config Rules Compliance Change" events that turn NON_COMPLIANT, for the operator's DynamoDB rules and
 * `AWS::DynamoDB::Table`, puts them on an SQS queue; the config-events Lambda reads the queue in batches (one
 * batching window gathers a burst) and starts one Reconcile of the batch's tables (functions/run/config-events.ts).
 *
 * Why a queue between the rule and the Lambda, rather than the rule starting Reconcile itself: an out-of-band change
 * trips several rules at once and Config re-evaluates on every configuration item, so one table produces a burst of
 * events; an EventBridge target per event would start a Reconcile per event, each but the first failing on the lock.
 * The event source mapping's batching window turns a burst into one batch, and the partial batch response lets a
 * batch wait (visibility timeout) while another run holds the lock.
 *
 * - Event pattern: https://docs.aws.amazon.com/config/latest/developerguide/monitor-config-with-cloudwatchevents.html
 *   (source `aws.config`, detail-type `Config Rules Compliance Change`, the notification as `detail`).
 * - Queue: encrypted with the operator key (SSE-KMS), TLS only, with a dead-letter queue. EventBridge may send to a
 *   queue encrypted with a customer managed key only if the key policy lets `events.amazonaws.com` use it
 *   (kms:GenerateDataKey, kms:Decrypt: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-troubleshooting.html,
 *   "my rule is triggered but the SQS queue receives no events"). That statement is conditioned on the account, not
 *   the rule's ARN: key → rule → queue → key would be a dependency cycle.
 * - Event source mapping (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html,
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html): batching window up to 300 s, batch size
 *   up to 10,000 on a standard queue when a window is set, `ReportBatchItemFailures`; the queue's visibility timeout at
 *   least six times the function's timeout (Lambda refuses a mapping whose function timeout exceeds it). Built as a
 *   plain EventSourceMapping, not `SqsEventSource`: the latter grants the role what `grantConsumeMessages` names
 *   (ChangeMessageVisibility, GetQueueUrl, and key use with wildcards), where the role's grants are derived in one place
 *   (infra/permissions.ts, `config-events`).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, type IRuleTarget } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { EventSourceMapping, type Function as HandlerFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { MANAGED_CONFIG_RULES, type ConfigRuleIdentifier } from '../functions/core/config/rules.ts';
import { COMPLIANCE_CHANGE_DETAIL_TYPE, CONFIG_EVENT_SOURCE, DYNAMODB_TABLE_RESOURCE_TYPE, RECONCILE_STATE_MACHINE_ENV } from '../functions/run/core/config-events.ts';

/** The mapping's batching window: a burst of events of one change arrives within it. */
export const CONFIG_EVENTS_BATCHING_WINDOW = Duration.seconds(60);
/** Messages per batch (Config events are ~2 KB; 100 stay far below Lambda's 6 MB payload). */
export const CONFIG_EVENTS_BATCH_SIZE = 100;
/**
 * Receives before a message goes to the dead-letter queue. A message comes back while another run holds the lock;
 * 12 receives at the visibility timeout below cover about three hours of a long reconcile.
 */
export const CONFIG_EVENTS_MAX_RECEIVES = 12;

/** Props of {@link ConfigRemediation}. */
export interface ConfigRemediationProps {
  /** The config-events function (its role holds the grants of infra/permissions.ts); gets RECONCILE_STATE_MACHINE_ARN. */
  handler: HandlerFunction;
  /** Its timeout: the queue's visibility timeout is derived from it. */
  handlerTimeout: Duration;
  /** The Reconcile state machine it starts. */
  reconcile: IStateMachine;
  /** The operator key: encrypts both queues. */
  key: IKey;
  /** Alarms (dead-lettered events) go here. */
  topic: ITopic;
  /** Config rule name → managed-rule identifier (ConfigRules.configRuleNames): the rules whose findings are remediated. */
  configRuleNames: Record<string, ConfigRuleIdentifier>;
}

/** The remediation path: see the module comment. */
export class ConfigRemediation extends Construct {
  /** The compliance-change events, waiting for config-events. */
  readonly queue: Queue;
  /** Events config-events could not handle after {@link CONFIG_EVENTS_MAX_RECEIVES} receives. */
  readonly deadLetterQueue: Queue;
  /** The EventBridge rule; undefined when no DynamoDB rule is named (nothing to listen to). */
  readonly rule: Rule | undefined;
  /** The Config rule names the event pattern matches (the DynamoDB ones). */
  readonly ruleNames: string[];
  readonly mapping: EventSourceMapping;

  constructor(scope: Construct, id: string, props: ConfigRemediationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const tableRules = new Set(MANAGED_CONFIG_RULES.filter((rule) => rule.resourceType === DYNAMODB_TABLE_RESOURCE_TYPE).map((rule) => rule.identifier));
    this.ruleNames = Object.entries(props.configRuleNames)
      .filter(([, identifier]) => tableRules.has(identifier))
      .map(([name]) => name)
      .sort();

    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // Six times the function's timeout plus the batching window (services-sqs-configure.html), at least 5 minutes.
    const visibility = Duration.seconds(Math.max(300, props.handlerTimeout.toSeconds() * 6 + CONFIG_EVENTS_BATCHING_WINDOW.toSeconds()));
    this.queue = new Queue(this, 'Events', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      visibilityTimeout: visibility,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: CONFIG_EVENTS_MAX_RECEIVES },
    });

    // EventBridge → the queue: SendMessage for this rule only, and the key through the account's events.
    if (this.ruleNames.length > 0) {
      this.rule = new Rule(this, 'ComplianceChange', {
        description: 'tablewarden: a DynamoDB table turned NON_COMPLIANT with one of the operator\'s AWS Config rules: reconcile it',
        eventPattern: {
          source: [CONFIG_EVENT_SOURCE],
          detailType: [COMPLIANCE_CHANGE_DETAIL_TYPE],
          detail: {
            configRuleName: this.ruleNames,
            resourceType: [DYNAMODB_TABLE_RESOURCE_TYPE],
            newEvaluationResult: { complianceType: ['NON_COMPLIANT'] },
          },
        },
      });
      const queue = this.queue;
      // A target without SqsQueue's grants (they would put kms:ReEncrypt* and kms:GenerateDataKey* in the key policy).
      const target: IRuleTarget = { bind: () => ({ arn: queue.queueArn, targetResource: queue, retryPolicy: { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 } }) };
      this.rule.addTarget(target);
      this.queue.addToResourcePolicy(
        new PolicyStatement({
          sid: 'ComplianceChangeEvents',
          principals: [new ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [this.queue.queueArn],
          conditions: { ArnEquals: { 'aws:SourceArn': this.rule.ruleArn } },
        }),
      );
      props.key.addToResourcePolicy(
        new PolicyStatement({
          sid: 'EventBridgeSendsToEncryptedQueue',
          principals: [new ServicePrincipal('events.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      );
    }

    props.handler.addEnvironment(RECONCILE_STATE_MACHINE_ENV, props.reconcile.stateMachineArn);
    this.mapping = new EventSourceMapping(this, 'Mapping', {
      target: props.handler,
      eventSourceArn: this.queue.queueArn,
      batchSize: CONFIG_EVENTS_BATCH_SIZE,
      maxBatchingWindow: CONFIG_EVENTS_BATCHING_WINDOW,
      reportBatchItemFailures: true,
    });
    // Lambda checks the role's SQS permissions when it creates the mapping: create it after the role's policy.
    if (props.handler.role) this.mapping.node.addDependency(props.handler.role);

    new Alarm(this, 'DeadLettersAlarm', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      alarmDescription: 'AWS Config compliance-change events reached the dead-letter queue (not reconciled after repeated tries; the nightly sweep remediates what is still non-compliant).',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new SnsAction(props.topic));
  }
}
