/**
 * The posture report for a terminal: the tables × controls matrix (one symbol per cell, coloured when the caller
 * allows colour) and the sections as indented lines. Pure: the caller passes the painter (functions/cli/render-plan.ts
 * `painter`), so core never decides about terminals.
 */
import { CELL_MEANING, CELL_STATES, CELL_SYMBOL, CONTROL_HEADING, type CellState, type PostureReport } from './posture.ts';
import { controlLegend, headline, reportSections } from './sections.ts';

/** Text styles the renderer asks for (node:util styleText names). */
export type TextStyle = 'bold' | 'dim' | 'green' | 'red' | 'yellow' | 'cyan' | 'magenta';

/** Paint text in a style; identity without colour. */
export type Painter = (style: TextStyle, text: string) => string;

const STYLE: Record<CellState, TextStyle> = {
  COMPLIANT: 'green',
  FIXED: 'cyan',
  NON_COMPLIANT: 'red',
  FAILED: 'red',
  REFUSED: 'magenta',
  WAIVED: 'yellow',
  NOT_APPLICABLE: 'dim',
  UNKNOWN: 'dim',
};

const CELL = 8;
const plain: Painter = (_style, text) => text;

/** Render only the matrix and its legend (the demo prints it before and after an apply). */
export function renderPostureMatrix(report: PostureReport, paint: Painter = plain): string {
  const nameWidth = Math.max(5, ...report.tables.map((row) => row.name.length));
  const header = `${'table'.padEnd(nameWidth)}  ${report.controls.map((id) => CONTROL_HEADING[id].padEnd(CELL)).join('')}`.trimEnd();
  const lines = [paint('bold', header)];
  for (const row of report.tables) {
    const cells = row.cells.map((cell) => paint(STYLE[cell.state], CELL_SYMBOL[cell.state]) + (cell.waiverExpired ? '*' : ' ') + ' '.repeat(CELL - 2));
    lines.push(`${row.name.padEnd(nameWidth)}  ${cells.join('').trimEnd()}`);
  }
  const used = CELL_STATES.filter((state) => state !== 'UNKNOWN' || report.counts.UNKNOWN > 0);
  const expiredNote = report.counts.expiredWaivers > 0 ? '  * waiver expired, control enforced again' : '';
  lines.push(paint('dim', `${used.map((state) => `${CELL_SYMBOL[state]} ${CELL_MEANING[state]}`).join('  ')}${expiredNote}`));
  lines.push(paint('dim', controlLegend(report).map(([short, id]) => `${short} = ${id}`).join(', ')));
  return lines.join('\n') + '\n';
}

/** Render the whole report: headline, matrix, then every section. */
export function renderPostureText(report: PostureReport, paint: Painter = plain): string {
  const out = [paint('bold', headline(report))];
  if (report.source.kind === 'run') out.push(`revision ${report.source.revision}, trigger ${report.source.trigger}, finished ${report.source.finishedAt}`);
  else out.push(report.lastRun ? `from the account now; last run ${report.lastRun.runId} (${report.lastRun.status}, ${report.lastRun.finishedAt}) at ${report.lastRun.location}` : 'from the account now; no run found in the operator bucket');
  out.push('', renderPostureMatrix(report, paint));
  for (const section of reportSections(report)) {
    out.push(paint('bold', section.title));
    if (section.rows.length === 0) out.push(`  ${section.empty}`);
    for (const row of section.rows) out.push(`  ${row.filter((value) => value !== '').join('  ')}`);
    out.push('');
  }
  return out.join('\n');
}
