/**
 * The local workflow runner, end to end: a small CDK stack defined here is synthesized, its state machines are
 * extracted from the template, and run with aws-local-stepfunctions, Lambda tasks routed to plain async handlers.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { extractStateMachines, findStateMachine, resolveIntrinsics, type CfnTemplate, type ExtractResult } from '../../local/workflow/extract.ts';
import { assertSupportedAsl, findUnsupportedAsl, UnsupportedAslError } from '../../local/workflow/guard.ts';
import { countHistoryEvents, runStateMachine, type RunEvent } from '../../local/workflow/run.ts';

const INLINE = lambda.Code.fromInline('exports.handler = async () => null;');

/** Two functions and four workflows covering the integration shapes, errors, retries, Map, Wait and intrinsics. */
function buildStack(app: App): Stack {
  const stack = new Stack(app, 'WorkflowTestStack');
  const warden = new Construct(stack, 'Warden');
  const stateTable = new dynamodb.Table(stack, 'StateTable', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
  const plan = new lambda.Function(warden, 'PlanBatchFunction', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: INLINE,
    environment: { STATE_TABLE: stateTable.tableName, STATE_TABLE_ARN: stateTable.tableArn },
  });
  const lock = new lambda.Function(warden, 'LockFunction', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: INLINE });

  // 1. The three ways CDK shapes a LambdaInvoke result.
  const invokeShapes = new tasks.LambdaInvoke(stack, 'Plan', { lambdaFunction: plan, payloadResponseOnly: true, resultPath: '$.plan' })
    .next(new tasks.LambdaInvoke(stack, 'ApplyRaw', { lambdaFunction: plan, resultPath: '$.raw' }))
    .next(
      new tasks.LambdaInvoke(stack, 'ApplySelected', {
        lambdaFunction: plan,
        resultSelector: { 'count.$': '$.Payload.count', 'status.$': '$.StatusCode' },
        resultPath: '$.selected',
      }),
    )
    .next(new tasks.LambdaInvoke(stack, 'Report', { lambdaFunction: plan, outputPath: '$.Payload' }));
  new sfn.StateMachine(stack, 'InvokeShapes', { definitionBody: sfn.DefinitionBody.fromChainable(invokeShapes) });

  // 2. A lock that may be held: Catch LockHeld; CDK's default Retry covers Lambda service errors.
  const acquire = new tasks.LambdaInvoke(stack, 'AcquireLock', {
    lambdaFunction: lock,
    payload: sfn.TaskInput.fromObject({ action: 'acquire', owner: sfn.JsonPath.executionId }),
    resultSelector: { 'expiresAt.$': '$.Payload.expiresAt', 'owner.$': '$.Payload.owner' },
    resultPath: '$.lock',
  });
  acquire.addCatch(new sfn.Pass(stack, 'LockBusy').next(new sfn.Succeed(stack, 'Skipped')), { errors: ['LockHeld'], resultPath: '$.error' });
  new sfn.StateMachine(stack, 'LockFlow', { definitionBody: sfn.DefinitionBody.fromChainable(acquire.next(new sfn.Succeed(stack, 'Locked'))) });

  // 3. INLINE Map with MaxConcurrency, a long Wait, intrinsics, a Choice.
  const planEach = new sfn.Map(stack, 'PlanEach', {
    itemsPath: '$.tables',
    maxConcurrency: 2,
    itemSelector: { 'table.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
    resultPath: '$.plans',
  });
  planEach.itemProcessor(new tasks.LambdaInvoke(stack, 'PlanOne', { lambdaFunction: plan, payloadResponseOnly: true }));
  const summarize = new sfn.Pass(stack, 'Summarize', {
    parameters: {
      'merged.$': 'States.JsonMerge($.defaults, States.StringToJson($.overridesJson), false)',
      'total.$': 'States.MathAdd($.base, 3)',
      'plans.$': '$.plans',
    },
  });
  const finished = new sfn.Succeed(stack, 'Finished');
  const fanOut = planEach
    .next(new sfn.Wait(stack, 'Settle', { time: sfn.WaitTime.duration(Duration.hours(1)) }))
    .next(summarize)
    .next(new sfn.Choice(stack, 'AnyWork').when(sfn.Condition.numberGreaterThan('$.total', 40), finished).otherwise(new sfn.Succeed(stack, 'Nothing')));
  new sfn.StateMachine(stack, 'FanOut', { definitionBody: sfn.DefinitionBody.fromChainable(fanOut) });

  // 4. A definition from a string with DefinitionSubstitutions.
  new sfn.StateMachine(stack, 'FromString', {
    definitionBody: sfn.DefinitionBody.fromString(
      JSON.stringify({ StartAt: 'Call', States: { Call: { Type: 'Task', Resource: '${PlanArn}', End: true } } }),
    ),
    definitionSubstitutions: { PlanArn: plan.functionArn },
  });
  return stack;
}

