/**
 * The plan: a value, computed purely from desired and observed state, that apply executes verbatim.
 */
import type { DesiredSpec } from './desired.ts';
import type { Projection } from './observed.ts';

/** Stable control identifiers. Never rename one: waivers, reports and dashboards refer to them. */
export type ControlId =
  | 'TW-TABLE-EXISTS'
  | 'TW-SSE'
  | 'TW-KMS-ROTATION'
  | 'TW-PITR'
  | 'TW-DELETION-PROTECTION'
  | 'TW-BACKUP-COVERAGE'
  | 'TW-TAGS'
  | 'TW-TTL'
  | 'TW-STREAM'
  | 'TW-BILLING'
  | 'TW-TABLE-CLASS'
  | 'TW-CONTRIBUTOR-INSIGHTS'
  | 'TW-GSI';

/** Safe actions keep data and availability; disruptive ones can lose recovery ability, consumers or capacity. */
export type Risk = 'safe' | 'disruptive';

/** How a control judges a table. */
export type FindingStatus = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE' | 'WAIVED';

/** One control's verdict on one table. */
export interface Finding {
  control: ControlId;
  status: FindingStatus;
  reason: string;
}

/** A GSI definition as apply needs it. */
export interface IndexDefinition {
  name: string;
  partitionKey: { name: string; type: 'S' | 'N' | 'B' };
  sortKey?: { name: string; type: 'S' | 'N' | 'B' };
  projection: Projection;
  readCapacity?: number;
  writeCapacity?: number;
}

/** The closed set of changes tablewarden makes. Each maps to one API call (or one idempotent ensure step). */
export type ActionDetail =
  | { type: 'CreateKmsKey'; alias: string; rotationPeriodDays: number }
  | { type: 'UpdateKmsKeyRotation'; alias: string; keyArn: string; rotationPeriodDays: number }
  | { type: 'CreateTable'; spec: DesiredSpec }
  | { type: 'UpdateSse'; encryption: NonNullable<DesiredSpec['encryption']> }
  | { type: 'UpdatePointInTimeRecovery'; enabled: boolean; recoveryPeriodDays?: number }
  | { type: 'UpdateDeletionProtection'; enabled: boolean }
  | { type: 'TagResource'; tags: Record<string, string> }
  | { type: 'UpdateTimeToLive'; enabled: boolean; attributeName: string }
  | { type: 'UpdateStream'; enabled: boolean; viewType?: 'NEW_AND_OLD_IMAGES' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'KEYS_ONLY' }
  | { type: 'UpdateContributorInsights'; enabled: boolean; mode?: 'ACCESSED_AND_THROTTLED_KEYS' | 'THROTTLED_KEYS' }
  | { type: 'UpdateBilling'; mode: 'PAY_PER_REQUEST' | 'PROVISIONED'; readCapacity?: number; writeCapacity?: number }
  | { type: 'UpdateTableClass'; tableClass: 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS' }
  | { type: 'DeleteGlobalSecondaryIndex'; indexName: string }
  | { type: 'CreateGlobalSecondaryIndex'; index: IndexDefinition }
  | { type: 'UpdateGlobalSecondaryIndex'; indexName: string; readCapacity: number; writeCapacity: number }
  | { type: 'AddToBackupPlan'; plan: string }
  | { type: 'StartBackupJob'; plan: string };

/** One planned change: what, under which control, how risky, and why (one line, for people). */
export type Action = ActionDetail & {
  table: string;
  control: ControlId;
  risk: Risk;
  reason: string;
};

/** A change the desired state asks for that DynamoDB cannot make in place. Nothing is applied to that table. */
export interface Refusal {
  control: ControlId;
  reason: string;
}

/**
 * A step the plan needs but DynamoDB will not accept yet, so it is not an action of this run. The one case today:
 * UpdateTimeToLive is accepted once per table per hour, so moving TTL to another attribute is step 1 (disable the
 * old attribute) now and step 2 (enable the new one) an hour later; and a table whose TTL is still ENABLING or
 * DISABLING can't take its next TTL change until that finishes. A table with a pending step is not converged.
 *
 * The plan says when, as far as it can be observed: `notBefore` when the wait starts with this plan's own actions
 * (apply moves it to the real time those ran, see `afterOwnActionsSeconds`), only `waitsFor` when the wait is for
 * an interim status whose start DynamoDB does not report.
 */
export interface PendingStep {
  control: ControlId;
  /** For people: what the step does, e.g. "step 2 of 2: enable TTL on expiresAt". */
  description: string;
  /** What it will call when it is due; apply never runs it (a later plan proposes it as an action). */
  action: ActionDetail & { risk: Risk; reason: string };
  /** The earliest time (ISO-8601) DynamoDB will accept it, when it can be known. */
  notBefore?: string;
  /** Why it waits, in words (always set). */
  waitsFor: string;
  /**
   * The wait starts when this table's actions for the same control have run, and lasts this many seconds. The
   * plan's `notBefore` counts from the plan's `now`; apply re-anchors it on the time the action really ran.
   */
  afterOwnActionsSeconds?: number;
}

/** What a run intends for one table. */
export type TableStatus = 'create' | 'update' | 'in-sync' | 'refused' | 'error' | 'unmanaged';

/** The plan for one table. */
export interface TablePlan {
  name: string;
  managed: boolean;
  status: TableStatus;
  source?: { file: string; line: number };
  findings: Finding[];
  actions: Action[];
  refusals: Refusal[];
  /** Steps DynamoDB will not accept yet (absent when none): the table is not converged until they have run. */
  pending?: PendingStep[];
  /** Why the table could not be planned (invalid file, observation failure). */
  error?: string;
  /** Its disruptive changes were allowed for this run by `--allow-disruptive`: the blast-radius guard skipped it. */
  disruptiveAllowed?: true;
}

/** The whole plan. */
export interface Plan {
  tables: TablePlan[];
  /** Set when the blast-radius guard stops the run: apply must not make any change. */
  blocked?: { reason: string };
  /** The tables named with `--allow-disruptive` for this run (absent when none), kept as the record of the override. */
  allowDisruptive?: string[];
  summary: {
    create: number;
    update: number;
    inSync: number;
    refused: number;
    error: number;
    unmanaged: number;
    actions: number;
    disruptiveActions: number;
  };
}
