/**
 * The events and results of every Lambda handler, as zod schemas: the contract between the Reconcile state
 * machine (state-machines/) and the handlers. Results stay small (S3 keys, counts): Step Functions passes at
 * most 256 KiB between states, and 10,000 tables must fit.
 *
 * Written with `zod/mini` (the functional API: `z.optional(x)`, `x.check(z.gte(0))`), not zod's classic API: every
 * handler parses its event with these, and the classic API's method chains make every schema type and check
 * reachable (~88 KB in each Lambda bundle, most of the gate's); mini bundles only what is used. Same validation,
 * same English messages (the locale is set below, as the classic API sets it on first use).
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { DEFAULT_BATCH_SIZE, MAX_ALLOW_DISRUPTIVE, RECONCILE_INPUT_DEFAULTS } from '../run/core/input.ts';
import type { AppliedRound } from '../run/apply.ts';
import type { LoadedRun } from '../run/load.ts';

// zod/mini sets no locale: without this an issue's message is a bare "Invalid input".
z.config(en());

/**
 * Build a schema only in a bundle that uses it. Every handler imports one or two of these schemas; building a schema
 * is a chain of zod calls, which esbuild must assume have side effects, so without this every bundle would build
 * (and carry the zod code of) all of them. Calls of a function marked `#__NO_SIDE_EFFECTS__` whose result is unused
 * are dropped; the schemas have none.
 */
const schema = /* #__NO_SIDE_EFFECTS__ */ <T>(build: () => T): T => build();

/** A non-empty string. */
const nonEmpty = () => z.string().check(z.minLength(1));
/** A whole number within [min, max] (max optional). */
const int = (min?: number, max?: number) => z.int().check(...(min === undefined ? [] : [z.gte(min)]), ...(max === undefined ? [] : [z.lte(max)]));
/** Table names allowed disruptive changes for one run (`--allow-disruptive`), at most MAX_ALLOW_DISRUPTIVE. */
const allowList = () => z.array(z.string().check(z.minLength(1), z.maxLength(255))).check(z.maxLength(MAX_ALLOW_DISRUPTIVE));
/** A percentage. */
const percent = () => z.number().check(z.gte(0), z.lte(100));

/** What starts a reconcile. */
export const reconcileInputSchema = schema(() => z.object({
  trigger: z.enum(['schedule', 'commit', 'config', 'manual']),
  mode: z._default(z.enum(['apply', 'plan']), RECONCILE_INPUT_DEFAULTS.mode),
  /** Limit the run to these tables (Config events name one). Empty: every table. */
  tables: z._default(z.array(z.string()), [...RECONCILE_INPUT_DEFAULTS.tables]),
  /** The desired-state bundle revision (git sha); `latest` reads the newest published bundle. */
  revision: z._default(z.string(), RECONCILE_INPUT_DEFAULTS.revision),
  /** Seconds the state machine waits between apply rounds while DynamoDB settles. */
  waitSeconds: z._default(int(0, 3600), RECONCILE_INPUT_DEFAULTS.waitSeconds),
  /** Tables whose disruptive changes a person allowed for this run: the blast-radius guard skips them (recorded). */
  allowDisruptive: z._default(allowList(), [...RECONCILE_INPUT_DEFAULTS.allowDisruptive]),
}));
export type ReconcileInput = z.output<typeof reconcileInputSchema>;

/** lock: acquire or release the one-reconcile-per-account-and-region lock. */
export const lockEventSchema = schema(() => z.object({
  action: z.enum(['acquire', 'release']),
  /** The execution that holds the lock (its ARN). */
  owner: nonEmpty(),
  ttlSeconds: z._default(int(60, 86_400), 3_600),
}));
export type LockEvent = z.input<typeof lockEventSchema>;
export interface LockResult {
  action: 'acquire' | 'release';
  owner: string;
  /** acquire: when the lock expires (ISO); release: whether this owner still held it. */
  expiresAt?: string;
  released?: boolean;
}

/** load-desired-state: read the bundle, validate, split into batches written to S3. */
export const loadEventSchema = schema(() => z.object({
  runId: nonEmpty(),
  revision: z._default(z.string(), 'latest'),
  tables: z._default(z.array(z.string()), []),
  batchSize: z._default(int(1, 500), DEFAULT_BATCH_SIZE),
  allowDisruptive: z._default(allowList(), []),
}));
export type LoadEvent = z.input<typeof loadEventSchema>;

