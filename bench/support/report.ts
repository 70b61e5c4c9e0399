/**
 * Figures, their targets and verdicts, and the two outputs of `npm run bench`: bench/results.json (figure name →
 * value, and each figure's target and verdict) and BENCHMARKS.md (the same figures as tables, with the method).
 *
 * Why the verdict is computed here and not asserted in a test: timings depend on the machine; a benchmark reports,
 * the test suite asserts only what is deterministic (call counts: test/integration/call-budget.test.ts; history
 * and payload budgets: test/workflow/history-budget.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';

/** A target: the figure must be at most, at least (a throughput), or exactly `limit`. */
export interface Target {
  op: '<=' | '>=' | '=';
  limit: number;
}

/** One figure. `value` is null when it could not be measured (then `note` says why). */
export interface Figure {
  name: string;
  value: number | null;
  unit: string;
  target?: Target;
  note?: string;
}

/** How a figure did against its target. */
export type Verdict = 'met' | 'missed' | 'no target' | 'not measured';

/** The verdict of a figure. */
export function verdictOf(figure: Figure): Verdict {
  if (figure.value === null) return 'not measured';
  if (!figure.target) return 'no target';
  const { op, limit } = figure.target;
  return (op === '<=' ? figure.value <= limit : op === '>=' ? figure.value >= limit : figure.value === limit) ? 'met' : 'missed';
}

/** `≤ 4`, `= 0`, or `—`. */
export function targetText(target: Target | undefined, unit = ''): string {
  if (!target) return '—';
  return `${target.op === '<=' ? '≤' : target.op === '>=' ? '≥' : '='} ${target.limit.toLocaleString('en')}${unit ? ` ${unit}` : ''}`;
}

/** The machine the figures were measured on (metadata only: nothing compares against it). */
export interface Machine {
  cpuModel: string;
  cpus: number;
  cpuMhz: number;
  node: string;
  platform: string;
  arch: string;
  /** 1-minute load average at the start of the run (the machine may be shared). */
  loadAverage: number;
  date: string;
  /** The commit measured, and how many tracked or new files differed from it (others' work in progress included). */
  commit: string;
  /** Paths that differed from the commit when the run started (work in progress of others included): measured too. */
  uncommittedFiles: string[];
}

function git(args: string[]): string | undefined {
  try {
    // Not trimmed: `git status --porcelain` lines start with a significant space.
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).replace(/\n+$/, '');
  } catch {
    return undefined;
  }
}

/** Reads the machine's description. */
export function describeMachine(date: Date): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpus: list.length,
    cpuMhz: list[0]?.speed ?? 0,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    date: date.toISOString(),
    commit: git(['rev-parse', '--short', 'HEAD']) ?? 'unknown',
    uncommittedFiles: (git(['status', '--porcelain', '--untracked-files=all']) ?? '')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => line.slice(3))
      .filter((path) => !path.startsWith('bench/') && path !== 'BENCHMARKS.md'),
  };
}

/** bench/results.json. */
export interface Results {
  /** Figure name → value (null: not measured). */
  figures: Record<string, number | null>;
  /** Figure name → its unit, target (null: none) and verdict. */
  verdicts: Record<string, { unit: string; target: string | null; verdict: Verdict; note?: string }>;
  machine: Machine;
  /** How each group of figures was measured (repetitions, concurrency, sizes). */
  method: Record<string, unknown>;
}

/** Builds results.json's content from the figures. */
export function resultsOf(figures: Figure[], machine: Machine, method: Record<string, unknown>): Results {
  const names = new Set<string>();
  for (const figure of figures) {
    if (names.has(figure.name)) throw new Error(`figure ${figure.name} is reported twice`);
    names.add(figure.name);
  }
  return {
    figures: Object.fromEntries(figures.map((figure) => [figure.name, figure.value])),
    verdicts: Object.fromEntries(
      figures.map((figure) => [
        figure.name,
        { unit: figure.unit, target: figure.target ? targetText(figure.target) : null, verdict: verdictOf(figure), ...(figure.note ? { note: figure.note } : {}) },
      ]),
    ),
    machine,
    method,
  };
}

/** A number as the tables show it. */
export function show(value: number | null, digits = 2): string {
  if (value === null) return 'not measured';
  return value.toLocaleString('en', { minimumFractionDigits: Number.isInteger(value) ? 0 : Math.min(digits, 2), maximumFractionDigits: digits });
}

/** `met` / `**missed**` for the tables. */
export function showVerdict(figure: Figure): string {
  const verdict = verdictOf(figure);
  return verdict === 'missed' ? '**missed**' : verdict;
}
