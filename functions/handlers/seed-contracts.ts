/**
 * The events and results of the seed Lambdas (`seed`, `seed-triggers`), as zod/mini schemas: the contract between the
 * Seed and Reconcile state machines (state-machines/seed.ts, state-machines/reconcile.ts) and the handlers. Written
 * the way functions/handlers/contracts.ts is (zod/mini with the English locale, each schema built only in the
 * bundle that uses it), in a module of its own so the Reconcile handlers' bundles never carry these schemas.
 * Results stay small (counts, S3 keys): a seed's rejection list can be any length and lives in the run store.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import type { SeedStart, SeedTriggerCounts } from '../run/core/seed-trigger.ts';
import { SEED_MODES } from '../run/core/seed.ts';

// zod/mini sets no locale: without this an issue's message is a bare "Invalid input".
z.config(en());

/** Build a schema only in a bundle that uses it (see functions/handlers/contracts.ts). */
const schema = /* #__NO_SIDE_EFFECTS__ */ <T>(build: () => T): T => build();

const nonEmpty = () => z.string().check(z.minLength(1));
const count = () => z.int().check(z.gte(0));

/** Formats the seed reader takes; `auto` detects it from the bytes. */
export const SEED_FORMATS = ['auto', 'json', 'jsonl', 'dynamodb-json'] as const;

/** The seed defaults the Seed state machine fills in (its ApplySeedDefaults state) and the contract repeats. */
export const SEED_INPUT_DEFAULTS = { format: 'auto', mode: 'insert-if-empty', force: false } as const;

/** An object version as HeadObject reports it. */
const sourceVersionSchema = () => z.object({ etag: z.optional(z.string()), versionId: z.optional(z.string()) });

/** seed: one part of a seed (functions/run/seed-step.ts). */
export const seedEventSchema = schema(() =>
  z.object({
    /** The Seed execution's name (`$$.Execution.Name`): its artefacts go under runs/seed/<name>/. */
    executionName: nonEmpty(),
    table: nonEmpty(),
    /** `s3://bucket/key` (a local path works too, for local runs). */
    source: nonEmpty(),
    format: z._default(z.enum(SEED_FORMATS), SEED_INPUT_DEFAULTS.format),
    mode: z._default(z.enum(SEED_MODES as unknown as ['insert-if-empty', 'upsert', 'insert-only']), SEED_INPUT_DEFAULTS.mode),
    force: z._default(z.boolean(), SEED_INPUT_DEFAULTS.force),
    iteration: z._default(count(), 0),
    /**
     * The previous part's checkpoint; `{}`, null or absent for the first part (the state machine passes `{}`: JSONPath
     * cannot leave a field out).
     */
    resume: z.optional(
      z.nullable(
        z.union([
          z.strictObject({ recordsDone: count(), byteOffset: count(), written: count(), rejected: count(), skipped: count(), retried: count() }),
          z.strictObject({}),
        ]),
      ),
    ),
    /** The object the earlier parts read (or the trigger saw); null or absent when unknown. */
    sourceVersion: z.optional(z.nullable(sourceVersionSchema())),
  }),
);
export type SeedEvent = z.input<typeof seedEventSchema>;
export type { SeedStepResult as SeedResult } from '../run/seed-step.ts';

/** seed-triggers: decide which of this run's tables with `spec.seed` to seed now. */
export const seedTriggersEventSchema = schema(() =>
  z.object({
    runId: nonEmpty(),
    /** The run's batches (load's result): their documents hold the declared tables. */
    batches: z.array(z.object({ index: count(), key: nonEmpty(), tables: count() })),
  }),
);
export type SeedTriggersEvent = z.input<typeof seedTriggersEventSchema>;

/** What seed-triggers returns: the executions to start (bounded in count and bytes) and the counts. */
export interface SeedTriggersResult {
  starts: SeedStart[];
  counts: SeedTriggerCounts;
}