/** A stack using every feature the guard must reject, in one JSONPath state machine. */
function buildUnsupportedStack(app: App): Stack {
  const stack = new Stack(app, 'UnsupportedStack');
  const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: INLINE });
  const distributed = new sfn.DistributedMap(stack, 'Distributed', { itemsPath: '$.items' });
  distributed.itemProcessor(new sfn.Pass(stack, 'Each'));
  const chain = sfn.Pass.jsonata(stack, 'Jsonata', { outputs: { ok: '{% true %}' } })
    .next(new sfn.Pass(stack, 'Assigns', { assign: { attempt: 1 } }))
    .next(distributed)
    .next(
      new tasks.LambdaInvoke(stack, 'Approve', {
        lambdaFunction: fn,
        integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: sfn.TaskInput.fromObject({ token: sfn.JsonPath.taskToken }),
      }),
    );
  new sfn.StateMachine(stack, 'Unsupported', { definitionBody: sfn.DefinitionBody.fromChainable(chain) });
  return stack;
}

class LockHeld extends Error {
  override name = 'LockHeld';
}
class InvalidEvent extends Error {
  override name = 'InvalidEvent';
}

const types = (events: RunEvent[]): string[] => events.map((event) => event.type);
const tally = (events: RunEvent[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const event of events) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return counts;
};

let stack: Stack;
let template: CfnTemplate;
let extracted: ExtractResult;
let planId: string;
let lockId: string;

beforeAll(() => {
  stack = buildStack(new App());
  template = Template.fromStack(stack).toJSON() as CfnTemplate;
  extracted = extractStateMachines(template, { stack });
  const byConstruct = (id: string): string => {
    const found = Object.values(extracted.lambdas).find((fn) => fn.constructId === id);
    if (!found) throw new Error(`no function ${id}`);
    return found.logicalId;
  };
  planId = byConstruct('PlanBatchFunction');
  lockId = byConstruct('LockFunction');
});

describe('extractStateMachines', () => {
  it('resolves every state machine to ASL with fake, well-formed Lambda ARNs', () => {
    // Prepare
    const planArn = `arn:aws:lambda:us-east-1:123456789012:function:${planId}`;
    // Act
    const invokeShapes = findStateMachine(extracted, 'InvokeShapes');
    const lockFlow = findStateMachine(extracted, 'LockFlow');
    // Assess
    expect(extracted.stateMachines).toHaveLength(4);
    expect(invokeShapes.arn).toBe(`arn:aws:states:us-east-1:123456789012:stateMachine:${invokeShapes.logicalId}`);
    expect(invokeShapes.lambdaFunctions).toEqual({ [planArn]: planId });
    expect(lockFlow.lambdaFunctions).toEqual({ [`arn:aws:lambda:us-east-1:123456789012:function:${lockId}`]: lockId });
    expect(invokeShapes.definition.States.Plan).toMatchObject({ Type: 'Task', Resource: planArn });
    expect(invokeShapes.definition.States.ApplyRaw).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: planArn, 'Payload.$': '$' },
    });
  });

  it('reports each function handler, resolved environment and construct path (from the stack, not metadata)', () => {
    // Act
    const fn = extracted.lambdas[planId];
    const withoutStack = extractStateMachines(template).lambdas[planId];
    // Assess
    expect(fn).toMatchObject({
      logicalId: planId,
      handler: 'index.handler',
      runtime: 'nodejs22.x',
      cdkPath: 'WorkflowTestStack/Warden/PlanBatchFunction/Resource',
      constructId: 'PlanBatchFunction',
      functionName: planId,
    });
    const tableId = Object.keys(template.Resources ?? {}).find((id) => id.startsWith('StateTable'));
    expect(fn?.environment).toEqual({ STATE_TABLE: tableId, STATE_TABLE_ARN: `arn:aws:dynamodb:us-east-1:123456789012:table/${tableId}` });
    // Template.fromStack carries no aws:cdk:path metadata by default: only the construct tree knows the path.
    expect(withoutStack?.cdkPath).toBeUndefined();
  });

  it('reads aws:cdk:path metadata when the app enables it (as the CDK CLI does)', () => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true } });
    const withMetadata = Template.fromStack(buildStack(app)).toJSON() as CfnTemplate;
    // Act
    const fn = Object.values(extractStateMachines(withMetadata).lambdas).find((candidate) => candidate.constructId === 'LockFunction');
    // Assess
    expect(fn?.cdkPath).toBe('WorkflowTestStack/Warden/LockFunction/Resource');
  });

  it('applies DefinitionSubstitutions and resolves Fn::Sub and pseudo parameters', () => {
    // Act
    const fromString = findStateMachine(extracted, 'FromString');
    const resolved = resolveIntrinsics(
      { 'Fn::Sub': ['arn:${AWS::Partition}:s3:::${Bucket}-${AWS::Region}.${AWS::URLSuffix}/${!Literal}', { Bucket: 'b' }] },
      template,
      { region: 'eu-west-1' },
    );
    // Assess
    expect(fromString.definition.States.Call?.Resource).toBe(`arn:aws:lambda:us-east-1:123456789012:function:${planId}`);
    expect(fromString.lambdaFunctions).toEqual({ [`arn:aws:lambda:us-east-1:123456789012:function:${planId}`]: planId });
    expect(resolved).toBe('arn:aws:s3:::b-eu-west-1.amazonaws.com/${Literal}');
  });
});

