/**
 * `npm run bench`: the figures issue 8 asks for, measured honestly, written to bench/results.json and BENCHMARKS.md.
 *
 * Against ONE local AWS it starts itself, it builds converged accounts of 10, 100 and 1,000 tables with the product's
 * own plan + apply (test/support/converged-account.ts, the same builder as the call-budget test), then reports, as
 * medians of repeated runs:
 * - AWS calls per table for the CLI and the operator (reads and writes apart, account-level calls amortised);
 * - the CLI plan's wall time as a ratio to the local AWS's roof (the same number of DescribeTable calls in a tight
 *   loop at the same concurrency);
 * - pure planner time per table at 100, 1,000 and 10,000 tables (synthetic, in memory);
 * - the Reconcile workflow's worst-case history events (H9's calculator on the synthesized ASL) and largest payload;
 * - issue 10's seeding figures (bench/seed.ts: throughput against the same kind of local AWS, parse rate, peak RSS).
 *
 * Benchmarks are never assertions in the test suite: this reports each figure with its target and a verdict. Set
 * TW_BENCH_SIZES=10,100 to try other account sizes (then nothing is written).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createClients } from '../functions/aws/clients.ts';
import { startLocalAws } from '../local/local-aws.ts';
import { MAX_APPLY_ROUNDS } from '../state-machines/reconcile.ts';
import { convergeAccount, convergedDesiredState } from '../test/support/converged-account.ts';
import { cliPlan, operatorPlan, OPERATOR_BATCH_SIZE, roof, ROOF_CONCURRENCY, type CallCount } from './support/account.ts';
import { renderMarkdown, type AccountRow } from './support/markdown.ts';
import { plannerFigure, type PlannerFigure } from './support/planner.ts';
import { describeMachine, resultsOf, type Figure } from './support/report.ts';
import { median, round, timed } from './support/stats.ts';
import { workflowBudget } from './support/workflow-budget.ts';
import { measureSeed, withSeedSection } from './seed.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const DEFAULT_SIZES = [10, 100, 1_000];
const SIZES = process.env['TW_BENCH_SIZES'] ? process.env['TW_BENCH_SIZES'].split(',').map(Number) : DEFAULT_SIZES;
const WRITE = SIZES.join() === DEFAULT_SIZES.join();
/** Timed CLI plans (each followed by its roof) per size, and operator plan phases per size. */
const CLI_RUNS: Record<number, number> = { 10: 7, 100: 5, 1_000: 5 };
const OPERATOR_RUNS = 3;
/** The size the call and wall-time targets are stated at. */
const TARGET_SIZE = 1_000;
const WORKFLOW_TABLES = 10_000;
const PLANNER = { sizes: [100, 1_000, 10_000], runs: { 100: 201, 1_000: 31, 10_000: 15 } as Record<number, number>, warmup: { 100: 50, 1_000: 10, 10_000: 3 } as Record<number, number> };

const log = (message: string) => process.stdout.write(`[bench] ${message}\n`);

function medianCalls(counts: CallCount[]): CallCount {
  return {
    reads: median(counts.map((c) => c.reads)),
    writes: median(counts.map((c) => c.writes)),
    accountLevelReads: median(counts.map((c) => c.accountLevelReads)),
    byAction: counts[0]!.byAction,
  };
}

