/**
 * Synthesize the operator stack in memory, for tools that need the template (the local workflow runner).
 *
 * Where things are in the returned template:
 * - the Reconcile state machine is the one `AWS::StepFunctions::StateMachine`; its ASL is
 *   `Properties.DefinitionString`, an `{"Fn::Join": ["", [...]]}` whose parts are strings and
 *   `{"Fn::GetAtt": ["<LambdaLogicalId>", "Arn"]}` for each Task's `Resource` (tasks call the function ARN
 *   directly: the handler's return value is the task result);
 * - each `AWS::Lambda::Function` carries `Metadata["tablewarden:handler"]` = its handler name (a key of `HANDLERS`
 *   in functions/handlers/registry.ts, which also names its module and construct id);
 *   {@link operatorLambdaLogicalIds} returns the same mapping directly;
 * - Task state names → handler: `RECONCILE_TASK_STATES` in state-machines/reconcile.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
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
    // This synthesis feeds the local runs and the tests, where the operator creates its KMS keys at run time: there is
    // no key ARN to give the Config rule, and the warning would only be noise on `reconcile --local` and `npm start`.
    // A deployment (`npm run synth`, infra/app.ts) keeps it.
    Validations.of(stack.warden.configRules).acknowledge({
      id: 'Annotation::tablewarden:config-kms-key-arns',
      reason: 'Local and test synthesis: the local operator creates its KMS keys at run time, so there are no key ARNs to give DYNAMODB_TABLE_ENCRYPTED_KMS.',
    });
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

