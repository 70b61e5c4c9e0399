/**
 * `TableWarden`: the whole operator as one reusable construct. Six Lambda handlers, the Reconcile state machine,
 * its triggers (nightly schedule, bundle published to S3), the operator's own storage (bundle bucket, state
 * table, notification topic, one customer-managed key), alarms, and IAM derived from the controls.
 *
 * Why one construct: the operator's resources only make sense together (the handlers' IAM names the bucket, the
 * table and the key), and a platform team should be able to drop it into their own stack with a few props.
 * The operator obeys the rules it enforces: its state table has PITR, a customer-managed key and deletion
 * protection; nothing it owns can be deleted by a stack update (every stateful resource is retained).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, Lazy, RemovalPolicy, Stack, Tags, Validations, type CfnResource } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventField, Match, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { AccountRootPrincipal, ArnPrincipal, Effect, Grant as IamGrant, ManagedPolicy, PolicyDocument, PolicyStatement, Role, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Architecture, Code, Function as HandlerFunction, LayerVersion, Runtime, Tracing, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { BACKUP_ROLE_ENV } from '../functions/core/backup-plan-selection.ts';
import { BUNDLE_MAC_KEY_ENV } from '../functions/core/bundle.ts';
import { CONFIG_RULES_ENV } from '../functions/core/config/rules.ts';
import { OPERATOR_TAG } from '../functions/core/plan/planner.ts';
import { DRILL_TABLE_PREFIX } from '../functions/core/drill/names.ts';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ReconcileStateMachine } from '../state-machines/reconcile.ts';
import { SeedStateMachine } from '../state-machines/seed.ts';
import { DRILL_CADENCES, DrillStateMachines, type DrillFunctions } from '../state-machines/drill.ts';
import { DRILL_SCHEDULE_WORKFLOW_TAG, DRILL_WORKFLOW_TAG } from '../functions/core/drill/workflow-tags.ts';
import { HANDLERS, handlersOf } from '../functions/handlers/registry.ts';
import { ConfigRemediation } from './config-remediation.ts';
import { ConfigRules, type ConfigRulesProps } from './config-rules.ts';
import { handlerCode } from './handler-bundle.ts';
import { handlerAssetName, PrebuiltAssets, SDK_LAYER_ASSET } from './prebuilt-assets.ts';
import { sdkLayerCode } from './sdk-layer.ts';
import { HANDLER_NAMES, handlerGrants, type Grant, type HandlerName, type ResourceKind } from './permissions.ts';

/** The repository root (infra/..): handler entries, the lockfile and the esbuild project root live there. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where each handler's module is by default: its `file` in the handler registry (functions/handlers/<name>.ts). */
export function defaultHandlerEntry(handler: HandlerName): string {
  return join(REPO_ROOT, HANDLERS[handler].file);
}

/** Every handler's runtime and architecture; the SDK layer is built for, and declares, the same. */
export const HANDLER_RUNTIME = Runtime.NODEJS_22_X;
export const HANDLER_ARCHITECTURE = Architecture.ARM_64;

/** Metadata key on each AWS::Lambda::Function naming its handler, so tools can map logical ids to modules. */
export const HANDLER_METADATA_KEY = 'tablewarden:handler';

/** Props of {@link TableWarden}. */
export interface TableWardenProps {
  /** EventBridge Scheduler expression for the nightly reconcile. Default `cron(0 2 * * ? *)` (02:00 UTC). */
  scheduleExpression?: string;
  /** Tables per batch (one plan-batch / apply-batch invocation each). Default 50. */
  batchSize?: number;
  /** Ceiling on policy.yaml's blast-radius percentage (the gate uses the lower). Default: policy.yaml decides. */
  maxDisruptivePercent?: number;
  /** Subscribe this address to the notification topic (alarms and run reports). */
  alarmEmail?: string;
  /**
   * Further roles AWS Backup may assume for the operator's selections and backup jobs: the `iamRoleArn`s of backup
   * plans in policy.yaml. The apply handler may pass these and the backup role this construct creates
   * ({@link TableWarden.backupRole}), which plans without an `iamRoleArn` use. Default: none.
   */
  backupRoleArns?: string[];
  /** Handler module per handler. Default {@link defaultHandlerEntry}. Source checkouts only (the installed package deploys its prebuilt bundles). */
  handlerEntries?: Partial<Record<HandlerName, string>>;
  /** How long run artefacts (`runs/`) are kept. Default 90 days. */
  runRetention?: Duration;
  /** Lambda and state machine log retention. Default three months. */
  logRetention?: RetentionDays;
  /**
   * The principals (e.g. the CI role that runs `tablewarden publish`) that may MAC bundles with the bundle MAC key:
   * the key policy allows kms:GenerateMac to exactly these. Default: delegated to IAM (any principal of the account
   * whose IAM policy allows kms:GenerateMac on the key).
   */
  bundlePublisherArns?: string[];
  /**
   * EventBridge Scheduler expressions of the restore-drill schedules, one per cadence: each starts DrillSchedule for
   * the tables whose `restoreDrill.schedule` is that cadence. Defaults: daily `cron(0 4 * * ? *)`, weekly
   * `cron(0 5 ? * SUN *)`, monthly `cron(0 6 1 * ? *)` (UTC, after the 02:00 reconcile).
   */
  drillSchedules?: Partial<Record<(typeof DRILL_CADENCES)[number], string>>;
  /**
   * Where `spec.seed` sources may live, as `s3://bucket/prefix` (a whole bucket: `s3://bucket`): the seed Lambdas
   * get s3:GetObject on exactly these objects, and refuse other sources with a clear error.
   * Default: the operator's own bucket under `seed/` (least privilege: no other bucket is readable). Objects
   * encrypted with a customer managed key of another bucket also need that key's kms:Decrypt, granted by its policy.
   */
  seedSources?: string[];
  /**
   * The AWS Config managed rules compiled from `desired-state/` (infra/config-rules.ts). Default: deployed, named
   * `tablewarden-<rule>`. `deploy: false` in accounts where another team owns Config; `names` then names its rules.
   * Needs a configuration recorder in the account, which this construct does not create. The desired state is read
   * at synth from `configRules.desiredStateDir`; default `desired-state/` of this repository in a source checkout and
   * `desired-state/` of the CDK app's working directory when the construct comes from the installed package.
   */
  configRules?: ConfigRulesProps;
  /**
   * What a stack deletion (or a replacement) does to the operator's data: the KMS keys, the bundle and access-log
   * buckets, the state table and the log groups. Default RETAIN: the state table holds the lock and every table's
   * history, the buckets the bundles and reports, and a deleted key makes all of it unreadable. DESTROY is for
   * sandboxes: the state table then has no deletion protection, the key policies allow kms:ScheduleKeyDeletion (KMS
   * deletes a key after its waiting period), and the buckets are deleted only when empty (no custom resource empties
   * them). SNAPSHOT is refused: keys, buckets and log groups have no snapshot.
   */
  removalPolicy?: RemovalPolicy;
}

