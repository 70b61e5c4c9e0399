/**
 * The operator stack: the default deployment of {@link TableWarden}, plus the outputs the CLI and the GitOps
 * pipeline read (`tablewarden publish --bucket` takes `BundleBucketName`, `tablewarden drill --remote --state-machine`
 * takes `DrillStateMachineArn`).
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { TableWarden, type TableWardenProps } from './table-warden.ts';

/** Props of {@link OperatorStack}. */
export interface OperatorStackProps extends StackProps {
  /** Passed to the construct; every field has a default. */
  warden?: TableWardenProps;
}

/** One TableWarden per account and region (the lock is per account and region too). */
export class OperatorStack extends Stack {
  /** The operator. */
  readonly warden: TableWarden;

  constructor(scope: Construct, id: string, props: OperatorStackProps = {}) {
    super(scope, id, { description: 'tablewarden: GitOps operator for DynamoDB security posture', ...props });
    this.warden = new TableWarden(this, 'TableWarden', props.warden);
    new CfnOutput(this, 'BundleBucketName', { value: this.warden.bucket.bucketName, description: 'Publish desired-state bundles here (tablewarden publish --bucket)' });
    new CfnOutput(this, 'BundleMacKeyArn', { value: this.warden.bundleMacKey.keyArn, description: 'Authenticate bundles with this HMAC key (tablewarden publish --mac-key); the publisher needs kms:GenerateMac on it' });
    new CfnOutput(this, 'StateMachineArn', { value: this.warden.stateMachine.stateMachineArn, description: 'The Reconcile state machine' });
    new CfnOutput(this, 'DrillStateMachineArn', {
      value: this.warden.drills.drill.stateMachineArn,
      description: 'The Drill state machine (one table): tablewarden drill <table> --remote starts it (found by its tags, or --state-machine with this ARN)',
    });
    new CfnOutput(this, 'DrillScheduleStateMachineArn', { value: this.warden.drills.schedule.stateMachineArn, description: 'The DrillSchedule state machine (one cadence; started by the drill schedules)' });
    new CfnOutput(this, 'SeedStateMachineArn', { value: this.warden.seed.stateMachineArn, description: 'The Seed state machine (one table from one S3 object; started by Reconcile)' });
    new CfnOutput(this, 'StateTableName', { value: this.warden.stateTable.tableName, description: 'Lock and per-table history' });
    new CfnOutput(this, 'NotificationTopicArn', { value: this.warden.topic.topicArn, description: 'Alarms and run notifications' });
  }
}
