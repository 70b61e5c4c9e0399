/**
 * The desired-state file format (`apiVersion: tablewarden.io/v1`), as zod v4 schemas.
 *
 * This is a user-facing contract: key names here are what people write in git, and `desired-state/schema.json`
 * (editor completion) is generated from these schemas. Every object is strict, so a misspelled key is an error
 * rather than a silently ignored setting — a typo in `deletionProtection` must never mean "no protection".
 */
import * as z from 'zod';

/** DynamoDB table and index names: 3–255 characters of a-z, A-Z, 0-9, `_`, `-`, `.`. */
export const TABLE_NAME_PATTERN = /^[a-zA-Z0-9_.-]{3,255}$/;

const tableName = z
  .string()
  .regex(TABLE_NAME_PATTERN, 'must be 3–255 characters of letters, digits, "_", "-" or "." (DynamoDB table naming rules)');

const indexName = z
  .string()
  .regex(TABLE_NAME_PATTERN, 'must be 3–255 characters of letters, digits, "_", "-" or "." (DynamoDB index naming rules)');

/** A key attribute: name plus scalar type. */
export const keyAttributeSchema = z.strictObject({
  name: z.string().min(1).max(255),
  type: z.enum(['S', 'N', 'B'], { error: 'must be one of S (string), N (number), B (binary)' }),
});

const keySchemaShape = {
  partitionKey: keyAttributeSchema,
  sortKey: keyAttributeSchema.optional(),
};

const capacity = z.int().min(1).max(40_000);

/** On-demand or provisioned billing. Provisioned needs both capacities. */
export const billingSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('PAY_PER_REQUEST') }),
  z.strictObject({
    mode: z.literal('PROVISIONED'),
    readCapacity: capacity.meta({ description: 'Required when mode is PROVISIONED.' }),
    writeCapacity: capacity.meta({ description: 'Required when mode is PROVISIONED.' }),
  }),
]);

/** Server-side encryption. CUSTOMER_MANAGED names a KMS alias that tablewarden creates if missing. */
export const encryptionSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('CUSTOMER_MANAGED'),
    kmsKeyAlias: z
      .string()
      .regex(/^alias\/[a-zA-Z0-9/_-]{1,250}$/, 'must look like alias/<name> (letters, digits, "/", "_", "-")')
      .refine((alias) => !alias.startsWith('alias/aws/'), 'alias/aws/* names AWS managed keys; use type: AWS_MANAGED'),
    rotationPeriodDays: z.int().min(90).max(2560).default(365),
  }),
  z.strictObject({ type: z.literal('AWS_MANAGED') }),
  z.strictObject({ type: z.literal('AWS_OWNED') }),
]);

/** Point-in-time recovery and its recovery period (1–35 days, 35 by default as in DynamoDB). */
export const pitrSchema = z.strictObject({
  enabled: z.boolean(),
  recoveryPeriodDays: z.int().min(1).max(35).optional(),
});

/** Coverage by an AWS Backup plan defined in policy.yaml, and how fresh its newest recovery point must be. */
export const backupSchema = z.strictObject({
  plan: z.string().min(1),
  maxRecoveryPointAgeHours: z.int().min(1).max(24 * 366).optional(),
});

/**
 * The characters DynamoDB allows in tag keys and values: letters, white space, numbers and `+ - = . _ : /`. Other
 * services also allow `@`; DynamoDB's tagging restrictions do not list it, so it is refused here as there.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TaggingRestrictions.html
 */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+-]*$/u;
const TAG_CHARACTERS_MESSAGE = 'may contain only letters, numbers, spaces and + - = . _ : / (DynamoDB tag rules)';

/** DynamoDB allows 50 tags per table (user tags; `aws:` ones don't count, and we reject those anyway). */
export const MAX_TAGS = 50;

/**
 * Tags: AWS limits keys to 128 and values to 256 characters, allows only letters, numbers, spaces and
 * `+ - = . _ : /`, reserves the `aws:` prefix, and DynamoDB takes at most 50 tags per table. Rejecting these
 * here means a bad tag is a positioned validate error, not a TagResource failure halfway through an apply.
 */
export const tagsSchema = z
  .record(
    z
      .string()
      .min(1, 'tag keys are 1–128 characters')
      .max(128, 'tag keys are 1–128 characters')
      .regex(TAG_CHARACTERS, `tag keys ${TAG_CHARACTERS_MESSAGE}`)
      .refine((key) => !key.toLowerCase().startsWith('aws:'), 'tag keys starting with "aws:" are reserved by AWS')
      // tablewarden sets these itself (backup plan membership, drill copies, its own state table); a declared one
      // would fight the control that owns it.
      .refine((key) => !key.toLowerCase().startsWith('tablewarden:'), 'tag keys starting with "tablewarden:" are reserved for the tags tablewarden sets itself'),
    z.string().max(256, 'tag values are at most 256 characters').regex(TAG_CHARACTERS, `tag values ${TAG_CHARACTERS_MESSAGE}`),
  )
  .refine((tags) => Object.keys(tags).length <= MAX_TAGS, `at most ${MAX_TAGS} tags (DynamoDB's limit per table)`)
  .meta({ maxProperties: MAX_TAGS });

