/**
 * Apply's progress: the shared live region (functions/cli/progress.ts) and apply's view on it (ApplyProgress in
 * render-apply.ts). On a terminal: exact redraw bytes, throttled on a fake clock. Elsewhere: exact plain lines, one
 * per change, no escape codes. Also `--timeout` parsing (core/duration.ts, main.ts's flag).
 */
import { describe, expect, it } from 'vitest';
import type { ApplyEvent } from '../../functions/aws/apply/apply-plan.ts';
import { buildProgram, durationOption } from '../../functions/cli/main.ts';
import { LiveRegion } from '../../functions/cli/progress.ts';
import { ApplyProgress } from '../../functions/cli/render-apply.ts';
import { formatClock, formatDurationShort, parseDuration } from '../../functions/core/duration.ts';
import type { Action } from '../../functions/core/model/plan.ts';

/** A fake terminal (or pipe): records every write. */
function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 80, write: (text: string) => writes.push(text), text: () => writes.join('') };
}

/** A clock the test moves. */
function fakeClock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const sse: Action = { table: 'Orders', control: 'TW-SSE', type: 'UpdateSse', encryption: { type: 'CUSTOMER_MANAGED', kmsKeyAlias: 'alias/tablewarden/orders', rotationPeriodDays: 365 }, risk: 'safe', reason: 'encrypt with alias/tablewarden/orders' };
const pitr: Action = { table: 'Orders', control: 'TW-PITR', type: 'UpdatePointInTimeRecovery', enabled: true, risk: 'safe', reason: 'enable PITR' } as Action;
const gsi: Action = { table: 'Customers', control: 'TW-GSI', type: 'CreateGlobalSecondaryIndex', risk: 'safe', reason: 'create index byEmail' } as unknown as Action;

describe('LiveRegion on a terminal', () => {
  it('draws N lines, redraws them in place with cursor-up, and erases what shrank', () => {
    // Prepare
    const out = fakeStream(true);
    const clock = fakeClock();
    const region = new LiveRegion(out, { now: clock.now });
    // Act
    region.set(['a', 'b']);
    clock.advance(250);
    region.set(['a2', 'b2', 'c2']);
    clock.advance(250);
    region.set(['x']);
    region.finish();
    // Assess
    expect(out.writes).toEqual(['\ra\x1b[K\nb\x1b[K', '\r\x1b[1Aa2\x1b[K\nb2\x1b[K\nc2\x1b[K', '\r\x1b[2Ax\x1b[K\x1b[J', '\r\x1b[K']);
  });

  it('redraws at most every 250 ms; tick draws what was held back', () => {
    // Prepare
    const out = fakeStream(true);
    const clock = fakeClock();
    const region = new LiveRegion(out, { now: clock.now });
    region.set(['one']);
    // Act
    clock.advance(100);
    region.set(['two']);
    region.set(['three']);
    const heldBack = out.writes.length;
    clock.advance(150);
    region.tick();
    // Assess
    expect(heldBack).toBe(1);
    expect(out.writes).toEqual(['\rone\x1b[K', '\rthree\x1b[K']);
  });

  it('prints a permanent line above the region and draws the region again under it', () => {
    // Prepare
    const out = fakeStream(true);
    const region = new LiveRegion(out, { now: () => 0 });
    region.set(['live 1', 'live 2']);
    // Act
    region.log('done: step 1');
    // Assess
    expect(out.writes.slice(1)).toEqual(['\r\x1b[1A\x1b[J', 'done: step 1\n', '\rlive 1\x1b[K\nlive 2\x1b[K']);
  });

  it('cuts a line to the terminal width so it never wraps (a wrapped line breaks cursor-up)', () => {
    // Prepare
    const out = fakeStream(true);
    const region = new LiveRegion(out, { now: () => 0, columns: 10 });
    // Act
    region.set(['0123456789abcdef']);
    // Assess
    expect(out.writes).toEqual(['\r01234567…\x1b[K']);
  });
});

