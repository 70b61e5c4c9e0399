/**
 * `tablewarden seed <table> --from s3://bucket/key | ./file.json`: stream a JSON array, JSON Lines or DynamoDB-JSON
 * file (optionally gzipped) into one table, with progress, a summary and, with `--report FILE`, the run report and
 * every rejected record on disk.
 *
 * The command is a thin front door: it checks its flags (a bad value is one line naming the flag, before any AWS
 * call), opens the source (functions/aws/seed-source.ts: a missing object or file fails here, before any write),
 * finds the operator's state table for the seed manifest when the account has one (so an unchanged seed is not
 * written again, as in the Seed workflow), and hands everything to the seed run (functions/run/seed.ts), which
 * validates, writes and reports. `npm start` seeds through this same function.
 *
 * Exit codes: see functions/cli/render-seed.ts (0 all written or skipped as the mode says / unchanged; 1 error or
 * failed; 2 not applied: the table has items and the mode is insert-if-empty; 3 completed with rejected records).
 */
import { createWriteStream } from 'node:fs';
import { access, mkdir, stat, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import type { AwsClients } from '../../aws/clients.ts';
import { findOperatorStateTable } from '../../aws/run-lock.ts';
import { openSeedSource, SeedSourceError } from '../../aws/seed-source.ts';
import type { RetryClock } from '../../aws/apply/retry.ts';
import { closestMatch } from '../../core/desired/suggest.ts';
import type { SeedFormat } from '../../core/seed/read-seed.ts';
import { runSeed, SEED_MODES, SeedTableMissing, type SeedMode, type SeedRunReport, type SeedSource } from '../../run/seed.ts';
import { processIo, type CommandIo } from '../io.ts';
import { rejectionJsonLine, rejectionsPath, renderSeedSummary, reportDocument, seedExitCode } from '../render-seed.ts';
import { clientsFor, reportFailure, UsageError, useColor, type ConnectionOptions } from '../run-context.ts';
import { ProgressRenderer, type ProgressRendererOptions } from '../seed-progress.ts';

/** The formats `--format` accepts. */
export const SEED_FORMATS: readonly SeedFormat[] = ['auto', 'json', 'jsonl', 'dynamodb-json'];

/** Options of `tablewarden seed` (commander's camelCase of the flags). */
export interface SeedCommandOptions extends ConnectionOptions {
  from?: string;
  format?: string;
  mode?: string;
  force?: boolean;
  report?: string;
}

/** What `seed` runs with; every field has a production default, tests and `npm start` replace some. */
export interface SeedCommandDependencies {
  io?: CommandIo;
  /** Clients to use instead of building them from the flags (tests count their calls). */
  clients?: AwsClients;
  /** The manifest table: a name, `null` for none, or undefined to look for the operator's state table. */
  manifestTable?: string | null;
  /** How progress is drawn (clock, terminal or not). */
  progress?: ProgressRendererOptions;
  /** The seed run's clock (backoff sleeps, jitter, time). */
  clock?: RetryClock;
  maxConcurrency?: number;
  /** Rejections listed on screen (default 20). */
  maxRejections?: number;
}

/** What the command did: its exit code, and the report when the seed ran. */
export interface SeedCommandResult {
  exitCode: number;
  report?: SeedRunReport;
}

/** Exit codes, for `--help`. */
export const SEED_EXIT_CODES_HELP = `
Exit codes:
  0  every record written, or skipped as the mode says; or this exact content was seeded already (manifest)
  1  an error (bad flag, unknown table, missing source, AWS failure), or the seed failed part way (see the report)
  2  not applied: the table already has items and the mode is insert-if-empty
  3  completed, but some records were rejected (each listed with its index, line and reason)
`;

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const hint = closestMatch(value, allowed);
  throw new UsageError(`${flag} ${value}: expected one of ${allowed.join(', ')}${hint ? ` (did you mean ${hint}?)` : ''}`);
}