describe('runStateMachine: Lambda result shapes', () => {
  it('returns the handler result for payloadResponseOnly and the full Invoke response for lambda:invoke', async () => {
    // Prepare
    const machine = findStateMachine(extracted, 'InvokeShapes');
    const calls: unknown[] = [];
    const plan = async (event: unknown): Promise<unknown> => {
      calls.push(event);
      return { count: (event as { tables: string[] }).tables.length, at: new Date('2030-01-01T00:00:00Z') };
    };
    // Act
    const result = await runStateMachine({ ...machine, input: { tables: ['Customers', 'Orders'] }, lambdas: { [planId]: plan } });
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(calls).toHaveLength(4);
    const report = result.output as { count: number; at: string };
    expect(report).toEqual({ count: 2, at: '2030-01-01T00:00:00.000Z' }); // outputPath $.Payload; Dates cross JSON as strings
    const seen = calls[3] as { plan: unknown; raw: Record<string, unknown>; selected: unknown };
    expect(seen.plan).toEqual({ count: 2, at: '2030-01-01T00:00:00.000Z' });
    expect(seen.selected).toEqual({ count: 2, status: 200 });
    expect(seen.raw).toMatchObject({ ExecutedVersion: '$LATEST', Payload: { count: 2 }, StatusCode: 200, SdkHttpMetadata: { HttpStatusCode: 200 } });
    expect(Object.keys(seen.raw)).toEqual(['ExecutedVersion', 'Payload', 'SdkHttpMetadata', 'SdkResponseMetadata', 'StatusCode']);
    const requestId = (seen.raw.SdkResponseMetadata as { RequestId: string }).RequestId;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((seen.raw.SdkHttpMetadata as { HttpHeaders: Record<string, string> }).HttpHeaders['x-amzn-RequestId']).toBe(requestId);
  });

  it('emits history-shaped events in order for a sequential run', async () => {
    // Prepare
    const machine = findStateMachine(extracted, 'LockFlow');
    const printed: string[] = [];
    // Act
    const result = await runStateMachine({
      ...machine,
      lambdas: { [lockId]: async (event: unknown) => ({ ...(event as object), expiresAt: '2030-01-01T00:00:00Z' }) },
      onEvent: (event) => printed.push(`${event.type} ${event.state ?? ''}`.trim()),
    });
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ lock: { expiresAt: '2030-01-01T00:00:00Z', owner: result.executionArn } });
    expect(printed).toEqual([
      'ExecutionStarted',
      'TaskStateEntered AcquireLock',
      'TaskScheduled AcquireLock',
      'TaskStarted AcquireLock',
      'TaskSucceeded AcquireLock',
      'TaskStateExited AcquireLock',
      'SucceedStateEntered Locked',
      'SucceedStateExited Locked',
      'ExecutionSucceeded',
    ]);
    expect(countHistoryEvents(result.events)).toBe(9);
  });
});