describe('LiveRegion elsewhere (CI, pipes)', () => {
  it('writes only permanent lines, never a redraw or an escape code', () => {
    // Prepare
    const out = fakeStream(false);
    const region = new LiveRegion(out, { now: () => 0 });
    // Act
    region.set(['live']);
    region.log('a line');
    region.tick();
    region.finish();
    // Assess
    expect(out.writes).toEqual(['a line\n']);
  });
});

/** Orders: SSE (waits: table UPDATING, then SSE UPDATING), then PITR; Customers: a GSI that backfills, then fails. */
const events: Array<[number, ApplyEvent]> = [
  [0, { kind: 'start', action: sse, step: 1, steps: 2 }],
  [0, { kind: 'start', action: gsi, step: 1, steps: 1 }],
  [1_000, { kind: 'wait', action: sse, waitsFor: 'table UPDATING' }],
  [1_000, { kind: 'wait', action: gsi, waitsFor: 'GSI byEmail backfilling' }],
  [60_000, { kind: 'wait', action: sse, waitsFor: 'SSE UPDATING' }],
  [5_000, { kind: 'waited', action: sse, ms: 65_000 }],
  [0, { kind: 'done', action: sse }],
  [0, { kind: 'start', action: pitr, step: 2, steps: 2 }],
  [0, { kind: 'done', action: pitr }],
  [0, { kind: 'table-done', table: 'Orders', status: 'applied' }],
  [0, { kind: 'failed', action: gsi, message: 'Customers: still GSI byEmail backfilling after 2m (--timeout): nothing more was applied to it' }],
  [0, { kind: 'table-done', table: 'Customers', status: 'failed' }],
];

describe('ApplyProgress', () => {
  it('not on a terminal: one plain line per change, in order, nothing redrawn', () => {
    // Prepare
    const out = fakeStream(false);
    const clock = fakeClock();
    const progress = new ApplyProgress(new LiveRegion(out, { now: clock.now }), { color: false });
    // Act
    for (const [ms, event] of events) {
      clock.advance(ms);
      progress.update(event);
      progress.tick();
    }
    progress.finish();
    // Assess
    expect(out.text()).toBe(
      [
        '  - Orders  1/2 TW-SSE  encrypt with alias/tablewarden/orders: started',
        '  - Customers  1/1 TW-GSI  create index byEmail: started',
        '  - Orders  waiting for table UPDATING (after TW-SSE: encrypt with alias/tablewarden/orders)',
        '  - Customers  waiting for GSI byEmail backfilling (after TW-GSI: create index byEmail)',
        '  - Orders  waiting for SSE UPDATING (after TW-SSE: encrypt with alias/tablewarden/orders)',
        '  - Orders  wait over after 1m5s (TW-SSE)',
        '  ✓ Orders  TW-SSE  encrypt with alias/tablewarden/orders',
        '  - Orders  2/2 TW-PITR  enable PITR: started',
        '  ✓ Orders  TW-PITR  enable PITR',
        '  ✗ Customers  TW-GSI  create index byEmail: Customers: still GSI byEmail backfilling after 2m (--timeout): nothing more was applied to it',
        '',
      ].join('\n'),
    );
    expect(out.text()).not.toContain('\x1b');
    expect(out.text()).not.toContain('\r');
  });

  it('on a terminal: one live line per table in flight (step, what it waits for, mm:ss), finished steps above', () => {
    // Prepare
    const out = fakeStream(true);
    const clock = fakeClock();
    const progress = new ApplyProgress(new LiveRegion(out, { now: clock.now }), { color: false });
    // Act: the first six events, with the clock ticking through the long wait
    for (const [ms, event] of events.slice(0, 5)) {
      clock.advance(ms);
      progress.update(event);
    }
    clock.advance(1_000);
    progress.tick();
    const whileWaiting = progress.lines();
    for (const [ms, event] of events.slice(5, 7)) {
      clock.advance(ms);
      progress.update(event);
    }
    // Assess
    const orders = (doing: string, at: string) => `  Orders  1/2 TW-SSE  ${doing}  ${at}\x1b[K`;
    const customers = (doing: string, at: string) => `  Customers  1/1 TW-GSI  ${doing}  ${at}\x1b[K`;
    expect(whileWaiting).toEqual(['  Orders  1/2 TW-SSE  waiting for SSE UPDATING  01:03', '  Customers  1/1 TW-GSI  waiting for GSI byEmail backfilling  01:03']);
    expect(out.writes).toEqual([
      `\r${orders('encrypt with alias/tablewarden/orders', '00:00')}`,
      // Customers' first line came 0 ms later: held back by the throttle, drawn with the next redraw
      `\r${orders('waiting for table UPDATING', '00:01')}\n${customers('create index byEmail', '00:01')}`,
      `\r\x1b[1A${orders('waiting for table UPDATING', '00:02')}\n${customers('waiting for GSI byEmail backfilling', '00:02')}`,
      `\r\x1b[1A${orders('waiting for SSE UPDATING', '01:02')}\n${customers('waiting for GSI byEmail backfilling', '01:02')}`,
      `\r\x1b[1A${orders('waiting for SSE UPDATING', '01:03')}\n${customers('waiting for GSI byEmail backfilling', '01:03')}`,
      `\r\x1b[1A${orders('encrypt with alias/tablewarden/orders', '01:08')}\n${customers('waiting for GSI byEmail backfilling', '01:08')}`,
      // a finished step: the region is erased, the line printed, the region drawn again under it
      '\r\x1b[1A\x1b[J',
      '  ✓ Orders  TW-SSE  encrypt with alias/tablewarden/orders\n',
      `\r${orders('encrypt with alias/tablewarden/orders', '01:08')}\n${customers('waiting for GSI byEmail backfilling', '01:08')}`,
    ]);
  });
});

