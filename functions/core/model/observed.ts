/**
 * The observed state of one DynamoDB table and the account-level facts around it, as the planner sees it.
 *
 * Why a model of our own instead of raw SDK shapes: the planner is pure (no AWS SDK imports in
 * `functions/core`), and real AWS responses are irregular (on-demand tables that still report zero provisioned
 * capacity, old tables with no `BillingModeSummary`, no `SSEDescription` for AWS-owned keys). The adapters in
 * `functions/aws/observe*` normalise all of that once, here, so every control reads one unambiguous shape.
 */
import type { BackupSelectionRule } from '../backup-selection.ts';

/** DynamoDB scalar attribute types usable in keys. */
export type KeyType = 'S' | 'N' | 'B';

/** One key attribute: its name and scalar type. */
export interface KeyAttribute {
  name: string;
  type: KeyType;
}

/** A table's or an index's primary key. */
export interface KeySchema {
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
}

/** Index projection as DynamoDB describes it. */
export interface Projection {
  type: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  nonKeyAttributes?: string[];
}

/** A global secondary index as observed. */
export interface ObservedIndex extends KeySchema {
  name: string;
  projection: Projection;
  /** CREATING | UPDATING | DELETING | ACTIVE; absent for LSIs. */
  status?: string;
  readCapacity?: number;
  writeCapacity?: number;
}

/** Server-side encryption, normalised: AWS_OWNED when DynamoDB reports no SSEDescription. */
export interface ObservedSse {
  type: 'AWS_OWNED' | 'AWS_MANAGED' | 'CUSTOMER_MANAGED';
  /** The KMS key ARN in use (AWS_MANAGED and CUSTOMER_MANAGED). */
  kmsKeyArn?: string;
  /** ENABLING | ENABLED | DISABLING | DISABLED | UPDATING, when DynamoDB reports one. */
  status?: string;
  /** Set when DynamoDB reports the key as INACCESSIBLE (for example disabled or its grant revoked). */
  inaccessibleSince?: string;
}

/** A KMS key as observed (fetched once per key per run). */
export interface ObservedKmsKey {
  arn: string;
  keyId: string;
  /** Every alias that points at this key, e.g. `alias/tablewarden/customers`. */
  aliases: string[];
  /** AWS for AWS-managed keys such as `alias/aws/dynamodb`; CUSTOMER for customer-managed keys. */
  keyManager: 'AWS' | 'CUSTOMER';
  /** Enabled | Disabled | PendingDeletion | ... */
  keyState: string;
  rotationEnabled: boolean;
  /** Rotation period in days, when rotation is on and the service reports it. */
  rotationPeriodDays?: number;
  /**
   * Set when KMS cannot rotate this key automatically (imported key material, a custom key store, an asymmetric
   * or HMAC key): EnableKeyRotation would be rejected, so the planner must not propose it.
   */
  rotationUnsupported?: string;
}

/** Provisioned or on-demand billing, normalised (no BillingModeSummary means PROVISIONED). */
export interface ObservedBilling {
  mode: 'PAY_PER_REQUEST' | 'PROVISIONED';
  readCapacity?: number;
  writeCapacity?: number;
}

/** AWS Backup coverage of the table. */
export interface ObservedBackup {
  /** Names of the AWS Backup plans whose selections include this table (by ARN, wildcard or tag). */
  planNames: string[];
  /** When the newest completed recovery point for this table was created (ISO-8601), if any. */
  latestRecoveryPointAt?: string;
}

