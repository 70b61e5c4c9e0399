/**
 * `tablewarden drill <table> --remote` against the local AWS: the CLI finds the Drill state machine by the tags the
 * operator stack puts on it (tag:GetResources over moto's state machines, next to DrillSchedule and a look-alike),
 * starts it with exactly the input the Drill machine's first states accept (`{ table, source, time }`; see
 * functions/handlers/drill-contracts.ts drillStartEventSchema, whose `request` is the input after the machine's
 * defaults) and follows it with DescribeExecution. The calls are recorded under the IAM actions the CLI user needs.
 *
 * moto runs no Lambdas, so its executions stay RUNNING until stopped: the first test stops the execution from the
 * test (ABORTED, exit 1), on moto's real StartExecution / DescribeExecution. The verdicts of a finished drill
 * (SUCCEEDED with the report as output → 0; FAILED with DrillFailed → 2, NoRecoveryPoint → 3) are pinned with
 * aws-sdk-client-mock on the Step Functions client, the state machine still found on the local AWS.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type Tag,
} from '@aws-sdk/client-sfn';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../../functions/aws/clients.ts';
import { runDrillCommand, type DrillCommandOptions } from '../../functions/cli/commands/drill.ts';
import { drillStartEventSchema } from '../../functions/handlers/drill-contracts.ts';
import { useLocalAws } from '../helpers/local-aws.ts';
import { captureIo } from '../support/capture.ts';
import { PASSED_DRILL_REPORT } from '../support/drill-tables.ts';

const local = useLocalAws();
const NOW = new Date('2026-12-01T08:00:00Z');
const ROLE = 'arn:aws:iam::123456789012:role/tablewarden-drill';
/** A definition moto accepts; moto never runs it. */
const DEFINITION = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
const noWait = { now: () => 0, sleep: async () => {}, random: () => 0.5 };

let clients: AwsClients;
let sfn: SFNClient;
let dir: string;
let machines: { drill: string; schedule: string; lookalike: string };

const tags = (entries: Record<string, string>): Tag[] => Object.entries(entries).map(([key, value]) => ({ key, value }));

async function createMachine(name: string, machineTags: Record<string, string>): Promise<string> {
  const created = await sfn.send(new CreateStateMachineCommand({ name, definition: DEFINITION, roleArn: ROLE, tags: tags(machineTags) }));
  return created.stateMachineArn!;
}

const drill = (options: Partial<DrillCommandOptions>, extra: Parameters<typeof runDrillCommand>[2] = {}) => {
  const io = captureIo();
  const result = runDrillCommand('Customers', { dir, remote: true, ...options }, { io, clients, pollMs: 50, progress: { now: () => 0 }, now: () => NOW, clock: noWait, ...extra });
  return { io, result };
};

