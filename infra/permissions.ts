/**
 * The operator's IAM, as data: which AWS actions each Lambda handler may call, and on what kind of resource.
 *
 * Why a pure module: the least-privilege story has to be checkable without synthesizing anything. The actions
 * that touch customer tables, keys and backups are *derived* from the controls' declared permissions
 * (`CONTROLS[].permissions`), so adding a control widens IAM exactly as far as it declares, and a test can
 * compare {@link handlerApiActions} with the calls the handlers really make (the call recorder). The CDK
 * construct only renders these grants into policy statements (resource kinds → ARNs).
 *
 * Safety invariants encoded here, each with a test in test/infra:
 * - `dynamodb:DeleteTable` only for drill-cleanup's role, only on `table/tw-drill-*`, only when the table carries
 *   the tag `tablewarden:drill=true` ({@link DRILL_DELETE_GRANT}; proven over the synthesized policies with an IAM
 *   policy simulator in test/infra/drill-iam-simulation.test.ts);
 * - no `kms:ScheduleKeyDeletion`, `kms:DisableKey` or any KMS wildcard;
 * - `iam:PassRole` only on the AWS Backup role, only to `backup.amazonaws.com`;
 * - an action with no entry in {@link CONTROL_ACTION_SCOPES} fails the synth instead of silently getting `*`.
 */
import { CONTROLS } from '../functions/core/controls/index.ts';
import { OPERATOR_NEVER_GRANTED } from '../functions/core/kms/key-policy.ts';

import { HANDLER_NAMES, type HandlerName } from '../functions/handlers/registry.ts';

/** The Lambda handlers of the Reconcile workflow: re-exported from the one list, functions/handlers/registry.ts. */
export { HANDLER_NAMES, type HandlerName };

/**
 * What a statement's Resource points at. The construct maps each kind to ARNs:
 * - `any`: `*`, for actions that have no resource-level permissions (Service Authorization Reference);
 * - `tables` / `kms-keys` / `kms-aliases` / `backup-vaults` / `backup-plans`: every such resource in the stack's
 *   account and region (the tables the operator manages are named in git, not known at deploy time);
 * - `backup-role`: the role(s) AWS Backup assumes for selections and on-demand jobs;
 * - `state-table`, `bucket`, `bundles` (objects under `bundles/`), `runs` (objects under `runs/`), `reports`
 *   (posture reports, objects under `reports/`), `topic`, `operator-key`: the operator's own resources;
 * - `bundle-mac-key`: the HMAC KMS key that authenticates desired-state bundles (verify only: the publisher, not
 *   the operator, makes MACs);
 * - `drill-tables`: restore-drill copies, `table/tw-drill-*` (functions/core/drill/names.ts);
 * - `dynamodb-backups`: on-demand DynamoDB backups of any table (`table/<any>/backup/<any>`), what RestoreTableFromBackup is
 *   authorised on;
 * - `recovery-points`: AWS Backup recovery points, what StartRestoreJob is authorised on;
 * - `reconcile-state-machine`: the Reconcile state machine (config-events starts it);
 * - `config-events-queue`: the queue of AWS Config compliance-change events (infra/config-remediation.ts);
 * - `config-rules`: the AWS Config rules the sweep reads and re-evaluates. Both actions are authorised on the
 *   ConfigRule resource (`arn:${Partition}:config:${Region}:${Account}:config-rule/${ConfigRuleId}`, Service
 *   Authorization Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsconfig.html).
 *   The ARN holds the rule's ID, not its name: the stack's own rules are named by their ARNs; rules another team
 *   owns (known by name only) by `config-rule/*` of the stack's account and region.
 */
