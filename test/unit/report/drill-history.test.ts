/**
 * A drill history item read back for the report: the item drillHistoryItem writes round-trips; anything else (a
 * foreign item, no verdict) is no drill.
 */
import { describe, expect, it } from 'vitest';
import { drillHistoryItem } from '../../../functions/core/drill/record.ts';
import { drillSummaryFromItem } from '../../../functions/core/report/drill-history.ts';

describe('drillSummaryFromItem', () => {
  it('reads back what drillHistoryItem wrote', () => {
    // Prepare
    const item = drillHistoryItem({ table: 'Orders', verdict: 'failed', reasons: ['count differs'], startedAt: '2026-11-20T10:00:00.000Z', finishedAt: '2026-11-20T10:31:00.000Z', rtoSeconds: 1860, maxRestoreMinutes: 30, counts: { compared: 25 }, dropped: [] });

    // Act
    const summary = drillSummaryFromItem('Orders', item);

    // Assess
    expect(summary).toEqual({ table: 'Orders', verdict: 'failed', startedAt: '2026-11-20T10:00:00.000Z', finishedAt: '2026-11-20T10:31:00.000Z', rtoSeconds: 1860, maxRestoreMinutes: 30, reasons: ['count differs'] });
  });

  it.each([
    ['no item', undefined],
    ['no verdict', { pk: { S: 'DRILL#Orders' }, sk: { S: '2026-11-20T10:00:00.000Z' } }],
    ['an unknown verdict', { pk: { S: 'DRILL#Orders' }, sk: { S: '2026-11-20T10:00:00.000Z' }, verdict: { S: 'maybe' } }],
  ])('%s: no drill', (_case, item) => {
    expect(drillSummaryFromItem('Orders', item)).toBeUndefined();
  });
});
