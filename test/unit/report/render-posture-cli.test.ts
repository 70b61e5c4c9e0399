/**
 * The demo's posture table is the report's matrix renderer (one renderer): a plan's findings as symbols.
 */
import { describe, expect, it } from 'vitest';
import { renderPostureTable } from '../../../functions/cli/render-posture.ts';
import { plan } from '../../../functions/core/plan/planner.ts';
import { accountWith, bareTable, NOW, sampleDesiredState } from '../../support/scenario.ts';

describe('renderPostureTable', () => {
  it('prints one row per planned table with a symbol per control, and the legend', () => {
    // Prepare: the sample desired state against bare tables (another key schema, PITR off, no key): Customers' key
    // schema can't change in place (refused, R), the rest drifts.
    const planned = plan({ desired: sampleDesiredState(), observed: accountWith([bareTable('Customers'), bareTable('Orders')]), now: NOW });

    // Act
    const text = renderPostureTable(planned, { color: false, now: NOW });

    // Assess
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^table\s+EXISTS\s+SSE\s+ROTATE\s+PITR/);
    expect(lines.find((line) => line.startsWith('Customers'))).toMatch(/^Customers\s+R\s+✗\s+✗\s+✗/);
    expect(text).toContain('✓ compliant  + was non-compliant, fixed by this run  ✗ non-compliant (drift)');
    expect(text).toContain('PITR = TW-PITR');
  });
});
