/**
 * The settings a restore drops: what a real restore of this table would have to re-apply to reach its declared
 * posture. A restore copies items, keys, indexes and (with the override) encryption, but not tags, TTL, the stream,
 * PITR, deletion protection, Contributor Insights or backup-plan membership
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CreateBackup.html, "restored table ... must
 * manually set up").
 *
 * Not a second list of controls: the copy, as observed, is planned against the table's declared spec by the
 * planner itself, so the report is exactly what `tablewarden apply` would do to a restored table, control by control.
 */
import type { DesiredTable } from '../model/desired.ts';
import type { ObservedAccount, ObservedTable } from '../model/observed.ts';
import type { ActionDetail, ControlId, Risk } from '../model/plan.ts';
import type { Policy } from '../desired/schema.ts';
import { plan } from '../plan/planner.ts';

/** One setting a restore would have to re-apply. */
export interface DroppedSetting {
  control: ControlId;
  action: ActionDetail['type'];
  risk: Risk;
  reason: string;
  /** True when the planner can't take the step yet (a DynamoDB wait, e.g. TTL's hour), so it is listed as pending. */
  pending?: boolean;
}

/** What the report is computed from. */
export interface DroppedSettingsInput {
  /** The declared table (its spec, merged with the baseline). */
  table: DesiredTable;
  /** The restored copy as observed (with the aspects the spec declares: PITR, TTL, Contributor Insights). */
  copy: ObservedTable;
  /** The KMS keys behind the declared aliases (so TW-SSE knows the declared key). */
  kmsKeysByAlias: ObservedAccount['kmsKeysByAlias'];
  policy: Policy;
  now: Date;
}

/** Account-level actions are not about the restored table: the KMS key exists whatever happens to the table. */
const ACCOUNT_ACTIONS: ReadonlySet<ActionDetail['type']> = new Set(['CreateKmsKey', 'UpdateKmsKeyRotation']);

/**
 * Plan the copy (under its own name) against the declared spec and list its actions and pending steps: what a real
 * restore must re-apply. A refusal (the copy's keys or LSIs differ) is the drill's shape failure, not listed here.
 */
export function droppedSettings(input: DroppedSettingsInput): DroppedSetting[] {
  const name = input.copy.name;
  const tablePlan = plan({
    desired: { policy: input.policy, tables: [{ ...input.table, name, managed: true }], invalidTables: [] },
    observed: { tables: { [name]: input.copy }, allTableNames: [name], kmsKeysByAlias: input.kmsKeysByAlias, errors: {} },
    now: input.now,
    only: [name],
  }).tables.find((table) => table.name === name);
  if (!tablePlan) return [];
  const actions = tablePlan.actions
    .filter((action) => !ACCOUNT_ACTIONS.has(action.type))
    .map((action): DroppedSetting => ({ control: action.control, action: action.type, risk: action.risk, reason: action.reason }));
  const pending = (tablePlan.pending ?? []).map((step): DroppedSetting => ({ control: step.control, action: step.action.type, risk: step.action.risk, reason: step.description, pending: true }));
  return [...actions, ...pending];
}

/** At most this many dropped settings travel in a drill's state; each reason is cut to 160 characters. */
export const MAX_STATE_DROPPED = 16;

/** The dropped settings as they travel between steps (a few KB at most). */
export function compactDropped(settings: readonly DroppedSetting[]): DroppedSetting[] {
  return settings.slice(0, MAX_STATE_DROPPED).map((setting) => (setting.reason.length > 160 ? { ...setting, reason: `${setting.reason.slice(0, 159)}…` } : setting));
}