export type ResourceKind =
  | 'any'
  | 'tables'
  | 'kms-keys'
  | 'kms-aliases'
  | 'backup-vaults'
  | 'backup-plans'
  | 'backup-role'
  | 'state-table'
  | 'bucket'
  | 'bundles'
  | 'runs'
  | 'reports'
  | 'topic'
  | 'operator-key'
  | 'bundle-mac-key'
  | 'drill-tables'
  | 'dynamodb-backups'
  | 'recovery-points'
  | 'seed-sources'
  | 'reconcile-state-machine'
  | 'config-events-queue'
  | 'config-rules';

/** IAM condition block: operator → key → value(s). */
export type Conditions = Record<string, Record<string, string | string[]>>;

/** One allow statement, before resource kinds become ARNs. */
export interface Grant {
  /** Statement id (alphanumeric), stable so policy diffs stay readable. */
  sid: string;
  actions: string[];
  resources: ResourceKind[];
  conditions?: Conditions;
  /** Services allowed to use the key on the handler's behalf (`kms:ViaService`), rendered per region. */
  viaServices?: Array<'dynamodb' | 's3' | 'sns' | 'sqs'>;
  /**
   * Actions AWS authorises on the handler's behalf during another call, which the handler never calls itself (a
   * restore writes the new table with the caller's permissions): why. Left out of {@link handlerApiActions}.
   */
  implied?: string;
}

/** Where a control-declared action may be used, and under which condition. */
export interface ActionScope {
  resources: ResourceKind[];
  conditions?: Conditions;
}

const TABLES: ActionScope = { resources: ['tables'] };
const ANY: ActionScope = { resources: ['any'] };
const KEYS: ActionScope = { resources: ['kms-keys'] };
const BACKUP_PLANS: ActionScope = { resources: ['backup-plans'] };
const BACKUP_VAULTS: ActionScope = { resources: ['backup-vaults'] };
/** Key use that only AWS Backup makes on the caller's behalf (any region's AWS Backup endpoint of this partition). */
const VIA_BACKUP: ActionScope = { resources: ['kms-keys'], conditions: { StringLike: { 'kms:ViaService': 'backup.*.amazonaws.com' } } };

/**
 * Resource scope of every action a control may declare, from the Service Authorization Reference.
 * `any` only where the action has no resource type (AWS requires `*`).
 */
export const CONTROL_ACTION_SCOPES: Readonly<Record<string, ActionScope>> = {
  // DynamoDB: ListTables is account-wide; everything else is authorised against the table ARN (indexes included).
  'dynamodb:ListTables': ANY,
  'dynamodb:DescribeTable': TABLES,
  'dynamodb:DescribeContinuousBackups': TABLES,
  'dynamodb:DescribeTimeToLive': TABLES,
  'dynamodb:DescribeContributorInsights': TABLES,
  'dynamodb:CreateTable': TABLES,
  'dynamodb:UpdateTable': TABLES,
  'dynamodb:UpdateContinuousBackups': TABLES,
  'dynamodb:UpdateTimeToLive': TABLES,
  'dynamodb:UpdateContributorInsights': TABLES,
  'dynamodb:TagResource': TABLES,
  // KMS: ListAliases and CreateKey have no resource type. Tags on CreateKey need kms:TagResource on every key of
  // the account and region, which `key/*` covers. CreateAlias is authorised on both the alias and the key.
  'kms:ListAliases': ANY,
  'kms:CreateKey': ANY,
  'kms:DescribeKey': KEYS,
  'kms:GetKeyRotationStatus': KEYS,
  'kms:EnableKeyRotation': KEYS,
  'kms:TagResource': KEYS,
  'kms:CreateAlias': { resources: ['kms-keys', 'kms-aliases'] },
  // DynamoDB creates the grant for a customer-managed table key on the caller's behalf; nothing else may.
  'kms:CreateGrant': { resources: ['kms-keys'], conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
  // Resource Groups Tagging API: account-wide reads only.
  'tag:GetResources': ANY,
  // AWS Backup.
  'backup:ListBackupPlans': ANY,
  'backup:ListProtectedResources': ANY,
  'backup:ListBackupSelections': BACKUP_PLANS,
  'backup:GetBackupSelection': BACKUP_PLANS,
  'backup:CreateBackupPlan': BACKUP_PLANS,
  'backup:CreateBackupSelection': BACKUP_PLANS,
  'backup:DescribeBackupVault': BACKUP_VAULTS,
  'backup:CreateBackupVault': BACKUP_VAULTS,
  'backup:StartBackupJob': BACKUP_VAULTS,
  'backup:TagResource': { resources: ['backup-vaults', 'backup-plans'] },
  // CreateBackupVault (create-a-vault.html): backup-storage:MountCapsule has no resource type; AWS Backup uses the
  // vault's key (the AWS managed aws/backup key unless one is named) with the caller's permissions, so those KMS
  // actions are granted only through AWS Backup. CreateGrant and DescribeKey keep their scopes above.
  'backup-storage:MountCapsule': ANY,
  'kms:Decrypt': VIA_BACKUP,
  'kms:GenerateDataKey': VIA_BACKUP,
  'kms:RetireGrant': VIA_BACKUP,
  // Selections and on-demand jobs hand AWS Backup its role: only that role, only to AWS Backup.
  'iam:PassRole': { resources: ['backup-role'], conditions: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } } },
};

