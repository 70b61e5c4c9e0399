/**
 * Lambda: what a drill needs from git (functions/run/drill-targets.ts): the tables declaring a cadence (DrillSchedule)
 * or one table's declared spec and policy (Drill). Reads the published bundle, authenticated like load-desired-state.
 */
import { BUNDLE_MAC_KEY_ENV } from '../core/bundle.ts';
import { KMS_CLIENT } from '../aws/clients.ts';
import { listDrillTables, loadDrillTarget, stateTarget } from '../run/drill-targets.ts';
import { runDependencies, S3_RUN_STORE, type HandlerPorts } from '../run/ports.ts';
import { drillTargetsEventSchema, type DrillListResult, type DrillTargetResult } from './drill-contracts.ts';
import { logger, parseEvent } from './runtime.ts';

/**
 * What it uses (infra/permissions.ts grants the same): bundles in the run store, KMS to verify their MAC; it writes a
 * target's declared checks to the run store (stateTarget), so the Drill machine's state stays small.
 */
const PORTS: HandlerPorts = { clients: [KMS_CLIENT], store: S3_RUN_STORE };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<DrillListResult | DrillTargetResult> {
  const request = parseEvent(drillTargetsEventSchema, event, 'drill-targets');
  const dependencies = runDependencies('drill-targets', PORTS);
  const bundle = { revision: request.revision, trustedMacKey: process.env[BUNDLE_MAC_KEY_ENV]?.trim(), now: new Date() };
  if (request.action === 'list') {
    const list = await listDrillTables(dependencies, { ...bundle, cadence: request.cadence });
    if (list.skipped.length) logger.warn('drill tables past the per-run limit are not drilled this run', { cadence: list.cadence, skipped: list.skipped });
    logger.info('drill tables listed', { revision: list.revision, cadence: list.cadence, tables: list.tables.length });
    return { revision: list.revision, cadence: list.cadence, tables: list.tables, skipped: list.skipped.length };
  }
  const { revision, target } = await loadDrillTarget(dependencies, { ...bundle, table: request.table });
  logger.info('drill target loaded', { table: request.table, revision, checks: target.table.spec.restoreDrill?.checks?.length ?? 0 });
  return stateTarget(dependencies.store, target);
}
