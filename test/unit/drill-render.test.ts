/**
 * The drill's output, pure: the report read like `terraform output` (each field the drill measured, the keys that
 * differ, the checks, shape and encryption, what a restore drops, cleanup, the verdict), the exit codes, and the
 * progress renderer on an injected clock (terminal: one redrawn line; logs: a line per change).
 */
import { describe, expect, it } from 'vitest';
import type { DrillReport } from '../../functions/core/drill/record.ts';
import { DrillProgressRenderer, drillExitCode, drillProgressLine, renderDrillReport } from '../../functions/cli/render-drill.ts';

const passed = (overrides: Partial<DrillReport> = {}): DrillReport => ({
  table: 'Customers',
  verdict: 'passed',
  reasons: [],
  startedAt: '2026-12-01T08:00:00.000Z',
  finishedAt: '2026-12-01T08:01:30.000Z',
  source: { kind: 'dynamodb-backup', id: 'arn:aws:dynamodb:us-east-1:123456789012:table/Customers/backup/01' },
  copyTable: 'tw-drill-Customers-20261201T080000Z',
  rtoSeconds: 75,
  maxRestoreMinutes: 30,
  counts: { copyItems: 1_000, sourceItemsApproximate: 998, compared: 50, matched: 50, changed: 0, missingInCopy: 0, missingInSource: 0, unreadable: 0, changedPercent: 0, checks: 1, checksFailed: 0 },
  dropped: [
    { control: 'TW-PITR', action: 'UpdatePointInTimeRecovery', risk: 'safe', reason: 'enable PITR with a 35-day recovery period' },
    { control: 'TW-TTL', action: 'UpdateTimeToLive', risk: 'safe', reason: 'enable TTL on expiresAt', pending: true },
  ],
  cleanup: { outcome: 'deleted', reason: 'deleted' },
  details: {
    shape: [],
    expectedSse: { type: 'CUSTOMER_MANAGED', kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k1' },
    changed: [],
    missingInCopy: [],
    missingInSource: [],
    unreadable: [],
    checks: [{ key: 'customerID=c-0001', expect: 'present', found: 'present', passed: true }],
  },
  ...overrides,
});

describe('drill report', () => {
  it('renders a passed drill field by field', () => {
    // Prepare
    const report = passed();
    // Act
    const text = renderDrillReport(report, { color: false });
    // Assess
    expect(text).toBe(
      [
        'Restore drill of Customers: PASSED',
        '',
        '  source      DynamoDB on-demand backup arn:aws:dynamodb:us-east-1:123456789012:table/Customers/backup/01',
        '  copy        tw-drill-Customers-20261201T080000Z',
        "  RTO         ✓ 75 s from the restore's start to the copy ACTIVE (target 30 min)",
        '  items       1,000 in the copy (exact, Scan COUNT); source ≈ 998 (ItemCount, refreshed about every 6 hours)',
        '  sample      ✓ 50 compared by checksum: 50 matched, 0 changed, 0 missing from the copy, 0 no longer in the source, 0 unreadable (0% differ)',
        '  checks      ✓ 1 declared, 0 failed',
        '              ✓ customerID=c-0001 expected present, present in the copy',
        '  key schema  ✓ key schema and indexes match the source',
        '  encryption  ✓ CUSTOMER_MANAGED arn:aws:kms:us-east-1:123456789012:key/k1, as declared',
        '  cleanup     ✓ tw-drill-Customers-20261201T080000Z deleted',
        '',
        'A real restore of Customers comes back without these; re-apply them (tablewarden restore does):',
        '  ~ TW-PITR                 enable PITR with a 35-day recovery period',
        '  … TW-TTL                  enable TTL on expiresAt (pending: a later step)',
        '',
        'Verdict: PASSED (1m30s)',
        '',
      ].join('\n'),
    );
    expect(drillExitCode(report)).toBe(0);
  });

  it('names the keys that differ, the failed check, the shape and encryption differences, and every reason', () => {
    // Prepare
    const report = passed({
      verdict: 'failed',
      rtoSeconds: 2_400,
      reasons: ['key schema differs: source customerID (S), copy id (S)', 'restore took 40 min, over maxRestoreMinutes 30'],
      counts: { copyItems: 19, sourceItemsApproximate: 20, compared: 20, matched: 17, changed: 1, missingInCopy: 2, missingInSource: 0, unreadable: 0, changedPercent: 15, checks: 1, checksFailed: 1 },
      details: {
        shape: ['key schema differs: source customerID (S), copy id (S)', 'encryption differs: declared CUSTOMER_MANAGED, copy AWS_OWNED'],
        changed: ['customerID=c-0003'],
        missingInCopy: ['customerID=c-0007'],
        missingInSource: [],
        unreadable: [],
        checks: [{ key: 'customerID=c-0001', expect: 'present', found: 'absent', passed: false }],
      },
    });
    // Act
    const text = renderDrillReport(report, { color: false });
    // Assess
    expect(text).toContain("  RTO         ✗ 40 min from the restore's start to the copy ACTIVE (target 30 min)");
    expect(text).toContain('  sample      ✗ 20 compared by checksum: 17 matched, 1 changed, 2 missing from the copy, 0 no longer in the source, 0 unreadable (15% differ)');
    expect(text).toContain('              missing from the copy: customerID=c-0007 and 1 more');
    expect(text).toContain('              changed since the backup: customerID=c-0003');
    expect(text).toContain('  checks      ✗ 1 declared, 1 failed\n              ✗ customerID=c-0001 expected present, absent in the copy');
    expect(text).toContain('  key schema  ✗ key schema differs: source customerID (S), copy id (S)');
    expect(text).toContain('  encryption  ✗ encryption differs: declared CUSTOMER_MANAGED, copy AWS_OWNED');
    expect(text).toContain('Verdict: FAILED\n  - key schema differs: source customerID (S), copy id (S)\n  - restore took 40 min, over maxRestoreMinutes 30\n');
    expect(drillExitCode(report)).toBe(2);
  });

  it('says what was not reached: no recovery point, nothing restored, nothing to clean up (exit 3)', () => {
    // Prepare
    const report: DrillReport = {
      table: 'Orders',
      verdict: 'no-recovery-point',
      reasons: ['no recovery point: point-in-time recovery is not enabled on Orders'],
      startedAt: '2026-12-01T08:00:00.000Z',
      finishedAt: '2026-12-01T08:00:01.000Z',
      maxRestoreMinutes: 30,
      counts: {},
      dropped: [],
      cleanup: { outcome: 'gone', reason: 'no copy was created' },
    };
    // Act
    const text = renderDrillReport(report, { color: false });
    // Assess
    expect(text).toContain('Restore drill of Orders: NO RECOVERY POINT');
    expect(text).toContain('  source      none\n  copy        none (nothing was restored)\n  RTO         not measured: the copy never became ACTIVE (target 30 min)\n  validation  not reached\n');
    expect(text).toContain('  cleanup     ✓ nothing left (no copy was created)');
    expect(text).not.toContain('re-apply');
    expect(text).toContain('Verdict: NO RECOVERY POINT\n  - no recovery point: point-in-time recovery is not enabled on Orders\n');
    expect(drillExitCode(report)).toBe(3);
  });

  it.each([
    ['waiting', 4],
    ['refused', 4],
    ['deleted', 0],
    ['gone', 0],
  ] as const)('cleanup %s gives exit %i for a drill that otherwise passed', (outcome, code) => {
    // Prepare
    const report = passed({ cleanup: { outcome, reason: 'the copy is still being created' } });
    // Act
    const text = renderDrillReport(report, { color: false });
    // Assess
    expect(drillExitCode(report)).toBe(code);
    if (code === 4) expect(text).toContain('  cleanup     ✗ tw-drill-Customers-20261201T080000Z NOT deleted: the copy is still being created');
  });

  it('shows a PITR source as the latest restorable time or the requested time, and AWS Backup results', () => {
    // Act
    const latest = renderDrillReport(passed({ source: { kind: 'pitr', id: 'latest:2026-12-01T07:55:00.000Z' }, awsBackupValidation: 'sent' }), { color: false });
    const at = renderDrillReport(passed({ source: { kind: 'pitr', id: '2026-11-30T12:00:00.000Z' } }), { color: false });
    // Assess
    expect(latest).toContain('  source      point-in-time recovery, the latest restorable time (2026-12-01T07:55:00.000Z)');
    expect(latest).toContain('  AWS Backup  restore validation result sent');
    expect(at).toContain('  source      point-in-time recovery to 2026-11-30T12:00:00.000Z');
  });
});

describe('drill progress', () => {
  function sink(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, isTTY, write: (text: string) => writes.push(text) };
  }

  it('formats a line with the phase, the copy, the elapsed time and the detail', () => {
    expect(drillProgressLine('drill Customers', { phase: 'cleaning-up', copyTable: 'tw-drill-x' }, 65_000)).toBe('drill Customers: cleaning up tw-drill-x (1m05s)');
    expect(drillProgressLine('restore Customers', { phase: 'restoring', detail: 'table CREATING' }, 1_500)).toBe('restore Customers: restoring (1.5 s): table CREATING');
  });

  it('writes plain lines on a change only, an unchanged one again after repeatMs, keeping the copy name', () => {
    // Prepare
    let now = 0;
    const out = sink(false);
    const renderer = new DrillProgressRenderer(out, 'drill Customers', { now: () => now, repeatMs: 30_000 });
    // Act
    renderer.update({ phase: 'restoring', copyTable: 'tw-drill-x', detail: 'table CREATING' });
    now = 5_000;
    renderer.update({ phase: 'restoring', detail: 'table CREATING' });
    now = 31_000;
    renderer.update({ phase: 'restoring', detail: 'table CREATING' });
    now = 32_000;
    renderer.update({ phase: 'validating' });
    renderer.tick();
    renderer.finish();
    // Assess
    expect(out.writes).toEqual([
      'drill Customers: restoring tw-drill-x (0.0 s): table CREATING\n',
      'drill Customers: restoring tw-drill-x (31 s): table CREATING\n',
      'drill Customers: validating tw-drill-x (32 s)\n',
    ]);
  });

  it('redraws one line on a terminal, ticking the elapsed time, cut to the width, and ends it', () => {
    // Prepare
    let now = 0;
    const out = sink(true);
    const renderer = new DrillProgressRenderer(out, 'drill Customers', { now: () => now, columns: 40 });
    // Act
    renderer.update({ phase: 'restoring' });
    now = 2_000;
    renderer.tick();
    renderer.update({ phase: 'validating', copyTable: 'tw-drill-Customers-20261201T080000Z' });
    renderer.finish();
    // Assess
    expect(renderer.live).toBe(true);
    expect(out.writes).toEqual([
      '\rdrill Customers: restoring (0.0 s)\x1b[K',
      '\rdrill Customers: restoring (2.0 s)\x1b[K',
      '\rdrill Customers: validating tw-drill-C…\x1b[K',
      '\n',
    ]);
  });
});
