/**
 * `tablewarden plan`: read-only. Validates, observes the account, prints the plan.
 */
import { observeAndPlan } from '../../run/observe-and-plan.ts';
import { processIo, type CommandIo } from '../io.ts';
import { planExitCode, planToJson, renderPlanText } from '../render-plan.ts';
import { checkAllowDisruptive, prepareRun, reportFailure, useColor, type RunOptions } from '../run-context.ts';

/** Options of `tablewarden plan`. */
export interface PlanOptions extends RunOptions {
  output: 'text' | 'json';
  verbose?: boolean;
}

/** Run `plan`; returns the exit code (0 no changes, 2 changes pending, 1 errors). */
export async function runPlan(options: PlanOptions, io: CommandIo = processIo, now = new Date()): Promise<number> {
  try {
    const { validation, clients, scope } = await prepareRun(options, io, now);
    const { plan } = await observeAndPlan(clients, validation.state, { now, ...scope });
    checkAllowDisruptive(plan, options.allowDisruptive);
    if (options.output === 'json') io.out.write(JSON.stringify(planToJson(plan), null, 2) + '\n');
    else io.out.write(renderPlanText(plan, { color: useColor(io), verbose: options.verbose ?? false }));
    return planExitCode(plan);
  } catch (error) {
    return reportFailure(error, io);
  }
}
