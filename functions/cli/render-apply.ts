/**
 * Apply output: progress while it runs ({@link ApplyProgress}) and the closing convergence report.
 */
import type { ApplyEvent, ApplyResult, TableApplyResult } from '../aws/apply/apply-plan.ts';
import { formatClock, formatDurationShort } from '../core/duration.ts';
import type { Action, PendingStep, Plan, TablePlan } from '../core/model/plan.ts';
import type { CommandIo } from './io.ts';
import { LiveRegion, type LiveRegionOptions } from './progress.ts';
import { painter, pendingText } from './render-plan.ts';

/**
 * A table that is not in sync only because DynamoDB won't take its next step yet (TTL's step 2): its pending
 * steps, the apply result's (notBefore anchored on when step 1 really ran) before the re-plan's. Undefined when
 * the table has anything else wrong (an error, a refusal, a change that should have been made).
 */
function onlyPending(table: TablePlan, applied: TableApplyResult | undefined): PendingStep[] | undefined {
  if (table.status !== 'update' || table.error || table.refusals.length > 0 || applied?.error || applied?.notApplied.length) return undefined;
  const pending = applied?.pending?.length ? applied.pending : (table.pending ?? []);
  if (pending.length === 0) return undefined;
  // The re-plan may already propose a pending step as an action (DynamoDB shows TTL DISABLED before it accepts
  // the next change); any other action means something was not done.
  const waiting = new Set(pending.map((step) => step.control));
  return table.actions.every((action) => waiting.has(action.control)) ? pending : undefined;
}

/**
 * Exit code of `apply`: 0 every managed table in sync; 2 every table that is not is only waiting for a step
 * DynamoDB won't take yet (run apply again after the time the report gives); 1 anything else, or an invalid file.
 */
export function applyExitCode(result: ApplyResult, after: Plan, validationFailed: boolean): 0 | 1 | 2 {
  if (validationFailed || result.blocked) return 1;
  const byTable = new Map(result.tables.map((table) => [table.table, table]));
  const notInSync = after.tables.filter((table) => table.managed && table.status !== 'in-sync');
  if (notInSync.length === 0) return 0;
  return notInSync.every((table) => onlyPending(table, byTable.get(table.name))) ? 2 : 1;
}

/** One progress line per finished action (start events are silent: the plan already listed them). */
export function renderApplyEvent(event: ApplyEvent, options: { color: boolean }): string | undefined {
  if (event.kind !== 'done' && event.kind !== 'failed') return undefined;
  const paint = painter(options.color);
  const { action } = event;
  if (event.kind === 'done') return `  ${paint('green', '✓')} ${action.table}  ${action.control}  ${action.reason}\n`;
  if (event.kind === 'failed') return `  ${paint('red', '✗')} ${action.table}  ${action.control}  ${action.reason}: ${event.message}\n`;
  return undefined;
}

/** A table in flight, as the live view shows it. */
interface TableInFlight {
  action: Action;
  step?: number;
  steps?: number;
  waitsFor?: string;
  /** When the table's first action started (the `--timeout` counts from there). */
  started: number;
}

/**
 * Apply's progress, from applyPlan's events, on a {@link LiveRegion}.
 *
 * On a terminal: one live line per table in flight (`  Orders  2/5 gsi.byEmail  waiting for GSI byEmail backfilling
 * 03:07`: the table, its current step, what it waits for, the time since the table started, which is what `--timeout`
 * limits), redrawn at most ~4 times a second; finished steps (✓, ✗, pending) are printed above it and stay.
 * Elsewhere: one plain line per change (step started, step done, wait started with what for and after which step,
 * wait ended with how long it took), never a redraw, no escape codes.
 */
export class ApplyProgress {
  private readonly tables = new Map<string, TableInFlight>();

  constructor(
    private readonly region: LiveRegion,
    private readonly options: { color: boolean },
  ) {}

  /** One event from applyPlan. */
  update(event: ApplyEvent): void {
    const now = this.region.now();
    if (event.kind === 'table-done') {
      this.tables.delete(event.table);
      return this.region.set(this.lines());
    }
    const { action } = event;
    const table = this.tables.get(action.table);
    const step = event.kind === 'start' && event.step !== undefined ? `${event.step}/${event.steps} ` : '';
    switch (event.kind) {
      case 'start':
        this.tables.set(action.table, { action, ...(event.step !== undefined ? { step: event.step, steps: event.steps! } : {}), started: table?.started ?? now });
        this.plain(`  - ${action.table}  ${step}${action.control}  ${action.reason}: started`);
        break;
      case 'wait':
        if (table) table.waitsFor = event.waitsFor;
        this.plain(`  - ${action.table}  waiting for ${event.waitsFor} (after ${action.control}: ${action.reason})`);
        break;
      case 'waited':
        if (table) delete table.waitsFor;
        this.plain(`  - ${action.table}  wait over after ${formatDurationShort(event.ms)} (${action.control})`);
        break;
      case 'pending':
        this.region.log(`  ${painter(this.options.color)('cyan', '…')} ${action.table}  ${action.control}  ${action.reason}: pending: ${event.waitsFor}`, this.lines());
        break;
      default: {
        // A failure stops the table, and its last step done ends it: its live line goes with the printed one.
        if (event.kind === 'failed' || (table?.step !== undefined && table.step === table.steps)) this.tables.delete(action.table);
        const line = renderApplyEvent(event, this.options);
        if (line) this.region.log(line.replace(/\n$/, ''), this.lines());
      }
    }
    this.region.set(this.lines());
  }