/** Actions this stack must never grant, whatever a control declares. */
export const FORBIDDEN_ACTIONS: readonly string[] = [
  'dynamodb:DeleteTable',
  'dynamodb:DeleteBackup',
  // Deleting, disabling, re-aliasing or un-rotating a table key, and kms:PutKeyPolicy: the key policy cannot deny
  // the latter (CreateKey's lockout safety check), so IAM is the only place it is withheld (core/kms/key-policy.ts).
  ...OPERATOR_NEVER_GRANTED,
  'backup:DeleteBackupPlan',
  'backup:DeleteBackupSelection',
  'backup:DeleteBackupVault',
  'backup:DeleteRecoveryPoint',
];

interface ControlPermissions {
  permissions: { observe: readonly string[]; apply: readonly string[] };
}

const sortedUnique = (actions: Iterable<string>): string[] => [...new Set(actions)].sort();

/** The union of every control's `observe` actions: what planning needs (read-only). */
export function observeActions(controls: readonly ControlPermissions[] = CONTROLS): string[] {
  return sortedUnique(controls.flatMap((control) => control.permissions.observe));
}

/** `observe ∪ apply` over every control: what applying needs (apply observes again before each round). */
export function applyActions(controls: readonly ControlPermissions[] = CONTROLS): string[] {
  return sortedUnique(controls.flatMap((control) => [...control.permissions.observe, ...control.permissions.apply]));
}

/**
 * Group control actions into statements by resource scope and condition.
 *
 * @throws Error when an action has no scope in {@link CONTROL_ACTION_SCOPES} (a new control must say where its
 *   actions apply) or is one of {@link FORBIDDEN_ACTIONS}.
 */
export function controlGrants(prefix: string, actions: readonly string[]): Grant[] {
  const groups = new Map<string, Grant>();
  for (const action of actions) {
    if (FORBIDDEN_ACTIONS.includes(action) || /[*?]/.test(action)) {
      throw new Error(`infra/permissions: a control declares ${action}, which the operator stack never grants`);
    }
    const scope = CONTROL_ACTION_SCOPES[action];
    if (!scope) {
      throw new Error(`infra/permissions: no resource scope for ${action}; add it to CONTROL_ACTION_SCOPES (use "any" only where AWS requires "*")`);
    }
    const key = JSON.stringify([scope.resources, scope.conditions ?? null]);
    let grant = groups.get(key);
    if (!grant) {
      grant = { sid: '', actions: [], resources: [...scope.resources], ...(scope.conditions ? { conditions: scope.conditions } : {}) };
      groups.set(key, grant);
    }
    grant.actions.push(action);
  }
  return [...groups.values()].map((grant, index) => ({ ...grant, sid: `${prefix}${index + 1}`, actions: sortedUnique(grant.actions) }));
}

