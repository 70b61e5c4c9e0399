/**
 * The Reconcile run's seed trigger step (issue 10, `spec.seed`): after the batches are applied, find the declared
 * tables with `spec.seed` that need a seed now, and return the Seed executions to start (the state machine starts
 * them, fire-and-forget, so a long seed never holds the reconcile lock). The rule and its bounds are pure, in
 * functions/run/core/seed-trigger.ts; this module reads the run's batches from the store and makes the cheap
 * observations (DescribeTable, HeadObject, the trigger record) for each seeded table.
 *
 * One table's failure (its source missing or not allowed) is counted and reported in the log; the other tables are
 * still decided.
 */
import { mapWithConcurrency } from '../aws/async-utils.ts';
import { seedS3Client } from '../aws/seed-source.ts';
import { headSeedObject, readSeedTrigger, seedTableStatus } from '../aws/seed-trigger.ts';
import type { BatchDocument } from './core/documents.ts';
import {
  boundStarts,
  decideSeed,
  seedExecutionName,
  seedTargets,
  sourceAllowed,
  type SeedStart,
  type SeedTarget,
  type SeedTriggerCounts,
  type SeedTriggerDecision,
} from './core/seed-trigger.ts';
import { missingArtefact } from './errors.ts';
import type { BatchRef } from './load.ts';
import type { RunDependencies } from './ports.ts';

/** Seeded tables observed side by side (three small reads each). */
const CONCURRENCY = 8;

/** What the trigger step found. */
export interface SeedTriggerResult {
  /** The executions to start (bounded: functions/run/core/seed-trigger.ts). */
  starts: SeedStart[];
  counts: SeedTriggerCounts;
  /** Every seeded table's decision, for the log (not returned to the state machine). */
  decisions: Array<{ table: string } & SeedTriggerDecision>;
}

/** Decides which of the run's seeded tables to seed now (see the module comment). */
export async function findSeedsToStart(
  { clients, store, stateTable }: Pick<RunDependencies, 'clients' | 'store' | 'stateTable'>,
  request: { runId: string; batches: readonly BatchRef[]; allowedSources?: readonly string[] | undefined },
): Promise<SeedTriggerResult> {
  const targets: SeedTarget[] = [];
  for (const batch of request.batches) {
    const document = (await store.get(batch.key)) as BatchDocument | undefined;
    if (document === undefined) throw missingArtefact(`batch ${batch.index} of run ${request.runId}`, store.where(batch.key));
    targets.push(...seedTargets(document.desired.tables));
  }
  const s3 = targets.length > 0 ? seedS3Client(clients) : undefined;
  const decisions = await mapWithConcurrency(targets, CONCURRENCY, async (target) => {
    if (!sourceAllowed(target.source, request.allowedSources)) {
      return { target, decision: { start: false, reason: 'source-not-allowed', detail: `${target.source} is outside the operator's seed sources (${(request.allowedSources ?? []).join(', ')})` } as SeedTriggerDecision };
    }
    const [tableStatus, object, record] = await Promise.all([seedTableStatus(clients, target.table), headSeedObject(s3!, target.source), readSeedTrigger(clients, stateTable, target.table)]);
    const decision = decideSeed(target, { tableStatus, object, record });
    const start: SeedStart | undefined = decision.start && 'version' in object ? { name: seedExecutionName(target, object.version), input: { ...target, sourceVersion: object.version } } : undefined;
    return { target, decision, start };
  });
  const bounded = boundStarts(decisions.flatMap((entry) => ('start' in entry && entry.start ? [entry.start] : [])));
  const count = (reasons: readonly SeedTriggerDecision['reason'][]) => decisions.filter((entry) => reasons.includes(entry.decision.reason)).length;
  return {
    starts: bounded.starts,
    counts: {
      declared: targets.length,
      started: bounded.starts.length,
      unchanged: count(['unchanged']),
      notReady: count(['table-not-ready']),
      deferred: bounded.deferred,
      failed: count(['source-unavailable', 'source-not-allowed']),
    },
    decisions: decisions.map((entry) => ({ table: entry.target.table, ...entry.decision })),
  };
}
