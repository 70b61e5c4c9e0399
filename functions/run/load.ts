/**
 * Load: read the published bundle, authenticate it, validate it, read the account index once for the whole run,
 * and deal the tables into batches. Everything goes to the run store; the workflow gets keys and counts.
 */
import { observeAccountIndex } from '../aws/observe.ts';
import { verifyBundle } from '../aws/publish.ts';
import { BundleNotAuthentic, bundleKey, readBundle } from '../core/bundle.ts';
import { formatDiagnostic } from '../core/desired/diagnostics.ts';
import { parseDesiredState } from '../core/desired/parse.ts';
import { InvalidDesiredState } from '../core/errors.ts';
import { observeRequestFor } from '../core/plan/observe-request.ts';
import { splitIntoBatches, unknownTables } from './core/batches.ts';
import { runKeys } from './core/keys.ts';
import { namedError } from './errors.ts';
import type { RunDependencies } from './ports.ts';

/** A batch as the workflow passes it around: its index, its document's key, how many tables it plans. */
export interface BatchRef {
  index: number;
  key: string;
  tables: number;
}

/** What load tells the workflow. */
export interface LoadedRun {
  runId: string;
  revision: string;
  batches: BatchRef[];
  /** Declared tables in scope, invalid files, and unmanaged tables (spread over the batches). */
  tables: number;
  invalid: number;
  unmanaged: number;
  /** The policy's guard rails, needed by the gate. */
  maxDisruptivePercent: number;
  maxDisruptiveTables: number;
}

/** What to load. */
export interface LoadRequest {
  runId: string;
  revision: string;
  requested: readonly string[];
  batchSize: number;
  /** Tables whose disruptive changes a person allowed for this run; each must be declared or exist. */
  allowDisruptive?: readonly string[];
  /** The HMAC key bundles must be authenticated with (BUNDLE_MAC_KEY_ARN); empty: refuse every bundle. */
  trustedMacKey: string | undefined;
  now: Date;
  /** Where warnings go. */
  warn?: (message: string, fields: Record<string, unknown>) => void;
}

/** Load the run. Throws BundleNotFound, BundleNotAuthentic, InvalidDesiredState (policy) or UnknownTable. */
export async function loadRun({ clients, store }: RunDependencies, request: LoadRequest): Promise<LoadedRun> {
  const { runId, revision } = request;
  // Fail closed: without the key the operator cannot tell a published bundle from a rewritten one.
  if (!request.trustedMacKey) throw new BundleNotAuthentic('BUNDLE_MAC_KEY_ARN is not set: the operator cannot authenticate bundles, so it applies none');
  const key = bundleKey(revision);
  const raw = await store.get(key);
  const where = store.where(key);
  if (raw === undefined) throw namedError('BundleNotFound', `no desired-state bundle at ${where}; publish one with tablewarden publish`);
  const bundle = await verifyBundle(clients.kms, readBundle(raw, where), request.trustedMacKey, where);
  // bundles/<revision>.json must hold that revision: an authentic bundle copied under another revision's name is a
  // replay. (`latest` is a pointer and may hold any revision.)
  if (revision !== 'latest' && bundle.revision !== revision) {
    throw new BundleNotAuthentic(`${where} holds revision ${bundle.revision}, not ${revision}: refusing a bundle stored under another revision's name`);
  }
  const validation = parseDesiredState(bundle.files, { now: request.now });
  for (const diagnostic of validation.diagnostics) request.warn?.('desired state', { revision: bundle.revision, diagnostic: formatDiagnostic(diagnostic) });
  if (validation.diagnostics.some((diagnostic) => diagnostic.severity === 'error' && /policy\.ya?ml$/.test(diagnostic.file))) {
    throw new InvalidDesiredState(`policy.yaml in revision ${bundle.revision} is invalid; no table can be reconciled safely`);
  }
  const desired = validation.state;
  // The account-level facts, once for the whole run: every batch and round reads them from the store.
  const index = await observeAccountIndex(clients, { kmsAliases: observeRequestFor(desired).kmsAliases });
  // After the index (reads only): a requested table that exists but is not declared is planned as unmanaged, not refused.
  const unknown = unknownTables(desired, request.requested, index.tableNames);
  if (unknown.length) throw namedError('UnknownTable', `neither declared in revision ${bundle.revision} nor in the account: ${unknown.join(', ')}`);
  await store.put(runKeys.index(runId), index);
  const allowDisruptive = [...new Set(request.allowDisruptive ?? [])].sort();
  const unknownAllowed = allowDisruptive.filter((name) => !desired.tables.some((table) => table.name === name) && !index.tableNames.includes(name));
  if (unknownAllowed.length) throw namedError('UnknownTable', `allowDisruptive names tables neither declared in revision ${bundle.revision} nor in the account: ${unknownAllowed.join(', ')}`);
  const split = splitIntoBatches({ revision: bundle.revision, desired, requested: request.requested, tableNames: index.tableNames, tags: index.tags, batchSize: request.batchSize });
  const batches = await Promise.all(
    split.batches.map(async (document, position) => {
      const batchKey = runKeys.batch(runId, position);
      await store.put(batchKey, allowDisruptive.length ? { ...document, allowDisruptive } : document);
      return { index: position, key: batchKey, tables: document.desired.tables.length + document.unmanaged.length };
    }),
  );
  return {
    runId,
    revision: bundle.revision,
    batches,
    tables: split.tables,
    invalid: split.invalid,
    unmanaged: split.unmanaged,
    maxDisruptivePercent: desired.policy.blastRadius.maxDisruptivePercent,
    maxDisruptiveTables: desired.policy.blastRadius.maxDisruptiveTables,
  };
}