// Operator-key use by the services that encrypt the operator's own data, as each documents it: S3 (SSE-KMS with a
// bucket key) and SNS (SSE) need GenerateDataKey and Decrypt; DynamoDB (customer-managed table key) also Encrypt
// and DescribeKey.
const S3_KEY_USE = ['kms:Decrypt', 'kms:GenerateDataKey'];
const SNS_KEY_USE = S3_KEY_USE;
const DYNAMODB_KEY_USE = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];

/**
 * Each handler's access to the operator's own resources, from what its code calls:
 * - `s3:ListBucket` where a missing object is an expected answer (a bundle that was never published: S3 says 404
 *   only with ListBucket, 403 without) and where the code lists (the report); plan-batch and apply-batch only
 *   read artefacts the run itself wrote, so they don't get it;
 * - the operator key only through the service that uses it (`kms:ViaService`).
 */
export const OWN_RESOURCE_GRANTS: Readonly<Record<HandlerName, readonly Grant[]>> = {
  lock: [
    { sid: 'LockItem', actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], resources: ['state-table'] },
    { sid: 'StateTableKey', actions: DYNAMODB_KEY_USE, resources: ['operator-key'], viaServices: ['dynamodb'] },
  ],
  'load-desired-state': [
    { sid: 'ListBucket', actions: ['s3:ListBucket'], resources: ['bucket'] },
    { sid: 'ReadBundles', actions: ['s3:GetObject'], resources: ['bundles'] },
    { sid: 'WriteBatches', actions: ['s3:PutObject'], resources: ['runs'] },
    { sid: 'BucketKey', actions: S3_KEY_USE, resources: ['operator-key'], viaServices: ['s3'] },
    // A bundle is used only after KMS verifies its MAC; never kms:GenerateMac, which would let the operator forge one.
    { sid: 'VerifyBundleMac', actions: ['kms:VerifyMac'], resources: ['bundle-mac-key'] },
  ],
  'plan-batch': [
    { sid: 'RunArtefacts', actions: ['s3:GetObject', 's3:PutObject'], resources: ['runs'] },
    { sid: 'BucketKey', actions: S3_KEY_USE, resources: ['operator-key'], viaServices: ['s3'] },
  ],
  // The gate is pure arithmetic over the plan summaries in its event.
  gate: [],
  'apply-batch': [
    { sid: 'RunArtefacts', actions: ['s3:GetObject', 's3:PutObject'], resources: ['runs'] },
    { sid: 'BucketKey', actions: S3_KEY_USE, resources: ['operator-key'], viaServices: ['s3'] },
  ],
  report: [
    { sid: 'ListBucket', actions: ['s3:ListBucket'], resources: ['bucket'] },
    { sid: 'RunArtefacts', actions: ['s3:GetObject', 's3:PutObject'], resources: ['runs'] },
    { sid: 'TableHistory', actions: ['dynamodb:BatchWriteItem'], resources: ['state-table'] },
    // The posture report: the latest drill per table (a Query of its drill history), and its files under reports/.
    { sid: 'DrillHistory', actions: ['dynamodb:Query'], resources: ['state-table'] },
    { sid: 'PostureReport', actions: ['s3:PutObject'], resources: ['reports'] },
    { sid: 'Notify', actions: ['sns:Publish'], resources: ['topic'] },
    { sid: 'StateTableKey', actions: DYNAMODB_KEY_USE, resources: ['operator-key'], viaServices: ['dynamodb'] },
    { sid: 'BucketAndTopicKey', actions: [...new Set([...S3_KEY_USE, ...SNS_KEY_USE])], resources: ['operator-key'], viaServices: ['s3', 'sns'] },
  ],
  // The nightly Config sweep: its findings document in runs/ (ListBucket: the re-evaluation reads it back and a
  // sweep that failed left none, which S3 answers 404 only with ListBucket), Config's compliance reads and
  // re-evaluation, nothing else.
  'config-sweep': [
    { sid: 'ListBucket', actions: ['s3:ListBucket'], resources: ['bucket'] },
    { sid: 'RunArtefacts', actions: ['s3:GetObject', 's3:PutObject'], resources: ['runs'] },
    { sid: 'BucketKey', actions: S3_KEY_USE, resources: ['operator-key'], viaServices: ['s3'] },
    { sid: 'ConfigCompliance', actions: ['config:GetComplianceDetailsByConfigRule', 'config:StartConfigRulesEvaluation'], resources: ['config-rules'] },
  ],
  // ---- Restore drills: the operator's own resources (the drill grants proper are DRILL_GRANTS below).
  'drill-targets': [
    { sid: 'ListBucket', actions: ['s3:ListBucket'], resources: ['bucket'] },
    { sid: 'ReadBundles', actions: ['s3:GetObject'], resources: ['bundles'] },
    // A target's declared checks, kept under runs/drills/checks/ so the Drill machine's state stays small.
    { sid: 'DrillChecks', actions: ['s3:PutObject'], resources: ['runs'] },
    { sid: 'BucketKey', actions: S3_KEY_USE, resources: ['operator-key'], viaServices: ['s3'] },
    { sid: 'VerifyBundleMac', actions: ['kms:VerifyMac'], resources: ['bundle-mac-key'] },
  ],
  'drill-start': [
    { sid: 'DrillLock', actions: ['dynamodb:PutItem'], resources: ['state-table'] },
    { sid: 'StateTableKey', actions: DYNAMODB_KEY_USE, resources: ['operator-key'], viaServices: ['dynamodb'] },
  ],
  'drill-check': [],
  'drill-validate': [
    // The declared checks drill-targets put in the run store.
    { sid: 'DrillChecks', actions: ['s3:GetObject'], resources: ['runs'] },
    { sid: 'BucketKey', actions: S3_KEY_USE, resources: ['operator-key'], viaServices: ['s3'] },
  ],
  'drill-cleanup': [
    { sid: 'DrillLock', actions: ['dynamodb:DeleteItem'], resources: ['state-table'] },
    { sid: 'StateTableKey', actions: DYNAMODB_KEY_USE, resources: ['operator-key'], viaServices: ['dynamodb'] },
  ],
  'drill-record': [
    { sid: 'DrillHistory', actions: ['dynamodb:PutItem'], resources: ['state-table'] },
    { sid: 'StateTableKey', actions: DYNAMODB_KEY_USE, resources: ['operator-key'], viaServices: ['dynamodb'] },
  ],
  // ---- Seeding (issue 10). `seed-sources`: the objects under the stack's `seedSources` (default: the operator
  // bucket's seed/ prefix), the only S3 objects outside runs/ and bundles/ the operator reads.
  'seed-triggers': [
    { sid: 'RunArtefacts', actions: ['s3:GetObject'], resources: ['runs'] },
    // HeadObject is authorised as s3:GetObject; no body is read.
    { sid: 'SeedSourceVersions', actions: ['s3:GetObject'], resources: ['seed-sources'] },
    { sid: 'SeedTriggerRecords', actions: ['dynamodb:GetItem'], resources: ['state-table'] },
    // Whether a seeded table exists and is ACTIVE yet (the tables are named in git: unknown at deploy time).
    { sid: 'SeededTables', actions: ['dynamodb:DescribeTable'], resources: ['tables'] },
    { sid: 'BucketKey', actions: S3_KEY_USE, resources: ['operator-key'], viaServices: ['s3'] },
    { sid: 'StateTableKey', actions: DYNAMODB_KEY_USE, resources: ['operator-key'], viaServices: ['dynamodb'] },
  ],
  seed: [
    // HeadObject (the object's version) and GetObject with If-Match on the ETag (functions/aws/seed-source.ts).
    { sid: 'ReadSeedSources', actions: ['s3:GetObject'], resources: ['seed-sources'] },
    // The key schema, insert-if-empty's emptiness check (Scan, Limit 1), batches and insert-only's conditional puts.
    { sid: 'SeedTables', actions: ['dynamodb:BatchWriteItem', 'dynamodb:DescribeTable', 'dynamodb:PutItem', 'dynamodb:Scan'], resources: ['tables'] },
    // The manifest (the checksum seeded) and the trigger record (the object version seeded).
    { sid: 'SeedManifest', actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: ['state-table'] },
    { sid: 'SeedReports', actions: ['s3:PutObject'], resources: ['runs'] },
    { sid: 'BucketKey', actions: S3_KEY_USE, resources: ['operator-key'], viaServices: ['s3'] },
    { sid: 'StateTableKey', actions: DYNAMODB_KEY_USE, resources: ['operator-key'], viaServices: ['dynamodb'] },
  ],
  // ---- AWS Config remediation (issue 11): a batch of compliance-change events → one Reconcile of their tables.
  'config-events': [
    // Whether another run holds the lock (GetItem only: taking it stays the lock handler's job).
    { sid: 'ReadLock', actions: ['dynamodb:GetItem'], resources: ['state-table'] },
    { sid: 'StateTableKey', actions: ['kms:Decrypt'], resources: ['operator-key'], viaServices: ['dynamodb'] },
    { sid: 'StartReconcile', actions: ['states:StartExecution'], resources: ['reconcile-state-machine'] },
    // What Lambda's SQS poller needs with the function's role (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html:
    // ReceiveMessage, DeleteMessage, GetQueueAttributes), and the queue's key through SQS to read the messages.
    {
      sid: 'ConsumeConfigEvents',
      actions: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
      resources: ['config-events-queue'],
      implied: "the SQS event source mapping receives and deletes the queue's messages with the function's role; the handler makes no SQS call",
    },
    { sid: 'QueueKey', actions: ['kms:Decrypt'], resources: ['operator-key'], viaServices: ['sqs'] },
  ],
};