beforeEach(async () => {
  await local.reset();
  clients = createClients({ ...local.clientConfig, maxAttempts: 2 });
  sfn = new SFNClient(local.clientConfig);
  // The stack's two drill machines (state-machines/drill.ts), and one that has the workflow tag but is not the operator's.
  machines = {
    drill: await createMachine('tablewarden-Drill', { 'tablewarden:role': 'operator', 'tablewarden:workflow': 'drill' }),
    schedule: await createMachine('tablewarden-DrillSchedule', { 'tablewarden:role': 'operator', 'tablewarden:workflow': 'drill-schedule' }),
    lookalike: await createMachine('someone-elses-Drill', { 'tablewarden:workflow': 'drill' }),
  };
  dir = mkdtempSync(join(tmpdir(), 'tw-drill-remote-'));
  cpSync('desired-state', dir, { recursive: true });
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('tablewarden drill --remote (local AWS)', () => {
  it('finds Drill by its tags, starts it with exactly { table, source, time }, and follows it until it ends (stopped: exit 1)', async () => {
    // Prepare: moto keeps the execution RUNNING; the first wait between polls stops it, as an operator might.
    let stopped = 0;
    const clock = {
      ...noWait,
      sleep: async () => {
        if (stopped++ > 0) return;
        const [execution] = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: machines.drill }))).executions ?? [];
        await sfn.send(new StopExecutionCommand({ executionArn: execution!.executionArn! }));
      },
    };
    // Act
    const { io, result } = drill({ source: 'pitr', time: '2026-11-30T08:00:00Z' }, { clock });
    const { exitCode } = await result;
    // Assess: one execution, of Drill (not DrillSchedule, not the look-alike), with the exact input
    expect(exitCode).toBe(1);
    const executions = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: machines.drill }))).executions ?? [];
    expect(executions.map((execution) => execution.name)).toEqual(['cli-drill-Customers-20261201T080000Z']);
    for (const other of [machines.schedule, machines.lookalike]) expect((await sfn.send(new ListExecutionsCommand({ stateMachineArn: other }))).executions).toEqual([]);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: executions[0]!.executionArn! }));
    expect(described.input).toBe('{"table":"Customers","source":"pitr","time":"2026-11-30T08:00:00.000Z"}');
    // What StartDrill receives: the input after the machine's defaults (revision: latest), checked by its contract.
    const request = { revision: 'latest', ...(JSON.parse(described.input!) as object) };
    expect(drillStartEventSchema.safeParse({ target: { table: { name: 'Customers', spec: {} }, policy: {} }, request }).success).toBe(true);
    expect(io.stderr()).toContain(`the drill execution ${executions[0]!.executionArn} ended ABORTED`);
    expect(clients.calls.all().map((call) => call.action)).toEqual(['tag:GetResources', 'states:StartExecution', 'states:DescribeExecution', 'states:DescribeExecution']);
  });

  it('starts the declared source without a time: the input is { table, source } only', async () => {
    // Prepare
    const clock = {
      ...noWait,
      sleep: async () => {
        const [execution] = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: machines.drill }))).executions ?? [];
        await sfn.send(new StopExecutionCommand({ executionArn: execution!.executionArn! }));
      },
    };
    // Act
    const { exitCode } = await drill({}, { clock }).result;
    // Assess: customers.yaml declares restoreDrill.source aws-backup, which the CLI passes on
    expect(exitCode).toBe(1);
    const [execution] = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: machines.drill }))).executions ?? [];
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: execution!.executionArn! }))).input).toBe('{"table":"Customers","source":"aws-backup"}');
  });

  it('two machines tagged as the operator\'s Drill: one line asking for --state-machine, nothing started', async () => {
    // Prepare
    const second = await createMachine('tablewarden-Drill-2', { 'tablewarden:role': 'operator', 'tablewarden:workflow': 'drill' });
    // Act
    const { io, result } = drill({});
    // Assess
    expect((await result).exitCode).toBe(1);
    expect(io.stderr().trim()).toBe(`tablewarden: several state machines are tagged tablewarden:workflow=drill (${machines.drill}, ${second}): pass --state-machine ARN`);
    expect(clients.calls.all().map((call) => call.action)).toEqual(['tag:GetResources']);
  });

  describe('the execution\'s end decides the exit code (DescribeExecution pinned with aws-sdk-client-mock)', () => {
    const report = PASSED_DRILL_REPORT;
    let mock: AwsClientStub<SFNClient>;
    const executionArn = () => machines.drill.replace(':stateMachine:', ':execution:') + ':cli-drill-Customers-20261201T080000Z';

    beforeEach(() => {
      mock = mockClient(SFNClient);
    });
    afterEach(() => {
      mock.restore();
    });

    it.each([
      ['SUCCEEDED with the report as output', { status: 'SUCCEEDED', output: JSON.stringify({ report: { ...report, summary: 'passed' } }) }, 0, 'stdout', 'RTO         ✓ 2.5 min from the restore'],
      ['FAILED DrillFailed', { status: 'FAILED', error: 'DrillFailed', cause: 'drill of Customers failed: missing from the copy: customerID=c-0042' }, 2, 'stderr', 'ended DrillFailed: drill of Customers failed: missing from the copy: customerID=c-0042'],
      ['FAILED NoRecoveryPoint', { status: 'FAILED', error: 'NoRecoveryPoint', cause: 'Customers has no recovery point of kind pitr' }, 3, 'stderr', 'ended NoRecoveryPoint: Customers has no recovery point of kind pitr'],
      ['FAILED with another error', { status: 'FAILED', error: 'States.Runtime', cause: 'an error in the machine' }, 1, 'stderr', 'ended FAILED: States.Runtime: an error in the machine'],
      ['TIMED_OUT', { status: 'TIMED_OUT' }, 1, 'stderr', 'ended TIMED_OUT'],
    ] as const)('%s: exit %i', async (_name, end, code, stream, text) => {
      // Prepare: RUNNING once, then the end
      mock.on(StartExecutionCommand).resolves({ executionArn: executionArn(), startDate: NOW });
      mock
        .on(DescribeExecutionCommand)
        .resolvesOnce({ executionArn: executionArn(), stateMachineArn: machines.drill, status: 'RUNNING', startDate: NOW })
        .resolves({ executionArn: executionArn(), stateMachineArn: machines.drill, startDate: NOW, ...end });
      // Act
      const { io, result } = drill({ source: 'pitr' });
      const { exitCode } = await result;
      // Assess: the exact request, then the verdict
      expect(exitCode, io.stderr()).toBe(code);
      expect(mock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input)).toEqual([
        { stateMachineArn: machines.drill, name: 'cli-drill-Customers-20261201T080000Z', input: '{"table":"Customers","source":"pitr"}' },
      ]);
      expect(mock.commandCalls(DescribeExecutionCommand).map((call) => call.args[0].input)).toEqual([{ executionArn: executionArn() }, { executionArn: executionArn() }]);
      expect((stream === 'stdout' ? io.stdout() : io.stderr())).toContain(text);
    });
  });
});
