/**
 * What `plan` and `apply` share before they diverge: read and validate desired-state/, check --table names,
 * and build the AWS clients.
 */
import { createClients, type AwsClients } from '../aws/clients.ts';
import type { ValidationResult } from '../core/desired/parse.ts';
import { TableWardenError } from '../core/errors.ts';
import { unknownTables } from '../run/core/batches.ts';
import type { CommandIo } from './io.ts';
import { readAndValidate } from './read-desired.ts';

/** Options every command that talks to AWS takes. */
export interface ConnectionOptions {
  endpointUrl?: string;
  region?: string;
  profile?: string;
}

/** Options of commands that plan. */
export interface RunOptions extends ConnectionOptions {
  dir: string;
  table: string[];
}

/** A validated desired state and clients to act on it. */
export interface RunContext {
  validation: ValidationResult;
  clients: AwsClients;
  only?: string[];
}

/** A problem with the command line itself (exit 1, nothing called). */
export class UsageError extends Error {}

/** Build the AWS clients from command-line options. */
export function clientsFor(options: ConnectionOptions): AwsClients {
  return createClients({
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  });
}

/** Validate (diagnostics go to stderr, positioned) and prepare clients. Invalid tables are skipped, not fatal. */
export async function prepareRun(options: RunOptions, io: CommandIo, now: Date): Promise<RunContext> {
  const { validation } = await readAndValidate(options.dir, io, now);
  const unknown = unknownTables(validation.state, options.table);
  if (unknown.length > 0) throw new UsageError(`--table ${unknown.join(', ')}: not declared in ${options.dir}/tables`);
  return { validation, clients: clientsFor(options), ...(options.table.length ? { only: options.table } : {}) };
}

/** Print a failure the way every command does, with the stage reason when there is one; returns exit code 1. */
export function reportFailure(error: unknown, io: CommandIo): 1 {
  const reason = error instanceof TableWardenError ? `${error.reason}: ` : '';
  io.err.write(`tablewarden: ${reason}${(error as Error).message}\n`);
  return 1;
}

/** Colour only for a terminal, and never with NO_COLOR. */
export function useColor(io: CommandIo): boolean {
  return Boolean(io.out.isTTY) && !process.env.NO_COLOR;
}