/** The default drill schedules (see {@link TableWardenProps.drillSchedules}). */
export const DEFAULT_DRILL_SCHEDULES: Record<(typeof DRILL_CADENCES)[number], string> = {
  daily: 'cron(0 4 * * ? *)',
  weekly: 'cron(0 5 ? * SUN *)',
  monthly: 'cron(0 6 1 * ? *)',
};

/** Sizing of one handler's function (its name, module and construct id come from the handler registry). */
interface HandlerSettings {
  memoryMb: number;
  timeout: Duration;
  description: string;
}

const HANDLER_SETTINGS: Record<HandlerName, HandlerSettings> = {
  lock: { memoryMb: 256, timeout: Duration.seconds(30), description: 'Acquire or release the one-reconcile-at-a-time lock' },
  'load-desired-state': { memoryMb: 512, timeout: Duration.minutes(5), description: 'Read and validate a desired-state bundle; split it into batches' },
  'plan-batch': { memoryMb: 1024, timeout: Duration.minutes(15), description: 'Observe and plan one batch of tables (read-only)' },
  gate: { memoryMb: 256, timeout: Duration.seconds(30), description: 'Account-wide blast-radius guard over every batch plan' },
  'apply-batch': { memoryMb: 1024, timeout: Duration.minutes(15), description: 'Apply one round of approved changes to one batch' },
  report: { memoryMb: 512, timeout: Duration.minutes(5), description: 'Write the run report, table history, and notify' },
  'config-sweep': { memoryMb: 512, timeout: Duration.minutes(5), description: 'Nightly AWS Config sweep: NON_COMPLIANT resources of every rule, and re-evaluation after the run' },
  'drill-targets': { memoryMb: 512, timeout: Duration.minutes(2), description: 'Restore drills: the tables of a cadence, or one table\'s declared spec, from the bundle' },
  'drill-start': { memoryMb: 256, timeout: Duration.minutes(2), description: 'Restore drills: start the restore into a tw-drill- copy' },
  'drill-check': { memoryMb: 256, timeout: Duration.minutes(1), description: 'Restore drills: one look at the restore' },
  'drill-validate': { memoryMb: 1024, timeout: Duration.minutes(15), description: 'Restore drills: validate the copy (shape, count, sample, checks)' },
  'drill-cleanup': { memoryMb: 256, timeout: Duration.minutes(5), description: 'Restore drills: delete drill copies (tw-drill-*, tagged) only' },
  'drill-record': { memoryMb: 256, timeout: Duration.minutes(1), description: 'Restore drills: record the verdict and metrics' },
  'seed-triggers': { memoryMb: 512, timeout: Duration.minutes(5), description: 'Seeding: which tables with spec.seed to seed now (one HeadObject each)' },
  seed: { memoryMb: 1024, timeout: Duration.minutes(15), description: 'Seeding: one part of a seed, streamed from S3, until its checkpoint' },
  'config-events': { memoryMb: 256, timeout: Duration.minutes(1), description: 'AWS Config remediation: a batch of compliance-change events starts one Reconcile of their tables' },
};

/** The AWS managed policies of AWS Backup's service role, for backups and for restores. */
const BACKUP_MANAGED_POLICY = 'service-role/AWSBackupServiceRolePolicyForBackup';
const RESTORE_MANAGED_POLICY = 'service-role/AWSBackupServiceRolePolicyForRestores';

/** Actions that have no resource-level permissions, for acknowledgement reasons. */
const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

/** The operator: see the module comment. */
export class TableWarden extends Construct {
  /** Customer-managed key (rotation on) for the bucket, the state table and the topic. */
  readonly key: Key;
  /** Bundles (`bundles/`) and run artefacts (`runs/`). */
  readonly bucket: Bucket;
  /** Server access logs of {@link bucket}. */
  readonly accessLogBucket: Bucket;
  /** The lock item and per-table history (pk, sk). */
  readonly stateTable: Table;
  /** Alarms and run notifications. */
  readonly topic: Topic;
  /** One function per handler. */
  readonly functions: Record<HandlerName, HandlerFunction>;
  /** Each function's execution role. */
  readonly roles: Record<HandlerName, Role>;
  /** The lockfile's AWS SDK, built once for every function (infra/sdk-layer.ts); the bundles leave it out. */
  readonly sdkLayer: LayerVersion;
  /** The Reconcile state machine. */
  readonly stateMachine: StateMachine;
  /** Its child: applies one batch in rounds (one execution per batch, started by Reconcile with sync:2). */
  readonly applyBatchRounds: StateMachine;
  /** HMAC_256 key authenticating desired-state bundles: the publisher MACs (GenerateMac), load-desired-state verifies. */
  readonly bundleMacKey: Key;
  /** The role AWS Backup assumes to back up and restore the tables (see {@link createBackupRole}). */
  readonly backupRole: Role;
  /** The restore-drill state machines: Drill (one table) and DrillSchedule (one cadence). */
  readonly drills: DrillStateMachines;
  /** The Seed state machine: one table from one S3 object, in Lambda parts (started by Reconcile for `spec.seed`). */
  readonly seed: StateMachine;
  /** The AWS Config rules (or another team's, by name): `configRules.environment()` gives a handler CONFIG_RULES. */
  readonly configRules: ConfigRules;
  /** Event-driven remediation of Config findings: EventBridge rule → queue → config-events → Reconcile (infra/config-remediation.ts). */
  readonly configRemediation: ConfigRemediation;
  /** The seed sources' object ARNs (IAM) and how cdk-nag prints them (acknowledgements). */
  private seedSourceArns: Array<{ arn: string; printed: string }> = [];
  /** {@link TableWardenProps.removalPolicy} of the keys, buckets, state table and log groups. */
  private readonly removalPolicy: RemovalPolicy;
  /** True when `bundlePublisherArns` names the publishers: the MAC key's own policy must then allow each one. */
  private readonly publishersInKeyPolicy: boolean;

