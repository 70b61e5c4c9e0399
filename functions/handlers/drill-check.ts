/**
 * Lambda: one look at a drill's restore (functions/run/drill-steps.ts checkStep), and the next wait; or tagging the
 * drill's own copy for cleanup (tagStep). The role that tags drill copies, so drill-cleanup's (which deletes tagged
 * ones) never needs TagResource.
 */
import { BACKUP_CLIENT, DYNAMODB_CLIENT } from '../aws/clients.ts';
import type { DrillState } from '../run/drill.ts';
import { checkStep, tagStep } from '../run/drill-steps.ts';
import { runDependencies, type HandlerPorts } from '../run/ports.ts';
import { drillCheckEventSchema, type DrillStepResult } from './drill-contracts.ts';
import { logger, parseEvent } from './runtime.ts';

/** What it uses (infra/permissions.ts grants the same): the restore job, the copy's status, tagging the copy. */
const PORTS: HandlerPorts = { clients: [DYNAMODB_CLIENT, BACKUP_CLIENT] };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<DrillStepResult> {
  const { action, drill, wait, now } = parseEvent(drillCheckEventSchema, event, 'drill-check');
  if (action === 'tag') {
    const tagged = await tagStep(runDependencies('drill-check', PORTS), { drill: drill as unknown as DrillState, wait });
    logger.info('drill copy tagged for cleanup', { table: tagged.drill.table, copyTable: tagged.drill.copyTable, tagged: tagged.drill.tagged });
    return tagged;
  }
  const step = await checkStep(runDependencies('drill-check', PORTS), { drill: drill as unknown as DrillState, wait, ...(now ? { now } : {}) });
  logger.info('drill restore checked', { table: step.drill.table, restore: step.drill.restore, detail: step.drill.restoreDetail, round: step.wait.round });
  return step;
}
