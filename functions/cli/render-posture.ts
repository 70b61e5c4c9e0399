/**
 * The posture table: tables × controls, one symbol per finding. Meant for a quick look at a whole account
 * (and, once apply exists, for before/after).
 */
import { CONTROL_IDS } from '../core/controls/index.ts';
import type { ControlId, FindingStatus, Plan } from '../core/model/plan.ts';
import { painter } from './render-plan.ts';

const SYMBOL: Record<FindingStatus, string> = { COMPLIANT: '✓', NON_COMPLIANT: '✗', NOT_APPLICABLE: '·', WAIVED: 'W' };

/** Column headings short enough for a terminal; the legend spells them out. */
const HEADING: Record<ControlId, string> = {
  'TW-TABLE-EXISTS': 'EXISTS',
  'TW-SSE': 'SSE',
  'TW-KMS-ROTATION': 'ROTATE',
  'TW-PITR': 'PITR',
  'TW-DELETION-PROTECTION': 'DELPROT',
  'TW-BACKUP-COVERAGE': 'BACKUP',
  'TW-TAGS': 'TAGS',
  'TW-TTL': 'TTL',
  'TW-STREAM': 'STREAM',
  'TW-BILLING': 'BILLING',
  'TW-TABLE-CLASS': 'CLASS',
  'TW-CONTRIBUTOR-INSIGHTS': 'INSIGHT',
  'TW-GSI': 'GSI',
};
const CELL = 8;

/** Render the findings of a plan as a matrix. Controls are columns, labelled by their short name. */
export function renderPostureTable(plan: Plan, options: { color: boolean }): string {
  const paint = painter(options.color);
  const rows = plan.tables.filter((table) => table.findings.length > 0);
  const nameWidth = Math.max(5, ...rows.map((table) => table.name.length));
  const header = `${'table'.padEnd(nameWidth)}  ${CONTROL_IDS.map((id) => HEADING[id].padEnd(CELL)).join('')}`.trimEnd();
  const lines = [paint('bold', header)];
  for (const table of rows) {
    const cells = CONTROL_IDS.map((id) => {
      const status = table.findings.find((finding) => finding.control === id)?.status;
      const symbol = status ? SYMBOL[status] : ' ';
      const styled = status === 'COMPLIANT' ? paint('green', symbol) : status === 'NON_COMPLIANT' ? paint('red', symbol) : paint('dim', symbol);
      return styled + ' '.repeat(CELL - 1);
    });
    lines.push(`${table.name.padEnd(nameWidth)}  ${cells.join('').trimEnd()}`);
  }
  lines.push(paint('dim', `✓ compliant  ✗ non-compliant  W waived  · not applicable; ${CONTROL_IDS.map((id) => `${HEADING[id]} = ${id}`).join(', ')}`));
  return lines.join('\n') + '\n';
}
