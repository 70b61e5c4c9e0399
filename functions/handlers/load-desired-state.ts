/**
 * Lambda: read the desired-state bundle, authenticate it, validate it, and split the tables into batches stored
 * in S3. A bundle that is not authentic (no MAC, or one KMS does not verify with BUNDLE_MAC_KEY_ARN) stops the run
 * here with BundleNotAuthentic, before anything is planned or applied.
 */
import { verifyBundle } from '../aws/publish.ts';
import { BUNDLE_MAC_KEY_ENV, BundleNotAuthentic, bundleKey, readBundle } from '../core/bundle.ts';
import { parseDesiredState } from '../core/desired/parse.ts';
import { formatDiagnostic } from '../core/desired/diagnostics.ts';
import { InvalidDesiredState } from '../core/errors.ts';
import { runKeys } from '../aws/run-store.ts';
import type { BatchDocument } from './batch-document.ts';
import { loadEventSchema, type LoadResult } from './contracts.ts';
import { handlerClients, logger, namedError, parseEvent } from './runtime.ts';

/** Lambda entry point. */
export async function handler(event: unknown): Promise<LoadResult> {
  const { runId, revision, tables: requested, batchSize } = parseEvent(loadEventSchema, event, 'load-desired-state');
  const { store, kms } = handlerClients('load-desired-state');
  // Read per invocation (only this handler has it; a local operator environment can be rebuilt between runs).
  // Fail closed: without the key the operator cannot tell a published bundle from a rewritten one.
  const trustedKey = process.env[BUNDLE_MAC_KEY_ENV]?.trim();
  if (!trustedKey) throw new BundleNotAuthentic(`${BUNDLE_MAC_KEY_ENV} is not set: the operator cannot authenticate bundles, so it applies none`);
  const key = bundleKey(revision);
  const raw = await store.get(key);
  if (raw === undefined) throw namedError('BundleNotFound', `no desired-state bundle at s3://${store.bucket}/${key}; publish one with tablewarden publish`);
  const where = `s3://${store.bucket}/${key}`;
  const bundle = await verifyBundle(kms, readBundle(raw, where), trustedKey, where);
  // bundles/<revision>.json must hold that revision: an authentic bundle copied under another revision's name is a
  // replay. (`latest` is a pointer and may hold any revision.)
  if (revision !== 'latest' && bundle.revision !== revision) {
    throw new BundleNotAuthentic(`${where} holds revision ${bundle.revision}, not ${revision}: refusing a bundle stored under another revision's name`);
  }
  const validation = parseDesiredState(bundle.files, { now: new Date() });
  for (const diagnostic of validation.diagnostics) logger.warn('desired state', { revision: bundle.revision, diagnostic: formatDiagnostic(diagnostic) });
  if (validation.diagnostics.some((diagnostic) => diagnostic.severity === 'error' && /policy\.ya?ml$/.test(diagnostic.file))) {
    throw new InvalidDesiredState(`policy.yaml in revision ${bundle.revision} is invalid; no table can be reconciled safely`);
  }
  const state = validation.state;
  const declared = new Set([...state.tables.map((table) => table.name), ...state.invalidTables.flatMap((table) => (table.name ? [table.name] : []))]);
  const unknown = requested.filter((name) => !declared.has(name));
  if (unknown.length) throw namedError('UnknownTable', `not declared in revision ${bundle.revision}: ${unknown.join(', ')}`);
  const inScope = state.tables.filter((table) => requested.length === 0 || requested.includes(table.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
  const invalid = state.invalidTables.filter((table) => requested.length === 0 || (table.name !== undefined && requested.includes(table.name)));
  const fullRun = requested.length === 0;
  const chunks: Array<typeof inScope> = [];
  for (let start = 0; start < inScope.length; start += batchSize) chunks.push(inScope.slice(start, start + batchSize));
  // A run with nothing declared still needs one batch: it reports the unmanaged tables.
  if (chunks.length === 0 && (fullRun || invalid.length)) chunks.push([]);
  const batches = await Promise.all(
    chunks.map(async (tables, index) => {
      const names = new Set(tables.map((table) => table.name));
      const document: BatchDocument = {
        revision: bundle.revision,
        desired: { policy: state.policy, tables, invalidTables: index === 0 ? invalid : [] },
        ...(index === 0 && fullRun ? { declaredElsewhere: [...declared].filter((name) => !names.has(name)).sort() } : {}),
      };
      const batchKey = runKeys.batch(runId, index);
      await store.put(batchKey, document);
      return { index, key: batchKey, tables: tables.length };
    }),
  );
  logger.info('desired state loaded', { revision: bundle.revision, tables: inScope.length, invalid: invalid.length, batches: batches.length });
  return { runId, revision: bundle.revision, batches, tables: inScope.length, invalid: invalid.length, maxDisruptivePercent: state.policy.blastRadius.maxDisruptivePercent };
}
