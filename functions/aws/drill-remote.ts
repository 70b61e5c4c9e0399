/**
 * Restore-drill adapter, remote side: find the operator's deployed Drill state machine, start an execution, and
 * look at it. For `tablewarden drill --remote`, which starts the same state machine the schedules start.
 *
 * APIs: Resource Groups Tagging API GetResources (resource type `states:stateMachine`, the operator's tags), Step
 * Functions StartExecution and DescribeExecution
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html). Execution names are
 * 1–80 characters and unique per state machine for 90 days; DescribeExecution is throttled at a bucket of 50 with a
 * refill of 20 per second per account, far above one poll every few seconds.
 *
 * The Step Functions client is built by the one client factory ({@link createClient}, IAM prefix `states`), so its
 * calls are recorded as the IAM actions the CLI user needs: `tag:GetResources`, `states:StartExecution`,
 * `states:DescribeExecution`.
 */
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DRILL_WORKFLOW_TAG, OPERATOR_TAG } from '../core/drill/workflow-tags.ts';
import { collectPages } from './async-utils.ts';
import { createClient, type AwsClients } from './clients.ts';

export { DRILL_WORKFLOW_TAG } from '../core/drill/workflow-tags.ts';

/** An execution as the CLI follows it. */
export interface ExecutionView {
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE' | string;
  output?: string;
  error?: string;
  cause?: string;
}

/** What `drill --remote` needs from Step Functions; tests pass a fake. */
export interface DrillExecutions {
  /** The Drill state machine's ARN, or undefined when the account has none. */
  findStateMachine(): Promise<string | undefined>;
  /** Start an execution; resolves with its ARN. */
  start(stateMachineArn: string, name: string, input: unknown): Promise<string>;
  describe(executionArn: string): Promise<ExecutionView>;
}

/** The remote drill could not be set up (several state machines carry the Drill tags): a usage problem, nothing started. */
export class DrillRemoteUnavailable extends Error {
  override name = 'DrillRemoteUnavailable';
}

/** The Drill state machine: tagged `tablewarden:role=operator` and `tablewarden:workflow=drill`. */
export async function findDrillStateMachine(clients: Pick<AwsClients, 'tagging'>): Promise<string | undefined> {
  const request = {
    ResourceTypeFilters: ['states:stateMachine'],
    TagFilters: [
      { Key: OPERATOR_TAG.key, Values: [OPERATOR_TAG.value] },
      { Key: DRILL_WORKFLOW_TAG.key, Values: [DRILL_WORKFLOW_TAG.value] },
    ],
  };
  const pages = await collectPages(
    (PaginationToken) => clients.tagging.send(new GetResourcesCommand(PaginationToken === undefined ? request : { ...request, PaginationToken })),
    (page) => page.PaginationToken || undefined,
  );
  const arns = pages.flatMap((page) => page.ResourceTagMappingList ?? []).flatMap((mapping) => (mapping.ResourceARN ? [mapping.ResourceARN] : []));
  if (arns.length > 1) throw new DrillRemoteUnavailable(`several state machines are tagged ${DRILL_WORKFLOW_TAG.key}=${DRILL_WORKFLOW_TAG.value} (${arns.join(', ')}): pass --state-machine ARN`);
  return arns[0];
}

/**
 * The production port: Step Functions through the one client factory's settings (endpoint, region, credentials,
 * timeouts, the call recorder).
 */
export function sfnDrillExecutions(clients: AwsClients): DrillExecutions {
  const sfn = createClient(SFNClient, 'states', clients.connection, clients.calls);
  return {
    findStateMachine: () => findDrillStateMachine(clients),
    async start(stateMachineArn, name, input) {
      const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
      if (started.executionArn === undefined) throw new Error('states:StartExecution returned no executionArn');
      return started.executionArn;
    },
    async describe(executionArn) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      const view: ExecutionView = { status: described.status ?? 'RUNNING' };
      if (described.output !== undefined) view.output = described.output;
      if (described.error !== undefined) view.error = described.error;
      if (described.cause !== undefined) view.cause = described.cause;
      return view;
    },
  };
}
