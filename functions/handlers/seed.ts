/**
 * Lambda: one part of a seed (functions/run/seed-step.ts), called in a loop by the Seed state machine
 * (state-machines/seed.ts) until the seed ends. It stops taking records at a deadline well before its own timeout,
 * returns `checkpointed` with the checkpoint, and the state machine calls it again with `resume`.
 *
 * The deadline is the invocation's end (`context.getRemainingTimeInMillis()`) minus a margin: in-flight batches
 * still finish after the deadline, each within the seed writer's retry window (120 s), and the report and rejection
 * list are written after that. SEED_DEADLINE_MARGIN_MS overrides the margin and SEED_MAX_RECORDS_PER_INVOCATION caps
 * the records of one part (tests use both to force checkpoints; neither is set in the stack). SEED_SOURCES lists the
 * allowed seed locations (the stack's `seedSources`, the same ones its IAM grants).
 */
import type { Context } from 'aws-lambda';
import { DYNAMODB_CLIENT, type ClientSpec } from '../aws/clients.ts';
import { DEFAULT_RETRY_WINDOW_MS } from '../aws/seed-writer.ts';
import { parseAllowedSources } from '../run/core/seed-trigger.ts';
import { runDependencies, S3_RUN_STORE, type HandlerPorts } from '../run/ports.ts';
import type { SeedCheckpoint } from '../run/seed.ts';
import { runSeedStep } from '../run/seed-step.ts';
import { seedEventSchema, type SeedResult } from './seed-contracts.ts';
import { logger, parseEvent } from './runtime.ts';

/** Time kept back after the deadline: the writer's retry window for in-flight batches, and 30 s for the report. */
export const DEFAULT_SEED_DEADLINE_MARGIN_MS = DEFAULT_RETRY_WINDOW_MS + 30_000;

/**
 * DynamoDB with the SDK's standard retry mode: the seed writer adapts its own concurrency to throttling (AIMD), and
 * the adaptive mode's client-side token bucket on top of it crawls under sustained throttling (AwsConnection.retryMode).
 */
const SEED_DYNAMODB_CLIENT: ClientSpec<'dynamodb'> = {
  key: 'dynamodb',
  create: (connection, calls) => DYNAMODB_CLIENT.create({ ...connection, settings: { ...connection.settings, retryMode: 'standard' } }, calls),
};

/**
 * What a seed part uses (infra/permissions.ts grants the same): DynamoDB (the table and the manifest and trigger
 * record in the state table), and S3 through the run store (report, rejections) and the seed source.
 */
const PORTS: HandlerPorts = { clients: [SEED_DYNAMODB_CLIENT], store: S3_RUN_STORE };

function positiveNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number ≥ 0, got "${raw}"`);
  return value;
}

/** Lambda entry point. */
export async function handler(event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SeedResult> {
  const request = parseEvent(seedEventSchema, event, 'seed');
  const margin = positiveNumber('SEED_DEADLINE_MARGIN_MS') ?? DEFAULT_SEED_DEADLINE_MARGIN_MS;
  const maxRecords = positiveNumber('SEED_MAX_RECORDS_PER_INVOCATION');
  const started = Date.now();
  const result = await runSeedStep(runDependencies('seed', PORTS), {
    ...request,
    resume: request.resume !== undefined && request.resume !== null && 'recordsDone' in request.resume ? (request.resume as SeedCheckpoint) : undefined,
    sourceVersion: request.sourceVersion ?? undefined,
    deadline: started + context.getRemainingTimeInMillis() - margin,
    ...(maxRecords === undefined || maxRecords === 0 ? {} : { maxRecords }),
    allowedSources: parseAllowedSources(process.env.SEED_SOURCES),
  });
  const fields = { table: result.table, source: result.source, iteration: result.iteration, status: result.status, ...result.counts, reportKey: result.reportKey };
  if (result.status === 'failed' || result.status === 'refused-not-empty') logger.error('seed part', { ...fields, reason: result.reason });
  else logger.info('seed part', fields);
  return result;
}
