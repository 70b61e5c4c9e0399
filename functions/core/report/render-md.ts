/**
 * The posture report as Markdown (`report.md`): for a pull request, a wiki, or an issue. Every string from users
 * (table names, waiver owners and reasons, Config annotations) is escaped, so it can neither break the tables nor
 * inject HTML or links where the Markdown is rendered. Pure.
 */
import { CELL_LABEL, CELL_MEANING, CELL_STATES, CELL_SYMBOL, type PostureReport } from './posture.ts';
import { controlLegend, headline, reportSections } from './sections.ts';

/**
 * Escape text for a Markdown table cell: the punctuation that makes emphasis, code, links or cells backslash-escaped, HTML's `<`, `>` and `&` as
 * entities (renderers pass raw HTML through), line breaks as spaces (a newline ends the table row).
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~]/g, (char) => `\\${char}`);
}

function table(headers: readonly string[], rows: readonly string[][]): string[] {
  return [`| ${headers.map(escapeMarkdown).join(' | ')} |`, `|${headers.map(() => ' --- ').join('|')}|`, ...rows.map((row) => `| ${row.map(escapeMarkdown).join(' | ')} |`)];
}

/** Render the report as Markdown. */
export function renderPostureMarkdown(report: PostureReport): string {
  const out = [`# ${escapeMarkdown(headline(report))}`, ''];
  if (report.source.kind === 'run') {
    out.push(`Run ${escapeMarkdown(report.source.runId)} (${report.source.mode}, trigger ${escapeMarkdown(report.source.trigger)}), revision ${escapeMarkdown(report.source.revision)}, finished ${escapeMarkdown(report.source.finishedAt)}.`, '');
  } else {
    out.push(report.lastRun ? `From the account at ${escapeMarkdown(report.generatedAt)}; last run ${escapeMarkdown(report.lastRun.runId)} (${escapeMarkdown(report.lastRun.status)}, ${escapeMarkdown(report.lastRun.finishedAt)}).` : `From the account at ${escapeMarkdown(report.generatedAt)}; no run found in the operator bucket.`, '');
  }
  out.push('## Posture', '');
  out.push(
    ...table(
      ['table', ...controlLegend(report).map(([short]) => short)],
      report.tables.map((row) => [row.name, ...row.cells.map((cell) => `${CELL_SYMBOL[cell.state]} ${CELL_LABEL[cell.state]}${cell.waiverExpired ? ' (waiver expired)' : ''}`)]),
    ),
    '',
  );
  out.push(`Legend: ${CELL_STATES.map((state) => `${escapeMarkdown(CELL_SYMBOL[state])} ${escapeMarkdown(CELL_LABEL[state])} = ${escapeMarkdown(CELL_MEANING[state])}`).join('; ')}.`, '');
  out.push(`Controls: ${controlLegend(report).map(([short, id]) => `${short} = ${escapeMarkdown(id)}`).join(', ')}.`, '');
  for (const section of reportSections(report)) {
    out.push(`## ${escapeMarkdown(section.title)}`, '');
    out.push(...(section.rows.length === 0 ? [escapeMarkdown(section.empty)] : table(section.headers, section.rows)), '');
  }
  return out.join('\n');
}
