/**
 * `tablewarden plan`: read-only. Validates, observes the account, prints the plan.
 */
import { formatDiagnostic, sortDiagnostics } from '../../core/desired/diagnostics.ts';
import { parseDesiredState } from '../../core/desired/parse.ts';
import { TableWardenError } from '../../core/errors.ts';
import { createClients } from '../../aws/clients.ts';
import { planAccount } from '../../aws/plan-account.ts';
import { readDesiredStateFiles } from '../desired-files.ts';
import { processIo, type CommandIo } from '../io.ts';
import { planExitCode, planToJson, renderPlanText } from '../render-plan.ts';

/** Options of `tablewarden plan`. */
export interface PlanOptions {
  dir: string;
  table: string[];
  output: 'text' | 'json';
  verbose?: boolean;
  endpointUrl?: string;
  region?: string;
  profile?: string;
}

/** Run `plan`; returns the exit code (0 no changes, 2 changes pending, 1 errors). */
export async function runPlan(options: PlanOptions, io: CommandIo = processIo, now = new Date()): Promise<number> {
  try {
    const files = await readDesiredStateFiles(options.dir);
    const validation = parseDesiredState(files, { now });
    // Invalid tables are skipped (and reported in the plan); the messages still go to stderr, positioned.
    for (const diagnostic of sortDiagnostics(validation.diagnostics)) io.err.write(formatDiagnostic(diagnostic) + '\n');
    const known = new Set([...validation.state.tables.map((table) => table.name), ...validation.state.invalidTables.map((table) => table.name)]);
    const unknown = options.table.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      io.err.write(`tablewarden: --table ${unknown.join(', ')}: not declared in ${options.dir}/tables\n`);
      return 1;
    }
    const clients = createClients({
      ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
      ...(options.region ? { region: options.region } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
    });
    const { plan } = await planAccount(clients, validation.state, { now, ...(options.table.length ? { only: options.table } : {}) });
    if (options.output === 'json') io.out.write(JSON.stringify(planToJson(plan), null, 2) + '\n');
    else io.out.write(renderPlanText(plan, { color: Boolean(io.out.isTTY) && !process.env.NO_COLOR, verbose: options.verbose ?? false }));
    return planExitCode(plan);
  } catch (error) {
    const reason = error instanceof TableWardenError ? `${error.reason}: ` : '';
    io.err.write(`tablewarden: ${reason}${(error as Error).message}\n`);
    return 1;
  }
}
