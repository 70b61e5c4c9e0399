/**
 * The events and results of the restore-drill handlers: the contract between the Drill and DrillSchedule state
 * machines (state-machines/drill.ts) and the handlers. zod/mini with the English locale, each schema built only in a
 * bundle that uses it, as in ./contracts.ts (see there for why).
 *
 * The drill's own state ({@link DrillState}, functions/run/drill.ts) is checked for the fields every step reads and
 * otherwise passed through: it is produced by the previous step of the same machine, never by a person.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import type { DrillState, DrillTarget } from '../run/drill.ts';
import type { DrillReport } from '../core/drill/record.ts';
import type { DrillWait } from '../run/core/drill-wait.ts';

// zod/mini sets no locale: without this an issue's message is a bare "Invalid input".
z.config(en());

/** Build a schema only in a bundle that uses it (see ./contracts.ts). */
const schema = /* #__NO_SIDE_EFFECTS__ */ <T>(build: () => T): T => build();
const nonEmpty = () => z.string().check(z.minLength(1));
const int = (min: number) => z.int().check(z.gte(min));
const isoTime = () => z.iso.datetime({ offset: true });
const sourceKind = () => z.enum(['aws-backup', 'dynamodb-backup', 'pitr']);
const cadence = () => z.enum(['daily', 'weekly', 'monthly']);

/** The drill state between steps: the fields every step reads; the rest passes through. */
const drillStateSchema = () =>
  z.looseObject({
    table: nonEmpty(),
    sourceKind: sourceKind(),
    startedAt: isoTime(),
    maxRestoreMinutes: z.number().check(z.gte(0)),
    deadline: isoTime(),
    restore: z.enum(['none', 'restoring', 'active', 'failed']),
  });
/** A table's drill target: the declared table (name and spec) and the policy, as drill-targets returned them. */
const targetSchema = () => z.looseObject({ table: z.looseObject({ name: nonEmpty(), spec: z.looseObject({}) }), policy: z.looseObject({}) });
const waitSchema = () => z.object({ seconds: int(0), round: int(0), cleanupRounds: int(0) });
/** The error a Catch hands on (`{}` when there was none). */
const caughtSchema = () => z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) });

/** drill-targets: list the tables of a cadence (DrillSchedule), or load one table's target (Drill). */
export const drillTargetsEventSchema = schema(() =>
  z.discriminatedUnion('action', [
    z.object({ action: z.literal('list'), cadence: cadence(), revision: z._default(nonEmpty(), 'latest') }),
    z.object({ action: z.literal('get'), table: nonEmpty(), revision: z._default(nonEmpty(), 'latest') }),
  ]),
);
export type DrillTargetsEvent = z.input<typeof drillTargetsEventSchema>;

/** drill-start: the Drill machine's input (after its defaults) and the target. */
export const drillStartEventSchema = schema(() =>
  z.object({
    target: targetSchema(),
    request: z.looseObject({ table: nonEmpty(), source: z.optional(sourceKind()), time: z.optional(isoTime()) }),
    /** The drill's start (local runs pass the local AWS's clock); default the current time. */
    now: z.optional(isoTime()),
  }),
);
export type DrillStartEvent = z.input<typeof drillStartEventSchema>;

/**
 * drill-check: one look at the restore (`action` absent or `check`), or tagging the drill's own copy when cleanup
 * found it untagged (`tag`: the cleanup role may not tag); returns the state and the next wait.
 */
export const drillCheckEventSchema = schema(() => z.object({ action: z.optional(z.enum(['check', 'tag'])), drill: drillStateSchema(), wait: waitSchema(), now: z.optional(isoTime()) }));
export type DrillCheckEvent = z.input<typeof drillCheckEventSchema>;

/** drill-validate: validate the copy against the target. */
export const drillValidateEventSchema = schema(() => z.object({ target: targetSchema(), drill: drillStateSchema(), now: z.optional(isoTime()) }));
export type DrillValidateEvent = z.input<typeof drillValidateEventSchema>;

/** drill-cleanup: delete the copy (guarded) and release the lock; or the nightly sweep of stale drill tables. */
export const drillCleanupEventSchema = schema(() =>
  z.discriminatedUnion('action', [
    z.object({ action: z.literal('cleanup'), drill: drillStateSchema(), wait: waitSchema(), error: z.optional(caughtSchema()) }),
    z.object({ action: z.literal('sweep'), now: z.optional(isoTime()) }),
  ]),
);
export type DrillCleanupEvent = z.input<typeof drillCleanupEventSchema>;

/** drill-record: record the drill (history, AWS Backup validation result, metrics). No `drill`: it never started. */
export const drillRecordEventSchema = schema(() =>
  z.object({
    table: nonEmpty(),
    drill: z.optional(drillStateSchema()),
    error: z.optional(caughtSchema()),
    now: z.optional(isoTime()),
  }),
);
export type DrillRecordEvent = z.input<typeof drillRecordEventSchema>;

/** What drill-targets returns for `list`. */
export interface DrillListResult {
  revision: string;
  cadence: 'daily' | 'weekly' | 'monthly';
  tables: string[];
  /** How many declared tables were past MAX_DRILLS_PER_RUN (named in the handler's log). */
  skipped: number;
}
/** What drill-targets returns for `get`: the target itself (the Drill machine keeps it at `$.target`). */
export type DrillTargetResult = DrillTarget;
/** What drill-check and drill-cleanup return: the state and the loop's next wait. */
export interface DrillStepResult {
  drill: DrillState;
  wait: DrillWait;
}
/** What the sweep returns: counts and the first names (the full list is in the handler's log). */
export interface DrillSweepResult {
  deleted: number;
  left: number;
  tables: string[];
}
/** What drill-record returns: the report, plus a one-line summary the Fail state uses as its Cause. */
export type DrillRecordResult = DrillReport & { summary: string };