/** Everything the controls need to know about one existing table. */
export interface ObservedTable {
  name: string;
  arn: string;
  /** CREATING | UPDATING | DELETING | ACTIVE | INACCESSIBLE_ENCRYPTION_CREDENTIALS | ARCHIVING | ARCHIVED */
  status: string;
  /** CreationDateTime (ISO-8601): a table younger than its backup freshness window has not missed a backup yet. */
  createdAt?: string;
  keySchema: KeySchema;
  billing: ObservedBilling;
  tableClass: 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS';
  sse: ObservedSse;
  /** The KMS key behind `sse.kmsKeyArn`, when there is one and it could be described. */
  kmsKey?: ObservedKmsKey;
  /** Absent when the observer did not read it (the desired state does not manage it). */
  pointInTimeRecovery?: { enabled: boolean; recoveryPeriodDays?: number };
  deletionProtection: boolean;
  tags: Record<string, string>;
  /** Absent when the observer did not read it (the desired state does not manage it). */
  timeToLive?: { status: 'ENABLED' | 'ENABLING' | 'DISABLED' | 'DISABLING'; attributeName?: string };
  stream: { enabled: boolean; viewType?: 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY' };
  /** Absent when the observer did not read it (the desired state does not manage it). */
  contributorInsights?: 'ENABLED' | 'ENABLING' | 'DISABLED' | 'DISABLING' | 'FAILED';
  /** Which keys Contributor Insights tracks, when DynamoDB reports it (it does while enabled). */
  contributorInsightsMode?: 'ACCESSED_AND_THROTTLED_KEYS' | 'THROTTLED_KEYS';
  globalSecondaryIndexes: ObservedIndex[];
  localSecondaryIndexes: ObservedIndex[];
  backup: ObservedBackup;
}

/** The observation of the account: every table the desired state names, plus the names of all other tables. */
export interface ObservedAccount {
  /** Observed tables by name. A desired table that does not exist is simply absent. */
  tables: Record<string, ObservedTable>;
  /** Names of every table in the account and region (managed or not). */
  allTableNames: string[];
  /**
   * Customer-managed and AWS-managed KMS keys by alias (`alias/...`), for every alias in the account. The planner
   * needs the key behind a *desired* alias even when no table uses it yet (to know whether to create it).
   */
  kmsKeysByAlias: Record<string, ObservedKmsKey>;
  /** Per-table observation errors (for example AccessDenied), by table name. */
  errors: Record<string, string>;
}

/**
 * Every AWS Backup selection in the account and the last backup time per resource, as plain JSON (no Map): it is
 * part of the {@link AccountIndex}, which a run stores in S3 and every batch reads back.
 */
export interface SerializedBackupIndex {
  /** Every selection of every plan, with its plan's name, as the core's selection rule. */
  selections: Array<{ planName: string; selectionName: string; rule: BackupSelectionRule }>;
  /** ISO-8601 `LastBackupTime` by resource ARN, from ListProtectedResources (the newest when listed twice). */
  lastBackupByArn: Record<string, string>;
}

/**
 * Account-level facts read once per run (at load) and shared with every batch (stored in S3 by the run).
 *
 * Why: ListTables, tag:GetResources, ListAliases and the AWS Backup index cost the same for one table or all of
 * them. Read once per run and shared, the operator's per-table cost is the CLI's; read per batch and per round,
 * it grew with N²/batch size. Plain JSON only, so it survives a round trip through S3 unchanged.
 */
export interface AccountIndex {
  /** When the index was read (ISO-8601). */
  observedAt: string;
  /** ListTables, all pages: every table in the account and region. */
  tableNames: string[];
  /** Table name → ARN, from GetResources (and, for untagged tables, derived from a known ARN of the account). */
  tableArns: Record<string, string>;
  /** Table name → tags (from tag:GetResources). A table without tags may be absent. */
  tags: Record<string, Record<string, string>>;
  /** The KMS key behind each alias the request names (every alias when it names none); null: no such alias. */
  kmsKeysByAlias: Record<string, ObservedKmsKey | null>;
  /** Backup plans' selections and the last backup time per resource ARN. */
  backup: SerializedBackupIndex;
  /**
   * Every alias name by the key ID it points at (ListAliases), so a table's key described later (by a batch)
   * still carries its aliases. Optional: an index without it only loses the alias names of such keys.
   */
  kmsAliasesByKeyId?: Record<string, string[]>;
}
