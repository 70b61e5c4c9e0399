/**
 * Lambda: load the run (functions/run/load.ts): authenticate and validate the bundle, read the account index once,
 * deal the tables into batches. A bundle that is not authentic (no MAC, or one KMS does not verify with
 * BUNDLE_MAC_KEY_ARN) stops the run here with BundleNotAuthentic, before anything is planned or applied.
 */
import { BUNDLE_MAC_KEY_ENV } from '../core/bundle.ts';
import { loadRun } from '../run/load.ts';
import { BACKUP_CLIENT, DYNAMODB_CLIENT, KMS_CLIENT, TAGGING_CLIENT } from '../aws/clients.ts';
import { runDependencies, S3_RUN_STORE, type HandlerPorts } from '../run/ports.ts';
import { loadEventSchema, type LoadResult } from './contracts.ts';
import { logger, parseEvent } from './runtime.ts';

/**
 * What load uses (infra/permissions.ts grants the same): the bundle and the run's documents in the run store, KMS to
 * verify the bundle's MAC, and the account index's reads (DynamoDB, KMS, AWS Backup, tagging).
 */
const PORTS: HandlerPorts = { clients: [DYNAMODB_CLIENT, KMS_CLIENT, BACKUP_CLIENT, TAGGING_CLIENT], store: S3_RUN_STORE };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<LoadResult> {
  const { runId, revision, tables, batchSize, allowDisruptive } = parseEvent(loadEventSchema, event, 'load-desired-state');
  // Read per invocation: a local operator environment can be rebuilt between runs.
  const trustedMacKey = process.env[BUNDLE_MAC_KEY_ENV]?.trim();
  const loaded = await loadRun(runDependencies('load-desired-state', PORTS), { runId, revision, requested: tables, batchSize, allowDisruptive, trustedMacKey, now: new Date(), warn: (message, fields) => logger.warn(message, fields) });
  logger.info('desired state loaded', { revision: loaded.revision, tables: loaded.tables, invalid: loaded.invalid, unmanaged: loaded.unmanaged, batches: loaded.batches.length });
  return loaded;
}
