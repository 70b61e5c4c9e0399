/**
 * Lambda: the only code (and the only role) that deletes tables: a drill's copy after the drill
 * (functions/run/drill-steps.ts cleanupStep), or the nightly sweep of drill copies older than a day
 * (functions/run/drill.ts sweepDrillTables). Both go through the guard: a `tw-drill-` name AND the drill tag, which
 * its IAM grant requires too (infra/permissions.ts). It never tags: a role that could tag and delete `tw-drill-*`
 * tables could delete any of them; an untagged copy of the drill is tagged by drill-check (the `untagged` outcome).
 */
import { DYNAMODB_CLIENT } from '../aws/clients.ts';
import { sweepDrillTables, type DrillState } from '../run/drill.ts';
import { cleanupStep } from '../run/drill-steps.ts';
import { runDependencies, type HandlerPorts } from '../run/ports.ts';
import { drillCleanupEventSchema, type DrillStepResult, type DrillSweepResult } from './drill-contracts.ts';
import { logger, parseEvent } from './runtime.ts';

/** What it uses (infra/permissions.ts grants the same): DynamoDB only (drill tables, and the lock in the state table). */
const PORTS: HandlerPorts = { clients: [DYNAMODB_CLIENT] };

/** The sweep's result names at most this many tables (the log has them all). */
const NAMED = 20;

/** Lambda entry point. */
export async function handler(event: unknown): Promise<DrillStepResult | DrillSweepResult> {
  const request = parseEvent(drillCleanupEventSchema, event, 'drill-cleanup');
  const dependencies = runDependencies('drill-cleanup', PORTS);
  if (request.action === 'sweep') {
    const { swept } = await sweepDrillTables(dependencies, request.now ? { now: request.now } : {});
    for (const table of swept) logger.info('drill table swept', { table: table.table, outcome: table.outcome, reason: table.reason, startedAt: table.startedAt });
    const deleted = swept.filter((table) => table.outcome === 'deleted' || table.outcome === 'gone');
    return { deleted: deleted.length, left: swept.length - deleted.length, tables: swept.slice(0, NAMED).map((table) => table.table) };
  }
  const step = await cleanupStep(dependencies, { drill: request.drill as unknown as DrillState, wait: request.wait, ...(request.error ? { error: request.error } : {}) });
  logger.info('drill cleanup', { table: step.drill.table, copyTable: step.drill.copyTable, outcome: step.drill.cleanup?.outcome, reason: step.drill.cleanup?.reason });
  return step;
}