describe('runStateMachine: errors, Retry and Catch', () => {
  it('a handler throwing LockHeld is caught by Catch ["LockHeld"] with the Lambda error JSON as Cause', async () => {
    // Prepare
    const machine = findStateMachine(extracted, 'LockFlow');
    const lock = async (): Promise<never> => {
      throw new LockHeld('another reconcile holds the lock until 2030-01-01T00:00:00Z');
    };
    // Act
    const result = await runStateMachine({ ...machine, input: { run: 1 }, lambdas: { [lockId]: lock } });
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const { error } = result.output as { error: { Error: string; Cause: string } };
    expect(error.Error).toBe('LockHeld');
    const cause = JSON.parse(error.Cause) as { errorType: string; errorMessage: string; trace: string[] };
    expect(cause).toMatchObject({ errorType: 'LockHeld', errorMessage: 'another reconcile holds the lock until 2030-01-01T00:00:00Z' });
    expect(cause.trace[0]).toBe('LockHeld: another reconcile holds the lock until 2030-01-01T00:00:00Z');
    expect(types(result.events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'StateFailed',
      'StateCaught',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(result.historyEventCount).toBe(11);
  });

  it('an error no Catch matches fails the execution with errorType as Error', async () => {
    // Act
    const result = await runStateMachine({
      ...findStateMachine(extracted, 'LockFlow'),
      lambdas: {
        [lockId]: async () => {
          throw new InvalidEvent('lock: invalid event: owner: Required');
        },
      },
    });
    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidEvent');
    expect(JSON.parse(result.cause ?? '')).toMatchObject({ errorType: 'InvalidEvent', errorMessage: 'lock: invalid event: owner: Required' });
    expect(result.events.at(-1)?.type).toBe('ExecutionFailed');
    expect(result.historyEventCount).toBe(6); // no TaskStateExited when the error ends the execution
  });

  it('a transient Lambda.ServiceException is retried by the CDK default Retry and then succeeds', async () => {
    // Prepare
    let handlerCalls = 0;
    const lock = async (): Promise<unknown> => {
      handlerCalls++;
      return { expiresAt: '2030-01-01T00:00:00Z', owner: 'me' };
    };
    // Act
    const result = await runStateMachine({
      ...findStateMachine(extracted, 'LockFlow'),
      lambdas: { [lockId]: lock },
      overrides: { transientLambdaFailures: { [lockId]: 2 }, retryIntervals: 0 },
    });
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(handlerCalls).toBe(1);
    const counts = tally(result.events);
    expect(counts).toMatchObject({ TaskScheduled: 3, TaskStarted: 3, TaskFailed: 2, TaskSucceeded: 1, StateRetried: 2 });
    const failed = result.events.filter((event) => event.type === 'TaskFailed');
    expect(failed.map((event) => event.error)).toEqual(['Lambda.ServiceException', 'Lambda.ServiceException']);
    expect(failed[0]?.cause).toMatch(/Status Code: 500; Error Code: ServiceException/);
    // 1 + TaskStateEntered + 3 attempts x 3 + TaskStateExited + Succeed 2 + 1
    expect(result.historyEventCount).toBe(15);
  });

  it('gives up after the Retry MaxAttempts (6) and fails with the service error', async () => {
    // Act
    const result = await runStateMachine({
      ...findStateMachine(extracted, 'LockFlow'),
      lambdas: { [lockId]: async () => ({}) },
      overrides: { transientLambdaFailures: { [lockId]: { count: 7, error: 'Lambda.ServiceException' } }, retryIntervals: 0 },
    });
    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Lambda.ServiceException');
    expect(tally(result.events).TaskScheduled).toBe(7);
  });

  it('an unregistered function fails like a missing one in AWS (Lambda.ResourceNotFoundException)', async () => {
    // Act
    const result = await runStateMachine({ ...findStateMachine(extracted, 'LockFlow'), lambdas: {} });
    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Lambda.ResourceNotFoundException');
    expect(result.cause).toContain(`Function not found: arn:aws:lambda:us-east-1:123456789012:function:${lockId}`);
  });

  it('a Fail state without Cause fails with its Error and no Cause', async () => {
    // Act
    const result = await runStateMachine({ definition: { StartAt: 'Boom', States: { Boom: { Type: 'Fail', Error: 'Nope' } } }, lambdas: {} });
    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'Nope' });
    expect(result.cause).toBeUndefined();
    expect(types(result.events)).toEqual(['ExecutionStarted', 'FailStateEntered', 'StateFailed', 'ExecutionFailed']);
  });
});

describe('runStateMachine: Map, Wait, intrinsics and the history count', () => {
  it('runs an INLINE Map over 3 items at most 2 at a time, skips the 1 h Wait, evaluates intrinsics, counts 35 events', async () => {
    // Prepare
    let active = 0;
    let maxActive = 0;
    const plan = async (event: unknown): Promise<unknown> => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((resolve) => setTimeout(resolve, 20));
      active--;
      const { table, index } = event as { table: string; index: number };
      return { table, index, actions: table.length };
    };
    const input = {
      tables: ['Customers', 'Orders', 'Invoices'],
      defaults: { pitr: true, sse: 'AWS_OWNED' },
      overridesJson: '{"sse":"KMS"}',
      base: 39,
    };
    const started = Date.now();
    // Act
    const result = await runStateMachine({
      ...findStateMachine(extracted, 'FanOut'),
      input,
      lambdas: { [planId]: plan },
      overrides: { waits: 'skip' },
    });
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(maxActive).toBe(2);
    expect(result.output).toEqual({
      merged: { pitr: true, sse: 'KMS' },
      total: 42,
      plans: [
        { table: 'Customers', index: 0, actions: 9 },
        { table: 'Orders', index: 1, actions: 6 },
        { table: 'Invoices', index: 2, actions: 8 },
      ],
    });
    expect(result.events.filter((event) => event.type === 'MapIterationSucceeded').map((event) => event.mapIndex).sort()).toEqual([0, 1, 2]);
    expect(tally(result.events)).toMatchObject({
      MapStateEntered: 1,
      MapStateStarted: 1,
      MapIterationStarted: 3,
      TaskStateEntered: 3,
      LambdaFunctionScheduled: 3,
      LambdaFunctionStarted: 3,
      LambdaFunctionSucceeded: 3,
      TaskStateExited: 3,
      MapIterationSucceeded: 3,
      MapStateSucceeded: 1,
      MapStateExited: 1,
      WaitStateEntered: 1,
      WaitStateExited: 1,
      ChoiceStateEntered: 1,
      ChoiceStateExited: 1,
    });
    // ExecutionStarted 1 + Map (4 + 7 x 3 = 25) + Wait 2 + Pass 2 + Choice 2 + Succeed 2 + ExecutionSucceeded 1
    expect(countHistoryEvents(result.events)).toBe(35);
  });
});

