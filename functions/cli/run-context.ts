/**
 * What `plan` and `apply` share before they diverge: read and validate desired-state/, check --table names,
 * and build the AWS clients.
 */
import { STSClient } from '@aws-sdk/client-sts';
import { createClients, nonEmpty, regionFromEnvironment, type AwsClients, type AwsConnection } from '../aws/clients.ts';
import type { SourceFile, ValidationResult } from '../core/desired/parse.ts';
import type { Plan } from '../core/model/plan.ts';
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
  /** `--allow-disruptive`: tables whose disruptive changes the blast-radius guard lets through for this run. */
  allowDisruptive?: string[];
}

/** A validated desired state and clients to act on it. */
export interface RunContext {
  validation: ValidationResult;
  /** The files read (a saved plan records their checksum). */
  files: SourceFile[];
  clients: AwsClients;
  only?: string[];
  /** What to plan: `only` and `allowDisruptive`, ready for observeAndPlan. */
  scope: { only?: string[]; allowDisruptive?: string[] };
}

/** A problem with the command line itself (exit 1, nothing called). */
export class UsageError extends Error {}

/**
 * The connection the command-line options describe, with the region resolved as the AWS CLI resolves it:
 * `--region`, else AWS_REGION / AWS_DEFAULT_REGION, else the profile's `region` (--profile, else AWS_PROFILE, else
 * `default`). The last step asks the SDK's own region provider (an unused client's `config.region()`), so the
 * profile files are read by the same code that reads their credentials (SSO, credential_process, role chains).
 */
export async function cliConnection(options: ConnectionOptions): Promise<AwsConnection> {
  const region = options.region ?? regionFromEnvironment() ?? (await profileRegion(options.profile));
  if (region === undefined) {
    const profile = options.profile ?? nonEmpty(process.env.AWS_PROFILE) ?? 'default';
    throw new UsageError(`no AWS region: pass --region, set AWS_REGION, or set region in profile '${profile}' (aws configure set region REGION --profile ${profile})`);
  }
  return {
    region,
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
}

/** The region a shared-config profile names, through the SDK's provider; undefined when it names none. */
async function profileRegion(profile: string | undefined): Promise<string | undefined> {
  const probe = new STSClient(profile ? { profile } : {});
  try {
    return nonEmpty(await probe.config.region());
  } catch {
    return undefined; // "Region is missing": the caller says what to do
  } finally {
    probe.destroy();
  }
}

/** Build the AWS clients from command-line options (region resolved as {@link cliConnection} says). */
export async function clientsFor(options: ConnectionOptions): Promise<AwsClients> {
  return createClients(await cliConnection(options));
}

/** Validate (diagnostics go to stderr, positioned) and prepare clients. Invalid tables are skipped, not fatal. */
export async function prepareRun(options: RunOptions, io: CommandIo, now: Date): Promise<RunContext> {
  const { validation, files } = await readAndValidate(options.dir, io, now);
  const unknown = unknownTables(validation.state, options.table);
  if (unknown.length > 0) throw new UsageError(`--table ${unknown.join(', ')}: not declared in ${options.dir}/tables`);
  const only = options.table.length ? { only: options.table } : {};
  const allowDisruptive = options.allowDisruptive?.length ? { allowDisruptive: options.allowDisruptive } : {};
  return { validation, files, clients: await clientsFor(options), ...only, scope: { ...only, ...allowDisruptive } };
}

/**
 * `--allow-disruptive` may only name tables the plan covers (declared, or unmanaged tables it remediates): a typo
 * would otherwise let nothing through and say nothing.
 */
export function checkAllowDisruptive(plan: Plan, allowDisruptive: readonly string[] | undefined): void {
  const planned = new Set(plan.tables.map((table) => table.name));
  const unknown = (allowDisruptive ?? []).filter((name) => !planned.has(name));
  if (unknown.length > 0) throw new UsageError(`--allow-disruptive ${unknown.join(', ')}: no such table in this plan (check the name, or --table)`);
}

/** Whether failures print their detail (the internal stage and the stack): `-v` / `--verbose` on the command. */
let errorDetail = false;

/** Set by the program before each command runs (functions/cli/main.ts). */
export function showErrorDetail(on: boolean): void {
  errorDetail = on;
}

/**
 * Print a failure the way every command does: one line, `tablewarden: <message>`, which says what failed and what to
 * do. With `-v` the internal stage (ObserveFailed, PlanFailed, …) and the stack follow, for bug reports. Returns 1.
 */
export function reportFailure(error: unknown, io: CommandIo): 1 {
  const message = error instanceof Error ? error.message : String(error);
  io.err.write(`tablewarden: ${message}\n`);
  if (errorDetail) {
    if (error instanceof TableWardenError) io.err.write(`  stage: ${error.reason}\n`);
    if (error instanceof Error && error.stack) io.err.write(`${error.stack}\n`);
  }
  return 1;
}

/** Colour only for a terminal, and never with NO_COLOR. */
export function useColor(io: CommandIo): boolean {
  return Boolean(io.out.isTTY) && !process.env.NO_COLOR;
}