/** Checks the flags before anything is called; the first bad one is a UsageError naming it. */
export async function checkSeedFlags(table: string | undefined, options: SeedCommandOptions): Promise<{ table: string; from: string; format: SeedFormat; mode: SeedMode; report?: string }> {
  if (table === undefined || table.trim() === '') throw new UsageError('<table>: the table to seed is required (tablewarden seed <table> --from SOURCE)');
  if (options.from === undefined || options.from.trim() === '') throw new UsageError('--from: required: s3://bucket/key or a local file path');
  const format = oneOf('--format', options.format, SEED_FORMATS, 'auto');
  const mode = oneOf('--mode', options.mode, SEED_MODES, 'insert-if-empty');
  if (options.report !== undefined) {
    if (options.report.trim() === '') throw new UsageError('--report: expected a file path');
    // Checked now: a report that can't be written after a long seed would lose its rejection list.
    const directory = dirname(resolve(options.report));
    try {
      await access(directory, constants.W_OK);
    } catch {
      throw new UsageError(`--report ${options.report}: the directory ${directory} does not exist or is not writable`);
    }
    const existing = await stat(options.report).catch(() => undefined);
    if (existing?.isDirectory()) throw new UsageError(`--report ${options.report}: is a directory; name the report file (e.g. ${join(options.report, 'seed-report.json')})`);
  }
  return { table, from: options.from, format, mode, ...(options.report !== undefined ? { report: options.report } : {}) };
}

/** Writes the report file and the rejections beside it (streamed: a million rejections is a file, not a string). */
async function writeReport(path: string, report: SeedRunReport): Promise<string> {
  const rejections = rejectionsPath(path);
  await mkdir(dirname(resolve(path)), { recursive: true });
  const out = createWriteStream(rejections);
  for (const rejection of report.rejections) {
    if (!out.write(rejectionJsonLine(rejection))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  await writeFile(path, JSON.stringify(reportDocument(report, rejections), null, 2) + '\n');
  return rejections;
}

/** Run `seed`; returns the exit code and, when the seed ran, its report. */
export async function runSeedCommand(table: string | undefined, options: SeedCommandOptions, dependencies: SeedCommandDependencies = {}): Promise<SeedCommandResult> {
  const io = dependencies.io ?? processIo;
  let progress: ProgressRenderer | undefined;
  try {
    const flags = await checkSeedFlags(table, options);
    const clients = dependencies.clients ?? (await clientsFor(options));
    let source: SeedSource;
    try {
      source = await openSeedSource(flags.from, { clients });
    } catch (error) {
      if (error instanceof SeedSourceError) throw new UsageError(`--from ${error.message}`);
      throw error;
    }
    const manifestTable = dependencies.manifestTable === undefined ? await findOperatorStateTable(clients) : (dependencies.manifestTable ?? undefined);
    progress = new ProgressRenderer(io.err, dependencies.progress);
    const renderer = progress;
    const report = await runSeed({
      clients,
      table: flags.table,
      source,
      format: flags.format,
      mode: flags.mode,
      force: options.force === true,
      ...(manifestTable !== undefined ? { manifestTable } : {}),
      ...(dependencies.maxConcurrency !== undefined ? { maxConcurrency: dependencies.maxConcurrency } : {}),
      ...(dependencies.clock !== undefined ? { clock: dependencies.clock } : {}),
      onProgress: (snapshot) => renderer.update(snapshot),
    });
    progress.finish();
    progress = undefined;
    // The report is written before the summary (which points at it); a failure to write it still shows the summary.
    let rejectionsFile: string | undefined;
    let reportError: unknown;
    if (flags.report !== undefined) {
      try {
        rejectionsFile = await writeReport(flags.report, report);
      } catch (error) {
        reportError = error;
      }
    }
    io.out.write(
      '\n' +
        renderSeedSummary(report, {
          color: useColor(io),
          ...(dependencies.maxRejections !== undefined ? { maxRejections: dependencies.maxRejections } : {}),
          ...(rejectionsFile !== undefined ? { rejectionsFile } : {}),
        }),
    );
    if (reportError !== undefined) return { exitCode: reportFailure(new Error(`--report ${flags.report}: could not write the report (${(reportError as Error).message})`), io), report };
    if (flags.report !== undefined) io.out.write(`\nReport written to ${flags.report} (rejections: ${rejectionsFile}).\n`);
    return { exitCode: seedExitCode(report), report };
  } catch (error) {
    progress?.clear();
    if (error instanceof SeedTableMissing) return { exitCode: reportFailure(new UsageError(`<table> ${error.table}: no such table in this account and region; create it first (tablewarden apply), then seed it`), io) };
    return { exitCode: reportFailure(error, io) };
  }
}
