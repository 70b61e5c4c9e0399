/**
 * What a drill needs from git: the tables that declare a drill cadence (the DrillSchedule machine's list) and one
 * table's declared spec and policy (the Drill machine's target). Both read the published desired-state bundle the way
 * load does (functions/run/load.ts): from the run store, authenticated with the operator's MAC key, validated.
 *
 * Why a separate step from startDrill: parsing YAML and the desired-state schema is the heaviest code the operator
 * has (see test/infra/bundle-size.test.ts); only this handler carries it, and it holds no DynamoDB, restore or
 * delete permission.
 */
import { verifyBundle } from '../aws/publish.ts';
import { BundleNotAuthentic, bundleKey, readBundle } from '../core/bundle.ts';
import { parseDesiredState } from '../core/desired/parse.ts';
import type { DesiredState } from '../core/model/desired.ts';
import { InvalidDesiredState } from '../core/errors.ts';
import { checksRefOf } from '../core/drill/checks-ref.ts';
import type { DrillTarget } from './drill.ts';
import { namedError } from './errors.ts';
import type { RunDependencies, RunStore } from './ports.ts';

/** A drill cadence (restoreDrill.schedule). */
export type DrillCadence = 'daily' | 'weekly' | 'monthly';

/**
 * Tables one DrillSchedule execution drills at most. Why a bound: the list and the Map's results travel in the
 * execution's state (≤ 64 KiB by the budget in test/workflow/drill-budget.test.ts with 228-character names), and
 * at 10 drills at a time 200 restores already take hours. Tables past it are named in the result (`skipped`).
 */
export const MAX_DRILLS_PER_RUN = 200;

/** Which bundle to read. */
export interface BundleRequest {
  revision: string;
  /** The HMAC key bundles must be authenticated with (BUNDLE_MAC_KEY_ARN); empty: refuse every bundle. */
  trustedMacKey: string | undefined;
  now: Date;
}

/** Read, authenticate and validate the bundle. @throws BundleNotFound, BundleNotAuthentic, InvalidDesiredState (policy). */
async function readDesired({ clients, store }: Pick<RunDependencies, 'clients' | 'store'>, request: BundleRequest): Promise<{ revision: string; desired: DesiredState }> {
  if (!request.trustedMacKey) throw new BundleNotAuthentic('BUNDLE_MAC_KEY_ARN is not set: the operator cannot authenticate bundles, so it drills none');
  const key = bundleKey(request.revision);
  const raw = await store.get(key);
  const where = store.where(key);
  if (raw === undefined) throw namedError('BundleNotFound', `no desired-state bundle at ${where}; publish one with tablewarden publish`);
  const bundle = await verifyBundle(clients.kms, readBundle(raw, where), request.trustedMacKey, where);
  if (request.revision !== 'latest' && bundle.revision !== request.revision) {
    throw new BundleNotAuthentic(`${where} holds revision ${bundle.revision}, not ${request.revision}: refusing a bundle stored under another revision's name`);
  }
  const validation = parseDesiredState(bundle.files, { now: request.now });
  if (validation.diagnostics.some((diagnostic) => diagnostic.severity === 'error' && /policy\.ya?ml$/.test(diagnostic.file))) {
    throw new InvalidDesiredState(`policy.yaml in revision ${bundle.revision} is invalid; no table can be drilled safely`);
  }
  return { revision: bundle.revision, desired: validation.state };
}

/** The tables declaring `cadence`, by name, at most {@link MAX_DRILLS_PER_RUN} (the rest in `skipped`). */
export interface DrillList {
  revision: string;
  cadence: DrillCadence;
  tables: string[];
  skipped: string[];
}

/** List the managed tables whose `restoreDrill.schedule` is `cadence`, sorted by name. */
export async function listDrillTables(deps: Pick<RunDependencies, 'clients' | 'store'>, request: BundleRequest & { cadence: DrillCadence }): Promise<DrillList> {
  const { revision, desired } = await readDesired(deps, request);
  const names = desired.tables
    .filter((table) => table.managed && table.spec.restoreDrill?.schedule === request.cadence)
    .map((table) => table.name)
    .sort();
  return { revision, cadence: request.cadence, tables: names.slice(0, MAX_DRILLS_PER_RUN), skipped: names.slice(MAX_DRILLS_PER_RUN) };
}

/**
 * One table's drill target: its declared spec (with the baseline merged) and the policy. A table without
 * `restoreDrill` can still be drilled on demand (startDrill's defaults). @throws UnknownTable when git does not
 * declare it (or its file is invalid).
 */
export async function loadDrillTarget(deps: Pick<RunDependencies, 'clients' | 'store'>, request: BundleRequest & { table: string }): Promise<{ revision: string; target: DrillTarget }> {
  const { revision, desired } = await readDesired(deps, request);
  const table = desired.tables.find((candidate) => candidate.managed && candidate.name === request.table);
  if (!table) {
    const invalid = desired.invalidTables.some((candidate) => candidate.name === request.table);
    throw namedError('UnknownTable', `${request.table} is ${invalid ? 'declared in an invalid file' : 'not declared'} in revision ${revision}: nothing to drill`);
  }
  return { revision, target: { table, policy: desired.policy } };
}

/**
 * The target as it travels in the Drill state machine: its declared checks moved to the run store and replaced by a
 * reference with their count and digest. Why: 100 checks with keys at DynamoDB's key size limits (2,048 + 1,024 bytes,
 * 255-byte names) are ~360 KB, past Step Functions' 256 KiB between states (the project keeps 64 KiB:
 * test/workflow/drill-budget.test.ts). Validation reads them back (functions/run/drill.ts) and checks the digest.
 * A target without checks is returned as it is.
 */
export async function stateTarget(store: Pick<RunStore, 'put'>, target: DrillTarget): Promise<DrillTarget> {
  const drill = target.table.spec.restoreDrill;
  const checks = drill?.checks;
  if (!drill || !checks || checks.length === 0) return target;
  const checksRef = checksRefOf(checks);
  await store.put(checksRef.key, checks);
  const { checks: _moved, ...rest } = drill;
  return { ...target, table: { ...target.table, spec: { ...target.table.spec, restoreDrill: rest } }, checksRef };
}
