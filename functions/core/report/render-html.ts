/**
 * The posture report as one self-contained HTML page (`report.html`): inline CSS, no script, no external fetch (a
 * Content-Security-Policy of `default-src 'none'` makes the browser refuse any), so it opens from S3, an e-mail
 * attachment or a laptop the same way. The matrix shows each cell's state three ways: colour (with a legend), a
 * symbol and a word, so it reads without colour and in print. Every string is escaped: table names, waiver owners
 * and reasons and Config annotations come from users. Lean on purpose: it is bundled into the report Lambda. Pure.
 */
import { CELL_LABEL, CELL_MEANING, CELL_STATES, CELL_SYMBOL, CONTROL_HEADING, type CellState, type PostureReport } from './posture.ts';
import { headline, reportSections } from './sections.ts';

/** Cell background colours (the legend shows the same); light, so the dark symbol and word stay readable. */
export const CELL_COLOURS: Record<CellState, string> = {
  COMPLIANT: '#b9e4bd',
  FIXED: '#9fd3f5',
  NON_COMPLIANT: '#f7a8a8',
  FAILED: '#e05a5a',
  REFUSED: '#d7b3e8',
  WAIVED: '#fbe27a',
  NOT_APPLICABLE: '#ececec',
  UNKNOWN: '#b8b8b8',
};

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char] as string);
}

/** The CSS class of a state (`s-non-compliant`). */
export const stateClass = (state: CellState): string => `s-${state.toLowerCase().replace(/_/g, '-')}`;

const CSS = [
  'body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#111;background:#fff}',
  'h1{font-size:20px}h2{font-size:16px;margin-top:28px}',
  'table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #999;padding:4px 8px;text-align:left;vertical-align:top}',
  'thead th{background:#f4f4f4}.matrix td{text-align:center;white-space:nowrap;min-width:56px}',
  '.swatch{display:inline-block;min-width:64px;padding:2px 6px;border:1px solid #999;text-align:center;margin-right:6px}',
  '.legend{list-style:none;padding:0}.legend li{margin:3px 0}.empty{color:#555}',
  '.status-failed,.status-blocked{color:#a00}.status-drift{color:#a60}.status-in-sync{color:#070}',
  ...CELL_STATES.map((state) => `.${stateClass(state)}{background:${CELL_COLOURS[state]}}`),
].join('\n');

function cellText(state: CellState): string {
  return `${escapeHtml(CELL_SYMBOL[state])} ${escapeHtml(CELL_LABEL[state])}`;
}

/** Render the report as a complete HTML document. */
export function renderPostureHtml(report: PostureReport): string {
  const source =
    report.source.kind === 'run'
      ? `Run ${escapeHtml(report.source.runId)} (${report.source.mode}, trigger ${escapeHtml(report.source.trigger)}), revision ${escapeHtml(report.source.revision)}, finished ${escapeHtml(report.source.finishedAt)}.`
      : report.lastRun
        ? `From the account at ${escapeHtml(report.generatedAt)}; last run ${escapeHtml(report.lastRun.runId)} (${escapeHtml(report.lastRun.status)}, ${escapeHtml(report.lastRun.finishedAt)}).`
        : `From the account at ${escapeHtml(report.generatedAt)}; no run found in the operator bucket.`;
  const head = `<tr><th scope="col">table</th>${report.controls.map((id) => `<th scope="col"><abbr title="${escapeHtml(id)}">${escapeHtml(CONTROL_HEADING[id])}</abbr></th>`).join('')}</tr>`;
  const rows = report.tables
    .map((row) => {
      const cells = row.cells
        .map((cell) => {
          const note = cell.waiverExpired ? ` (waiver expired ${cell.waiverExpired}, enforced again)` : '';
          return `<td class="cell ${stateClass(cell.state)}" data-control="${escapeHtml(cell.control)}" data-state="${cell.state}" title="${escapeHtml(`${cell.control}: ${cell.reason}${note}`)}">${cellText(cell.state)}${cell.waiverExpired ? '*' : ''}</td>`;
        })
        .join('');
      return `<tr data-table="${escapeHtml(row.name)}"><th scope="row">${escapeHtml(row.name)}${row.managed ? '' : ' <small>(unmanaged)</small>'}</th>${cells}</tr>`;
    })
    .join('\n');
  const legend = CELL_STATES.map((state) => `<li><span class="swatch ${stateClass(state)}" data-legend="${state}">${cellText(state)}</span>${escapeHtml(CELL_MEANING[state])}</li>`).join('');
  const sections = reportSections(report)
    .map((section) => {
      const body =
        section.rows.length === 0
          ? `<p class="empty">${escapeHtml(section.empty)}</p>`
          : `<table><thead><tr>${section.headers.map((header) => `<th scope="col">${escapeHtml(header)}</th>`).join('')}</tr></thead><tbody>${section.rows.map((row) => `<tr>${row.map((value) => `<td>${escapeHtml(value)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
      return `<section id="${section.id}"><h2>${escapeHtml(section.title)}</h2>${body}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(headline(report))}</title>
<style>
${CSS}
</style></head>
<body>
<h1>${escapeHtml(headline(report))}</h1>
<p>Status: <strong class="status-${report.status}">${report.status}</strong>. ${source} Generated ${escapeHtml(report.generatedAt)}.</p>
<h2>Posture</h2>
<table class="matrix"><thead>${head}</thead><tbody>
${rows}
</tbody></table>
<ul class="legend">${legend}${report.counts.expiredWaivers > 0 ? '<li>* the waiver expired: the control is enforced again</li>' : ''}</ul>
${sections}
</body></html>
`;
}
