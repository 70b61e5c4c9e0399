#!/usr/bin/env node
/**
 * `tablewarden` — the command-line front door to the same engine the Lambda handlers run.
 *
 * Exit codes are a contract for scripts: validate 0 valid / 1 invalid; plan 0 no changes / 2 changes pending /
 * 1 errors (invalid tables, refusals, AWS failures); apply 0 every managed table in sync / 2 only a later step pending /
 * 1 otherwise, a refused saved plan (apply FILE) included; seed 0 written
 * (or unchanged) / 1 error or failed / 2 not applied (table not empty) / 3 completed with rejected records; drill 0 passed /
 * 1 could not run / 2 failed / 3 no recovery point / 4 copy not deleted; restore 0 restored and in its declared posture /
 * 1 refused or failed / 2 restored, a step pending; report 0 in sync / 2 drift / 1 errors (as plan).
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parsePort } from '../../local/local-aws.ts';
import { parseDuration } from '../core/duration.ts';
import { runApply } from './commands/apply.ts';
import { DRILL_EXIT_CODES_HELP, runDrillCommand } from './commands/drill.ts';
import { runLocal } from './commands/local.ts';
import { runPlan } from './commands/plan.ts';
import { runPublish } from './commands/publish.ts';
import { runReconcileCommand } from './commands/reconcile.ts';
import { REPORT_EXIT_CODES_HELP, REPORT_FORMATS, runReport } from './commands/report.ts';
import { RESTORE_EXIT_CODES_HELP, runRestoreCommand } from './commands/restore.ts';
import { runSchema } from './commands/schema.ts';
import { runSeedCommand, SEED_EXIT_CODES_HELP, SEED_FORMATS } from './commands/seed.ts';
import { runValidate } from './commands/validate.ts';
import { showErrorDetail } from './run-context.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

/** `--port`, checked before anything starts (moto would print its own usage error, twice, or wrap 70000 around). */
function portOption(value: string): number {
  try {
    return parsePort(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message.replace(/^--port '[^']*': /, ''));
  }
}

/** A duration flag (`apply --timeout 30m`), in milliseconds; a bad value is commander's one-line error naming the flag. */
export function durationOption(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** The package's own version (one source: package.json), for --version. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/**
 * Terraform users type `plan -out FILE`. Commander reads a single dash as a cluster of one-letter flags
 * (`-o -u -t`), so `-out` and `-out=FILE` are rewritten to `--out` before parsing; nothing else is touched, and
 * nothing after a `--`.
 */
export function normaliseArgv(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((argument, index) => {
    if (end !== -1 && index > end) return argument;
    if (argument === '-out') return '--out';
    return argument.startsWith('-out=') ? `-${argument}` : argument;
  });
}

/** Build the program (exported so tests can drive it without a subprocess). */
export function buildProgram(): Command {
  const program = new Command('tablewarden')
    .description('GitOps for DynamoDB security posture: validate, plan and enforce the tables declared in git.')
    .version(packageVersion())
    .showHelpAfterError('(tablewarden <command> --help shows the options)')
    .configureOutput({ outputError: (text, write) => write(text) });

  const connection = (command: Command) =>
    command
      .addOption(new Option('--endpoint-url <url>', 'AWS endpoint (e.g. the local AWS from `tablewarden local`)').env('AWS_ENDPOINT_URL'))
      .option('--region <region>', 'AWS region (default: AWS_REGION / AWS_DEFAULT_REGION)')
      .option('--profile <name>', 'named profile from ~/.aws/config');
  /** The options of commands that plan: which desired state, which tables, which output. */
  const planning = (command: Command, verb: string, formats: readonly string[] = ['text', 'json']) =>
    connection(
      command
        .option('--dir <dir>', 'desired-state directory', 'desired-state')
        .option('--table <name>', `${verb} only this table (repeatable)`, collect, [])
        .option('--allow-disruptive <table...>', 'let disruptive changes to these tables through the blast-radius guard, for this run only (recorded in the plan)')
        .addOption(new Option('--output <format>', 'output format').choices([...formats]).default('text')),
    );

  program
    .command('validate')
    .description('check desired-state/ without calling AWS; errors print as file:line:col field: message')
    .option('--dir <dir>', 'desired-state directory', 'desired-state')
    .addOption(new Option('--output <format>', 'output format (sarif: for GitHub code scanning)').choices(['text', 'json', 'sarif']).default('text'))
    .action(async (options) => {
      process.exitCode = await runValidate(options);
    });

  planning(
    program
      .command('plan')
      .description('compare desired-state/ with the account and print what apply would change')
      .option('-v, --verbose', 'also show tables in sync and every finding')
      .option('--out <file>', 'also save the plan to FILE (also spelled -out, as terraform), for `tablewarden apply FILE`'),
    'plan',
    ['text', 'json', 'sarif'],
  ).action(async (options) => {
    process.exitCode = await runPlan(options);
  });

  planning(
    program
      .command('apply')
      .description('plan, ask for confirmation, make the changes, then observe again and report what converged; with FILE, apply exactly that saved plan (plan -out FILE) or refuse if desired-state/ or a table it changes has changed since')
      .argument('[plan-file]', 'a plan saved by `tablewarden plan -out FILE`')
      .option('--auto-approve', 'apply without asking (required when stdin is not a terminal)')
      .option('--timeout <duration>', "how long one table may take, its waits for DynamoDB included (e.g. 90s, 30m, 2h; default 30m); a table past it stops, the others go on", durationOption),
    'apply',
  ).action(async (planFile: string | undefined, options) => {
    process.exitCode = await runApply({ ...options, ...(planFile !== undefined ? { planFile } : {}) });
  });

  connection(
    program
      .command('report')
      .description('the posture report (tables x controls, drift, actions, refusals, waivers, Config disagreements, backups, drills) from the account now and the last run')
      .option('--dir <dir>', 'desired-state directory', 'desired-state')
      .option('--table <name>', 'report only this table (repeatable)', collect, [])
      .addOption(new Option('--output <format>', 'output format').choices([...REPORT_FORMATS]).default('text'))
      .option('--out <file>', 'write the report to FILE instead of stdout')
      .addOption(new Option('--bucket <name>', 'the operator bucket, for the last run (stack output BundleBucketName)').env('TABLEWARDEN_BUCKET'))
      .addHelpText('after', REPORT_EXIT_CODES_HELP),
  ).action(async (options) => {
    process.exitCode = await runReport(options);
  });

  connection(
    program
      .command('publish')
      .description('validate desired-state/ and upload it as a versioned bundle; the operator reconciles on arrival')
      .option('--dir <dir>', 'desired-state directory', 'desired-state')
      .addOption(new Option('--bucket <name>', 'the operator bucket (stack output BundleBucketName)').env('TABLEWARDEN_BUCKET'))
      .option('--revision <sha>', 'revision to publish (default: GITHUB_SHA, else git rev-parse HEAD)')
      .addOption(new Option('--mac-key <key>', 'HMAC KMS key that authenticates the bundle (stack output BundleMacKeyArn)').env('TABLEWARDEN_MAC_KEY')),
  ).action(async (options) => {
    process.exitCode = await runPublish(options);
  });

  program
    .command('local')
    .description('run the embedded local AWS (moto + gap layer) in the foreground; prints its endpoint when ready')
    .option('--port <port>', 'port on 127.0.0.1, 0 to 65535 (default 0: a free one)', portOption)
    .option('-v, --verbose', "print moto's request log on stderr (default: to a file named on stderr)")
    .option('--log-file <path>', "where moto's request log goes (default: tablewarden-local-<pid>.log in the temporary directory)")
    .action(async (options) => {
      process.exitCode = await runLocal(options);
    });

  program
    .command('reconcile')
    .description('run the synthesized Reconcile state machine on a local AWS: publish --dir, show each state as it runs (exit 0 in sync, 2 drift/pending, 1 failed)')
    .option('--local', 'run it locally with the real handlers (required: in AWS the deployed state machine runs)')
    .option('--dir <dir>', 'desired-state directory', 'desired-state')
    .addOption(new Option('--mode <mode>', 'plan only, or apply').choices(['plan', 'apply']).default('apply'))
    .option('--endpoint <url>', 'a running local AWS (default: start an embedded one for this run)')
    .option('--region <region>', 'region (default: AWS_REGION, else us-east-1)')
    .option('--allow-disruptive <table...>', "let these tables' disruptive changes through the blast-radius guard, for this run only")
    .action(async (options) => {
      process.exitCode = (await runReconcileCommand(options)).exitCode;
    });

  connection(
    program
      .command('seed')
      .description('stream a JSON array, JSON Lines or DynamoDB-JSON file (optionally gzipped) into a table, validating every item')
      .argument('[table]', 'the table to seed (it must exist)')
      .option('--from <source>', 's3://bucket/key or a local file path')
      .option('--format <format>', `${SEED_FORMATS.join(' | ')} (default: auto, detected from the file)`)
      .option('--mode <mode>', 'insert-if-empty (default: only an empty table) | upsert | insert-only (skip existing keys)')
      .option('--force', 'write even when the manifest says this exact content was seeded already')
      .option('--report <file>', 'write the JSON run report to FILE, and every rejected record beside it (report.json: report.rejections.jsonl)')
      .addHelpText('after', SEED_EXIT_CODES_HELP),
  ).action(async (table: string | undefined, options) => {
    process.exitCode = (await runSeedCommand(table, options)).exitCode;
  });

  connection(
    program
      .command('drill')
      .description('restore the table\'s newest backup into a tw-drill-* copy, validate it (count, sampled items, checks, keys, indexes, encryption), measure RTO, delete the copy, and report')
      .argument('[table]', 'a table declared in desired-state/tables')
      .option('--source <source>', 'aws-backup | dynamodb-backup | pitr (default: the table\'s restoreDrill.source)')
      .option('--time <time>', 'pitr only: restore to this ISO-8601 time (default: the latest restorable time)')
      .option('--remote', 'start the deployed Drill state machine and follow it, instead of running the drill here')
      .addOption(new Option('--state-machine <arn>', 'with --remote: the Drill state machine (default: found by its tags; stack output DrillStateMachineArn)').env('TABLEWARDEN_DRILL_STATE_MACHINE'))
      .option('--dir <dir>', 'desired-state directory', 'desired-state')
      .addHelpText('after', DRILL_EXIT_CODES_HELP),
  ).action(async (table: string | undefined, options) => {
    process.exitCode = (await runDrillCommand(table, options)).exitCode;
  });

  connection(
    program
      .command('restore')
      .description('restore a declared table into a new table (an incident restore), then plan and apply the table\'s declared posture to it, ending with an empty plan')
      .argument('[table]', 'a table declared in desired-state/tables')
      .option('--to <new-name>', 'the new table (must not exist; not tw-drill-*)')
      .option('--from <source>', 'pitr | dynamodb-backup | aws-backup (default: the table\'s restoreDrill.source, else pitr)')
      .option('--time <time>', 'pitr only: restore to this ISO-8601 time (default: the latest restorable time)')
      .option('--auto-approve', 'apply the posture without asking (required when stdin is not a terminal)')
      .option('--dir <dir>', 'desired-state directory', 'desired-state')
      .addHelpText('after', RESTORE_EXIT_CODES_HELP),
  ).action(async (table: string | undefined, options) => {
    process.exitCode = (await runRestoreCommand(table, options)).exitCode;
  });

  program
    .command('schema')
    .description('print the JSON Schema for desired-state files, or write/check desired-state/schema.json')
    .option('--write', 'write desired-state/schema.json')
    .option('--check', 'exit 1 when desired-state/schema.json is stale')
    .option('--dir <dir>', 'desired-state directory', 'desired-state')
    .action(async (options) => {
      process.exitCode = await runSchema(options);
    });

  // Every command takes -v: on failure it adds the internal stage and the stack trace to the one-line message
  // (plan's -v also lists tables in sync; local's also prints moto's request log).
  for (const command of program.commands) {
    if (!command.options.some((option) => option.long === '--verbose')) command.option('-v, --verbose', 'on failure, also print the internal stage and the stack trace');
  }
  program.hook('preAction', (_program, action) => showErrorDetail(Boolean(action.opts().verbose)));
  return program;
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() ?? '');
if (invokedDirectly) {
  await buildProgram().parseAsync(normaliseArgv(process.argv));
}
