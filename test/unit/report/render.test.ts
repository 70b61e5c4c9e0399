/**
 * The posture renderers: the same report in text, Markdown, HTML and JSON; every user string escaped; expired
 * waivers, "no drill yet" and Config disagreements present in each format.
 */
import { describe, expect, it } from 'vitest';
import { buildPostureReport } from '../../../functions/core/report/posture.ts';
import { CELL_COLOURS, escapeHtml, renderPostureHtml } from '../../../functions/core/report/render-html.ts';
import { renderPostureJson } from '../../../functions/core/report/render-json.ts';
import { escapeMarkdown, renderPostureMarkdown } from '../../../functions/core/report/render-md.ts';
import { renderPostureMatrix, renderPostureText } from '../../../functions/core/report/render-text.ts';
import { knownStatesInput, knownStatesReport } from '../../support/posture-fixtures.ts';

describe('posture renderers', () => {
  it('HTML: self-contained, every user string escaped, one cell per table and control with its state', () => {
    // Act
    const html = renderPostureHtml(knownStatesReport());

    // Assess
    expect(html).not.toMatch(/<script|src=|href=|@import|url\(/i);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('Orders &lt;x&gt;');
    expect(html).toContain('team-&lt;b&gt;payments&lt;/b&gt;');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<b>payments');
    expect(html.match(/<td class="cell /g)).toHaveLength(5 * 13);
    expect(html).toMatch(/data-control="TW-PITR" data-state="FIXED"/);
    expect(html).toContain('EXPIRED 3 day(s) ago, enforced again');
    expect(html).toContain('no drill yet');
    expect(html).toContain('key &lt;k&gt; not in kmsKeyArns');
    for (const colour of Object.values(CELL_COLOURS)) expect(html).toContain(colour);
  });

  it('escapeHtml covers the five characters that matter in content and attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('Markdown: user strings cannot break a table row, inject HTML or make links', () => {
    // Act
    const md = renderPostureMarkdown(knownStatesReport());

    // Assess
    expect(escapeMarkdown('a|b\n[x](http://e) <i> *y*')).toBe('a\\|b \\[x\\](http://e) &lt;i&gt; \\*y\\*');
    expect(md).not.toContain('<script>');
    expect(md).toContain('migrating \\| "soon" &amp; &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(md).toContain('EXPIRED 3 day(s) ago, enforced again');
    expect(md).toContain('no drill yet');
    expect(md).toContain('## AWS Config disagreements');
    // Every table row has as many cells as the header.
    const matrix = md.split('\n').filter((line) => line.startsWith('| ') && line.includes('EXISTS') === false && /✓|✗|\?|·/.test(line));
    expect(matrix).toHaveLength(5);
    for (const line of matrix) expect(line.split(/(?<!\\)\|/).length).toBe(2 + 1 + 13);
  });

  it('text: the matrix with one symbol per cell, and the sections', () => {
    // Act
    const report = knownStatesReport();
    const text = renderPostureText(report);

    // Assess
    const row = renderPostureMatrix(report).split('\n').find((line) => line.startsWith('Ledger'));
    expect(row).toMatch(/^Ledger\s+✓\s+·\s+·\s+·\s+!\s+·\s+✗/);
    expect(text).toContain('Customers  TW-SSE  EXPIRED 3 day(s) ago, enforced again  sec@example.com  2026-11-25  key rollout');
    expect(text).toContain('Ledger  no drill yet');
    expect(text).toContain('Customers  TW-SSE  tablewarden-dynamodb-table-encrypted-kms  key <k> not in kmsKeyArns  SSE uses alias/customers as declared');
  });

  it('JSON: versioned and stable (the same input gives the same bytes)', () => {
    // Act
    const first = renderPostureJson(buildPostureReport(knownStatesInput()));
    const second = renderPostureJson(buildPostureReport(knownStatesInput()));

    // Assess
    expect(first).toBe(second);
    expect(JSON.parse(first)).toMatchObject({ apiVersion: 'tablewarden.io/report/v1', kind: 'PostureReport', status: 'failed' });
  });
});
