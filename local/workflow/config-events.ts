/**
 * Deliver AWS Config compliance-change events to the operator on the local AWS, the way the deployed stack does:
 * the events arrive as one SQS batch (as the event source mapping of infra/config-remediation.ts delivers them),
 * the real config-events handler starts Reconcile with a real Step Functions client (moto records the execution,
 * its name rules and its input), and each execution it started then runs as the *synthesized* Reconcile state
 * machine, locally, with exactly the recorded input. `npm start` uses it; nothing here decides what to reconcile.
 */
import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { SqsBatchResponse } from '../../functions/handlers/config-events.ts';
import { RECONCILE_STATE_MACHINE_ENV } from '../../functions/run/core/config-events.ts';
import type { RunEvent, RunResult } from './run.ts';
import { runLocalReconcile } from './reconcile.ts';

/** The name the local Reconcile machine is registered under in moto's Step Functions. */
export const LOCAL_RECONCILE_NAME = 'tablewarden-local-reconcile';

/** Options of {@link deliverConfigEventsLocally}. */
export interface ConfigEventDelivery {
  /** The local AWS, as SDK client settings. */
  clientConfig: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** The EventBridge events (one SQS message each). */
  events: unknown[];
  /** When the messages were sent (their SentTimestamp). */
  now: Date;
  /** State-by-state progress of each Reconcile run. */
  onEvent?: (event: RunEvent) => void;
}

/** What the handler answered and each Reconcile it started, run. */
export interface ConfigEventOutcome {
  response: SqsBatchResponse;
  runs: Array<{ name: string; input: unknown; result: RunResult }>;
}

/** An SQS batch as the event source mapping delivers it (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html). */
export function sqsBatch(bodies: readonly unknown[], now: Date, region: string) {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `0e5c3f1a-0000-4000-8000-${String(i).padStart(12, '0')}`,
      receiptHandle: `AQEB-${i}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(now.getTime()), SenderId: 'AIDAEXAMPLE', ApproximateFirstReceiveTimestamp: String(now.getTime()) },
      messageAttributes: {},
      md5OfBody: 'not-checked',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${region}:123456789012:tablewarden-config-events`,
      awsRegion: region,
    })),
  };
}

/** Register (once) the Reconcile machine with moto's Step Functions, so StartExecution has an ARN to name. */
async function localReconcileArn(sfn: SFNClient): Promise<string> {
  const listed = await sfn.send(new ListStateMachinesCommand({}));
  const existing = listed.stateMachines?.find((machine) => machine.name === LOCAL_RECONCILE_NAME)?.stateMachineArn;
  if (existing) return existing;
  // moto records executions and runs nothing: the synthesized definition runs locally with the recorded input.
  const created = await sfn.send(
    new CreateStateMachineCommand({
      name: LOCAL_RECONCILE_NAME,
      definition: JSON.stringify({ StartAt: 'RunsLocally', States: { RunsLocally: { Type: 'Pass', End: true } } }),
      roleArn: 'arn:aws:iam::123456789012:role/tablewarden-local-reconcile',
    }),
  );
  return created.stateMachineArn!;
}

/** Deliver the events, then run every Reconcile execution the handler started (in the order it started them). */
export async function deliverConfigEventsLocally(delivery: ConfigEventDelivery): Promise<ConfigEventOutcome> {
  const sfn = new SFNClient(delivery.clientConfig);
  try {
    const stateMachineArn = await localReconcileArn(sfn);
    process.env[RECONCILE_STATE_MACHINE_ENV] = stateMachineArn;
    const listExecutions = async () => (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? [];
    const before = new Set((await listExecutions()).map((execution) => execution.executionArn));
    // Imported here, like the workflow's handlers: the handler's logger takes its level from the environment the
    // local operator set up (createOperatorEnvironment), which a module loaded at start-up would not see.
    const { handler: configEvents } = await import('../../functions/handlers/config-events.ts');
    const response = await configEvents(sqsBatch(delivery.events, delivery.now, delivery.clientConfig.region));
    const started = (await listExecutions()).filter((execution) => !before.has(execution.executionArn)).reverse();
    const runs: ConfigEventOutcome['runs'] = [];
    for (const execution of started) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn! }));
      const input: unknown = JSON.parse(described.input ?? '{}');
      const result = await runLocalReconcile({ input, executionName: described.name!, ...(delivery.onEvent ? { onEvent: delivery.onEvent } : {}) });
      runs.push({ name: described.name!, input, result });
    }
    return { response, runs };
  } finally {
    sfn.destroy();
  }
}
