/**
 * Lambda: start a restore drill (functions/run/drill.ts startDrill): find the newest recovery point, take the
 * table's drill lock, restore into `tw-drill-<table>-<time>` with the declared encryption, tag the copy.
 * Throws DrillRunning when another drill of the table holds the lock.
 */
import { BACKUP_CLIENT, DYNAMODB_CLIENT, KMS_CLIENT } from '../aws/clients.ts';
import { startDrill, type DrillState, type DrillTarget } from '../run/drill.ts';
import { runDependencies, type HandlerPorts } from '../run/ports.ts';
import { drillStartEventSchema } from './drill-contracts.ts';
import { logger, parseEvent } from './runtime.ts';

/** What it uses (infra/permissions.ts grants the same): the source's reads, the restore APIs, KMS for the key, the lock. */
const PORTS: HandlerPorts = { clients: [DYNAMODB_CLIENT, BACKUP_CLIENT, KMS_CLIENT] };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<DrillState> {
  const { target, request, now } = parseEvent(drillStartEventSchema, event, 'drill-start');
  const drill = await startDrill(runDependencies('drill-start', PORTS), {
    target: target as unknown as DrillTarget,
    ...(request.source ? { source: request.source } : {}),
    ...(request.time ? { time: request.time } : {}),
    ...(now ? { now } : {}),
  });
  logger.info('drill started', { table: drill.table, restore: drill.restore, copyTable: drill.copyTable, source: drill.sourceKind, noRecoveryPoint: drill.noRecoveryPoint, detail: drill.restoreDetail });
  return drill;
}