/** The drill tag a copy must carry to be deleted (functions/core/drill/names.ts DRILL_TAG), as an IAM condition. */
export const DRILL_TAG_CONDITION: Conditions = { StringEquals: { 'aws:ResourceTag/tablewarden:drill': 'true' } };

/**
 * The one grant of dynamodb:DeleteTable in the stack: drill-cleanup's, on `table/tw-drill-*` only, and only for a
 * table that carries `tablewarden:drill=true`. DynamoDB authorises table actions with `aws:ResourceTag` conditions
 * (attribute-based access control on tables and indexes:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/abac-tables.html), so IAM enforces the same
 * rule as the code's guard (mayDeleteDrillTable): a `tw-drill-` name AND the tag. UpdateTable is held the same way
 * (cleanup turns deletion protection off only on a drill copy).
 */
export const DRILL_DELETE_GRANT: Grant = { sid: 'DeleteDrillCopy', actions: ['dynamodb:DeleteTable', 'dynamodb:UpdateTable'], resources: ['drill-tables'], conditions: DRILL_TAG_CONDITION };

/**
 * What a restore needs besides the restore action (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/backuprestore_IAM.html:
 * "DynamoDB RestoreTableFromBackup permissions are necessary on the source backup, and DynamoDB read and write
 * permissions on the target table are necessary for restore functionality"; the same for RestoreTableToPointInTime on
 * the source table). The target is always a drill copy.
 */
