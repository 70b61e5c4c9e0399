/**
 * The documents a run writes to its store, one shape each (see keys.ts for where).
 */
import type { StageReason } from '../../core/errors.ts';
import type { DesiredState } from '../../core/model/desired.ts';
import type { Action, PendingStep, Plan } from '../../core/model/plan.ts';

/** `runs/<runId>/batches/<n>.json`: the validated desired state of this batch's tables, and its unmanaged tables. */
export interface BatchDocument {
  revision: string;
  /** The batch's declared tables (and, on batch 0, the invalid files: reported once). */
  desired: DesiredState;
  /** The account's unmanaged tables this batch plans (spread over the batches like declared ones). */
  unmanaged: string[];
  /** Tables whose disruptive changes were allowed for this run (`allowDisruptive`; absent when none). */
  allowDisruptive?: string[];
}

/**
 * `runs/<runId>/plans/<n>.json`: the batch's plan, as approved, and what each table looked like when planned.
 * The CLI's saved plan (`plan -out FILE`, saved-plan.ts SavedPlan) is this document plus its checks' metadata:
 * one plan type for the CLI and the operator.
 */
export interface PlanDocument {
  revision: string;
  plan: Plan;
  /** Table name → `fingerprint(observed table)` at plan time (`absent` for a table to create). */
  fingerprints: Record<string, string>;
}

/** Why a table stopped. */
export interface TableFailure {
  reason: StageReason;
  message: string;
  action?: Action;
}

/** Where one table is in a batch's apply. */
export interface TableProgress {
  /** The actions this table runs: the approved plan's, or a re-plan that passed the re-gate. */
  remaining: Action[];
  /** Steps DynamoDB will not take yet (TTL's second step), part of the approved plan; run when due. */
  pending: PendingStep[];
  /** How many actions have run, over all rounds. */
  applied: number;
  /** The fingerprint was compared (once, before the table's first action). */
  verified: boolean;
  /** Set when the table differed from its approved observation: it was re-planned (and re-gated). */
  changedSinceApproval?: { planned: string; observed: string; actions: number };
  /** The re-plan was refused by the re-gate (or could not be made): nothing was run on this table. */
  blocked?: string;
  failure?: TableFailure;
}

/** `runs/<runId>/results/<n>/<round>.json`: what a round did, and the batch's progress after it. */
export interface RoundDocument {
  revision: string;
  round: number;
  /** Tables that waited for DynamoDB to settle this round. */
  waiting: string[];
  /** Every table with work, after this round. The next round starts from here. */
  progress: Record<string, TableProgress>;
  /** Disruptive tables this batch added by re-planning (counted by the re-gate on top of the run's approval). */
  addedDisruptive: number;
  /** When the round ended (ISO-8601), and the wait it asked for: the next round starts no earlier than both. */
  finishedAt?: string;
  waitSeconds?: number;
}
