/**
 * `tablewarden reconcile --local`: run the Reconcile state machine synthesized from the operator stack, with the
 * real handlers in-process (local/workflow), against a local AWS: the one at `--endpoint`, or an embedded one
 * started for this run (as `npm start` does). The desired-state directory is validated first (nothing is written
 * when it is invalid), then published as a bundle MACed with the local operator's HMAC key to the operator's local
 * resources (created when missing), and the execution's progress is printed state by state, child executions
 * indented under the batch that started them.
 *
 * Exit codes, as plan/apply: 0 every managed table in sync; 2 drift (plan mode) or steps still pending (apply
 * mode: a step DynamoDB won't take yet); 1 the execution failed, was blocked, or the input is invalid.
 *
 * Only the local AWS: the local runner (aws-local-stepfunctions) is a test double for Step Functions, so this
 * command refuses to run without `--local`. Against a real account, the deployed state machine runs.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { createClient, createClients } from '../../aws/clients.ts';
import { publishBundle } from '../../aws/publish.ts';
import type { LocalAws } from '../../../local/local-aws.ts';
import type { RunEvent, RunResult } from '../../../local/workflow/run.ts';
import { readAndValidate } from '../read-desired.ts';
import { processIo, type CommandIo } from '../io.ts';
import { painter } from '../render-plan.ts';
import { reportFailure, UsageError, useColor } from '../run-context.ts';

/** Options of `tablewarden reconcile`. */
export interface ReconcileCommandOptions {
  local?: boolean;
  dir: string;
  mode: 'plan' | 'apply';
  /** A running local AWS; default: start an embedded one for this run. */
  endpoint?: string;
  region?: string;
  /** The revision the bundle is published as; default `local-<epoch ms>`. */
  revision?: string;
  /** `--allow-disruptive`: the input's `allowDisruptive` (the gate skips these tables; the run records them). */
  allowDisruptive?: string[];
}

/** What the run returned and how the command ended; `npm start` reads it. */
export interface ReconcileCommandResult {
  exitCode: 0 | 1 | 2;
  run?: RunResult;
}

/** The report summary the Reconcile execution outputs (the report handler's result). */
interface ReportSummary {
  status?: 'in-sync' | 'drift' | 'failed' | 'blocked';
  tables?: number;
  applied?: number;
  failed?: number;
}

/** Exit code from how the execution ended and the report's status. */
export function reconcileExitCode(run: Pick<RunResult, 'status' | 'output'>): 0 | 1 | 2 {
  if (run.status !== 'SUCCEEDED') return 1;
  const status = (run.output as ReportSummary | undefined)?.status;
  if (status === 'in-sync') return 0;
  if (status === 'drift') return 2;
  return 1;
}

/** One progress line per state entered: elapsed time, the state, its batch, children indented under it. */
export function renderProgress(event: RunEvent, startedAt: number, paint: (style: 'bold' | 'green' | 'red' | 'dim', text: string) => string): string | undefined {
  const elapsed = `+${((event.timestamp - startedAt) / 1000).toFixed(1)}s`.padStart(8);
  const indent = '  '.repeat(event.depth ?? 0);
  const batch = event.mapIndex !== undefined ? paint('dim', ` [${event.mapIndex}]`) : '';
  if (event.type.endsWith('StateEntered')) return `${paint('dim', elapsed)}  ${indent}${event.state}${batch}\n`;
  if (event.type === 'TaskFailed' || event.type === 'LambdaFunctionFailed') {
    return `${paint('dim', elapsed)}  ${indent}${paint('red', '✗')} ${event.state}${batch}: ${event.error ?? ''} ${(event.cause ?? '').slice(0, 300)}\n`;
  }
  if (event.type === 'ExecutionFailed' || event.type === 'ExecutionTimedOut' || event.type === 'ExecutionAborted') {
    return `${paint('dim', elapsed)}  ${indent}${paint('red', event.type)}${event.error ? ` ${event.error}` : ''}${event.cause ? `: ${event.cause.slice(0, 300)}` : ''}\n`;
  }
  return undefined;
}

/** Run `reconcile`; returns the exit code and the run (see the module comment). */
export async function runReconcileCommand(options: ReconcileCommandOptions, io: CommandIo = processIo, now = new Date()): Promise<ReconcileCommandResult> {
  let started: LocalAws | undefined;
  try {
    if (!options.local) throw new UsageError('reconcile runs the synthesized state machine locally: pass --local (in AWS, the deployed state machine runs it)');
    const paint = painter(useColor(io));
    // Validate first: an invalid directory is never published and nothing is created.
    const { files, validation } = await readAndValidate(options.dir, io, now);
    if (validation.failed) {
      io.err.write(`tablewarden: not reconciled: ${options.dir} is invalid (fix the errors above; \`tablewarden validate\` shows them too)\n`);
      return { exitCode: 1 };
    }

    let endpoint = options.endpoint;
    const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
    if (!endpoint) {
      const { startLocalAws } = await import('../../../local/local-aws.ts');
      started = await startLocalAws({ region });
      endpoint = started.endpoint;
      io.out.write(`local AWS started at ${endpoint} (moto 5.2.1 + tablewarden gap layer)\n`);
    }
    // Imported here: synthesizing the stack and loading the handlers is only for this command.
    const { createOperatorEnvironment } = await import('../../../local/operator-env.ts');
    const operator = await createOperatorEnvironment({ endpoint, region });
    const revision = options.revision ?? `local-${now.getTime()}`;
    const publisher = createClients({ endpoint, region, credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test' } });
    const s3 = createClient(S3Client, 's3', publisher.connection, publisher.calls, { forcePathStyle: true });
    const { bundle } = await publishBundle({ s3, kms: publisher.kms }, operator.BUNDLE_BUCKET, files, revision, { macKeyId: operator.BUNDLE_MAC_KEY_ARN, now });
    io.out.write(`published ${files.length} files as s3://${operator.BUNDLE_BUCKET}/bundles/${revision}.json (${bundle.checksum.slice(0, 19)}…, MAC by ${operator.BUNDLE_MAC_KEY_ARN})\n`);

    const { prepareLocalReconcile, runLocalReconcile } = await import('../../../local/workflow/reconcile.ts');
    await prepareLocalReconcile(); // synthesis (CDK → ASL) before the clock starts
    io.out.write(`running the synthesized Reconcile state machine (mode ${options.mode}, real handlers in-process)\n`);
    const startedAt = Date.now();
    const run = await runLocalReconcile({
      input: { trigger: 'manual', mode: options.mode, revision, ...(options.allowDisruptive?.length ? { allowDisruptive: options.allowDisruptive } : {}) },
      executionName: `local-${startedAt}`,
      onEvent: (event) => {
        const line = renderProgress(event, startedAt, paint);
        if (line) io.out.write(line);
      },
    });
    const children = run.childExecutions.length;
    const largestChild = Math.max(0, ...run.childExecutions.map((child) => child.historyEventCount));
    io.out.write(
      `execution ${run.status} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${run.historyEventCount} history events` +
        (children > 0 ? `, ${children} child execution${children === 1 ? '' : 's'} (largest ${largestChild} events)` : '') +
        '\n',
    );
    if (run.status === 'SUCCEEDED') io.out.write(`report: ${JSON.stringify(run.output)}\n`);
    else io.err.write(`tablewarden: the Reconcile execution ${run.status}: ${run.error ?? ''}${run.cause ? `: ${run.cause}` : ''}\n`);
    return { exitCode: reconcileExitCode(run), run };
  } catch (error) {
    return { exitCode: reportFailure(error, io) };
  } finally {
    await started?.stop();
  }
}