const RESTORE_TARGET_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem'];

/**
 * A restore with an SSE override to a customer managed key (the table's declared key): DynamoDB creates the copy's
 * grant and uses the key with the caller's permissions, only through DynamoDB (no wildcard actions: each one named).
 */
const RESTORE_KEY_USE = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'];

/**
 * Each drill handler's grants on customer tables, keys and backups. Least privilege decides the split: only
 * drill-start restores (and passes the AWS Backup role), only drill-validate reads items, only drill-cleanup deletes,
 * and only drill copies, and it may not tag them (no role holds both TagResource and DeleteTable on `tw-drill-*`:
 * tagging then deleting would defeat the tag condition); drill-check looks at the restore and tags a copy that was
 * still being created when drill-start tried; drill-record writes history and the validation result.
 */
export const DRILL_GRANTS: Readonly<Partial<Record<HandlerName, readonly Grant[]>>> = {
  'drill-start': [
    { sid: 'ReadSource', actions: ['dynamodb:DescribeContinuousBackups', 'dynamodb:DescribeTable', 'dynamodb:RestoreTableToPointInTime'], resources: ['tables'] },
    // ListBackups, ListRecoveryPointsByResource: no resource type (Service Authorization Reference), so "*".
    { sid: 'FindRecoveryPoints', actions: ['backup:ListRecoveryPointsByResource', 'dynamodb:ListBackups'], resources: ['any'] },
    { sid: 'RestoreFromBackup', actions: ['dynamodb:RestoreTableFromBackup'], resources: ['dynamodb-backups'] },
    { sid: 'RestoreTarget', actions: RESTORE_TARGET_ACTIONS, resources: ['drill-tables'], implied: 'DynamoDB authorises the restore\'s writes to the new table with the caller\'s permissions' },
    { sid: 'TagCopy', actions: ['dynamodb:TagResource'], resources: ['drill-tables'] },
    { sid: 'ResolveKey', actions: ['kms:DescribeKey'], resources: ['kms-keys'] },
    { sid: 'CopyKey', actions: RESTORE_KEY_USE, resources: ['kms-keys'], viaServices: ['dynamodb'], implied: 'DynamoDB uses the declared key for the copy with the caller\'s permissions' },
    { sid: 'CopyKeyGrant', actions: ['kms:CreateGrant'], resources: ['kms-keys'], conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } }, viaServices: ['dynamodb'], implied: 'DynamoDB creates the copy\'s grant on the declared key' },
    { sid: 'StartRestoreJob', actions: ['backup:StartRestoreJob'], resources: ['recovery-points'] },
    { sid: 'PassBackupRole', actions: ['iam:PassRole'], resources: ['backup-role'], conditions: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } } },
  ],
  'drill-check': [
    // TagResource: the copy drill-start could not tag while it was CREATING, at a check or for cleanup (TagDrillCopy).
    { sid: 'InspectCopy', actions: ['dynamodb:DescribeTable', 'dynamodb:TagResource'], resources: ['drill-tables'] },
    // DescribeRestoreJob: no resource type.
    { sid: 'RestoreJob', actions: ['backup:DescribeRestoreJob'], resources: ['any'] },
  ],
  'drill-validate': [
    // The source and the copy: items (sample, count, declared checks) and settings, read-only.
    { sid: 'ReadTables', actions: ['dynamodb:BatchGetItem', 'dynamodb:DescribeContinuousBackups', 'dynamodb:DescribeContributorInsights', 'dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive', 'dynamodb:Scan'], resources: ['tables'] },
    { sid: 'CopyTags', actions: ['dynamodb:ListTagsOfResource'], resources: ['drill-tables'] },
    { sid: 'ReadKeys', actions: ['kms:DescribeKey', 'kms:GetKeyRotationStatus'], resources: ['kms-keys'] },
  ],
  'drill-cleanup': [
    // ListTables: no resource type; the sweep lists to find stale copies.
    { sid: 'ListTables', actions: ['dynamodb:ListTables'], resources: ['any'] },
    // No dynamodb:TagResource: with it next to DeleteTable this role could tag any tw-drill-* table and delete it.
    // drill-check's role tags a copy that is still untagged (TagDrillCopy); test/infra/drill-iam-simulation.test.ts.
    { sid: 'InspectCopy', actions: ['dynamodb:DescribeTable', 'dynamodb:ListTagsOfResource'], resources: ['drill-tables'] },
    DRILL_DELETE_GRANT,
  ],
  'drill-record': [
    // PutRestoreValidationResult: no resource type.
    { sid: 'RestoreValidation', actions: ['backup:PutRestoreValidationResult'], resources: ['any'] },
  ],
};

