/**
 * The restore-drill parts of the synthesized stack: the Drill and DrillSchedule ASL (only what the local runner
 * supports; a Catch on every state after the start leading to cleanup; cleanup retrying throttling), one EventBridge
 * schedule per cadence, alarms, and the drill handlers' IAM (drill-targets verifies bundles like load does; only
 * drill-start restores and passes the backup role; the restore's target writes only on drill copies).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizeOperator } from '../../infra/synth.ts';
import { DEFAULT_DRILL_SCHEDULES } from '../../infra/table-warden.ts';
import { allStates, type AslState } from '../../local/workflow/asl.ts';
import { extractStateMachines, resolveIntrinsics, type CfnTemplate } from '../../local/workflow/extract.ts';
import { assertSupportedAsl } from '../../local/workflow/guard.ts';
import { CLEANUP_RETRY_ERRORS, DRILL_CONCURRENCY, DRILL_TASK_STATES } from '../../state-machines/drill.ts';
import { roleStatements, type TemplateJson } from './template-helpers.ts';

let template: TemplateJson & CfnTemplate;
let drill: Record<string, AslState>;
let schedule: Record<string, AslState>;

beforeAll(() => {
  const operator = synthesizeOperator({ bundle: false });
  template = operator.template as unknown as TemplateJson & CfnTemplate;
  const { stateMachines } = extractStateMachines(template);
  const find = (suffix: string) => stateMachines.find((machine) => new RegExp(`${suffix}[0-9A-F]{8}$`).test(machine.logicalId))!;
  for (const machine of [find('DrillsDrill'), find('DrillsDrillSchedule')]) assertSupportedAsl(machine.definition);
  drill = Object.fromEntries(allStates(find('DrillsDrill').definition).map(({ name, state }) => [name, state]));
  schedule = Object.fromEntries(allStates(find('DrillsDrillSchedule').definition).map(({ name, state }) => [name, state]));
}, 120_000);

const catchTargets = (state: AslState) => ((state.Catch as Array<{ ErrorEquals: string[]; Next: string }> | undefined) ?? []).filter((catcher) => catcher.ErrorEquals.includes('States.ALL')).map((catcher) => catcher.Next);

describe('Drill ASL', () => {
  it('has the task states the local runner routes, and no others', () => {
    // Assess
    const tasks = Object.entries(drill).filter(([, state]) => state.Type === 'Task').map(([name]) => name).sort();
    expect(tasks).toEqual(Object.keys(DRILL_TASK_STATES).filter((name) => !['SweepDrillTables', 'ListDrillTables'].includes(name)).sort());
  });

  it('catches every state after the start into CleanupDrill, and what fails before it into RecordNotStarted', () => {
    // Assess
    expect(catchTargets(drill['LoadDrillTarget']!)).toEqual(['RecordNotStarted']);
    expect(catchTargets(drill['StartDrill']!)).toEqual(['RecordNotStarted']);
    expect(catchTargets(drill['CheckRestore']!)).toEqual(['CleanupDrill']);
    expect(catchTargets(drill['ValidateDrill']!)).toEqual(['CleanupDrill']);
    // A cleanup that still fails is recorded (the copy is left to the nightly sweep); a failed record ends the run.
    expect(catchTargets(drill['CleanupDrill']!)).toEqual(['CleanupFailed']);
    expect(catchTargets(drill['TagDrillCopy']!)).toEqual(['CleanupFailed']);
    expect(drill['CleanupFailed']?.Next).toBe('RecordDrill');
    expect(catchTargets(drill['RecordDrill']!)).toEqual(['RecordFailed']);
  });

  it('retries throttling in cleanup with backoff, and ends by the verdict', () => {
    // Assess
    const retriers = drill['CleanupDrill']!.Retry as Array<{ ErrorEquals: string[]; BackoffRate: number; MaxAttempts: number }>;
    expect(retriers.find((retrier) => retrier.ErrorEquals.includes('ThrottlingException'))).toMatchObject({ ErrorEquals: CLEANUP_RETRY_ERRORS, BackoffRate: 2, MaxAttempts: 6 });
    const verdict = drill['Verdict?']!.Choices as Array<{ StringEquals: string; Next: string }>;
    expect(verdict.map((choice) => [choice.StringEquals, choice.Next])).toEqual([['passed', 'DrillPassed'], ['no-recovery-point', 'NoRecoveryPoint']]);
    expect(drill['Verdict?']!.Default).toBe('DrillFailed');
    expect(drill['DrillFailed']).toMatchObject({ Type: 'Fail', Error: 'DrillFailed', CausePath: '$.report.summary' });
  });

  it('waits with the seconds the checks compute, looping until active, failed or the rounds bound', () => {
    // Assess
    expect(drill['WaitForRestore']).toMatchObject({ Type: 'Wait', SecondsPath: '$.run.wait.seconds', Next: 'CheckRestore' });
    expect(drill['CheckRestore']?.Next).toBe('RestoreReady?');
    expect((drill['RestoreReady?']!.Choices as Array<{ Next: string }>).map((choice) => choice.Next)).toEqual(['ValidateDrill', 'WaitForRestore', 'RestoreRoundsExhausted']);
    expect(drill['RestoreReady?']!.Default).toBe('CleanupDrill');
  });
});

describe('DrillSchedule ASL', () => {
  it('sweeps, lists, then runs one Drill child per table in an inline Map, 10 at a time', () => {
    // Assess
    expect(catchTargets(schedule['SweepDrillTables']!)).toEqual(['ListDrillTables']);
    expect(schedule['DrillEachTable']).toMatchObject({ Type: 'Map', ItemsPath: '$.list.tables', MaxConcurrency: DRILL_CONCURRENCY });
    expect(DRILL_CONCURRENCY).toBeLessThan(50);
    expect(schedule['RunDrill']?.Resource).toBe('arn:aws:states:::states:startExecution.sync:2');
    expect(catchTargets(schedule['RunDrill']!)).toEqual(['DrillChildFailed?']);
  });
});

describe('triggers, alarms and IAM', () => {
  const resources = () => Object.entries(template.Resources);

  it('one EventBridge Scheduler schedule per cadence starts DrillSchedule with its cadence', () => {
    // Act
    const schedules = resources()
      .filter(([, resource]) => resource.Type === 'AWS::Scheduler::Schedule')
      .map(([, resource]) => resource.Properties as { ScheduleExpression: string; Target: { Input: string; Arn: unknown } })
      .filter((properties) => JSON.stringify(properties.Target.Arn).includes('DrillSchedule'));
    // Assess
    expect(Object.fromEntries(schedules.map((properties) => [JSON.parse(properties.Target.Input).cadence, properties.ScheduleExpression]))).toEqual(DEFAULT_DRILL_SCHEDULES);
  });

  it('alarms on failed and timed-out drills and a failed schedule', () => {
    // Act
    const alarms = resources().filter(([id, resource]) => resource.Type === 'AWS::CloudWatch::Alarm' && /Drill(Failed|TimedOut|ScheduleFailed)Alarm/.test(id));
    // Assess
    expect(alarms).toHaveLength(3);
  });

  it('drill-start restores and passes only the backup role; the restore writes only on drill copies; drill-targets verifies bundle MACs', () => {
    // Prepare
    const roleOf = (handler: string) => {
      const fn = resources().find(([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Metadata?.['tablewarden:handler'] === handler)!;
      return ((fn[1].Properties as { Role: { 'Fn::GetAtt': [string] } }).Role['Fn::GetAtt'][0]);
    };
    const statements = (handler: string) => roleStatements(template, roleOf(handler)).map((statement) => resolveIntrinsics(statement, template) as { Sid: string; Action: string[]; Resource: string[] });
    // Act
    const start = statements('drill-start');
    const restoreTarget = start.find((statement) => statement.Sid === 'RestoreTarget')!;
    // Assess
    expect(restoreTarget.Resource).toEqual(['arn:aws:dynamodb:us-east-1:123456789012:table/tw-drill-*']);
    expect(restoreTarget.Action).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem']));
    const restorers = ['drill-targets', 'drill-check', 'drill-validate', 'drill-cleanup', 'drill-record'].filter((handler) => statements(handler).some((statement) => statement.Action.some((action) => /^dynamodb:RestoreTable|^backup:StartRestoreJob$|^iam:PassRole$/.test(action))));
    expect(restorers).toEqual([]);
    expect(statements('drill-targets').filter((statement) => statement.Action.includes('kms:VerifyMac'))).toHaveLength(1);
  });
});
