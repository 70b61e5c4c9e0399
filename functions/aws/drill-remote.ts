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
 * The Step Functions SDK client (`@aws-sdk/client-sfn`) is not a dependency of tablewarden yet: it is loaded when
 * `--remote` is used, and its absence is a one-line error naming the package.
 */
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { OPERATOR_TAG } from '../core/plan/declared.ts';
import { collectPages } from './async-utils.ts';
import { createClient, type AwsClients, type ClientSettings, type Instrumentable } from './clients.ts';

/** The tag the operator stack puts on its Drill state machine (besides `tablewarden:role=operator`). */
export const DRILL_WORKFLOW_TAG = { key: 'tablewarden:workflow', value: 'drill' } as const;

/** An execution as the CLI follows it. */
export interface ExecutionView {
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE' | string;
  output?: string;
  error?: string;
  cause?: string;
}

/** What `drill --remote` needs from Step Functions; tests pass a fake. */
export interface DrillExecutions {
  /** Loads what the port needs (the SDK client), before anything is started. @throws DrillRemoteUnavailable */
  ready?(): Promise<void>;
  /** The Drill state machine's ARN, or undefined when the account has none. */
  findStateMachine(): Promise<string | undefined>;
  /** Start an execution; resolves with its ARN. */
  start(stateMachineArn: string, name: string, input: unknown): Promise<string>;
  describe(executionArn: string): Promise<ExecutionView>;
}

/** The remote drill could not be set up (no client package, no state machine): a usage problem, nothing started. */
export class DrillRemoteUnavailable extends Error {
  override name = 'DrillRemoteUnavailable';
}

/** The slice of `@aws-sdk/client-sfn` used here. */
interface SfnModule {
  SFNClient: new (config: ClientSettings) => Instrumentable & { send(command: unknown): Promise<Record<string, unknown>> };
  StartExecutionCommand: new (input: { stateMachineArn: string; name: string; input: string }) => unknown;
  DescribeExecutionCommand: new (input: { executionArn: string }) => unknown;
}

const SFN_PACKAGE = '@aws-sdk/client-sfn';

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
 * timeouts, the call recorder), the client package loaded on first use.
 */
export function sfnDrillExecutions(clients: AwsClients): DrillExecutions {
  let client: Promise<{ sfn: SfnModule; send(command: unknown): Promise<Record<string, unknown>> }> | undefined;
  const sfnClient = () =>
    (client ??= (async () => {
      let sfn: SfnModule;
      try {
        const specifier: string = SFN_PACKAGE;
        sfn = (await import(specifier)) as SfnModule;
      } catch {
        throw new DrillRemoteUnavailable(`--remote needs the Step Functions client: npm install ${SFN_PACKAGE} (it is not a dependency of tablewarden yet)`);
      }
      const built = createClient(sfn.SFNClient, 'states', clients.connection, clients.calls);
      return { sfn, send: (command: unknown) => built.send(command) };
    })());
  return {
    ready: async () => {
      await sfnClient();
    },
    findStateMachine: () => findDrillStateMachine(clients),
    async start(stateMachineArn, name, input) {
      const { sfn, send } = await sfnClient();
      const started = await send(new sfn.StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
      const arn = started['executionArn'];
      if (typeof arn !== 'string') throw new Error('states:StartExecution returned no executionArn');
      return arn;
    },
    async describe(executionArn) {
      const { sfn, send } = await sfnClient();
      const described = await send(new sfn.DescribeExecutionCommand({ executionArn }));
      const text = (key: string) => (typeof described[key] === 'string' ? (described[key] as string) : undefined);
      const view: ExecutionView = { status: text('status') ?? 'RUNNING' };
      for (const key of ['output', 'error', 'cause'] as const) {
        const value = text(key);
        if (value !== undefined) view[key] = value;
      }
      return view;
    },
  };
}
