/**
 * Pure planner time per table, for `npm run bench`: `plan` (functions/core/plan/planner.ts) on a synthetic desired
 * and observed account held in memory, warm (JIT-compiled by untimed runs first) and repeated, median per run.
 *
 * Two accounts, both with every table declared like the converged account's (test/support/converged-account.ts):
 * - converged: every table exists exactly as declared (the steady state of a scheduled run: zero actions);
 * - drifted: half the tables missing, the other half bare (AWS-owned key, PITR off, no deletion protection, no tags,
 *   no backup coverage), so every control proposes its action.
 */
import { performance, PerformanceObserver } from 'node:perf_hooks';
import type { DesiredState } from '../../functions/core/model/desired.ts';
import type { ObservedAccount, ObservedTable } from '../../functions/core/model/observed.ts';
import { plan } from '../../functions/core/plan/planner.ts';
import { CONVERGED_KMS_ALIAS, convergedDesiredState } from '../../test/support/converged-account.ts';
import { accountWith, bareTable, cmk, NOW } from '../../test/support/scenario.ts';
import { median } from './stats.ts';

/** The two synthetic accounts. */
export type PlannerScenario = 'converged' | 'drifted';

/** One planner figure. */
export interface PlannerFigure {
  scenario: PlannerScenario;
  tables: number;
  /** Timed runs (after the warm-up runs). */
  runs: number;
  /** Wall time of one run (median). */
  medianMs: number;
  usPerTable: number;
  /**
   * CPU time (user + system, this process) of one run (median): on a shared, loaded machine the wall time includes
   * waiting for a core; CPU time does not (it does include V8's parallel GC threads, so it can exceed the wall time).
   */
  cpuMedianMs: number;
  cpuUsPerTable: number;
  /** Share of the timed runs' wall time V8 spent in garbage collection (gc performance entries). */
  gcShare: number;
  /** Actions of the plan (0 when converged: checked). */
  actions: number;
}

const KEY = cmk(CONVERGED_KMS_ALIAS, '11111111-1111-1111-1111-111111111111', 365);

/** `count` declared tables, cloned from one parsed file (parsing 10,000 YAML files would time the parser, not this). */
function desiredOf(count: number): DesiredState {
  const one = convergedDesiredState(1, NOW);
  const template = one.tables[0]!;
  const tables = Array.from({ length: count }, (_, i) => {
    const name = `table-${String(i).padStart(5, '0')}`;
    return { ...template, name, source: { file: `desired-state/tables/${name}.yaml`, line: 3 } };
  });
  return { ...one, tables };
}

function convergedTable(name: string): ObservedTable {
  return bareTable(name, {
    keySchema: { partitionKey: { name: 'pk', type: 'S' } },
    sse: { type: 'CUSTOMER_MANAGED', kmsKeyArn: KEY.arn, status: 'ENABLED' },
    kmsKey: KEY,
    pointInTimeRecovery: { enabled: true, recoveryPeriodDays: 35 },
    deletionProtection: true,
    tags: { 'managed-by': 'tablewarden', 'cost-center': 'payments' },
    backup: { planNames: ['daily'], latestRecoveryPointAt: new Date(NOW.getTime() - 9 * 3_600_000).toISOString() },
  });
}

function observedOf(desired: DesiredState, scenario: PlannerScenario): ObservedAccount {
  if (scenario === 'converged') return accountWith(desired.tables.map((table) => convergedTable(table.name)), [KEY]);
  const existing = desired.tables.filter((_, i) => i % 2 === 1).map((table) => bareTable(table.name, { keySchema: { partitionKey: { name: 'pk', type: 'S' } } }));
  return accountWith(existing, [KEY]);
}

/** Times `plan` on one synthetic account: `warmup` untimed runs, then `runs` timed ones; the median per table. */
export async function plannerFigure(scenario: PlannerScenario, tables: number, runs: number, warmup: number): Promise<PlannerFigure> {
  const desired = desiredOf(tables);
  const observed = observedOf(desired, scenario);
  const input = { desired, observed, now: NOW };
  let actions = 0;
  for (let i = 0; i < warmup; i += 1) actions = plan(input).summary.actions;
  if (scenario === 'converged' && actions !== 0) throw new Error(`the synthetic converged account of ${tables} tables plans ${actions} actions`);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let gcMs = 0;
  const windows: Array<[number, number]> = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (windows.some(([from, to]) => entry.startTime >= from && entry.startTime <= to)) gcMs += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  for (let i = 0; i < runs; i += 1) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    plan(input);
    const end = performance.now();
    times.push(end - start);
    windows.push([start, end]);
    const used = process.cpuUsage(cpu);
    cpuTimes.push((used.user + used.system) / 1000);
  }
  // gc entries are delivered asynchronously: let the observer see them before disconnecting it.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  const medianMs = median(times);
  const cpuMedianMs = median(cpuTimes);
  return { scenario, tables, runs, medianMs, usPerTable: (medianMs * 1000) / tables, cpuMedianMs, cpuUsPerTable: (cpuMedianMs * 1000) / tables, gcShare: gcMs / times.reduce((sum, ms) => sum + ms, 0), actions };
}
