/**
 * What a batch of tables looks like in S3: the validated desired state for just those tables. The first batch of
 * a full run also carries the invalid tables (reported once) and every other declared name, so it can report
 * the unmanaged tables without mistaking another batch's tables for them.
 */
import type { DesiredState } from '../core/model/desired.ts';
import type { ObservedAccount } from '../core/model/observed.ts';
import type { Plan } from '../core/model/plan.ts';

/** `runs/<runId>/batches/<n>.json` */
export interface BatchDocument {
  revision: string;
  desired: DesiredState;
  /** Set on the batch that reports unmanaged tables: every declared table name outside this batch. */
  declaredElsewhere?: string[];
}

/** `runs/<runId>/plans/<n>.json` */
export interface PlanDocument {
  revision: string;
  plan: Plan;
  observed: ObservedAccount;
}
