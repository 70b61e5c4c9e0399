/**
 * `tablewarden plan`: read-only. Validates, observes the account, prints the plan (text, JSON or SARIF), and with
 * `-out FILE` saves it for `tablewarden apply FILE` (Terraform's saved plan): the plan, the desired state's
 * checksum and each table's observed fingerprint, so apply runs exactly what was reviewed or nothing.
 */
import { join } from 'node:path';
import { observeAndPlan } from '../../run/observe-and-plan.ts';
import { makeSavedPlan } from '../../run/core/saved-plan.ts';
import { processIo, type CommandIo } from '../io.ts';
import { planExitCode, planToJson, renderPlanText } from '../render-plan.ts';
import { renderSarif } from '../render-sarif.ts';
import { checkAllowDisruptive, prepareRun, reportFailure, useColor, type RunOptions } from '../run-context.ts';
import { clientTarget, writeSavedPlanFile } from '../saved-plan.ts';

/** Options of `tablewarden plan`. */
export interface PlanOptions extends RunOptions {
  output: 'text' | 'json' | 'sarif';
  verbose?: boolean;
  /** `-out FILE` / `--out FILE`: save the plan for `apply FILE`. */
  out?: string;
}

/** Run `plan`; returns the exit code (0 no changes, 2 changes pending, 1 errors). */
export async function runPlan(options: PlanOptions, io: CommandIo = processIo, now = new Date()): Promise<number> {
  try {
    const { validation, files, clients, scope } = await prepareRun(options, io, now);
    const { plan, observed } = await observeAndPlan(clients, validation.state, { now, ...scope });
    checkAllowDisruptive(plan, options.allowDisruptive);
    if (options.output === 'json') io.out.write(JSON.stringify(planToJson(plan), null, 2) + '\n');
    else if (options.output === 'sarif') io.out.write(JSON.stringify(renderSarif({ command: 'plan', diagnostics: validation.diagnostics, plan, policyFile: join(options.dir, 'policy.yaml') }), null, 2) + '\n');
    else io.out.write(renderPlanText(plan, { color: useColor(io), verbose: options.verbose ?? false }));
    if (options.out !== undefined) {
      const saved = makeSavedPlan({
        plan,
        observed,
        files,
        dir: options.dir,
        scope: { ...(scope.only ? { tables: [...scope.only] } : {}), ...(scope.allowDisruptive ? { allowDisruptive: [...scope.allowDisruptive] } : {}) },
        target: await clientTarget(clients),
        now,
      });
      await writeSavedPlanFile(options.out, saved);
      // On stdout after a text plan (as terraform does); on stderr when stdout is a document.
      const sink = options.output === 'text' ? io.out : io.err;
      const blocked = plan.blocked ? ' It is blocked by the blast-radius guard: apply will refuse it.' : '';
      sink.write(`\nSaved the plan to ${options.out} (${plan.summary.actions} action${plan.summary.actions === 1 ? '' : 's'}).${blocked} To apply exactly these actions: tablewarden apply ${options.out}\n`);
    }
    return planExitCode(plan);
  } catch (error) {
    return reportFailure(error, io);
  }
}
