/**
 * Builds the CDK app exactly as `cdk synth` does: the context of cdk.json (feature flags, including
 * `@aws-cdk/core:validateAgainstDefaultRules`) and the cdk-nag AwsSolutions checks as a validation plugin.
 *
 * Why a factory: tests, `synthesizeOperatorTemplate()` and infra/app.ts must synthesize the same thing. When the
 * CDK CLI runs the app it passes cdk.json's context itself; everywhere else this reads cdk.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OperatorStack, type OperatorStackProps } from './operator-stack.ts';
import { REPO_ROOT } from './table-warden.ts';

/** The stack id (and default stack name). */
export const OPERATOR_STACK_ID = 'TableWardenOperator';

/** cdk.json's `context`. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/** Options of {@link createOperatorApp}. */
export interface OperatorAppOptions {
  /** Extra App props (outdir, more context). cdk.json's context is always included. */
  app?: AppProps;
  stack?: OperatorStackProps;
  /** Register cdk-nag (AwsSolutions). Default true. */
  nag?: boolean;
}

/** The app with the operator stack. Synthesis throws if cdk-nag or the CloudFormation rules report an error. */
export function createOperatorApp(options: OperatorAppOptions = {}): { app: App; stack: OperatorStack } {
  const app = new App({ ...options.app, context: { ...cdkJsonContext(), ...options.app?.context } });
  const stack = new OperatorStack(app, OPERATOR_STACK_ID, options.stack);
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
