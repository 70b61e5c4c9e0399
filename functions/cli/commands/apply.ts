/**
 * `tablewarden apply`: plan, confirm, apply, observe again, and report what converged. `tablewarden apply FILE`
 * applies a saved plan (`plan -out FILE`) instead of planning: exactly its actions, after checking that neither
 * desired-state/ nor any table it changes has changed since (saved-plan.ts); otherwise it refuses before any write.
 *
 * Exit 0 when every managed table ends in sync; 2 when the only tables not in sync wait for a step DynamoDB won't
 * take yet (TTL's second step, an hour after the first: the report gives the time); 1 otherwise.
 */
import { createInterface } from 'node:readline/promises';
import { applyPlan, type ApplyOptions } from '../../aws/apply/apply-plan.ts';
import { PlanFailed } from '../../core/errors.ts';
import type { AwsClients } from '../../aws/clients.ts';
import { observeAndPlan } from '../../run/observe-and-plan.ts';
import { takeCliLock, type CliLockOptions, type HeldCliLock } from '../apply-lock.ts';
import { processIo, type CommandIo } from '../io.ts';
import { warnAboutOrphanKeys } from '../orphan-keys.ts';
import type { LiveRegionOptions } from '../progress.ts';
import { applyExitCode, renderApplyReport, startApplyProgress } from '../render-apply.ts';
import { planToJson, renderPlanText } from '../render-plan.ts';
import { checkAllowDisruptive, prepareRun, reportFailure, UsageError, useColor, type RunOptions } from '../run-context.ts';
import { checkDesiredState, checkTables, checkTarget, clientTarget, readSavedPlanFile } from '../saved-plan.ts';

/** Options of `tablewarden apply`. */
export interface ApplyCommandOptions extends RunOptions {
  autoApprove?: boolean;
  output: 'text' | 'json';
  /** `apply FILE`: apply exactly this saved plan (`plan -out FILE`) instead of planning now. */
  planFile?: string;
  /** `--timeout`, in milliseconds (main.ts parses `30m`): how long one table may take, its waits included (default 30 minutes). */
  timeout?: number;
}

/** How apply asks for confirmation; injectable for tests. */
export interface Confirmation {
  /** True when a person can answer (stdin is a terminal). */
  interactive: boolean;
  ask(question: string): Promise<string>;
}

/** Confirmation on the process's terminal. */
export const terminalConfirmation: Confirmation = {
  interactive: Boolean(process.stdin.isTTY),
  async ask(question) {
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await prompt.question(question);
    } finally {
      prompt.close();
    }
  },
};

/** What `apply` runs with; every field has a production default, tests replace some. */
export interface ApplyDependencies {
  io?: CommandIo;
  confirmation?: Confirmation;
  now?: Date;
  apply?: ApplyOptions;
  /** Clients to use instead of building them from the options (tests count their calls). */
  clients?: AwsClients;
  /** The operator's run lock, taken when the account has one (owner, lifetime). */
  lock?: CliLockOptions;
  /** How progress is drawn (terminal or not, clock); default from the output stream. */
  progress?: LiveRegionOptions;
}

/** Run `apply`; returns the exit code. */
export async function runApply(options: ApplyCommandOptions, dependencies: ApplyDependencies = {}): Promise<number> {
  const io = dependencies.io ?? processIo;
  const confirmation = dependencies.confirmation ?? terminalConfirmation;
  const now = dependencies.now ?? new Date();
  const applyOptions = dependencies.apply ?? {};
  const color = useColor(io);
  const text = options.output === 'text';
  let lock: HeldCliLock | undefined;
  try {
    // A saved plan is checked before anything else: the file, then desired-state/, then the account (below).
    const saved = options.planFile === undefined ? undefined : await readSavedPlanFile(options.planFile);
    if (saved && (options.table.length > 0 || options.allowDisruptive?.length)) {
      throw new UsageError(`--table and --allow-disruptive can't change a saved plan's scope (${options.planFile}); run plan -out again with them`);
    }
    const prepared = await prepareRun(options, io, now);
    const { validation } = prepared;
    const scope = saved ? { ...(saved.scope.tables ? { only: saved.scope.tables } : {}), ...(saved.scope.allowDisruptive ? { allowDisruptive: saved.scope.allowDisruptive } : {}) } : prepared.scope;
    if (saved) checkDesiredState(saved, prepared.files);
    const clients = dependencies.clients ?? prepared.clients;
    if (saved) checkTarget(saved, options.planFile!, await clientTarget(clients));
    // Before planning: what another run is changing must not be planned from.
    lock = await takeCliLock(clients, io, { ...dependencies.lock, text });
    const fresh = await observeAndPlan(clients, validation.state, { now, ...scope });
    // apply FILE runs the saved plan, and only on the tables it was made from.
    if (saved) checkTables(saved, fresh.observed);
    const { plan, observed } = saved ? { plan: saved.plan, observed: fresh.observed } : fresh;
    if (!saved) checkAllowDisruptive(plan, options.allowDisruptive);
    if (text && saved) io.out.write(`Applying the plan saved in ${options.planFile} at ${saved.createdAt} (desired state ${saved.desiredState.checksum.slice(0, 19)}…; every table unchanged since).\n\n`);
    if (text) io.out.write(renderPlanText(plan, { color }));
    if (plan.blocked) {
      if (!text) io.out.write(JSON.stringify({ plan: planToJson(plan), apply: { blocked: plan.blocked.reason, tables: [] } }, null, 2) + '\n');
      // Through reportFailure like every failure: one line, and with -v the stage and the stack.
      return reportFailure(new PlanFailed(`${plan.blocked.reason}. Nothing was applied.`), io);
    }
    if (plan.summary.actions > 0 && !options.autoApprove) {
      if (!confirmation.interactive) {
        io.err.write('tablewarden: refusing to apply without confirmation: stdin is not a terminal; pass --auto-approve to apply unattended\n');
        return 1;
      }
      const answer = await confirmation.ask(`\nApply ${plan.summary.actions} change${plan.summary.actions === 1 ? '' : 's'}? Only 'yes' will be accepted: `);
      if (answer.trim() !== 'yes') {
        io.err.write('Apply cancelled; nothing was changed.\n');
        return 1;
      }
    }
    // Progress: stdout in text mode (live on a terminal), stderr with --output json (render-apply.ts).
    const progress = startApplyProgress(io, { text, color, ...(dependencies.progress ? { region: dependencies.progress } : {}) });
    const result = await applyPlan(clients, plan, validation.state, observed, {
      ...applyOptions,
      ...(options.timeout !== undefined ? { tableTimeoutMs: options.timeout } : {}),
      timeoutName: '--timeout',
      onEvent: (event) => {
        progress.update(event);
        applyOptions.onEvent?.(event);
      },
    }).finally(() => progress.stop());
    const { plan: after } = await observeAndPlan(clients, validation.state, { now: new Date(), ...scope });
    if (text) io.out.write('\n' + renderApplyReport(result, after, { color }));
    else io.out.write(JSON.stringify({ plan: planToJson(plan), apply: result, after: planToJson(after) }, null, 2) + '\n');
    await warnAboutOrphanKeys(clients, io);
    return applyExitCode(result, after, validation.failed);
  } catch (error) {
    return reportFailure(error, io);
  } finally {
    await lock?.release();
  }
}