describe('runStateMachine: nested Maps, Parallel, caught Map failures, abort', () => {
  const F = 'arn:aws:lambda:us-east-1:123456789012:function:F';
  const lambdaTask = { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: F, 'Payload.$': '$' }, OutputPath: '$.Payload' };

  it.each([
    ['synchronous', (event: unknown) => event],
    ['microtask', async (event: unknown) => event],
    ['timer', async (event: unknown) => new Promise((resolve) => setTimeout(() => resolve(event), 2))],
  ])('loses no events with nested Maps and %s handlers', async (_kind, handler) => {
    // Prepare: the library's async event forwarding used to drop nested events when handlers returned at once.
    const definition = {
      StartAt: 'Outer',
      States: {
        Outer: {
          Type: 'Map',
          ItemsPath: '$.groups',
          MaxConcurrency: 2,
          End: true,
          ItemProcessor: {
            StartAt: 'Inner',
            States: { Inner: { Type: 'Map', ItemsPath: '$.items', End: true, ItemProcessor: { StartAt: 'T', States: { T: { ...lambdaTask, Next: 'P' }, P: { Type: 'Pass', End: true } } } } },
          },
        },
      },
    };
    const groups = [0, 1, 2].map((group) => ({ items: [0, 1, 2, 3].map((item) => ({ id: group * 10 + item })) }));
    // Act
    const result = await runStateMachine({ definition, input: { groups }, lambdas: { F: handler } });
    // Assess
    expect(result.output).toEqual(groups.map((group) => group.items));
    // inner item: iteration 2 + Task 5 + Pass 2 = 9; inner Map 4 + 4 x 9 = 40; outer item 2 + 40; outer Map 4 + 3 x 42 = 130
    expect(result.historyEventCount).toBe(1 + 130 + 1);
    expect(types(result.events).slice(-3)).toEqual(['MapStateSucceeded', 'MapStateExited', 'ExecutionSucceeded']);
  });

  it('a caught Map failure records MapIterationFailed, MapStateFailed and MapStateExited before the Catch target', async () => {
    // Prepare
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 1,
          ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: F, End: true } } },
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Handled' }],
          End: true,
        },
        Handled: { Type: 'Pass', End: true },
      },
    };
    const handler = (event: unknown): unknown => {
      if (event === 3) throw new LockHeld('third');
      return event;
    };
    // Act
    const result = await runStateMachine({ definition, input: { items: [1, 2, 3] }, lambdas: { F: handler } });
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as { error: { Error: string } }).error.Error).toBe('LockHeld');
    expect(types(result.events.filter((event) => event.state === 'Each'))).toEqual([
      'MapStateEntered',
      'MapStateStarted',
      'MapIterationStarted',
      'MapIterationSucceeded',
      'MapIterationStarted',
      'MapIterationSucceeded',
      'MapIterationStarted',
      'MapIterationFailed',
      'MapStateFailed',
      'StateFailed',
      'StateCaught',
      'MapStateExited',
    ]);
    // 1 + Map (2 + 2 x 7 + iteration 3: 1 + Task 4 without exit + 1, MapStateFailed, MapStateExited) + Pass 2 + 1
    expect(result.historyEventCount).toBe(28);
  });

  it('a Parallel state records Started/Succeeded around its branches and no per-branch events', async () => {
    // Prepare
    const definition = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          End: true,
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
            { StartAt: 'B', States: { B: { Type: 'Task', Resource: F, End: true } } },
          ],
        },
      },
    };
    // Act
    const result = await runStateMachine({ definition, input: { x: 1 }, lambdas: { F: (event: unknown) => event } });
    // Assess
    expect(result.output).toEqual([{ x: 1 }, { x: 1 }]);
    expect(result.historyEventCount).toBe(13);
    expect(types(result.events).slice(-3)).toEqual(['ParallelStateSucceeded', 'ParallelStateExited', 'ExecutionSucceeded']);
  });

  it('aborting the signal during a real-time Wait ends the run as ABORTED', async () => {
    // Prepare
    const controller = new AbortController();
    // Act
    const result = await runStateMachine({
      definition: { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } },
      lambdas: {},
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'WaitStateEntered') setTimeout(() => controller.abort(), 10);
      },
    });
    // Assess
    expect(result.status).toBe('ABORTED');
    expect(result.events.at(-1)?.type).toBe('ExecutionAborted');
  });
});

