/**
 * What a control is: a named, documented rule that judges one table and says how to fix it.
 *
 * Controls are pure. Each one `assess`es a table once and the planner derives both the finding (`evaluate`) and
 * the actions (`plan`) from that single assessment, so the verdict and the fix can never disagree.
 */
import type { Policy } from '../desired/schema.ts';
import type { DesiredTable } from '../model/desired.ts';
import type { ObservedAccount, ObservedTable } from '../model/observed.ts';
import type { ActionDetail, ControlId, PendingStep, Risk } from '../model/plan.ts';

/** Everything a control may look at. */
export interface ControlContext {
  desired: DesiredTable;
  /**
   * The table as it is; for a table that does not exist yet, the table as its CreateTable call will leave it
   * (see `projectCreatedTable`), so controls plan only what CreateTable cannot do.
   */
  observed: ObservedTable;
  /** False when the table does not exist yet and will be created by this plan. */
  exists: boolean;
  account: ObservedAccount;
  policy: Policy;
  now: Date;
}

/** An action as a control proposes it; the planner adds `table` and `control`. */
export type ProposedAction = ActionDetail & { risk: Risk; reason: string };

/** A control's verdict with the actions that would fix it. */
export interface Assessment {
  status: 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';
  reason: string;
  actions: ProposedAction[];
  /** Changes DynamoDB cannot make in place; any refusal means nothing is applied to the table. */
  refusals?: string[];
  /** Steps DynamoDB will not accept yet (see PendingStep); the planner adds `control`. Absent when none. */
  pending?: Array<Omit<PendingStep, 'control'>>;
}

/** Static facts about a control, used by docs, reports and the IAM policy generator. */
export interface ControlInfo {
  id: ControlId;
  title: string;
  rationale: string;
  references: {
    /** AWS Config managed rule identifiers that check the same thing. */
    configRules: string[];
    /** AWS Security Hub control ids. */
    securityHub: string[];
    documentation: string;
  };
  /** IAM actions needed to observe (read) and to apply (write) this control. */
  permissions: { observe: string[]; apply: string[] };
}

/** A control: static facts plus its assessment. */
export interface Control extends ControlInfo {
  assess(context: ControlContext): Assessment;
  /** The finding only. */
  evaluate(context: ControlContext): Pick<Assessment, 'status' | 'reason'>;
  /** The actions only. */
  plan(context: ControlContext): ProposedAction[];
}

/** Build a control from its facts and one assessment function. */
export function defineControl(info: ControlInfo & { assess(context: ControlContext): Assessment }): Control {
  return {
    ...info,
    evaluate: (context) => {
      const { status, reason } = info.assess(context);
      return { status, reason };
    },
    plan: (context) => info.assess(context).actions,
  };
}

/** Shorthand for a compliant verdict. */
export function compliant(reason: string): Assessment {
  return { status: 'COMPLIANT', reason, actions: [] };
}

/** Shorthand for a not-applicable verdict. */
export function notApplicable(reason: string): Assessment {
  return { status: 'NOT_APPLICABLE', reason, actions: [] };
}

/** Shorthand for a non-compliant verdict with its fixes. */
export function nonCompliant(reason: string, actions: ProposedAction[] = [], refusals?: string[]): Assessment {
  return refusals ? { status: 'NON_COMPLIANT', reason, actions, refusals } : { status: 'NON_COMPLIANT', reason, actions };
}
