// The look every chart shares; kept apart from render.ts so that defining charts does not load Vega.

/** The family every chart uses: Inter, shipped as TTF by @expo-google-fonts/inter. */
export const FONT_FAMILY = 'Inter';

/** The look shared by every chart: legible at 1× on a screen and in a slide. */
export const CHART_CONFIG = {
  font: FONT_FAMILY,
  background: 'white',
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'bold' },
  legend: {
    labelFontSize: 11,
    titleFontSize: 12,
    labelLimit: 480,
    titleLimit: 600,
    symbolOpacity: 1,
    symbolStrokeWidth: 3,
  },
  header: { labelFontSize: 12, titleFontSize: 12, labelFontWeight: 'bold' },
  title: { fontSize: 14, anchor: 'start' },
} as const;