describe('assertSupportedAsl', () => {
  it('rejects JSONata, Assign, a DISTRIBUTED Map and waitForTaskToken, naming each', () => {
    // Prepare
    const unsupported = extractStateMachines(Template.fromStack(buildUnsupportedStack(new App())).toJSON() as CfnTemplate);
    const definition = findStateMachine(unsupported, 'Unsupported').definition;
    // Act
    const act = (): void => assertSupportedAsl(definition);
    // Assess
    expect(act).toThrow(UnsupportedAslError);
    expect(act).toThrow(/JSONata: States\.Jsonata: state "Jsonata" sets QueryLanguage: JSONata/);
    expect(act).toThrow(/Assign: States\.Assigns: state "Assigns" assigns variables/);
    expect(act).toThrow(/Distributed Map: States\.Distributed: Map "Distributed" has ItemProcessor\.ProcessorConfig\.Mode DISTRIBUTED/);
    expect(act).toThrow(/Task token: States\.Approve: Task "Approve" waits for a task token/);
    expect(new Set(findUnsupportedAsl(definition).map((finding) => finding.feature))).toEqual(new Set(['JSONata', 'Assign', 'Distributed Map', 'Task token']));
  });

  it('finds JSONata and Assign nested inside Map and Parallel states', () => {
    // Prepare
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          End: true,
          Branches: [{ StartAt: 'M', States: { M: { Type: 'Map', End: true, ItemProcessor: { StartAt: 'X', States: { X: { Type: 'Pass', Assign: { a: 1 }, End: true } } } } } }],
        },
      },
    };
    // Act
    const findings = findUnsupportedAsl(definition);
    // Assess
    expect(findings).toEqual([
      { feature: 'JSONata', location: '(top level)', detail: 'QueryLanguage: JSONata' },
      { feature: 'Assign', location: 'States.P.Branches[0].States.M.ItemProcessor.States.X', detail: 'state "X" assigns variables' },
    ]);
  });

  it('accepts the plain JSONPath state machines, and runStateMachine refuses unsupported ones', async () => {
    // Act / Assess
    for (const machine of extracted.stateMachines) expect(() => assertSupportedAsl(machine.definition)).not.toThrow();
    await expect(
      runStateMachine({ definition: { StartAt: 'A', States: { A: { Type: 'Pass', Assign: { x: 1 }, End: true } } }, lambdas: {} }),
    ).rejects.toThrow(UnsupportedAslError);
  });
});

/**
 * A parent whose INLINE Map starts one CHILD execution per item (`states:startExecution.sync:2`); the child applies
 * in rounds with a Wait loop, as the Reconcile apply phase does. Built with CDK here, independent of the product's
 * state machines.
 */
function buildNestedStack(app: App): Stack {
  const stack = new Stack(app, 'NestedWorkflowStack');
  const work = new lambda.Function(stack, 'WorkFunction', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: INLINE });
  const round = new tasks.LambdaInvoke(stack, 'Work', {
    lambdaFunction: work,
    payload: sfn.TaskInput.fromObject({ id: sfn.JsonPath.stringAt('$.id'), round: sfn.JsonPath.numberAt('$.round') }),
    payloadResponseOnly: true,
    resultPath: '$.result',
  });
  const nextRound = new sfn.Pass(stack, 'NextRound', {
    parameters: { id: sfn.JsonPath.stringAt('$.id'), round: sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt('$.round'), 1) },
  });
  nextRound.next(round);
  round.next(
    new sfn.Choice(stack, 'Settled?')
      .when(sfn.Condition.and(sfn.Condition.booleanEquals('$.result.pending', true), sfn.Condition.numberLessThan('$.round', 5)), new sfn.Wait(stack, 'Settle', { time: sfn.WaitTime.duration(Duration.seconds(30)) }).next(nextRound))
      .when(sfn.Condition.booleanEquals('$.result.pending', true), new sfn.Fail(stack, 'DidNotSettle', { error: 'DidNotSettle', cause: 'still pending after 5 rounds' }))
      .otherwise(new sfn.Pass(stack, 'Settled', { outputPath: '$.result' })),
  );
  const child = new sfn.StateMachine(stack, 'Rounds', { definitionBody: sfn.DefinitionBody.fromChainable(round) });

  const each = new sfn.Map(stack, 'EachItem', { itemsPath: '$.items', maxConcurrency: 2, itemSelector: { 'id.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' }, resultPath: '$.results' });
  const start = new tasks.StepFunctionsStartExecution(stack, 'RunRounds', {
    stateMachine: child,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    input: sfn.TaskInput.fromObject({ id: sfn.JsonPath.stringAt('$.id'), round: 0 }),
    resultSelector: { 'result.$': '$.Output' },
  });
  start.addCatch(new sfn.Pass(stack, 'ItemFailed', { parameters: { 'index.$': '$.index', failed: true, 'error.$': '$.error' } }), { resultPath: '$.error' });
  each.itemProcessor(start);
  new sfn.StateMachine(stack, 'Parent', { definitionBody: sfn.DefinitionBody.fromChainable(each) });
  return stack;
}

let nested: ExtractResult;
let workId: string;
/** The child's round handler: an item settles after `rounds[id]` rounds; an unknown item throws. */
const work = (rounds: Record<string, number>) => async (event: unknown) => {
  const { id, round } = event as { id: string; round: number };
  if (rounds[id] === undefined) throw new InvalidEvent(`no such item ${id}`);
  return { id, round, pending: round + 1 < rounds[id] };
};

