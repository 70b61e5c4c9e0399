/**
 * Lambda: the account-wide blast-radius gate over every batch's plan summary, before any batch applies anything
 * (functions/run/core/gate.ts). Pure: no AWS call. Its approval goes to every apply round.
 */
import { gateRun } from '../run/core/gate.ts';
import { gateEventSchema, type GateResult } from './contracts.ts';
import { logger, parseEvent } from './runtime.ts';

/** Lambda entry point. */
export async function handler(event: unknown): Promise<GateResult> {
  const { plans, maxDisruptivePercent, maxDisruptiveTables } = parseEvent(gateEventSchema, event, 'gate');
  const verdict = gateRun(plans, { maxDisruptivePercent, maxDisruptiveTables });
  logger.info('gate', { actions: verdict.actions, disruptiveTables: verdict.disruptiveTables, population: verdict.approval.population, blocked: !verdict.proceed });
  return verdict;
}
