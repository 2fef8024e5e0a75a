// `mlduck plot <chart>`: builds the chart from the warehouse, then writes SVG, PNG or the Vega-Lite JSON.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MlduckError } from '../src/errors.ts';
import type { Warehouse } from '../src/warehouse.ts';
import type { Chart, ChartDefinition, ChartOptions } from './chart.ts';
import { CHARTS, chartNames } from './charts/index.ts';
import { formatOf, type OutputFormat, renderSvg, svgToPng, svgWidth } from './render.ts';

export function findChart(name: string): ChartDefinition {
  const chart = CHARTS.find((c) => c.name === name);
  if (!chart) {
    throw new MlduckError(`unknown chart ${name}`, {
      kind: 'usage',
      hint: `use one of ${chartNames().join(', ')}`,
    });
  }
  return chart;
}

/** Checks an output path before anything is computed: a known extension, an existing folder, not a folder. */
export function checkOutPath(path: string, allowed: readonly OutputFormat[] | 'html'): void {
  if (allowed === 'html') {
    if (!/\.html?$/i.test(path)) {
      throw new MlduckError(`${path}: the report is HTML`, { kind: 'usage', hint: 'end --out with .html' });
    }
  } else if (!allowed.includes(formatOf(path))) {
    throw new MlduckError(`${path}: cannot write that format`, { kind: 'usage' });
  }
  const dir = dirname(resolve(path));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new MlduckError(`cannot write ${path}: folder ${dir} does not exist`, {
      kind: 'input',
      file: path,
    });
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new MlduckError(`cannot write ${path}: it is a folder`, { kind: 'input', file: path });
  }
}

export interface WrittenChart {
  chart: Chart;
  format: OutputFormat;
  bytes: number;
}

/** Renders a chart into the bytes of `format` (PNG `pngWidth` pixels wide, twice the SVG by default). */
export async function chartBytes(chart: Chart, format: OutputFormat, pngWidth?: number): Promise<Buffer> {
  if (format === 'json') return Buffer.from(`${JSON.stringify(chart.spec, null, 2)}\n`);
  const svg = await renderSvg(chart.spec);
  if (format === 'svg') return Buffer.from(svg);
  return svgToPng(svg, pngWidth ?? Math.round(svgWidth(svg) * 2));
}

/** Builds the chart and writes it; nothing is written when the chart cannot be built. */
export async function plotToFile(
  wh: Warehouse,
  name: string,
  options: ChartOptions,
  out: string,
  pngWidth?: number,
): Promise<WrittenChart> {
  const definition = findChart(name);
  const format = formatOf(out);
  checkOutPath(out, ['svg', 'png', 'json']);
  const chart = await definition.build(wh, options);
  const bytes = await chartBytes(chart, format, pngWidth);
  writeFileSync(out, bytes);
  return { chart, format, bytes: bytes.length };
}