beforeAll(() => {
  const nestedStack = buildNestedStack(new App());
  nested = extractStateMachines(Template.fromStack(nestedStack).toJSON() as CfnTemplate, { stack: nestedStack });
  workId = Object.values(nested.lambdas).find((fn) => fn.constructId === 'WorkFunction')!.logicalId;
});

describe('runStateMachine: child executions (states:startExecution.sync:2)', () => {

  it('runs each item as a child execution with its own history and returns DescribeExecution with Output parsed', async () => {
    // Prepare
    const parent = findStateMachine(nested, 'Parent');
    const child = findStateMachine(nested, 'Rounds');
    const seen: RunEvent[] = [];
    // Act
    const result = await runStateMachine({
      ...parent,
      input: { items: ['a', 'b', 'c'] },
      lambdas: { [workId]: work({ a: 1, b: 3, c: 2 }) },
      stateMachines: nested.stateMachines,
      overrides: { waits: 'skip' },
      onEvent: (event) => seen.push(event),
    });
    // Assess
    expect(parent.definition.States.RunRounds).toBeUndefined(); // inside the Map
    expect(JSON.stringify(parent.definition)).toContain('"Resource":"arn:aws:states:::states:startExecution.sync:2"');
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({
      items: ['a', 'b', 'c'],
      results: [
        { result: { id: 'a', round: 0, pending: false } },
        { result: { id: 'b', round: 2, pending: false } },
        { result: { id: 'c', round: 1, pending: false } },
      ],
    });
    // Parent: started 1 + Map (4 + 3 x (iteration 2 + sync Task 6)) + succeeded 1; the children's events are not in it.
    expect(result.historyEventCount).toBe(1 + 4 + 3 * 8 + 1);
    expect(tally(result.events)).toMatchObject({ TaskScheduled: 3, TaskStarted: 3, TaskSubmitted: 3, TaskSucceeded: 3 });
    expect(result.events.some((event) => event.type === 'LambdaFunctionScheduled')).toBe(false);
    // Each child: started 1 + rounds x (Task 5 + Choice 2) + (rounds - 1) x (Wait 2 + Pass 2) + Pass 2 + succeeded 1.
    const perChild = (rounds: number) => 1 + rounds * 7 + (rounds - 1) * 4 + 2 + 1;
    const byName = Object.fromEntries(result.childExecutions.map((run) => [String((run.output as { id: string }).id), run]));
    expect(Object.keys(byName).sort()).toEqual(['a', 'b', 'c']);
    expect(byName.a!.historyEventCount).toBe(perChild(1));
    expect(byName.b!.historyEventCount).toBe(perChild(3));
    expect(byName.c!.historyEventCount).toBe(perChild(2));
    expect(byName.b!.executionArn).toMatch(new RegExp(`^arn:aws:states:us-east-1:123456789012:execution:${child.logicalId}:[0-9a-f-]{36}$`));
    // The task result is DescribeExecution as the optimized integration returns it (sync:2: Input and Output parsed).
    const submitted = result.events.find((event) => event.type === 'TaskSubmitted');
    expect(submitted?.output).toEqual({ ExecutionArn: expect.stringContaining(`:execution:${child.logicalId}:`), StartDate: expect.stringMatching(/Z$/) });
    const succeeded = result.events.find((event) => event.type === 'TaskSucceeded')?.output as Record<string, unknown>;
    expect(Object.keys(succeeded)).toEqual([
      'ExecutionArn',
      'Input',
      'InputDetails',
      'Name',
      'Output',
      'OutputDetails',
      'RedriveCount',
      'RedriveStatus',
      'RedriveStatusReason',
      'StartDate',
      'StateMachineArn',
      'Status',
      'StopDate',
    ]);
    expect(succeeded).toMatchObject({ Input: { round: 0 }, InputDetails: { Included: true }, Status: 'SUCCEEDED', StateMachineArn: child.arn, RedriveStatus: 'NOT_REDRIVABLE' });
    expect(typeof succeeded.Output).toBe('object');
    // Progress: the children's events reach onEvent, marked with their depth and execution.
    const childEvents = seen.filter((event) => event.depth === 1);
    expect(childEvents.filter((event) => event.type === 'TaskStateEntered' && event.state === 'Work')).toHaveLength(6);
    expect(new Set(childEvents.map((event) => event.executionArn))).toEqual(new Set(result.childExecutions.map((run) => run.executionArn)));
    expect(seen.filter((event) => event.depth === undefined)).toHaveLength(result.events.length);
  });

  it('a failed child fails its task with States.TaskFailed and the DescribeExecution JSON as Cause; the Catch keeps the other items', async () => {
    // Prepare: item "x" has no rounds (the handler throws), "d" never settles (DidNotSettle after 5 rounds).
    const parent = findStateMachine(nested, 'Parent');
    // Act
    const result = await runStateMachine({
      ...parent,
      input: { items: ['a', 'x', 'd'] },
      lambdas: { [workId]: work({ a: 1, d: 99 }) },
      stateMachines: nested.stateMachines,
      overrides: { waits: 'skip' },
    });
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const [a, x, d] = (result.output as { results: Array<Record<string, unknown>> }).results;
    expect(a).toEqual({ result: { id: 'a', round: 0, pending: false } });
    expect(x).toMatchObject({ index: 1, failed: true, error: { Error: 'States.TaskFailed' } });
    const xCause = JSON.parse((x!.error as { Cause: string }).Cause);
    expect(xCause).toMatchObject({ Status: 'FAILED', Error: 'InvalidEvent', Input: { id: 'x', round: 0 }, RedriveStatus: 'REDRIVABLE' });
    expect(JSON.parse(xCause.Cause)).toMatchObject({ errorType: 'InvalidEvent', errorMessage: 'no such item x' });
    expect(xCause.Output).toBeUndefined();
    expect(JSON.parse((d!.error as { Cause: string }).Cause)).toMatchObject({ Status: 'FAILED', Error: 'DidNotSettle', Cause: 'still pending after 5 rounds' });
    expect(result.childExecutions.map((run) => run.status).sort()).toEqual(['FAILED', 'FAILED', 'SUCCEEDED']);
    expect(tally(result.events)).toMatchObject({ TaskSubmitted: 3, TaskSucceeded: 1, TaskFailed: 2 });
  });

  it('a Task naming a state machine that is not in the template fails like StartExecution would', async () => {
    // Act
    const result = await runStateMachine({
      definition: {
        StartAt: 'Start',
        States: { Start: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync:2', Parameters: { StateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:Nope' }, End: true } },
      },
      lambdas: {},
      stateMachines: nested.stateMachines,
    });
    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'StepFunctions.StateMachineDoesNotExistException' });
    expect(result.cause).toMatch(/^State Machine Does Not Exist: 'arn:aws:states:us-east-1:123456789012:stateMachine:Nope'/);
  });

  it('.sync (version 1) returns Input and Output as JSON strings', async () => {
    // Prepare
    const child = findStateMachine(nested, 'Rounds');
    // Act
    const result = await runStateMachine({
      definition: {
        StartAt: 'Start',
        States: { Start: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync', Parameters: { StateMachineArn: child.arn, Input: { id: 'a', round: 0 } }, End: true } },
      },
      lambdas: { [workId]: work({ a: 1 }) },
      stateMachines: nested.stateMachines,
    });
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ Input: '{"id":"a","round":0}', Output: '{"id":"a","round":0,"pending":false}', Status: 'SUCCEEDED' });
  });
});

