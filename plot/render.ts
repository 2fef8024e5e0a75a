// Vega-Lite → Vega → SVG in Node (no browser, no canvas), SVG → PNG with resvg and a font shipped in
// node_modules, so a fresh machine with no system fonts draws the same picture.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { MlduckError } from '../src/errors.ts';
import { FONT_FAMILY } from './style.ts';

export type { TopLevelSpec } from 'vega-lite';
export { FONT_FAMILY } from './style.ts';

const require = createRequire(import.meta.url);

export const FONT_FILES: readonly string[] = [
  require.resolve('@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf'),
  require.resolve('@expo-google-fonts/inter/700Bold/Inter_700Bold.ttf'),
];

export type OutputFormat = 'svg' | 'png' | 'json';

/** The format an --out path asks for, by its extension. */
export function formatOf(path: string): OutputFormat {
  const ext = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (ext === 'svg' || ext === 'png' || ext === 'json') return ext;
  throw new MlduckError(`cannot tell the image format of ${path}`, {
    kind: 'usage',
    hint: 'end --out with .svg, .png or .json (the Vega-Lite spec)',
  });
}

/** Renders a Vega-Lite spec to an SVG document with Vega's headless view. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterizes an SVG to PNG `width` pixels wide (height keeps the aspect), fonts from node_modules only. */
export function svgToPng(svg: string, width: number): Buffer {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'width', value: width },
    font: {
      loadSystemFonts: false,
      fontFiles: [...FONT_FILES],
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
  });
  return resvg.render().asPng();
}

/** The natural width of a rendered SVG, in CSS pixels. */
export function svgWidth(svg: string): number {
  return Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1] ?? 0);
}

/** The shipped font files as base64 @font-face rules, for HTML that must render offline. */
export function fontFaceCss(): string {
  return FONT_FILES.map((path, i) => {
    const data = readFileSync(path).toString('base64');
    return `@font-face{font-family:'${FONT_FAMILY}';font-weight:${i === 0 ? 400 : 700};src:url(data:font/ttf;base64,${data}) format('truetype');}`;
  }).join('\n');
}
