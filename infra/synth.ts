/**
 * Synthesize the operator stack in memory, for tools that need the template (the local workflow runner).
 *
 * Where things are in the returned template:
 * - the Reconcile state machine is the one `AWS::StepFunctions::StateMachine`; its ASL is
 *   `Properties.DefinitionString`, an `{"Fn::Join": ["", [...]]}` whose parts are strings and
 *   `{"Fn::GetAtt": ["<LambdaLogicalId>", "Arn"]}` for each Task's `Resource` (tasks call the function ARN
 *   directly: the handler's return value is the task result);
 * - each `AWS::Lambda::Function` carries `Metadata["tablewarden:handler"]` = its handler name (`lock`,
 *   `load-desired-state`, `plan-batch`, `gate`, `apply-batch`, `report`; module functions/handlers/<name>.ts);
 *   {@link operatorLambdaLogicalIds} returns the same mapping directly;
 * - Task state names → handler: `RECONCILE_TASK_STATES` in state-machines/reconcile.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { createOperatorApp } from './app-factory.ts';
import { HANDLER_NAMES, type HandlerName } from './permissions.ts';

/** What {@link synthesizeOperator} returns. */
export interface SynthesizedOperator {
  /** The CloudFormation template (JSON). */
  template: Record<string, unknown>;
  /** Logical id of the Reconcile `AWS::StepFunctions::StateMachine`. */
  stateMachineLogicalId: string;
  /** Logical id of each handler's `AWS::Lambda::Function`. */
  lambdaLogicalIds: Record<HandlerName, string>;
}

/** Options of {@link synthesizeOperator}. */
export interface SynthesizeOptions {
  /**
   * Bundle the six handlers with esbuild (about 5 s; no Docker). Default true. Without bundling the template is
   * identical except for the Lambda code assets, which is all a local workflow runner needs (it runs the handler
   * modules themselves).
   */
  bundle?: boolean;
}

/** Synthesize the operator stack with cdk-nag on; throws on any unacknowledged finding. */
export function synthesizeOperator(options: SynthesizeOptions = {}): SynthesizedOperator {
  // A throwaway cloud assembly (bundles included), removed once the template is read.
  const outdir = mkdtempSync(join(tmpdir(), 'tablewarden-synth-'));
  try {
    const { stack } = createOperatorApp({ app: { outdir, ...(options.bundle === false ? { context: { 'aws:cdk:bundling-stacks': [] } } : {}) } });
    const template = Template.fromStack(stack).toJSON();
    const warden = stack.warden;
    return {
      template,
      stateMachineLogicalId: stack.getLogicalId(warden.stateMachine.node.defaultChild as CfnStateMachine),
      lambdaLogicalIds: Object.fromEntries(HANDLER_NAMES.map((handler) => [handler, stack.getLogicalId(warden.functions[handler].node.defaultChild as CfnFunction)])) as Record<HandlerName, string>,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The CloudFormation template JSON of the operator stack (see the module comment for where things are). */
export function synthesizeOperatorTemplate(options: SynthesizeOptions = {}): object {
  return synthesizeOperator(options).template;
}

/** Logical id of each handler's Lambda function in {@link synthesizeOperatorTemplate}'s template. */
export function operatorLambdaLogicalIds(template: object): Record<HandlerName, string> {
  const resources = (template as { Resources?: Record<string, { Type: string; Metadata?: Record<string, unknown> }> }).Resources ?? {};
  const ids = {} as Record<HandlerName, string>;
  for (const [logicalId, resource] of Object.entries(resources)) {
    const handler = resource.Metadata?.['tablewarden:handler'];
    if (resource.Type === 'AWS::Lambda::Function' && typeof handler === 'string') ids[handler as HandlerName] = logicalId;
  }
  return ids;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The Reconcile ASL from a synthesized template, as a JSON object, with CloudFormation intrinsics in the
 * `DefinitionString` resolved: `Fn::GetAtt [<Lambda>, Arn]` becomes
 * `arn:aws:lambda:<region>:<account>:function:<LambdaLogicalId>`, `Ref` of a pseudo parameter its example value.
 * Local runners route Task states by name (`RECONCILE_TASK_STATES`), so the ARNs only need to be well-formed.
 *
 * @throws Error when the template has no state machine or uses an intrinsic this does not resolve.
 */
export function reconcileAslFromTemplate(template: object, env: { region?: string; account?: string } = {}): Record<string, unknown> {
  const region = env.region ?? 'us-east-1';
  const account = env.account ?? '123456789012';
  const resources = (template as { Resources?: Record<string, { Type: string; Properties?: Record<string, Json> }> }).Resources ?? {};
  const machine = Object.values(resources).find((resource) => resource.Type === 'AWS::StepFunctions::StateMachine');
  if (!machine?.Properties?.['DefinitionString']) throw new Error('the template has no AWS::StepFunctions::StateMachine with a DefinitionString');
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': region, 'AWS::AccountId': account, 'AWS::URLSuffix': 'amazonaws.com' };
  const resolve = (value: Json): string => {
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const getAtt = value['Fn::GetAtt'];
      if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && typeof getAtt[0] === 'string') {
        const target = resources[getAtt[0]];
        if (target?.Type === 'AWS::Lambda::Function') return `arn:aws:lambda:${region}:${account}:function:${getAtt[0]}`;
      }
      const ref = value['Ref'];
      if (typeof ref === 'string' && ref in pseudo) return pseudo[ref] as string;
      const join = value['Fn::Join'];
      if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) return join[1].map(resolve).join(join[0]);
    }
    throw new Error(`reconcileAslFromTemplate: cannot resolve ${JSON.stringify(value)}`);
  };
  return JSON.parse(resolve(machine.Properties['DefinitionString'])) as Record<string, unknown>;
}
