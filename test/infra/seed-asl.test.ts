/**
 * The seeding states in the synthesized stack: the Seed machine runs locally (JSONPath, no Map, no Assign, no task
 * token), retries transient Lambda errors and fails with stage-specific reasons; Reconcile starts seeds
 * fire-and-forget after releasing its lock; and the seed Lambdas read seed objects only where the stack says.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createOperatorApp } from '../../infra/app-factory.ts';
import { handlerApiActions } from '../../infra/permissions.ts';
import { extractStateMachines, findStateMachine, type CfnTemplate } from '../../local/workflow/extract.ts';
import { assertSupportedAsl } from '../../local/workflow/guard.ts';
import { TRANSIENT_LAMBDA_ERRORS } from '../../state-machines/reconcile.ts';
import { SEED_FAILURES } from '../../state-machines/seed.ts';

type State = Record<string, unknown> & { Type: string };

function synth(props: Record<string, unknown> = {}) {
  const { stack } = createOperatorApp({ app: { context: { 'aws:cdk:bundling-stacks': [] } }, stack: { warden: props } });
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const { stateMachines } = extractStateMachines(template);
  const states = (match: string) => findStateMachine({ stateMachines, lambdas: {} }, match).definition.States as Record<string, State>;
  return { template, seed: states('TableWardenSeedWorkflowStateMachine'), reconcile: states('TableWardenReconcileStateMachine'), machine: findStateMachine({ stateMachines, lambdas: {} }, 'TableWardenSeedWorkflowStateMachine') };
}

/** Every IAM statement of the role whose description names the handler. */
function statementsOf(template: CfnTemplate, handler: string): Array<{ Sid: string; Action: string | string[]; Resource: unknown }> {
  const resources = (template as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }).Resources;
  const roleId = Object.entries(resources).find(([, resource]) => resource.Type === 'AWS::IAM::Role' && resource.Properties.Description === `tablewarden ${handler} handler`)?.[0];
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((resource) => (resource.Properties.PolicyDocument as { Statement: Array<{ Sid: string; Action: string | string[]; Resource: unknown }> }).Statement);
}

describe('Seed and seeding states (synthesized)', () => {
  const { template, seed, reconcile, machine } = synth();

  it('the Seed machine is ASL the local runner runs as AWS would, with no Map at all', () => {
    // Assess
    expect(() => assertSupportedAsl(machine.definition)).not.toThrow();
    expect(Object.values(seed).filter((state) => state.Type === 'Map')).toEqual([]);
  });

  it('retries transient Lambda errors on the Seed task and catches each typed error into its own failure', () => {
    // Assess
    const task = seed.Seed!;
    expect((task.Retry as Array<{ ErrorEquals: string[] }>)[0]!.ErrorEquals).toEqual(TRANSIENT_LAMBDA_ERRORS);
    const catches = (task.Catch as Array<{ ErrorEquals: string[]; Next: string }>).map((catcher) => [catcher.ErrorEquals.join(','), catcher.Next]);
    expect(catches).toEqual([
      ['SeedTableMissing', 'TableMissing'],
      ['SeedSourceError', 'SourceUnavailable'],
      ['InvalidEvent', 'InvalidSeedEvent'],
      ['States.ALL', 'SeedTaskFailed'],
    ]);
    for (const failure of Object.keys(SEED_FAILURES)) expect(seed[failure], failure).toMatchObject({ Type: 'Fail', Error: failure });
  });

  it('Reconcile starts seeds fire-and-forget, after ReleaseLock, only for an apply run that succeeded', () => {
    // Assess
    // After the nightly Config re-evaluation's choice (both of its branches go on to the seeding step).
    expect(reconcile.ReleaseLock!.Next).toBe('ReevaluateConfig?');
    expect((reconcile['ReevaluateConfig?'] as { Default?: string }).Default).toBe('SeedAfterApply?');
    expect(reconcile.ReevaluateConfig!.Next).toBe('SeedAfterApply?');
    const startSeed = (reconcile.StartSeeds!.ItemProcessor as { States: Record<string, State> }).States.StartSeed!;
    expect(startSeed.Resource).toBe('arn:aws:states:::states:startExecution');
    expect(startSeed.Parameters).toMatchObject({ 'Name.$': '$.name', 'Input.$': '$.input' });
    expect((startSeed.Catch as Array<{ ErrorEquals: string[] }>)[0]!.ErrorEquals).toEqual(['StepFunctions.ExecutionAlreadyExistsException']);
    expect(JSON.stringify(reconcile['SeedAfterApply?']!.Choices)).toContain('"StringEquals":"apply"');
  });

  it('grants the seed Lambdas s3:GetObject on the operator bucket\'s seed/ objects only, by default', () => {
    // Assess
    for (const handler of ['seed', 'seed-triggers']) {
      const reads = statementsOf(template, handler).filter((statement) => statement.Sid === 'ReadSeedSources' || statement.Sid === 'SeedSourceVersions');
      expect(reads, handler).toHaveLength(1);
      expect(reads[0]!.Action).toBe('s3:GetObject');
      expect(JSON.stringify(reads[0]!.Resource)).toMatch(/"\/seed\/\*"/);
    }
    expect(handlerApiActions('seed')).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 's3:GetObject', 's3:PutObject']);
    expect(handlerApiActions('seed-triggers')).toEqual(['dynamodb:DescribeTable', 'dynamodb:GetItem', 's3:GetObject']);
  });

  it('grants exactly the seedSources locations when the stack names them, and refuses a malformed one', () => {
    // Act
    const named = synth({ seedSources: ['s3://team-seeds/fixtures/', 's3://reference-data'] });
    // Assess
    const reads = statementsOf(named.template, 'seed').find((statement) => statement.Sid === 'ReadSeedSources')!;
    expect(JSON.stringify(reads.Resource)).toContain(':s3:::team-seeds/fixtures/*');
    expect(JSON.stringify(reads.Resource)).toContain(':s3:::reference-data/*');
    expect(() => synth({ seedSources: ['s3://bucket/*'] })).toThrow(/seedSources: s3:\/\/bucket\/\* is not an s3:\/\/bucket\/prefix location/);
  });
});