  /** Redraw the live lines with the elapsed time (the command calls it a few times a second on a terminal). */
  tick(): void {
    this.region.set(this.lines());
  }

  /** Apply ended: erase the live lines (the report follows). */
  finish(): void {
    this.tables.clear();
    this.region.finish();
  }

  /** The live lines: one per table in flight. */
  lines(): string[] {
    const now = this.region.now();
    return [...this.tables].map(([name, table]) => {
      const step = table.step !== undefined ? `${table.step}/${table.steps} ` : '';
      const doing = table.waitsFor ? `waiting for ${table.waitsFor}` : table.action.reason;
      return `  ${name}  ${step}${table.action.control}  ${doing}  ${formatClock(now - table.started)}`;
    });
  }

  /** A line only where nothing is redrawn (the live view shows the same thing in place). */
  private plain(line: string): void {
    if (!this.region.live) this.region.log(line, this.lines());
  }
}

/** A running apply's progress, as a command wires it: feed it events, stop it once. */
export interface ApplyProgressHandle {
  update(event: ApplyEvent): void;
  /** Stop the clock and erase the live lines (safe to call twice). */
  stop(): void;
}

/**
 * Apply's progress for a command. Text output: on stdout (as terraform prints its progress), live when stdout is a
 * terminal. `--output json`: stdout carries nothing but the JSON document, so progress goes to stderr (live when
 * stderr is a terminal, plain lines otherwise).
 */
export function startApplyProgress(io: CommandIo, options: { text: boolean; color: boolean; region?: LiveRegionOptions }): ApplyProgressHandle {
  const sink = options.text ? io.out : io.err;
  const region = new LiveRegion(sink, options.region);
  const progress = new ApplyProgress(region, { color: options.text ? options.color : options.color && Boolean(sink.isTTY) });
  // The elapsed times move on their own on a terminal; the region's throttle keeps it to ~4 redraws a second.
  const timer = region.live ? setInterval(() => progress.tick(), 250) : undefined;
  timer?.unref();
  let stopped = false;
  return {
    update: (event) => progress.update(event),
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      progress.finish();
    },
  };
}

/** Per table: converged, or what was not applied and why; then one summary line. */
export function renderApplyReport(result: ApplyResult, after: Plan, options: { color: boolean }): string {
  const paint = painter(options.color);
  const lines: string[] = [];
  if (result.blocked) lines.push(paint('red', `Nothing applied: ${result.blocked}`));
  const byTable = new Map(result.tables.map((table) => [table.table, table]));
  for (const table of after.tables.filter((candidate) => candidate.managed)) {
    const applied = byTable.get(table.name);
    const count = applied ? ` (${applied.applied.length} change${applied.applied.length === 1 ? '' : 's'} applied)` : '';
    if (table.status === 'in-sync') {
      lines.push(`  ${paint('green', '✓')} ${table.name}: in sync${count}`);
      continue;
    }
    const pending = onlyPending(table, applied);
    if (pending) {
      lines.push(`  ${paint('cyan', '…')} ${table.name}: not yet in sync${count}; DynamoDB won't take the next step yet`);
      for (const step of pending) lines.push(`      pending: ${step.control} ${pendingText(step)}`);
      continue;
    }
    const why = applied?.error ? `${applied.error.reason}: ${applied.error.message}` : table.error ?? table.refusals.map((refusal) => refusal.reason).join('; ') ?? '';
    lines.push(`  ${paint('red', '✗')} ${table.name}: ${table.status}${why ? ` — ${why}` : ''}`);
    for (const action of applied?.notApplied ?? []) lines.push(`      not applied: ${action.control} ${action.reason}`);
    for (const action of table.actions) if (!applied?.notApplied.includes(action)) lines.push(`      still pending: ${action.control} ${action.reason}`);
  }
  const managed = after.tables.filter((table) => table.managed);
  const inSync = managed.filter((table) => table.status === 'in-sync').length;
  const changes = result.tables.reduce((sum, table) => sum + table.applied.length, 0);
  const applied = `${changes} change${changes === 1 ? '' : 's'} applied`;
  lines.push('');
  const code = applyExitCode(result, after, false);
  if (code === 0) lines.push(paint('green', `Apply complete: ${applied}; all ${managed.length} managed tables are in sync.`));
  else if (code === 2) {
    const times = managed.flatMap((table) => onlyPending(table, byTable.get(table.name)) ?? []).flatMap((step) => (step.notBefore ? [step.notBefore] : [])).sort();
    const when = times.length > 0 ? `; run apply again after ${times.at(-1)!.replace(/\.\d{3}Z$/, 'Z')}` : '; run apply again when they are due';
    lines.push(paint('cyan', `Apply done for now: ${applied}; ${managed.length - inSync} of ${managed.length} managed tables have steps DynamoDB won't take yet${when}.`));
  } else lines.push(paint('red', `Apply incomplete: ${applied}; ${managed.length - inSync} of ${managed.length} managed tables are not in sync.`));
  return lines.join('\n') + '\n';
}
