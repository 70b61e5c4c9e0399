/**
 * Step Functions adapter for starting the operator's own workflows from a Lambda (the config-events handler starts
 * Reconcile), behind the run layer's `workflows` port (functions/run/ports.ts).
 *
 * API: StartExecution (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
 * A name is unique per state machine for 90 days. The same name and input as an OPEN execution returns that
 * execution (idempotent); a closed execution of that name, or another input, answers ExecutionAlreadyExists. Quota:
 * StartExecution is throttled at a bucket of 1,300 with a refill of 300 per second in the large regions
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), far above one call per SQS batch.
 * The client comes from the one factory, so the call is recorded as `states:StartExecution`.
 */
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { executionArnOf } from '../run/core/config-events.ts';
import { errorName } from './async-utils.ts';

/** What starting an execution did. */
export interface StartedExecution {
  /** The execution's ARN (the existing one's when `alreadyStarted`, derived from the name when SFN did not say). */
  executionArn: string;
  /**
   * `started`: a new execution, or the open one of this name and input (StartExecution is idempotent for those);
   * `exists`: an execution of this name exists and is closed, or has another input (ExecutionAlreadyExists).
   */
  outcome: 'started' | 'exists';
}

/** Starts executions of a state machine by name. */
export interface Workflows {
  start(request: { stateMachineArn: string; name: string; input: unknown }): Promise<StartedExecution>;
}

/** The production port: StartExecution on the given client (built by the one client factory). */
export function sfnWorkflows(sfn: SFNClient): Workflows {
  return {
    async start({ stateMachineArn, name, input }) {
      try {
        const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
        if (started.executionArn === undefined) throw new Error('states:StartExecution returned no executionArn');
        return { executionArn: started.executionArn, outcome: 'started' };
      } catch (error) {
        if (errorName(error) !== 'ExecutionAlreadyExists') throw error;
        return { executionArn: executionArnOf(stateMachineArn, name), outcome: 'exists' };
      }
    },
  };
}
