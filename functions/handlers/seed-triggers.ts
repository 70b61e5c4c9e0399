/**
 * Lambda: after a Reconcile run applied its batches, decide which declared tables with `spec.seed` to seed now
 * (functions/run/seed-trigger.ts): the state machine then starts one Seed execution each, fire-and-forget.
 */
import { DYNAMODB_CLIENT } from '../aws/clients.ts';
import { parseAllowedSources } from '../run/core/seed-trigger.ts';
import { runDependencies, S3_RUN_STORE, type HandlerPorts } from '../run/ports.ts';
import { findSeedsToStart } from '../run/seed-trigger.ts';
import { seedTriggersEventSchema, type SeedTriggersResult } from './seed-contracts.ts';
import { logger, parseEvent } from './runtime.ts';

/**
 * What the trigger uses (infra/permissions.ts grants the same): the run's batches in the run store, DescribeTable
 * and the trigger records in the state table (DynamoDB), HeadObject on the seed sources (S3).
 */
const PORTS: HandlerPorts = { clients: [DYNAMODB_CLIENT], store: S3_RUN_STORE };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<SeedTriggersResult> {
  const { runId, batches } = parseEvent(seedTriggersEventSchema, event, 'seed-triggers');
  const found = await findSeedsToStart(runDependencies('seed-triggers', PORTS), { runId, batches, allowedSources: parseAllowedSources(process.env.SEED_SOURCES) });
  for (const { table, start, reason, detail } of found.decisions) {
    if (reason === 'source-unavailable' || reason === 'source-not-allowed') logger.error('seed trigger', { table, start, reason, detail });
    else logger.info('seed trigger', { table, start, reason, detail });
  }
  if (found.counts.deferred > 0) logger.warn('seed trigger: more seeds due than one run starts; the rest start on the next run', { deferred: found.counts.deferred });
  return { starts: found.starts, counts: found.counts };
}