/** Converges an account of each size, then measures the CLI, the roof and the operator on it. */
async function measureAccounts(now: Date): Promise<AccountRow[]> {
  const local = await startLocalAws();
  const connection = { endpoint: local.endpoint, region: local.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const rows: AccountRow[] = [];
  try {
    for (const tables of SIZES) {
      await local.reset();
      const desired = convergedDesiredState(tables, now);
      const build = await timed(() => convergeAccount(createClients(connection), desired, now));
      log(`${tables} tables converged by plan + apply in ${(build.ms / 1000).toFixed(1)} s`);
      const names = desired.tables.map((table) => table.name);
      await cliPlan(connection, desired, now); // warm-up: sockets, JIT, moto's caches
      const cliRuns = CLI_RUNS[tables] ?? 3;
      const cli: Array<{ ms: number; calls: CallCount }> = [];
      const roofs: number[] = [];
      // Plan and roof alternate, so a slower stretch of the machine weighs on both alike.
      for (let run = 0; run < cliRuns; run += 1) {
        const planned = await cliPlan(connection, desired, now);
        cli.push(planned);
        roofs.push((await roof(connection, names, planned.calls.reads + planned.calls.writes)).ms);
      }
      const operator: Array<{ ms: number; calls: CallCount; batches: number }> = [];
      for (let run = 0; run < OPERATOR_RUNS; run += 1) operator.push(await operatorPlan(connection, desired, now));
      const row: AccountRow = {
        tables,
        buildSeconds: build.ms / 1000,
        cliRuns,
        operatorRuns: OPERATOR_RUNS,
        cli: medianCalls(cli.map((run) => run.calls)),
        operator: medianCalls(operator.map((run) => run.calls)),
        operatorBatches: operator[0]!.batches,
        planMs: median(cli.map((run) => run.ms)),
        roofMs: median(roofs),
        operatorMs: median(operator.map((run) => run.ms)),
      };
      log(`${tables} tables: CLI ${(row.cli.reads / tables).toFixed(3)} reads/table, plan ${row.planMs.toFixed(0)} ms vs roof ${row.roofMs.toFixed(0)} ms; operator ${(row.operator.reads / tables).toFixed(3)} reads/table`);
      rows.push(row);
    }
  } finally {
    await local.stop();
  }
  return rows;
}

async function measurePlanner(): Promise<PlannerFigure[]> {
  const figures: PlannerFigure[] = [];
  for (const scenario of ['converged', 'drifted'] as const) {
    for (const tables of PLANNER.sizes) {
      const figure = await plannerFigure(scenario, tables, PLANNER.runs[tables]!, PLANNER.warmup[tables]!);
      log(`planner, ${scenario}, ${tables} tables: ${figure.usPerTable.toFixed(2)} µs per table wall, ${figure.cpuUsPerTable.toFixed(2)} µs CPU, ${(figure.gcShare * 100).toFixed(0)}% GC (median of ${figure.runs})`);
      figures.push(figure);
    }
  }
  return figures;
}

const started = new Date();
const machine = describeMachine(started);
log(`${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`);
const accounts = await measureAccounts(started);
const planner = await measurePlanner();
const workflow = await workflowBudget(WORKFLOW_TABLES, OPERATOR_BATCH_SIZE);
log(`workflow at ${WORKFLOW_TABLES} tables: worst-case history ${workflow.worstEvents} events; payload ${'bytes' in workflow.payload ? `${workflow.payload.bytes} bytes` : workflow.payload.error}`);
// Issue 10's seeding figures (bench/seed.ts; its sizes come from TW_BENCH_SEED_*).
const seed = await measureSeed();

const figures: Figure[] = [];
for (const row of accounts) {
  const atTarget = row.tables === TARGET_SIZE;
  const n = row.tables;
  figures.push(
    { name: `cli.readsPerTable.${n}`, value: round(row.cli.reads / n, 3), unit: 'reads', ...(atTarget ? { target: { op: '<=', limit: 4 } } : {}) },
    { name: `cli.writesPerTable.${n}`, value: round(row.cli.writes / n, 3), unit: 'writes', target: { op: '=', limit: 0 } },
    { name: `cli.accountLevelReads.${n}`, value: row.cli.accountLevelReads, unit: 'reads' },
    { name: `operator.readsPerTable.${n}`, value: round(row.operator.reads / n, 3), unit: 'reads', ...(atTarget ? { target: { op: '<=', limit: 4 } } : {}) },
    { name: `operator.writesPerTable.${n}`, value: round(row.operator.writes / n, 3), unit: 'writes', target: { op: '=', limit: 0 } },
    { name: `operator.accountLevelReads.${n}`, value: row.operator.accountLevelReads, unit: 'reads' },
    { name: `cli.planMs.${n}`, value: round(row.planMs, 1), unit: 'ms' },
    { name: `roof.ms.${n}`, value: round(row.roofMs, 1), unit: 'ms' },
    { name: `cli.planToRoofRatio.${n}`, value: round(row.planMs / row.roofMs, 2), unit: '×', ...(atTarget ? { target: { op: '<=', limit: 2 } } : {}) },
    { name: `operator.planMs.${n}`, value: round(row.operatorMs, 1), unit: 'ms' },
    { name: `build.convergeSeconds.${n}`, value: round(row.buildSeconds, 1), unit: 's' },
  );
}
for (const figure of planner) {
  figures.push(
    { name: `planner.${figure.scenario}.usPerTable.${figure.tables}`, value: round(figure.usPerTable, 2), unit: 'µs', ...(figure.tables === 10_000 ? { target: { op: '<=', limit: 25 } } : {}) },
    { name: `planner.${figure.scenario}.cpuUsPerTable.${figure.tables}`, value: round(figure.cpuUsPerTable, 2), unit: 'µs' },
  );
}
figures.push({ name: 'workflow.worstCaseHistoryEvents', value: workflow.worstEvents, unit: 'events', target: { op: '<=', limit: 12_500 } });
for (const execution of workflow.executions) figures.push({ name: `workflow.worstCaseHistoryEvents.${execution.machine}`, value: execution.events, unit: 'events' });
figures.push(
  'bytes' in workflow.payload
    ? { name: 'workflow.largestPayloadBytes', value: workflow.payload.bytes, unit: 'bytes', target: { op: '<=', limit: 64 * 1024 }, note: workflow.payload.where }
    : { name: 'workflow.largestPayloadBytes', value: null, unit: 'bytes', target: { op: '<=', limit: 64 * 1024 }, note: workflow.payload.error },
);

const method = {
  accounts: {
    sizes: SIZES,
    builder: 'test/support/converged-account.ts (plan + applyPlan of an empty account; a re-plan must have zero actions)',
    cliRuns: Object.fromEntries(SIZES.map((size) => [size, CLI_RUNS[size] ?? 3])),
    operatorRuns: OPERATOR_RUNS,
    operatorBatchSize: OPERATOR_BATCH_SIZE,
    roofConcurrency: ROOF_CONCURRENCY,
  },
  planner: PLANNER,
  workflow: { tables: WORKFLOW_TABLES, batches: workflow.batches, loopIterations: workflow.loopIterations, maxApplyRounds: MAX_APPLY_ROUNDS, payloadRounds: 'rounds' in workflow.payload ? workflow.payload.rounds : null },
};
const results = resultsOf([...figures, ...seed.figures], machine, { ...method, seed: seed.method });
const markdown = withSeedSection(renderMarkdown({ figures, accounts, planner, workflow, machine, targetSize: TARGET_SIZE, roofConcurrency: ROOF_CONCURRENCY, operatorBatchSize: OPERATOR_BATCH_SIZE }), seed.markdown);
if (WRITE) {
  writeFileSync(fileURLToPath(new URL('./results.json', import.meta.url)), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url)), markdown);
  log('wrote bench/results.json and BENCHMARKS.md');
} else {
  process.stdout.write(markdown);
  log(`TW_BENCH_SIZES=${SIZES.join()}: nothing written`);
}