  constructor(scope: Construct, id: string, props: TableWardenProps = {}) {
    super(scope, id);
    // Feature flags the construct's resources are valid only with, pinned for its own subtree (before any child is
    // added, as setContext requires): a consumer's app may not set them (the flag's default is off), and without it
    // the access-log bucket gets a LogDeliveryWrite ACL, which its BucketOwnerEnforced ownership forbids.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    // The same bounds as the handlers' contracts (functions/handlers/contracts.ts), caught at synth instead of at 2 AM.
    if (props.batchSize !== undefined && !(Number.isInteger(props.batchSize) && props.batchSize >= 1 && props.batchSize <= 500)) {
      throw new Error(`TableWarden: batchSize must be an integer from 1 to 500, got ${props.batchSize}`);
    }
    if (props.maxDisruptivePercent !== undefined && !(props.maxDisruptivePercent >= 0 && props.maxDisruptivePercent <= 100)) {
      throw new Error(`TableWarden: maxDisruptivePercent must be from 0 to 100, got ${props.maxDisruptivePercent}`);
    }
    if (props.removalPolicy === RemovalPolicy.SNAPSHOT) {
      throw new Error('TableWarden: removalPolicy SNAPSHOT is not supported (KMS keys, S3 buckets and log groups have no snapshots); use RETAIN (the default) or DESTROY');
    }
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.publishersInKeyPolicy = props.bundlePublisherArns !== undefined;
    // Installed package: the handler bundles and the SDK layer were prebuilt by `npm pack` and are checked against their
    // manifest (infra/prebuilt-assets.ts). Source checkout: bundled from the sources at synth.
    const prebuilt = PrebuiltAssets.find();
    if (prebuilt && props.handlerEntries) {
      throw new Error('TableWarden: handlerEntries needs a source checkout of tablewarden; the installed package deploys its prebuilt handler bundles');
    }
    const stack = Stack.of(this);
    const logRetention = props.logRetention ?? RetentionDays.THREE_MONTHS;

    this.key = this.createKey();
    // --- Bundle MAC key (authenticated bundles) ----------------------------------------------------------------------
    this.bundleMacKey = this.createBundleMacKey(props.bundlePublisherArns);
    // --- end of the bundle MAC key ------------------------------------------------------------------------------------
    this.accessLogBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED, // the only encryption S3 server access logging can write to
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: this.removalPolicy,
    });
    this.bucket = new Bucket(this, 'Bundles', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      versioned: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'bundle-bucket/',
      lifecycleRules: [
        { id: 'expire-runs', prefix: 'runs/', expiration: props.runRetention ?? Duration.days(90), noncurrentVersionExpiration: Duration.days(7) },
        // Posture reports are the record people read: kept a year; reports/latest/ is overwritten by every run, so
        // its old versions go after 30 days.
        { id: 'expire-reports', prefix: 'reports/', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) },
        { id: 'expire-old-bundle-versions', prefix: 'bundles/', noncurrentVersionExpiration: Duration.days(365) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: this.removalPolicy,
    });

    // EventBridge notifications straight on the bucket resource (the L2 `eventBridgeEnabled` adds a custom-resource
    // Lambda to set them, with its own role and runtime to keep up to date).
    (this.bucket.node.defaultChild as CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };

    this.stateTable = new Table(this, 'State', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: 35 },
      // A sandbox's DESTROY must be able to delete the table; otherwise nothing may, not even a stack update.
      deletionProtection: this.removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy: this.removalPolicy,
    });
    // tablewarden's own table: never reported as unmanaged by the tables it guards.
    Tags.of(this.stateTable).add(OPERATOR_TAG.key, OPERATOR_TAG.value);

    // --- AWS Config rules (issue 11): compiled from desired-state/ at synth ------------------------------------------
    // The state table's key is allowed too: DYNAMODB_TABLE_ENCRYPTED_KMS evaluates the operator's own table as well.
    this.configRules = new ConfigRules(this, 'ConfigRules', { ownKeyArns: [this.key.keyArn], ...props.configRules, defaultDesiredStateDir: prebuilt ? resolve('desired-state') : join(REPO_ROOT, 'desired-state') });
    // --- end of the AWS Config rules ---------------------------------------------------------------------------------

    this.topic = new Topic(this, 'Notifications', { displayName: 'tablewarden', masterKey: this.key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    // --- AWS Backup service role (TW-BACKUP-COVERAGE) ------------------------------------------------------------
    // The role AWS Backup assumes for the operator's selections and on-demand jobs. apply-batch may pass exactly it
    // (and the policy.yaml roles in props.backupRoleArns), and finds it in TABLEWARDEN_BACKUP_ROLE_ARN.
    this.backupRole = this.createBackupRole();
    const backupRoleArns = [this.backupRole.roleArn, ...(props.backupRoleArns ?? [])];
    const seedSources = this.resolveSeedSources(props.seedSources);
    // --- end of the AWS Backup service role -------------------------------------------------------------------------

    const roles = {} as Record<HandlerName, Role>;
    const functions = {} as Record<HandlerName, HandlerFunction>;
    const entries = Object.fromEntries(HANDLER_NAMES.map((handler) => [handler, props.handlerEntries?.[handler] ?? defaultHandlerEntry(handler)])) as Record<HandlerName, string>;
    // One layer for all functions: the SDK the handlers import (collected from their bundles), built from the lockfile.
    this.sdkLayer = new LayerVersion(this, 'AwsSdkLayer', {
      code: prebuilt ? Code.fromAsset(prebuilt.path(SDK_LAYER_ASSET)) : sdkLayerCode(HANDLER_NAMES.map((handler) => entries[handler])),
      compatibleRuntimes: [HANDLER_RUNTIME],
      compatibleArchitectures: [HANDLER_ARCHITECTURE],
      description: 'tablewarden: the AWS SDK for JavaScript v3 of the lockfile, the parts the handlers import (infra/sdk-layer.ts)',
    });
    for (const handler of HANDLER_NAMES) {
      const code = prebuilt ? Code.fromAsset(prebuilt.path(handlerAssetName(handler))) : undefined;
      const { role, fn } = this.createHandler(handler, entries[handler], logRetention, backupRoleArns, code);
      roles[handler] = role;
      functions[handler] = fn;
    }
    functions['apply-batch'].addEnvironment(BACKUP_ROLE_ENV, this.backupRole.roleArn);
    // Bundle MAC key: only load-desired-state verifies bundles (its grant: kms:VerifyMac on this key, permissions.ts).
    functions['load-desired-state'].addEnvironment(BUNDLE_MAC_KEY_ENV, this.bundleMacKey.keyArn);
    // Restore drills: drill-targets reads bundles as load does; drill-start passes the backup role to StartRestoreJob.
    functions['drill-targets'].addEnvironment(BUNDLE_MAC_KEY_ENV, this.bundleMacKey.keyArn);
    functions['drill-start'].addEnvironment(BACKUP_ROLE_ENV, this.backupRole.roleArn);
    // Seeding: both seed Lambdas refuse sources outside the granted locations with a clear error (not AccessDenied).
    for (const handler of handlersOf('seed')) functions[handler].addEnvironment('SEED_SOURCES', seedSources.join(','));
    // The nightly Config sweep reads the rules' findings and asks for their re-evaluation: their names (CONFIG_RULES).
    functions['config-sweep'].addEnvironment(CONFIG_RULES_ENV, this.configRules.configRulesEnv());
    this.roles = roles;
    this.functions = functions;

    // --- Seeding (state-machines/seed.ts): the Seed machine, started by Reconcile's seeding step ---------------------
    const seed = new SeedStateMachine(this, 'SeedWorkflow', {
      seed: functions.seed,
      taskTimeout: HANDLER_SETTINGS.seed.timeout.plus(Duration.minutes(1)),
      logGroup: new LogGroup(this, 'SeedWorkflowLogs', { retention: logRetention, removalPolicy: this.removalPolicy }),
    });
    this.seed = seed.stateMachine;
    // --- end of seeding ---------------------------------------------------------------------------------------------

    const reconcile = new ReconcileStateMachine(this, 'Reconcile', {
      functions,
      seeding: { triggers: functions['seed-triggers'], seed: this.seed, taskTimeout: HANDLER_SETTINGS['seed-triggers'].timeout.plus(Duration.minutes(1)) },
      taskTimeouts: Object.fromEntries(HANDLER_NAMES.map((handler) => [handler, HANDLER_SETTINGS[handler].timeout.plus(Duration.minutes(1))])),
      logGroup: new LogGroup(this, 'ReconcileLogs', { retention: logRetention, removalPolicy: this.removalPolicy }),
      ...(props.batchSize !== undefined ? { batchSize: props.batchSize } : {}),
      ...(props.maxDisruptivePercent !== undefined ? { maxDisruptivePercent: props.maxDisruptivePercent } : {}),
    });
    this.stateMachine = reconcile.stateMachine;
    ignoreRedundantRoleDependency(this.stateMachine.node.defaultChild as CfnResource);
    // The child state machine (one execution per batch) has the same shape of role: invoke on its function, logs, X-Ray.
    this.applyBatchRounds = reconcile.applyBatchRounds;
    ignoreRedundantRoleDependency(this.applyBatchRounds.node.defaultChild as CfnResource);
    const invoked = (child: boolean) => handlersOf('reconcile').filter((handler) => (handler === 'apply-batch') === child);
    for (const [role, handlers] of [
      [this.stateMachine.role, invoked(false)],
      [this.applyBatchRounds.role, invoked(true)],
    ] as const) {
      for (const handler of handlers) {
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(functions[handler].node.defaultChild as CfnFunction)}.Arn>:*]`,
          reason: `Step Functions' Lambda integration grants invoke on the ${handler} function's qualified ARNs (versions and aliases) of this one function, not other functions.`,
        });
      }
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Execution logging to CloudWatch Logs (logs:CreateLogDelivery and related delivery actions) and X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) have no resource-level permissions.',
      });
    }
    const childId = stack.getLogicalId(this.applyBatchRounds.node.defaultChild as CfnResource);
    Validations.of(this.stateMachine.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${childId}"}]}]}*]`,
      reason:
        "StartExecution.sync:2 (RUN_JOB) polls and stops the child executions it starts (states:DescribeExecution, states:StopExecution): executions of the ApplyBatchRounds state machine only, whose names are not known before they start.",
    });

    // --- Restore drills (state-machines/drill.ts) -----------------------------------------------------------------
    this.drills = new DrillStateMachines(this, 'Drills', {
      functions: Object.fromEntries(handlersOf('drill').map((handler) => [handler, functions[handler]])) as unknown as DrillFunctions,
      taskTimeouts: Object.fromEntries(handlersOf('drill').map((handler) => [handler, HANDLER_SETTINGS[handler].timeout.plus(Duration.minutes(1))])),
      logGroup: new LogGroup(this, 'DrillLogs', { retention: logRetention, removalPolicy: this.removalPolicy }),
    });
    // `tablewarden drill --remote` finds Drill by these tags (functions/aws/drill-remote.ts); DrillSchedule's workflow
    // value differs so that lookup matches one machine. On the L1 resources only: the roles stay untagged.
    for (const [machine, workflow] of [[this.drills.drill, DRILL_WORKFLOW_TAG], [this.drills.schedule, DRILL_SCHEDULE_WORKFLOW_TAG]] as const) {
      const resource = machine.node.defaultChild as CfnResource;
      Tags.of(resource).add(OPERATOR_TAG.key, OPERATOR_TAG.value);
      Tags.of(resource).add(workflow.key, workflow.value);
    }
    this.acknowledgeDrillRoles();
    this.acknowledgeSeedRoles();
    // --- end of restore drills ------------------------------------------------------------------------------------

    // --- AWS Config remediation (issue 11): compliance-change events → queue → config-events → one Reconcile ------
    this.configRemediation = new ConfigRemediation(this, 'ConfigRemediation', {
      handler: functions['config-events'],
      handlerTimeout: HANDLER_SETTINGS['config-events'].timeout,
      reconcile: this.stateMachine,
      key: this.key,
      topic: this.topic,
      configRuleNames: this.configRules.configRuleNames,
    });
    functions['config-events'].addEnvironment(CONFIG_RULES_ENV, this.configRules.configRulesEnv());
    // --- end of AWS Config remediation --------------------------------------------------------------------------

    this.createTriggers(props);
    this.createDrillSchedules(props);
    this.createAlarms();
  }

  /**
   * Let `grantee` (typically the CI role that runs `tablewarden publish`) publish desired-state bundles, and nothing
   * else: s3:PutObject on `bundles/*` of the bundle bucket; kms:GenerateDataKey on the operator key, only through S3
   * in this region (the bucket is SSE-KMS with an S3 Bucket Key, so S3 asks KMS for a data key with the caller's
   * rights; PutObject needs no kms:Encrypt); kms:GenerateMac on the bundle MAC key (publish MACs the bundle). Why all
   * three in one call: without the data key S3 refuses the upload (AccessDenied on KMS), and without the MAC the
   * operator refuses the bundle, which is the mistake a hand-written policy makes.
   * When `bundlePublisherArns` restricts GenerateMac in the MAC key's own policy, the grantee is added there too.
   */
  grantPublish(grantee: IGrantable): IamGrant {
    const put = IamGrant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: [this.bucket.arnForObjects('bundles/*')] });
    const dataKey = IamGrant.addToPrincipal({
      grantee,
      actions: ['kms:GenerateDataKey'],
      resourceArns: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
    });
    const macOptions = { grantee, actions: ['kms:GenerateMac'], resourceArns: [this.bundleMacKey.keyArn] };
    const mac = this.publishersInKeyPolicy
      ? IamGrant.addToPrincipalAndResource({ ...macOptions, resource: this.bundleMacKey, resourceSelfArns: ['*'] })
      : IamGrant.addToPrincipal(macOptions);
    return put.combine(dataKey).combine(mac);
  }

  /**
   * Let `grantee` read the posture reports (`tablewarden report`, dashboards): s3:GetObject on `reports/*` and
   * kms:Decrypt on the operator key through S3 in this region. Not the bundles, run artefacts or the state table.
   */
  grantReadReports(grantee: IGrantable): IamGrant {
    const read = IamGrant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [this.bucket.arnForObjects('reports/*')] });
    const decrypt = IamGrant.addToPrincipal({
      grantee,
      actions: ['kms:Decrypt'],
      resourceArns: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
    });
    return read.combine(decrypt);
  }

  /** The key administration actions {@link TableWardenProps.removalPolicy} DESTROY needs (none otherwise). */
  private destroyKeyActions(): string[] {
    return this.removalPolicy === RemovalPolicy.DESTROY ? ['kms:ScheduleKeyDeletion'] : [];
  }

  /** cdk-nag findings of the drill state machines' roles that are the design, each with its reason. */
  private acknowledgeDrillRoles(): void {
    const stack = Stack.of(this);
    const { drill, schedule } = this.drills;
    for (const [machine, handlers] of [
      [drill, handlersOf('drill')],
      [schedule, ['drill-targets', 'drill-cleanup'] as const],
    ] as const) {
      ignoreRedundantRoleDependency(machine.node.defaultChild as CfnResource);
      for (const handler of handlers) {
        Validations.of(machine.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.functions[handler].node.defaultChild as CfnFunction)}.Arn>:*]`,
          reason: `Step Functions' Lambda integration grants invoke on the ${handler} function's qualified ARNs (versions and aliases) of this one function, not other functions.`,
        });
      }
      Validations.of(machine.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Execution logging to CloudWatch Logs (logs:CreateLogDelivery and related delivery actions) and X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) have no resource-level permissions.',
      });
    }
    const drillId = stack.getLogicalId(drill.node.defaultChild as CfnResource);
    Validations.of(schedule.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${drillId}"}]}]}*]`,
      reason:
        'StartExecution.sync:2 (RUN_JOB) polls and stops the Drill executions it starts (states:DescribeExecution, states:StopExecution): executions of the Drill state machine only, whose names are not known before they start.',
    });
  }

  /** One EventBridge Scheduler schedule per drill cadence, each starting DrillSchedule with its cadence. */
  private createDrillSchedules(props: TableWardenProps): void {
    const stack = Stack.of(this);
    const role = new Role(this, 'DrillScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'EventBridge Scheduler: start the tablewarden restore-drill schedules',
    });
    for (const cadence of DRILL_CADENCES) {
      new Schedule(this, `Drill${cadence[0]!.toUpperCase()}${cadence.slice(1)}`, {
        description: `tablewarden: ${cadence} restore drills of every table declaring restoreDrill.schedule: ${cadence}`,
        schedule: ScheduleExpression.expression(props.drillSchedules?.[cadence] ?? DEFAULT_DRILL_SCHEDULES[cadence]),
        target: new StepFunctionsStartExecution(this.drills.schedule, {
          role,
          input: ScheduleTargetInput.fromObject({ cadence }),
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
        }),
      });
    }
  }

  /** The operator key: rotation on; no principal may schedule its deletion or disable it. */
  private createKey(): Key {
    const stack = Stack.of(this);
    const root = new AccountRootPrincipal();
    const policy = new PolicyDocument({
      statements: [
        // Administration delegated to IAM, without kms:ScheduleKeyDeletion, kms:DisableKey or any kms:* wildcard:
        // deleting this key means first changing this policy, a deliberate and audited step.
        new PolicyStatement({
          sid: 'KeyAdministrationThroughIam',
          principals: [root],
          actions: [
            'kms:CancelKeyDeletion',
            'kms:DescribeKey',
            'kms:EnableKey',
            'kms:EnableKeyRotation',
            'kms:GetKeyPolicy',
            'kms:GetKeyRotationStatus',
            'kms:ListGrants',
            'kms:ListKeyPolicies',
            'kms:ListKeyRotations',
            'kms:ListResourceTags',
            'kms:PutKeyPolicy',
            'kms:RevokeGrant',
            'kms:RotateKeyOnDemand',
            'kms:TagResource',
            'kms:UntagResource',
            'kms:UpdateKeyDescription',
            // removalPolicy DESTROY (sandboxes): CloudFormation schedules the key's deletion with the caller's rights.
            ...this.destroyKeyActions(),
          ],
          resources: ['*'],
        }),
        // Use delegated to IAM: the handlers' roles and the services they call (S3, DynamoDB, SNS) use it only as
        // far as an IAM policy allows.
        new PolicyStatement({
          sid: 'KeyUseThroughIam',
          principals: [root],
          actions: ['kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:RetireGrant'],
          resources: ['*'],
        }),
        // CloudWatch alarms publish to the encrypted topic.
        new PolicyStatement({
          sid: 'CloudWatchAlarmsPublishToTopic',
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      ],
    });
    return new Key(this, 'Key', {
      description: 'tablewarden operator data: desired-state bundles, run artefacts, state table, notifications',
      enableKeyRotation: true,
      policy,
      removalPolicy: this.removalPolicy,
    });
  }

  /**
   * The role AWS Backup assumes to back up the tables in the operator's plans and to restore them (restore drills).
   *
   * Why the AWS managed policies rather than an inline copy: AWSBackupServiceRolePolicyForBackup and
   * AWSBackupServiceRolePolicyForRestores are what AWS Backup's own default service role carries, and AWS keeps them
   * in step with what a DynamoDB backup and restore need (advanced DynamoDB backups, copies, restores of tables
   * encrypted with a customer-managed key). A hand-written subset would break silently when AWS Backup changes how
   * it calls DynamoDB. The role can be assumed by AWS Backup only, and only apply-batch may pass it.
   * https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html
   */
  private createBackupRole(): Role {
    const role = new Role(this, 'BackupServiceRole', {
      assumedBy: new ServicePrincipal('backup.amazonaws.com'),
      description: 'tablewarden: the role AWS Backup assumes to back up and restore the DynamoDB tables in the operator\'s backup plans',
      managedPolicies: [BACKUP_MANAGED_POLICY, RESTORE_MANAGED_POLICY].map((name) => ManagedPolicy.fromAwsManagedPolicyName(name)),
    });
    for (const name of [BACKUP_MANAGED_POLICY, RESTORE_MANAGED_POLICY]) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`,
        reason:
          'The AWS managed AWS Backup service-role policies are what AWS Backup needs for DynamoDB backups and restores, kept current by AWS; the role is assumable by backup.amazonaws.com only and passable only by the apply handler.',
      });
    }
    return role;
  }

  /**
   * The bundle MAC key: HMAC_256 for GENERATE_VERIFY_MAC (KMS rotates only symmetric encryption keys, so no
   * rotation). Nobody may schedule its deletion or disable it; GenerateMac goes to the publishers (or IAM), VerifyMac
   * through IAM, where only load-desired-state's role has it. Writing to the bucket is then not enough to make the
   * operator apply a bundle (https://docs.aws.amazon.com/kms/latest/developerguide/hmac.html).
   */
  private createBundleMacKey(publishers: string[] | undefined): Key {
    const root = new AccountRootPrincipal();
    const statements = [
      new PolicyStatement({
        sid: 'KeyAdministrationThroughIam',
        principals: [root],
        actions: [
          'kms:CancelKeyDeletion',
          'kms:DescribeKey',
          'kms:EnableKey',
          'kms:GetKeyPolicy',
          'kms:ListGrants',
          'kms:ListKeyPolicies',
          'kms:ListResourceTags',
          'kms:PutKeyPolicy',
          'kms:RevokeGrant',
          'kms:TagResource',
          'kms:UntagResource',
          'kms:UpdateKeyDescription',
          ...this.destroyKeyActions(),
        ],
        resources: ['*'],
      }),
      new PolicyStatement({
        sid: publishers === undefined ? 'MacThroughIam' : 'VerifyMacThroughIam',
        principals: [root],
        actions: publishers === undefined ? ['kms:GenerateMac', 'kms:VerifyMac'] : ['kms:VerifyMac'],
        resources: ['*'],
      }),
    ];
    if (publishers !== undefined) {
      if (publishers.length === 0) throw new Error('TableWarden: bundlePublisherArns must name at least one principal (or be left out)');
      statements.push(new PolicyStatement({ sid: 'PublishersGenerateMac', principals: publishers.map((arn) => new ArnPrincipal(arn)), actions: ['kms:GenerateMac'], resources: ['*'] }));
    }
    return new Key(this, 'BundleMacKey', {
      description: 'tablewarden: authenticates desired-state bundles (publisher: GenerateMac; operator: VerifyMac)',
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      policy: new PolicyDocument({ statements }),
      removalPolicy: this.removalPolicy,
    });
  }

  private createHandler(handler: HandlerName, entry: string, logRetention: RetentionDays, backupRoleArns: string[], prebuiltCode?: Code): { role: Role; fn: HandlerFunction } {
    const settings = { ...HANDLER_SETTINGS[handler], id: HANDLERS[handler].functionId };
    if (!prebuiltCode && !existsSync(entry)) throw new Error(`TableWarden: the ${handler} handler module does not exist: ${entry}`);
    const logGroup = new LogGroup(this, `${settings.id}Logs`, { retention: logRetention, removalPolicy: this.removalPolicy });
    const role = new Role(this, `${settings.id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `tablewarden ${handler} handler`,
    });
    role.addToPrincipalPolicy(new PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    const grants = handlerGrants(handler);
    for (const grant of grants) role.addToPrincipalPolicy(this.renderGrant(grant, backupRoleArns));

    const fn = new HandlerFunction(this, settings.id, {
      // Bundled by infra/handler-bundle.ts (esbuild, tree-shaken ESM); the lockfile's AWS SDK comes from the layer.
      code: prebuiltCode ?? handlerCode(entry),
      layers: [this.sdkLayer],
      handler: 'index.handler',
      description: `tablewarden: ${settings.description}`,
      runtime: HANDLER_RUNTIME,
      architecture: HANDLER_ARCHITECTURE,
      tracing: Tracing.ACTIVE,
      memorySize: settings.memoryMb,
      timeout: settings.timeout,
      role,
      logGroup,
      environment: {
        BUNDLE_BUCKET: this.bucket.bucketName,
        STATE_TABLE: this.stateTable.tableName,
        TOPIC_ARN: this.topic.topicArn,
        POWERTOOLS_SERVICE_NAME: 'tablewarden',
        POWERTOOLS_METRICS_NAMESPACE: 'TableWarden',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    const cfnFunction = fn.node.defaultChild as CfnFunction;
    cfnFunction.addMetadata(HANDLER_METADATA_KEY, handler);
    ignoreRedundantRoleDependency(cfnFunction);

    // cdk-nag: findings that are the design, each with its reason.
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'nodejs22.x is pinned on purpose: the handlers are tested on Node 20 and 22 (the lockfile AWS SDK and vitest 4 support them), and nodejs22.x is in standard support; nodejs24.x follows the toolchain upgrade.',
    });
    const wildcardActions = [...XRAY_ACTIONS, ...grants.filter((grant) => grant.resources.includes('any')).flatMap((grant) => grant.actions)];
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `These actions have no resource-level permissions, so AWS requires "*": ${wildcardActions.join(', ')}.`,
    });
    if (grants.some((grant) => grant.resources.includes('config-rules')) && this.configRuleArns().some((arn) => arn.endsWith('config-rule/*'))) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:config:<AWS::Region>:<AWS::AccountId>:config-rule/*]',
        reason: "The Config rules are another team's, known by name only, and a ConfigRule ARN holds the rule's ID, not its name: config-rule/* of this account and region, for the two compliance actions only (read results, start an evaluation).",
      });
    }
    if (grants.some((grant) => grant.resources.includes('seed-sources'))) {
      for (const { printed } of this.seedSourceArns) {
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${printed}]`,
          reason: 'Seed files are objects under the seed locations the stack names (seedSources; default the operator bucket\'s seed/ prefix), keyed by the table files in git (unknown at deploy time); read-only.',
        });
      }
    }
    for (const [kind, resource] of this.wildcardResources(grants)) {
      Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason: WILDCARD_REASONS[kind] });
    }
    return { role, fn };
  }

  /** Resource kinds of `grants` whose ARNs end in a wildcard, with the ARN as cdk-nag prints it. */
  private wildcardResources(grants: readonly Grant[]): Array<[WildcardKind, string]> {
    const stack = Stack.of(this);
    const bucket = stack.getLogicalId(this.bucket.node.defaultChild as CfnResource);
    const regional = (service: string, resource: string) => `arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${resource}`;
    const printed: Record<WildcardKind, string> = {
      tables: regional('dynamodb', 'table/*'),
      'kms-keys': regional('kms', 'key/*'),
      'kms-aliases': regional('kms', 'alias/*'),
      'backup-vaults': regional('backup', 'backup-vault:*'),
      'backup-plans': regional('backup', 'backup-plan:*'),
      bundles: `<${bucket}.Arn>/bundles/*`,
      runs: `<${bucket}.Arn>/runs/*`,
      reports: `<${bucket}.Arn>/reports/*`,
      'drill-tables': regional('dynamodb', `table/${DRILL_TABLE_PREFIX}*`),
      'dynamodb-backups': regional('dynamodb', 'table/*/backup/*'),
      'recovery-points': regional('backup', 'recovery-point:*'),
    };
    const kinds = new Set(grants.flatMap((grant) => grant.resources).filter((kind): kind is WildcardKind => kind in printed));
    return [...kinds].map((kind) => [kind, printed[kind]]);
  }

  /** A grant as an IAM statement of this stack. */
  /**
   * The seed locations (`s3://bucket/prefix`) as object ARNs, checked at synth; returns them as URIs for SEED_SOURCES.
   * Default: the operator bucket's `seed/` prefix.
   */
  private resolveSeedSources(sources: string[] | undefined): string[] {
    const stack = Stack.of(this);
    if (sources === undefined) {
      const bucket = stack.getLogicalId(this.bucket.node.defaultChild as CfnResource);
      this.seedSourceArns = [{ arn: this.bucket.arnForObjects('seed/*'), printed: `<${bucket}.Arn>/seed/*` }];
      return [`s3://${this.bucket.bucketName}/seed/`];
    }
    if (sources.length === 0) throw new Error('TableWarden: seedSources must name at least one s3://bucket/prefix (or be left out)');
    this.seedSourceArns = sources.map((source) => {
      const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(source);
      if (!match || /[*?]/.test(source)) throw new Error(`TableWarden: seedSources: ${source} is not an s3://bucket/prefix location (no wildcards)`);
      const resource = `${match[1]}/${match[2] ?? ''}*`;
      return { arn: stack.formatArn({ service: 's3', region: '', account: '', resource, arnFormat: ArnFormat.NO_RESOURCE_NAME }), printed: `arn:<AWS::Partition>:s3:::${resource}` };
    });
    return sources;
  }

  /** cdk-nag findings of the Seed machine's role and of Reconcile's seeding step that are the design. */
  private acknowledgeSeedRoles(): void {
    const stack = Stack.of(this);
    const invokeReason = (handler: string) => `Step Functions' Lambda integration grants invoke on the ${handler} function's qualified ARNs (versions and aliases) of this one function, not other functions.`;
    ignoreRedundantRoleDependency(this.seed.node.defaultChild as CfnResource);
    for (const [role, handler] of [
      [this.seed.role, 'seed'],
      [this.stateMachine.role, 'seed-triggers'],
    ] as const) {
      Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.functions[handler].node.defaultChild as CfnFunction)}.Arn>:*]`, reason: invokeReason(handler) });
    }
    Validations.of(this.seed.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Execution logging to CloudWatch Logs (logs:CreateLogDelivery and related delivery actions) and X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) have no resource-level permissions.',
    });
  }

  /**
   * The Config rules the sweep may read and re-evaluate, by ARN (which holds the rule's ID, not its name): the rules
   * this stack deploys; when any configured rule is not deployed here (another team's, known by name only),
   * `config-rule/*` of this account and region, the narrowest ARN a name allows.
   */
  configRuleArns(): string[] {
    const deployed = Object.values(this.configRules.rules).map((rule) => rule.configRuleArn);
    const configured = Object.keys(this.configRules.configRuleNames).length;
    return deployed.length > 0 && deployed.length === configured ? deployed : [Stack.of(this).formatArn({ service: 'config', resource: 'config-rule', resourceName: '*' })];
  }

  private renderGrant(grant: Grant, backupRoleArns: string[]): PolicyStatement {
    const stack = Stack.of(this);
    const regional = (service: string, resource: string, resourceName: string, arnFormat = ArnFormat.SLASH_RESOURCE_NAME) =>
      stack.formatArn({ service, resource, resourceName, arnFormat });
    const arns: Record<ResourceKind, () => string[]> = {
      any: () => ['*'],
      tables: () => [regional('dynamodb', 'table', '*')],
      'kms-keys': () => [regional('kms', 'key', '*')],
      'kms-aliases': () => [regional('kms', 'alias', '*')],
      'backup-vaults': () => [regional('backup', 'backup-vault', '*', ArnFormat.COLON_RESOURCE_NAME)],
      'backup-plans': () => [regional('backup', 'backup-plan', '*', ArnFormat.COLON_RESOURCE_NAME)],
      'backup-role': () => backupRoleArns,
      'state-table': () => [this.stateTable.tableArn],
      bucket: () => [this.bucket.bucketArn],
      bundles: () => [this.bucket.arnForObjects('bundles/*')],
      runs: () => [this.bucket.arnForObjects('runs/*')],
      reports: () => [this.bucket.arnForObjects('reports/*')],
      topic: () => [this.topic.topicArn],
      'operator-key': () => [this.key.keyArn],
      'bundle-mac-key': () => [this.bundleMacKey.keyArn],
      'drill-tables': () => [regional('dynamodb', 'table', `${DRILL_TABLE_PREFIX}*`)],
      'dynamodb-backups': () => [regional('dynamodb', 'table', '*/backup/*')],
      'recovery-points': () => [regional('backup', 'recovery-point', '*', ArnFormat.COLON_RESOURCE_NAME)],
      'seed-sources': () => this.seedSourceArns.map((source) => source.arn),
      'config-rules': () => this.configRuleArns(),
      // Created after the handlers (the state machine invokes them; the queue is ConfigRemediation's): resolved at synth.
      'reconcile-state-machine': () => [Lazy.string({ produce: () => this.stateMachine.stateMachineArn })],
      'config-events-queue': () => [Lazy.string({ produce: () => this.configRemediation.queue.queueArn })],
    };
    const conditions: Record<string, Record<string, unknown>> = { ...(grant.conditions ?? {}) };
    if (grant.viaServices) {
      conditions['StringEquals'] = { ...(conditions['StringEquals'] ?? {}), 'kms:ViaService': grant.viaServices.map((service) => `${service}.${stack.region}.amazonaws.com`) };
    }
    return new PolicyStatement({
      sid: grant.sid,
      effect: Effect.ALLOW,
      actions: grant.actions,
      resources: grant.resources.flatMap((kind) => arns[kind]()),
      ...(Object.keys(conditions).length ? { conditions } : {}),
    });
  }

  /** Nightly schedule, bundle-published rule, and lock release for executions that never reached their own. */
  private createTriggers(props: TableWardenProps): void {
    const stack = Stack.of(this);
    const scheduleRole = new Role(this, 'ScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'EventBridge Scheduler: start the nightly tablewarden reconcile',
    });
    new Schedule(this, 'NightlyReconcile', {
      description: 'tablewarden: nightly reconcile of every declared table',
      schedule: ScheduleExpression.expression(props.scheduleExpression ?? 'cron(0 2 * * ? *)'),
      target: new StepFunctionsStartExecution(this.stateMachine, {
        role: scheduleRole,
        input: ScheduleTargetInput.fromObject({ trigger: 'schedule', mode: 'apply' }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });

    const ruleRole = new Role(this, 'BundlePublishedRole', {
      assumedBy: new ServicePrincipal('events.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'EventBridge: start a tablewarden reconcile when a desired-state bundle is published',
    });
    new Rule(this, 'BundlePublished', {
      description: 'tablewarden: reconcile the revision of a bundle published to bundles/<revision>.json',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [this.bucket.bucketName] }, object: { key: Match.wildcard('bundles/*.json') } },
      },
      // An input transformer cannot cut "bundles/" and ".json" off the key; the state machine does (SplitBundleKey).
      targets: [
        new SfnStateMachine(this.stateMachine, {
          role: ruleRole,
          input: RuleTargetInput.fromObject({ trigger: 'commit', mode: 'apply', bundleKey: EventField.fromPath('$.detail.object.key') }),
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    // ---- Lock release for runs that ended without releasing it.
    // Aborted and timed-out executions run no Catch, and a run can also fail outside every Catch (States.ALL does
    // not catch States.DataLimitExceeded or States.Runtime), or fail to release (ReleaseFailed): release the lock
    // on every terminal status but SUCCEEDED instead of waiting hours for its expiry. Runs that released it already
    // are harmless here: the release is conditional on the owner (this execution's ARN), so it never frees the lock
    // of another run (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html lists the statuses).
    new Rule(this, 'ReleaseLockOfStoppedRun', {
      description: 'tablewarden: release the lock of a reconcile that failed, was aborted or timed out',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [this.stateMachine.stateMachineArn], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      targets: [
        new LambdaFunction(this.functions.lock, {
          event: RuleTargetInput.fromObject({ action: 'release', owner: EventField.fromPath('$.detail.executionArn') }),
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });
  }

  /** Failed (or timed-out) executions and every handler's errors notify the topic. */
  private createAlarms(): void {
    const action = new SnsAction(this.topic);
    const alarm = (id: string, metric: IMetric, description: string) =>
      new Alarm(this, id, {
        metric,
        alarmDescription: description,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(action);
    const period = Duration.minutes(5);
    alarm('ReconcileFailedAlarm', this.stateMachine.metricFailed({ period, statistic: 'Sum' }), 'A tablewarden reconcile execution failed (see its execution history and run report).');
    alarm('ReconcileTimedOutAlarm', this.stateMachine.metricTimedOut({ period, statistic: 'Sum' }), 'A tablewarden reconcile execution timed out.');
    alarm('SeedFailedAlarm', this.seed.metricFailed({ period, statistic: 'Sum' }), 'A tablewarden seed failed or was refused (see its execution history and runs/seed/<execution name>/report.json).');
    alarm('SeedTimedOutAlarm', this.seed.metricTimedOut({ period, statistic: 'Sum' }), 'A tablewarden seed execution timed out.');
    alarm('DrillFailedAlarm', this.drills.drill.metricFailed({ period, statistic: 'Sum' }), 'A tablewarden restore drill failed, found no recovery point or did not start (see its execution and the drill history).');
    alarm('DrillTimedOutAlarm', this.drills.drill.metricTimedOut({ period, statistic: 'Sum' }), 'A tablewarden restore drill execution timed out.');
    alarm('DrillScheduleFailedAlarm', this.drills.schedule.metricFailed({ period, statistic: 'Sum' }), 'A tablewarden drill schedule failed (its tables could not be listed).');
    for (const handler of HANDLER_NAMES) {
      alarm(`${HANDLERS[handler].functionId}ErrorsAlarm`, this.functions[handler].metricErrors({ period, statistic: 'Sum' }), `The tablewarden ${handler} Lambda function reported errors.`);
    }
  }
}

/**
 * CDK makes a function (or state machine) depend on its role *construct*, i.e. on the role and its default policy,
 * so the policy exists before the first invocation. The role half is also a `Fn::GetAtt`, which cfn-lint reports
 * as W3005 (redundant DependsOn). The dependency is CDK's and harmless: silence that one check on that resource.
 */
function ignoreRedundantRoleDependency(resource: CfnResource): void {
  resource.addMetadata('cfn-lint', { config: { ignore_checks: ['W3005'] } });
}

type WildcardKind = 'tables' | 'kms-keys' | 'kms-aliases' | 'backup-vaults' | 'backup-plans' | 'bundles' | 'runs' | 'reports' | 'drill-tables' | 'dynamodb-backups' | 'recovery-points';

const WILDCARD_REASONS: Record<WildcardKind, string> = {
  tables: 'The operator observes and reconciles every DynamoDB table declared in git (names unknown at deploy time), in this account and region only; no DeleteTable is granted.',
  'kms-keys': 'Table keys are created by the operator from desired state (CreateKey with tags needs kms:TagResource on every key of the account and region); CreateGrant is limited to grants for AWS resources; no key can be disabled or deleted.',
  'kms-aliases': 'kms:CreateAlias names the table keys declared in git (alias names unknown at deploy time), in this account and region only.',
  'backup-vaults': 'Backup vaults are named in policy.yaml (unknown at deploy time); describe, create, tag and start-job only, in this account and region; nothing is deleted.',
  'backup-plans': 'Backup plans and selections are named in policy.yaml (unknown at deploy time); read, create, tag only, in this account and region; nothing is deleted.',
  bundles: 'Desired-state bundles are keyed by git revision (unknown at deploy time); read-only, under bundles/ only.',
  runs: 'Run artefacts are keyed by execution name (unknown at deploy time); under runs/ only, which a lifecycle rule expires.',
  reports: 'Posture reports are keyed by execution name (unknown at deploy time) plus reports/latest/; write-only, under reports/ only, which a lifecycle rule expires.',
  'drill-tables': 'Restore-drill copies are named tw-drill-<table>-<UTC time> at run time; only tables with that prefix, in this account and region; DeleteTable and UpdateTable only when the table also carries the tag tablewarden:drill=true.',
  'dynamodb-backups': 'Restore drills restore the newest on-demand backup of a declared table (names and backup ids unknown at deploy time), in this account and region; restore only.',
  'recovery-points': 'Restore drills restore the newest AWS Backup recovery point of a declared table (ids unknown at deploy time), in this account and region; StartRestoreJob only.',
};