/**
 * The account-level reads (functions/aws/observe.ts `observeAccountIndex`): made once per run, by
 * load-desired-state, and shared with the batches through the run store. Plan-batch never makes them; apply-batch
 * only refreshes its own tables' tags (tag:GetResources by ARN) and lists backup plans and selections to ensure one.
 */
export const ACCOUNT_INDEX_ACTIONS: readonly string[] = [
  'backup:GetBackupSelection',
  'backup:ListBackupPlans',
  'backup:ListBackupSelections',
  'backup:ListProtectedResources',
  'dynamodb:ListTables',
  'kms:DescribeKey',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'tag:GetResources',
];

/** Index reads a batch never makes (a batch describes only keys the index lacks; apply ensures backup plans). */
export const INDEX_ONLY_ACTIONS: Readonly<Record<'plan' | 'apply', readonly string[]>> = {
  plan: ['backup:GetBackupSelection', 'backup:ListBackupPlans', 'backup:ListBackupSelections', 'backup:ListProtectedResources', 'dynamodb:ListTables', 'kms:ListAliases', 'tag:GetResources'],
  apply: ['backup:GetBackupSelection', 'backup:ListProtectedResources', 'dynamodb:ListTables', 'kms:ListAliases'],
};

/**
 * Which controls' permissions each handler gets: load reads the account index (observe once per run), planning
 * observes its batch's tables, applying observes them and applies.
 */
