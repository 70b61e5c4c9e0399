/**
 * Small helpers for tests that talk to the local AWS through the real SDK: what a refused call failed with, and
 * the minimal on-demand table most rules are tested on.
 */
import { CreateTableCommand, DescribeTableCommand, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** What an AWS call failed with: its error name (`__type` / x-amzn-ErrorType), HTTP status and message. */
export interface AwsFailure {
  name: string;
  status: number | undefined;
  message: string;
}

/** The AWS error a call fails with; throws when the call succeeds, so a rule that lets a request through fails. */
export async function failure(call: Promise<unknown>): Promise<AwsFailure> {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail');
}

/** An on-demand table keyed on `pk` (S), with `extra` merged over it. */
export function tableInput(name: string, extra: Partial<CreateTableCommandInput> = {}): CreateTableCommandInput {
  return {
    TableName: name,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    ...extra,
  };
}

/** Creates {@link tableInput}`(name, extra)` and returns its description. */
export async function createTableWith(dynamo: DynamoDBClient, name: string, extra: Partial<CreateTableCommandInput> = {}) {
  return (await dynamo.send(new CreateTableCommand(tableInput(name, extra)))).TableDescription!;
}

/** DescribeTable's `Table`. */
export async function describeTableWith(dynamo: DynamoDBClient, name: string) {
  return (await dynamo.send(new DescribeTableCommand({ TableName: name }))).Table!;
}
