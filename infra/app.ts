/**
 * CDK app entry point (`cdk synth`, `cdk deploy`; cdk.json runs it with tsx). Account and region come from the
 * CLI's environment, so one synthesized template deploys to any account.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OPERATOR_STACK_ID } from './app-factory.ts';
import { OperatorStack } from './operator-stack.ts';

// The CLI passes cdk.json's context (feature flags) to the App through the environment.
const app = new App();
new OperatorStack(app, OPERATOR_STACK_ID);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
