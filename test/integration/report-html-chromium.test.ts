/**
 * The posture report's HTML in a real browser: Debian's headless Chromium (installed by the set-up when missing,
 * test/support/chromium.ts). A report with every cell state is rendered; Chromium dumps the DOM (which cell says
 * which state, with which class and words) and takes a screenshot, whose pixels at each cell must be that state's
 * legend colour, the same colour as the legend's swatch in the same screenshot.
 *
 * To find the cells in the screenshot, a copy of the page gets a few lines of script that write each cell's box into
 * an attribute (the report itself has no script, and its Content-Security-Policy would refuse one): the screenshot is
 * of the report as written, the boxes come from the copy, at the same window size.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_LABEL, CELL_STATES, CELL_SYMBOL, type CellState } from '../../functions/core/report/posture.ts';
import { CELL_COLOURS, renderPostureHtml, stateClass } from '../../functions/core/report/render-html.ts';
import { ensureChromium } from '../support/chromium.ts';
import { decodePng, pixelHex, type DecodedPng } from '../support/png.ts';
import { knownStatesReport } from '../support/posture-fixtures.ts';

const run = promisify(execFile);
const WINDOW = { width: 1280, height: 900 };

const MEASURE = `<script>for (const el of document.querySelectorAll('td.cell, .swatch')) { const r = el.getBoundingClientRect(); el.setAttribute('data-rect', [r.left, r.top, r.width, r.height].map(Math.round).join(',')); }</script>`;

interface DumpedCell {
  table: string;
  className: string;
  control: string;
  state: string;
  text: string;
  rect: [number, number, number, number];
}

const decodeEntities = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
const rectOf = (attributes: string): [number, number, number, number] => {
  const values = /data-rect="([\d,.-]+)"/.exec(attributes)?.[1]?.split(',').map(Number) ?? [];
  if (values.length !== 4) throw new Error(`no data-rect in ${attributes}`);
  return values as [number, number, number, number];
};

function hexDistance(a: string, b: string): number {
  const channels = (hex: string) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  const [x, y] = [channels(a), channels(b)];
  return Math.max(...x.map((value, i) => Math.abs(value - (y[i] as number))));
}

/** A point inside the box, clear of the border and of the centred symbol and word. */
const sample = (image: DecodedPng, [left, top]: readonly number[]) => pixelHex(image, (left as number) + 4, (top as number) + 3);

describe('report.html in headless Chromium', () => {
  const report = knownStatesReport();
  const dir = mkdtempSync(join(tmpdir(), 'tw-report-html-'));
  const cells: DumpedCell[] = [];
  let swatches = new Map<string, [number, number, number, number]>();
  let screenshot: DecodedPng;
  let pristineDom = '';

  beforeAll(async () => {
    const chromium = ensureChromium();
    const html = renderPostureHtml(report);
    writeFileSync(join(dir, 'report.html'), html);
    writeFileSync(join(dir, 'measured.html'), html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '').replace('</body>', `${MEASURE}</body>`));
    const flags = (profile: string) => ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--force-device-scale-factor=1', '--no-first-run', `--user-data-dir=${join(dir, profile)}`, `--window-size=${WINDOW.width},${WINDOW.height}`];
    const [measured, pristine] = await Promise.all([
      run(chromium, [...flags('a'), '--dump-dom', `file://${join(dir, 'measured.html')}`], { maxBuffer: 16 * 1024 * 1024, timeout: 30_000 }),
      run(chromium, [...flags('b'), '--dump-dom', `file://${join(dir, 'report.html')}`], { maxBuffer: 16 * 1024 * 1024, timeout: 30_000 }),
      run(chromium, [...flags('c'), `--screenshot=${join(dir, 'shot.png')}`, `file://${join(dir, 'report.html')}`], { timeout: 30_000 }),
    ]);
    pristineDom = pristine.stdout;
    for (const row of measured.stdout.matchAll(/<tr data-table="([^"]*)">(.*?)<\/tr>/gs)) {
      for (const cell of (row[2] as string).matchAll(/<td class="([^"]*)"([^>]*)>(.*?)<\/td>/gs)) {
        const attributes = cell[2] as string;
        cells.push({
          table: decodeEntities(row[1] as string),
          className: cell[1] as string,
          control: /data-control="([^"]*)"/.exec(attributes)?.[1] ?? '',
          state: /data-state="([^"]*)"/.exec(attributes)?.[1] ?? '',
          text: decodeEntities(cell[3] as string),
          rect: rectOf(attributes),
        });
      }
    }
    swatches = new Map([...measured.stdout.matchAll(/<span class="swatch [^"]*" data-legend="([A-Z_]+)"([^>]*)>/g)].map((match) => [match[1] as string, rectOf(match[2] as string)]));
    screenshot = decodePng(readFileSync(join(dir, 'shot.png')));
  }, 600_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders one cell per table and control, each with the state, class and words of the report', () => {
    // Assess
    expect(screenshot.width).toBe(WINDOW.width);
    expect(cells).toHaveLength(report.tables.length * report.controls.length);
    for (const row of report.tables) {
      for (const expected of row.cells) {
        const dumped = cells.find((cell) => cell.table === row.name && cell.control === expected.control);
        expect(dumped, `${row.name} ${expected.control}`).toMatchObject({ state: expected.state, className: `cell ${stateClass(expected.state)}` });
        expect(dumped?.text).toBe(`${CELL_SYMBOL[expected.state]} ${CELL_LABEL[expected.state]}${expected.waiverExpired ? '*' : ''}`);
      }
    }
    // The fixture covers every state, so every legend colour is checked below.
    expect(new Set(cells.map((cell) => cell.state))).toEqual(new Set(CELL_STATES));
    // The table name with markup is text, not markup, in the page as the browser parsed it.
    expect(pristineDom).toContain('<tr data-table="Orders &lt;x&gt;"><th scope="row">Orders &lt;x&gt;</th>');
    expect(pristineDom).not.toContain('<b>payments');
  });

  it('paints each cell in its legend colour: the screenshot pixel at the cell matches the CSS colour and the legend swatch', () => {
    // Assess
    for (const state of CELL_STATES) {
      const swatch = swatches.get(state);
      expect(swatch, `legend swatch ${state}`).toBeDefined();
      expect(hexDistance(sample(screenshot, swatch as number[]), CELL_COLOURS[state]), `legend ${state}`).toBeLessThanOrEqual(3);
    }
    for (const cell of cells) {
      const colour = sample(screenshot, cell.rect);
      const expected = CELL_COLOURS[cell.state as CellState];
      expect(hexDistance(colour, expected), `${cell.table} ${cell.control} (${cell.state}) is ${colour}, legend says ${expected}`).toBeLessThanOrEqual(3);
    }
  });
});