/** Time to live on one attribute. `enabled: false` turns TTL off explicitly. */
export const ttlSchema = z.strictObject({
  attributeName: z.string().min(1).max(255),
  enabled: z.boolean().default(true),
});

/** DynamoDB stream view types; `NONE` (or leaving the key out) means no stream. */
export const streamSchema = z.enum(['NEW_AND_OLD_IMAGES', 'NEW_IMAGE', 'OLD_IMAGE', 'KEYS_ONLY', 'NONE']);

const projectionSchema = z.union([
  z.enum(['ALL', 'KEYS_ONLY']),
  z.strictObject({ type: z.literal('INCLUDE'), nonKeyAttributes: z.array(z.string().min(1)).min(1).max(100) }),
]);

/** A global secondary index. Capacities only with PROVISIONED billing. */
export const gsiSchema = z.strictObject({
  name: indexName,
  ...keySchemaShape,
  projection: projectionSchema,
  readCapacity: capacity.optional(),
  writeCapacity: capacity.optional(),
});

/** A local secondary index: shares the table's partition key, so only the sort key is declared. */
export const lsiSchema = z.strictObject({
  name: indexName,
  sortKey: keyAttributeSchema,
  projection: projectionSchema,
});

/**
 * A key attribute's value in a drill check: a string (S, or B as base64), or a number (N; a string of digits also
 * works, for numbers past 2^53). Checked against the table's key schema in parse.ts, where the types are known.
 */
const drillKeyValue = z.union([z.string().min(1).max(2048), z.number()]);

/**
 * A declared drill check: one item, by its full primary key, that must be present in (or absent from) the restored
 * copy. `present` proves reference rows survived; `absent` proves something deleted before the backup stayed gone.
 */
export const drillCheckSchema = z.strictObject({
  key: z.record(z.string().min(1).max(255), drillKeyValue),
  expect: z.enum(['present', 'absent']),
});

/**
 * How and how often to prove that backups restore.
 * - `maxChangedPercent`: the share of sampled items allowed to differ between the copy and the live table (changed,
 *   created or deleted since the backup). Default 0: right for reference data, and the safe default (a drill that
 *   tolerates differences no one declared would pass a backup that silently lost data). Live tables declare what
 *   their write rate makes normal between the recovery point and the drill.
 * - `checks`: items that must be present or absent in the copy, by primary key (at most 100).
 */
export const restoreDrillSchema = z.strictObject({
  schedule: z.enum(['daily', 'weekly', 'monthly']),
  source: z.enum(['aws-backup', 'dynamodb-backup', 'pitr']),
  maxRestoreMinutes: z.int().min(1).max(24 * 60),
  sampleSize: z.int().min(0).max(10_000).default(50),
  maxChangedPercent: z.number().min(0).max(100).default(0),
  checks: z.array(drillCheckSchema).max(100).optional(),
});

/** Initial data for a table, streamed from S3. */
export const seedSchema = z.strictObject({
  source: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+/, 'must be an s3://bucket/key URI'),
  format: z.enum(['json', 'jsonl', 'dynamodb-json']),
  compression: z.enum(['none', 'gzip']).optional(),
  mode: z.enum(['insert-if-empty', 'upsert', 'insert-only']).default('insert-if-empty'),
});

/** An accepted exception to one control for one table, with an owner and an expiry. */
export const waiverSchema = z.strictObject({
  control: z.string().regex(/^TW-[A-Z-]+$/, 'must be a control id such as TW-PITR'),
  reason: z.string().min(1),
  owner: z.string().min(1),
  expires: z.iso.date({ error: 'must be a date as YYYY-MM-DD' }),
});

/**
 * Contributor Insights: `true`/`false`, or `{ enabled, mode }`. Without a mode DynamoDB uses
 * ACCESSED_AND_THROTTLED_KEYS, and tablewarden leaves the mode of an enabled table as it is.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateContributorInsights.html
 */
export const contributorInsightsSchema = z.union([
  z.boolean(),
  z.strictObject({ enabled: z.boolean(), mode: z.enum(['ACCESSED_AND_THROTTLED_KEYS', 'THROTTLED_KEYS']).optional() }),
]);

/** Settings the policy baseline may set for every table (table values win). */
const baselineShape = {
  tableClass: z.enum(['STANDARD', 'STANDARD_INFREQUENT_ACCESS']).optional(),
  encryption: encryptionSchema.optional(),
  pointInTimeRecovery: pitrSchema.optional(),
  deletionProtection: z.boolean().optional(),
  backup: backupSchema.optional(),
  tags: tagsSchema.optional(),
  contributorInsights: contributorInsightsSchema.optional(),
  restoreDrill: restoreDrillSchema.optional(),
};