/** A batch of tables, stored in S3. */
export const batchRefSchema = schema(() => z.object({ index: int(0), key: nonEmpty(), tables: int(0) }));
export type BatchRef = z.output<typeof batchRefSchema>;

/** What load-desired-state returns: the run layer's {@link LoadedRun} (one definition). */
export type LoadResult = LoadedRun;

/** plan-batch: observe and plan one batch; the plan goes to S3. */
export const planBatchEventSchema = schema(() => z.object({ runId: nonEmpty(), batch: batchRefSchema }));
export type PlanBatchEvent = z.input<typeof planBatchEventSchema>;
export const planBatchResultSchema = schema(() => z.object({
  index: z.int(),
  planKey: z.string(),
  tables: z.int(),
  actions: z.int(),
  /** Tables with at least one disruptive action not allowed for this run (for the account-wide blast-radius gate). */
  disruptiveTables: z.int(),
  errors: z.int(),
  refused: z.int(),
  unmanaged: z.int(),
  /** Tables this batch is responsible for: its managed tables, plus unmanaged ones it remediates. */
  population: z.int(),
}));
export type PlanBatchResult = z.output<typeof planBatchResultSchema>;

/** What the run was approved for: apply re-gates a table that changed since approval against it. */
export const approvalSchema = schema(() => z.object({
  disruptiveTables: int(0),
  population: int(0),
  maxDisruptivePercent: percent(),
  maxDisruptiveTables: int(0),
}));

/**
 * gate: the account-wide blast-radius guard over every batch's plan. `plans` are the PlanBatch results trimmed
 * to the three numbers the rule needs (the Map's ResultSelector), so 200 batches stay a few KiB.
 */
export const gateEventSchema = schema(() => z.object({
  runId: nonEmpty(),
  /** Managed tables in scope (for the message; the denominator is the sum of the batches' populations). */
  tables: int(0),
  maxDisruptivePercent: percent(),
  maxDisruptiveTables: int(0),
  plans: z.array(z.pick(planBatchResultSchema, { actions: true, disruptiveTables: true, population: true })),
}));
export type GateEvent = z.input<typeof gateEventSchema>;
export interface GateResult {
  proceed: boolean;
  actions: number;
  disruptiveTables: number;
  reason: string;
  approval: z.output<typeof approvalSchema>;
}

/** apply-batch: one round of changes for a batch; stops a table where DynamoDB needs time to settle. */
export const applyBatchEventSchema = schema(() => z.object({
  runId: nonEmpty(),
  batch: batchRefSchema,
  round: z._default(int(0), 0),
  /** The run's settle interval (the input's `waitSeconds`): the shortest wait before the next round. */
  waitSeconds: z._default(int(0, 3600), RECONCILE_INPUT_DEFAULTS.waitSeconds),
  /** The gate's approval (a table that changed since approval is re-planned and re-gated against it). */
  approval: approvalSchema,
}));
export type ApplyBatchEvent = z.input<typeof applyBatchEventSchema>;
/**
 * What apply-batch returns: a round as the run layer reports it ({@link AppliedRound}), without the apply result and
 * revision it logs. `waitSeconds` feeds the Wait state's SecondsPath (see `nextRoundWaitSeconds`).
 */
export type ApplyBatchResult = Omit<AppliedRound, 'result' | 'revision'>;

/** report: write the run report to S3, notify on failure or drift, return a summary. */
export const reportEventSchema = schema(() => z.object({
  runId: nonEmpty(),
  trigger: z.string(),
  mode: z.enum(['apply', 'plan']),
  revision: z.string(),
  outcome: z.enum(['succeeded', 'failed', 'blocked']),
  /** The error caught by the state machine, when the run failed. */
  error: z.optional(z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) })),
  /**
   * The apply Map's results, one per batch: a batch whose child execution failed is `{ index, failed: true,
   * error }` (its Catch), the others are their last round. Absent when nothing was applied.
   */
  batches: z._default(z.array(z.object({ index: int(0), failed: z.optional(z.boolean()), error: z.optional(z.string()) })), []),
}));
export type ReportEvent = z.input<typeof reportEventSchema>;
export interface ReportResult {
  reportKey: string;
  status: 'in-sync' | 'drift' | 'failed' | 'blocked';
  notified: boolean;
  tables: number;
  applied: number;
  failed: number;
}