describe('ApplyProgress: a table that ends leaves the live view with its last printed line', () => {
  it.each([
    ['its last step done', { kind: 'done', action: pitr } as ApplyEvent, '  ✓ Orders  TW-PITR  enable PITR\n'],
    ['a failure', { kind: 'failed', action: pitr, message: 'boom' } as ApplyEvent, '  ✗ Orders  TW-PITR  enable PITR: boom\n'],
  ])('%s: the region is erased, the line printed, and the table not drawn again', (_name, event, printed) => {
    // Prepare
    const out = fakeStream(true);
    const progress = new ApplyProgress(new LiveRegion(out, { now: () => 0 }), { color: false });
    progress.update({ kind: 'start', action: pitr, step: 1, steps: 1 });
    // Act
    progress.update(event);
    progress.tick();
    // Assess
    expect(out.writes).toEqual(['\r  Orders  1/1 TW-PITR  enable PITR  00:00\x1b[K', '\r\x1b[K', printed]);
  });
});

describe('--timeout', () => {
  it.each([
    ['30m', 1_800_000],
    ['90s', 90_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1_500],
  ])('reads %s', (text, ms) => {
    // Act / Assess
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', '30x', 'm30', '-5m', '0s', '0.4ms', '1h 30m', 'abc'])('refuses %j', (text) => {
    // Act / Assess
    expect(() => parseDuration(text)).toThrow(/duration/);
  });

  it('formats durations back the way they are typed, and elapsed times as mm:ss', () => {
    // Act / Assess
    expect([1_800_000, 5_400_000, 90_000, 1_500, 250].map(formatDurationShort)).toEqual(['30m', '1h30m', '1m30s', '1.5s', '250ms']);
    expect([0, 65_000, 3_723_000].map(formatClock)).toEqual(['00:00', '01:05', '1:02:03']);
  });

  it('a bad --timeout is one usage error naming the flag, before anything runs', async () => {
    // Prepare
    const program = buildProgram();
    const errors: string[] = [];
    const apply = program.commands.find((command) => command.name() === 'apply')!;
    apply.exitOverride().configureOutput({ writeErr: (text) => errors.push(text), outputError: (text, write) => write(text) });
    apply.showHelpAfterError(false);
    // Act
    const parsing = program.parseAsync(['node', 'tablewarden', 'apply', '--timeout', '30x']);
    // Assess
    await expect(parsing).rejects.toThrow(/--timeout/);
    expect(errors).toEqual(["error: option '--timeout <duration>' argument '30x' is invalid. '30x' is not a duration; expected a duration such as 90s, 30m, 2h or 1h30m\n"]);
    expect(durationOption('45m')).toBe(2_700_000);
  });
});
