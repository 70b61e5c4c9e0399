/**
 * TableWarden's props: each one shows up where it should, and bad values fail the synth rather than a run.
 * The handlers' code doesn't matter here, so esbuild bundling is skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { cdkJsonContext } from '../../infra/app-factory.ts';
import { TableWarden, type TableWardenProps } from '../../infra/table-warden.ts';
import { reconcileAslFromTemplate } from './template-helpers.ts';
import { render, resourcesOfType, roleStatements, type TemplateJson } from './template-helpers.ts';

const outdir = mkdtempSync(join(tmpdir(), 'tablewarden-props-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function synth(props: TableWardenProps): { warden: TableWarden; stack: Stack; template: TemplateJson } {
  const app = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, `Props${Math.random().toString(36).slice(2, 8)}`);
  const warden = new TableWarden(stack, 'Warden', props);
  return { warden, stack, template: Template.fromStack(stack).toJSON() as TemplateJson };
}

describe('TableWarden props', () => {
  it('passes schedule, batch size, ceiling, e-mail and backup role through', () => {
    // Act
    const { warden, stack, template } = synth({
      scheduleExpression: 'cron(30 4 * * ? *)',
      batchSize: 25,
      maxDisruptivePercent: 10,
      alarmEmail: 'dba@example.com',
      backupRoleArns: ['arn:aws:iam::123456789012:role/tablewarden-backup'],
    });
    // Assess
    const [schedule] = Object.values(resourcesOfType(template, 'AWS::Scheduler::Schedule'));
    expect(schedule?.Properties?.['ScheduleExpression']).toBe('cron(30 4 * * ? *)');
    const asl = reconcileAslFromTemplate(template) as { States: Record<string, { Parameters?: Record<string, unknown>; Type: string }> };
    expect(asl.States['LoadDesiredState']?.Parameters?.['batchSize']).toBe(25);
    expect(asl.States['AboveDisruptiveCeiling?']?.Type).toBe('Choice');
    expect(Object.values(resourcesOfType(template, 'AWS::SNS::Subscription')).map((subscription) => subscription.Properties)).toEqual([
      expect.objectContaining({ Protocol: 'email', Endpoint: 'dba@example.com' }),
    ]);
    const applyRole = stack.getLogicalId(warden.roles['apply-batch'].node.defaultChild as CfnResource);
    const passRole = roleStatements(template, applyRole).filter((statement) => statement.Action.includes('iam:PassRole'));
    // The stack's own backup role, and the policy.yaml role named in the props.
    const backupRole = stack.getLogicalId(warden.backupRole.node.defaultChild as CfnResource);
    expect(passRole.flatMap((statement) => statement.Resource.map(render))).toEqual(['arn:aws:iam::123456789012:role/tablewarden-backup', `\${${backupRole}.Arn}`]);
  });

  it('lets only bundlePublisherArns GenerateMac with the bundle MAC key (VerifyMac stays delegated to IAM)', () => {
    // Prepare
    const publisher = 'arn:aws:iam::123456789012:role/github-publish';
    // Act
    const restricted = synth({ bundlePublisherArns: [publisher] });
    const delegated = synth({});
    // Assess
    const statements = ({ warden, stack, template }: ReturnType<typeof synth>) =>
      (template.Resources[stack.getLogicalId(warden.bundleMacKey.node.defaultChild as CfnResource)]!.Properties!['KeyPolicy'] as { Statement: Array<{ Sid: string; Action: string | string[]; Principal: unknown }> }).Statement;
    const generateMac = (policy: ReturnType<typeof statements>) => policy.filter((statement) => [statement.Action].flat().includes('kms:GenerateMac')).map((statement) => ({ Sid: statement.Sid, Principal: statement.Principal }));
    expect(generateMac(statements(restricted))).toEqual([{ Sid: 'PublishersGenerateMac', Principal: { AWS: publisher } }]);
    expect(generateMac(statements(delegated))).toEqual([{ Sid: 'MacThroughIam', Principal: { AWS: expect.anything() } }]);
    expect(statements(restricted).find((statement) => statement.Sid === 'VerifyMacThroughIam')?.Action).toBe('kms:VerifyMac');
  });

  it('has no ceiling states when the policy decides alone', () => {
    // Act
    const { template } = synth({});
    // Assess
    const asl = reconcileAslFromTemplate(template) as { States: Record<string, unknown> };
    expect(Object.keys(asl.States)).not.toContain('AboveDisruptiveCeiling?');
  });

  it.each<[string, TableWardenProps, RegExp]>([
    ['batchSize 0', { batchSize: 0 }, /batchSize must be an integer from 1 to 500/],
    ['batchSize 501', { batchSize: 501 }, /batchSize/],
    ['maxDisruptivePercent 120', { maxDisruptivePercent: 120 }, /maxDisruptivePercent must be from 0 to 100/],
    ['a missing handler module', { handlerEntries: { gate: '/nonexistent/gate.ts' } }, /the gate handler module does not exist/],
    ['an empty bundlePublisherArns', { bundlePublisherArns: [] }, /bundlePublisherArns must name at least one principal/],
  ])('rejects %s at synth', (_case, props, message) => {
    // Assess
    expect(() => synth(props)).toThrow(message);
  });
});