export const HANDLER_CONTROL_ACCESS: Readonly<Record<HandlerName, 'none' | 'index' | 'observe' | 'apply'>> = {
  lock: 'none',
  'load-desired-state': 'index',
  'plan-batch': 'observe',
  gate: 'none',
  'apply-batch': 'apply',
  report: 'none',
  'config-sweep': 'none',
  'drill-targets': 'none',
  'drill-start': 'none',
  'drill-check': 'none',
  'drill-validate': 'none',
  'drill-cleanup': 'none',
  'drill-record': 'none',
  'seed-triggers': 'none',
  seed: 'none',
  'config-events': 'none',
};

/** Every grant of one handler: its own resources, then the controls' actions. */
export function handlerGrants(handler: HandlerName, controls: readonly ControlPermissions[] = CONTROLS): Grant[] {
  const access = HANDLER_CONTROL_ACCESS[handler];
  const without = (actions: string[], excluded: readonly string[]) => actions.filter((action) => !excluded.includes(action));
  const control =
    access === 'index' ? controlGrants('ObserveAccount', observeActions(controls).filter((action) => ACCOUNT_INDEX_ACTIONS.includes(action)))
    : access === 'observe' ? controlGrants('ObserveTables', without(observeActions(controls), INDEX_ONLY_ACTIONS.plan))
    : access === 'apply' ? controlGrants('ApplyTables', without(applyActions(controls), INDEX_ONLY_ACTIONS.apply))
    : [];
  return [...OWN_RESOURCE_GRANTS[handler], ...control, ...(DRILL_GRANTS[handler] ?? [])];
}

/**
 * The AWS API actions a handler may call itself (sorted): what its call recorder may show. Excludes the key use
 * that S3, DynamoDB and SNS make on its behalf, and `sts:GetCallerIdentity`, which needs no permission.
 */
export function handlerApiActions(handler: HandlerName, controls: readonly ControlPermissions[] = CONTROLS): string[] {
  return sortedUnique(
    handlerGrants(handler, controls)
      .filter((grant) => grant.viaServices === undefined && grant.implied === undefined)
      .flatMap((grant) => grant.actions),
  );
}