describe('runStateMachine: the 25,000-event history quota', () => {
  const loop = {
    StartAt: 'Count',
    States: {
      Count: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)' }, Next: 'Again?' },
      'Again?': { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThan: 1_000_000, Next: 'Count' }], Default: 'Done' },
      Done: { Type: 'Succeed' },
    },
  };

  it('an execution whose history reaches 25,000 events fails with States.Runtime, as AWS fails it', async () => {
    // Act
    const result = await runStateMachine({ definition: loop, input: { n: 0 }, lambdas: {} });
    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: 'The execution reached the maximum number of history events (25000).' });
    expect(result.historyEventCount).toBe(25_000);
    expect(result.events.at(-1)?.type).toBe('ExecutionFailed');
  }, 120_000);

  it('counts each child execution separately: a family over the quota in total, no execution over it, succeeds', async () => {
    // Prepare: quota 25; the parent records 1 + 4 + 2 x 8 + 1 = 22, each child 1 + 2 x 7 + 4 + 2 + 1 = 22 (66 in all).
    const parent = findStateMachine(nested, 'Parent');
    // Act
    const result = await runStateMachine({
      ...parent,
      input: { items: ['a', 'b'] },
      lambdas: { [workId]: work({ a: 2, b: 2 }) },
      stateMachines: nested.stateMachines,
      overrides: { waits: 'skip', historyEventQuota: 25 },
    });
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.historyEventCount).toBe(22);
    expect(result.childExecutions.map((run) => run.historyEventCount)).toEqual([22, 22]);
  });

  it('a child over the quota fails alone with States.Runtime, and its parent sees States.TaskFailed', async () => {
    // Prepare: quota 20; the child would record 1 + 3 x 7 + 2 x 4 + 2 + 1 = 33, the parent 1 + 4 + 10 + 1 = 16.
    const parent = findStateMachine(nested, 'Parent');
    // Act
    const result = await runStateMachine({
      ...parent,
      input: { items: ['b'] },
      lambdas: { [workId]: work({ b: 3 }) },
      stateMachines: nested.stateMachines,
      overrides: { waits: 'skip', historyEventQuota: 20 },
    });
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.historyEventCount).toBe(16);
    const [child] = result.childExecutions;
    expect(child).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: 'The execution reached the maximum number of history events (20).', historyEventCount: 20 });
    const [item] = (result.output as { results: Array<{ error: { Error: string; Cause: string } }> }).results;
    expect(item!.error.Error).toBe('States.TaskFailed');
    expect(JSON.parse(item!.error.Cause)).toMatchObject({ Status: 'FAILED', Error: 'States.Runtime' });
  });
});
