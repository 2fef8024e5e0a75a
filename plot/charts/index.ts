import type { ChartDefinition } from '../chart.ts';
import { curvesChart } from './curves.ts';

/** Every chart, in the order the report shows them. */
export const CHARTS: readonly ChartDefinition[] = [curvesChart];

export function chartNames(): string[] {
  return CHARTS.map((c) => c.name);
}
