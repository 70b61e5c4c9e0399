/**
 * Lambda: the account-wide blast-radius guard, over every batch's plan, before any batch applies anything.
 */
import { blastRadius } from '../core/plan/blast-radius.ts';
import { gateEventSchema, type GateResult } from './contracts.ts';
import { logger, parseEvent } from './runtime.ts';

/** Lambda entry point. Pure: no AWS call. */
export async function handler(event: unknown): Promise<GateResult> {
  const { plans, maxDisruptivePercent } = parseEvent(gateEventSchema, event, 'gate');
  const disruptiveTables = plans.reduce((sum, plan) => sum + plan.disruptiveTables, 0);
  const population = plans.reduce((sum, plan) => sum + plan.population, 0);
  const verdict = blastRadius({ disruptiveTables, population, maxDisruptivePercent });
  const actions = plans.reduce((sum, plan) => sum + plan.actions, 0);
  logger.info('gate', { actions, disruptiveTables, population, blocked: verdict.blocked });
  return { proceed: !verdict.blocked, actions, disruptiveTables, reason: verdict.reason };
}