/** The `spec` of a table file. */
export const tableSpecSchema = z.strictObject({
  keySchema: z.strictObject(keySchemaShape),
  billing: billingSchema.optional(),
  ...baselineShape,
  timeToLive: ttlSchema.optional(),
  stream: streamSchema.optional(),
  globalSecondaryIndexes: z.array(gsiSchema).max(20).optional(),
  localSecondaryIndexes: z.array(lsiSchema).max(5).optional(),
  seed: seedSchema.optional(),
  waivers: z.array(waiverSchema).optional(),
});

const apiVersion = z.literal('tablewarden.io/v1', { error: 'must be tablewarden.io/v1' });

/** One `desired-state/tables/*.yaml` file. */
export const tableFileSchema = z.strictObject({
  apiVersion,
  kind: z.literal('Table', { error: 'must be Table in a table file' }),
  metadata: z.strictObject({
    name: tableName,
    owner: z.string().min(1).optional(),
    description: z.string().optional(),
  }),
  spec: tableSpecSchema,
});

/**
 * A backup plan tablewarden maintains in AWS Backup. Each rule is AWS Backup's own, so a plan `validate` accepts
 * is one CreateBackupVault and CreateBackupPlan accept:
 * - `schedule`: a six-field cron expression; AWS Backup has no rate(...) expressions
 *   (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupRuleInput.html);
 * - `vault`: `^[a-zA-Z0-9\-\_]{2,50}$`, no "." (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupVault.html).
 */
export const backupPlanSchema = z.strictObject({
  schedule: z
    .string()
    .regex(/^cron\(\s*\S+(\s+\S+){5}\s*\)$/, 'must be a cron expression such as cron(0 3 * * ? *); AWS Backup accepts only cron expressions, no rate(...)'),
  retentionDays: z.int().min(1).max(36_500),
  vault: z.string().regex(/^[a-zA-Z0-9_-]{2,50}$/, 'must be 2–50 characters of letters, digits, "_" or "-" (AWS Backup vault naming rules)'),
  startBackupWhenStale: z.boolean().default(false),
  /** The role AWS Backup assumes; when absent, the operator's TABLEWARDEN_BACKUP_ROLE_ARN (the stack's backup role). */
  iamRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN').optional(),
});

/** A backup plan name: 1 to 50 alphanumeric or '-_.' characters (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupPlanInput.html). */
export const backupPlanName = z.string().regex(/^[a-zA-Z0-9_.-]{1,50}$/, 'must be 1–50 letters, digits, "-", "_" or "." (AWS Backup plan names)');

/** policy.yaml's `blastRadius` when it says nothing: 25% of the tables, and always at least one table. */
export const DEFAULT_BLAST_RADIUS = { maxDisruptivePercent: 25, maxDisruptiveTables: 1 } as const;

/** `desired-state/policy.yaml`: the account baseline and guard rails. */
export const policyFileSchema = z.strictObject({
  apiVersion,
  kind: z.literal('Policy', { error: 'must be Policy in policy.yaml' }),
  metadata: z.strictObject({ name: z.string().min(1), description: z.string().optional() }).optional(),
  spec: z.strictObject({
    baseline: z.strictObject(baselineShape).default({}),
    requiredTags: z.array(z.string().min(1).max(128)).default([]),
    unmanagedTables: z.enum(['report', 'remediate']).default('report'),
    backupPlans: z.record(backupPlanName, backupPlanSchema).default({}),
    /**
     * The guard fires only when a run would make disruptive changes to more than BOTH allowances: the share keeps a
     * large account safe, the absolute count keeps a small one usable (1 table of 3 is 33%).
     */
    blastRadius: z
      .strictObject({ maxDisruptivePercent: z.number().min(0).max(100).default(DEFAULT_BLAST_RADIUS.maxDisruptivePercent), maxDisruptiveTables: z.int().min(0).default(DEFAULT_BLAST_RADIUS.maxDisruptiveTables) })
      .default({ ...DEFAULT_BLAST_RADIUS }),
  }),
});

/** A parsed table file. */
export type TableFile = z.output<typeof tableFileSchema>;
/** A table spec after parsing (defaults applied). */
export type TableSpec = z.output<typeof tableSpecSchema>;
/** A parsed policy file. */
export type PolicyFile = z.output<typeof policyFileSchema>;
/** The policy spec after parsing. */
export type Policy = PolicyFile['spec'];
/** The baseline part of the policy. */
export type Baseline = Policy['baseline'];
/** A waiver as written. */
export type Waiver = z.output<typeof waiverSchema>;
/** A GSI as written. */
export type GsiSpec = z.output<typeof gsiSchema>;
/** An LSI as written. */
export type LsiSpec = z.output<typeof lsiSchema>;
/** Stream setting as written. */
export type StreamSetting = z.output<typeof streamSchema>;
