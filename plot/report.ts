// `mlduck report`: one HTML file that needs nothing at view time — the inventory, then every chart the
// warehouse has data for, as inline SVG with the font embedded.
import { writeFileSync } from 'node:fs';
import { readCatalog, SYSTEM_TABLES } from '../src/catalog.ts';
import { MlduckError } from '../src/errors.ts';
import { MLDUCK_VERSION } from '../src/version.ts';
import type { Warehouse } from '../src/warehouse.ts';
import { CHARTS } from './charts/index.ts';
import { FONT_FAMILY, fontFaceCss, renderSvg } from './render.ts';

export interface ReportResult {
  /** Charts drawn. */
  charts: number;
  /** One line per chart: what was drawn, or why not. */
  lines: string[];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The sources at the top (short), the tables folded at the end (long). */
async function inventoryHtml(wh: Warehouse): Promise<{ sources: string; tables: string }> {
  const catalog = await readCatalog(wh);
  const tables = catalog.filter((r) => r.kind === 'table' && !SYSTEM_TABLES.has(r.name) && (r.rows ?? 0) > 0);
  const views = catalog.filter((r) => r.kind === 'view');
  const ingests = await wh.all<{ kind: string; files: bigint; bytes: bigint | null; last: Date | null }>(
    'SELECT kind, files, bytes, last_ingest_at AS last FROM ingest_summary ORDER BY kind',
  );
  const row = (cells: string[]) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  const firstSentence = (text: string | null) => escapeHtml((text ?? '').split(/(?<=\.)\s/)[0] ?? '');
  return {
    sources: `<h2>Inventory</h2>
<p>${tables.length} tables with rows, ${views.length} views (every table is listed <a href="#tables">at the end</a>).</p>
<table><thead><tr><th>source</th><th>files</th><th>bytes</th><th>last ingest (UTC)</th></tr></thead><tbody>
${ingests.map((i) => row([escapeHtml(i.kind), String(i.files), String(i.bytes ?? 0), i.last ? i.last.toISOString().slice(0, 19).replace('T', ' ') : ''])).join('\n')}
</tbody></table>`,
    tables: `<details id="tables"><summary>Tables (${tables.length})</summary>
<table><thead><tr><th>table</th><th class="n">rows</th><th>what it holds</th></tr></thead><tbody>
${tables.map((t) => row([`<code>${escapeHtml(t.name)}</code>`, String(t.rows), firstSentence(t.comment)])).join('\n')}
</tbody></table></details>`,
  };
}

/** The report as an HTML string. */
export async function buildReport(wh: Warehouse): Promise<{ html: string } & ReportResult> {
  const lines: string[] = [];
  const sections: string[] = [];
  const charts = CHARTS.filter((c) => c.inReport !== false);
  for (const definition of charts) {
    try {
      const chart = await definition.build(wh, {});
      const svg = await renderSvg(chart.spec);
      sections.push(
        `<section class="chart" id="chart-${definition.name}"><h2>${escapeHtml(definition.name)}</h2><p>${escapeHtml(chart.summary)}</p>\n${svg}\n<p class="cmd"><code>mlduck plot ${definition.name} --out ${definition.name}.svg</code></p></section>`,
      );
      lines.push(chart.summary);
    } catch (error) {
      // A chart whose data the warehouse lacks is left out with the reason; anything else is a bug.
      if (!(error instanceof MlduckError) || error.kind === 'internal') throw error;
      lines.push(`${definition.name}: not drawn — ${error.toHumanLine()}`);
      sections.push(
        `<section class="missing"><h2>${escapeHtml(definition.name)}</h2><p>Not drawn: ${escapeHtml(error.toHumanLine())}</p></section>`,
      );
    }
  }
  const inventory = await inventoryHtml(wh);
  const drawn = lines.filter((l) => !/: not drawn — /.test(l)).length;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>mlduck report</title>
<style>
${fontFaceCss()}
body{font-family:'${FONT_FAMILY}',sans-serif;margin:2rem auto;max-width:1400px;padding:0 1.5rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.8rem 0;font-size:.85rem}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
td:nth-child(2){text-align:right}section.chart svg{max-width:100%;height:auto}.missing p{color:#8a5a00}.cmd{color:#555;font-size:.8rem}
</style></head><body>
<h1>mlduck report</h1>
<p>Drawn from the warehouse with mlduck ${escapeHtml(MLDUCK_VERSION)}: ${drawn} of ${charts.length} charts (the others name the ingest that would fill them).</p>
${inventory.sources}
${sections.join('\n')}
${inventory.tables}
</body></html>
`;
  return { html, charts: drawn, lines };
}

/** Builds the report and writes it to `path`. */
export async function writeReport(wh: Warehouse, path: string): Promise<ReportResult> {
  const { html, ...result } = await buildReport(wh);
  writeFileSync(path, html);
  return result;
}
