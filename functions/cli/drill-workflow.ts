/**
 * `tablewarden drill` on a local AWS: the drill runs through the *synthesized* Drill state machine with the real
 * handlers in-process (local/workflow/drill.ts), the very definition the operator deploys: its waits, retries and
 * Catch-to-cleanup, not a re-implementation. Like `reconcile --local`, it first makes sure the operator's local
 * resources exist (bucket, state table, bundle MAC key) and publishes the desired-state directory as a bundle
 * revision, which the machine's LoadDrillTarget step reads the table's spec from.
 *
 * Only for a local AWS (a loopback endpoint): the local runner is a test double for Step Functions, and creating
 * operator resources is not something a CLI may do to a real account. Elsewhere the drill runs on the run layer's
 * steps in-process (functions/cli/commands/drill.ts runDrillInProcess), or on the deployed machine (`--remote`).
 *
 * Progress comes from the execution's events (the state entered, the drill state each step returns); the report is
 * RecordDrill's (or RecordNotStarted's) result, whether the execution then succeeded or ended in DrillFailed /
 * NoRecoveryPoint.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { createClient, createClients } from '../aws/clients.ts';
import { publishBundle } from '../aws/publish.ts';
import type { SourceFile } from '../core/desired/parse.ts';
import type { DrillReport } from '../core/drill/record.ts';
import type { DrillSourceKind } from '../aws/restore.ts';
import type { DrillPhase, DrillProgressEvent } from './render-drill.ts';

/** The Drill machine ended in DrillNotStarted: nothing was restored (the drill's start failed before the restore). */
export class DrillNotStarted extends Error {
  override name = 'DrillNotStarted';
}

/** Whether an endpoint is a local AWS (loopback): only there does the drill run the synthesized machine here. */
export function isLocalEndpoint(endpoint: string | undefined): endpoint is string {
  if (!endpoint) return false;
  try {
    const host = new URL(endpoint).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1';
  } catch {
    return false;
  }
}

/** The phase each Drill state stands for. */
const PHASES: Record<string, DrillPhase> = {
  ApplyDrillDefaults: 'starting',
  MergeDrillDefaults: 'starting',
  LoadDrillTarget: 'starting',
  StartDrill: 'starting',
  WaitForRestore: 'restoring',
  CheckRestore: 'restoring',
  ValidateDrill: 'validating',
  CleanupDrill: 'cleaning-up',
  WaitBeforeCleanup: 'cleaning-up',
  CleanupFailed: 'cleaning-up',
  RecordDrill: 'recording',
  RecordNotStarted: 'recording',
};

/** The drill state inside a state's output (`$.run.drill` after StartDrill/CheckRestore/CleanupDrill, `$.run.drill` after ValidateDrill). */
function drillIn(output: unknown): { copyTable?: string; restoreDetail?: string; restore?: string } | undefined {
  const run = (output as { run?: { drill?: unknown } } | undefined)?.run;
  return (run?.drill ?? undefined) as { copyTable?: string; restoreDetail?: string; restore?: string } | undefined;
}

/** The report a Record state put at `$.report`, when the output holds one. */
function reportIn(output: unknown): DrillReport | undefined {
  const report = (output as { report?: Partial<DrillReport> } | undefined)?.report;
  return report && typeof report.table === 'string' && typeof report.verdict === 'string' ? (report as DrillReport) : undefined;
}

/** What a workflow drill needs. */
export interface WorkflowDrillRequest {
  endpoint: string;
  region: string;
  /** The validated desired-state files, published as the bundle the machine reads. */
  files: SourceFile[];
  table: string;
  source: DrillSourceKind;
  time?: string;
  now: Date;
  onProgress: (event: DrillProgressEvent) => void;
}

/** Run one drill through the synthesized Drill state machine on the local AWS; resolves with its report. */
export async function runDrillWorkflow(request: WorkflowDrillRequest): Promise<DrillReport> {
  // Imported here: synthesizing the stack and loading the handlers is only for this path (as reconcile --local).
  const { createOperatorEnvironment } = await import('../../local/operator-env.ts');
  const { runDrillWorkflowLocally, prepareLocalDrill } = await import('../../local/workflow/drill.ts');
  const operator = await createOperatorEnvironment({ endpoint: request.endpoint, region: request.region });
  const revision = `drill-${request.now.getTime()}`;
  const publisher = createClients({ endpoint: request.endpoint, region: request.region, credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test' } });
  const s3 = createClient(S3Client, 's3', publisher.connection, publisher.calls, { forcePathStyle: true });
  await publishBundle({ s3, kms: publisher.kms }, operator.BUNDLE_BUCKET, request.files, revision, { macKeyId: operator.BUNDLE_MAC_KEY_ARN, now: request.now });
  await prepareLocalDrill();

  let report: DrillReport | undefined;
  let copyTable: string | undefined;
  let notStarted = false;
  const run = await runDrillWorkflowLocally(
    { table: request.table, revision, source: request.source, ...(request.time ? { time: request.time } : {}) },
    {
      endpoint: request.endpoint,
      executionName: `cli-drill-${request.now.getTime()}`,
      onEvent: (event) => {
        if (!event.state) return;
        if (event.state === 'RecordNotStarted') notStarted = true;
        if (event.type.endsWith('StateExited')) {
          const drill = drillIn(event.output);
          if (drill?.copyTable) copyTable = drill.copyTable;
          report = reportIn(event.output) ?? report;
          // The restore's progress: after the start, and after each look at it (with what it waits for).
          if ((event.state === 'StartDrill' || event.state === 'CheckRestore') && drill?.restore === 'restoring') {
            request.onProgress({ phase: 'restoring', ...(copyTable ? { copyTable } : {}), ...(drill.restoreDetail ? { detail: drill.restoreDetail } : {}) });
          }
          return;
        }
        const phase = PHASES[event.state];
        // `starting` is the command's own first line; the restore's lines come from the states' results above.
        if (phase && phase !== 'starting' && phase !== 'restoring' && event.type.endsWith('StateEntered')) request.onProgress({ phase, ...(copyTable ? { copyTable } : {}) });
      },
    },
  );
  if (run.status === 'SUCCEEDED' && reportIn({ report: run.output })) return run.output as DrillReport;
  // Nothing was restored: the drill could not start (another drill of the table holds its lock, the table is not in
  // the bundle, the source can't be read): the command's "could not run", as the in-process path throws it.
  if (notStarted) throw new DrillNotStarted(`the drill did not start: ${report?.reasons.join('; ') || run.cause || run.error || 'no reason recorded'}`);
  if (report) return report;
  throw new Error(`the Drill execution ${run.status}${run.error ? `: ${run.error}` : ''}${run.cause ? `: ${run.cause.slice(0, 500)}` : ''} (no drill report)`);
}
