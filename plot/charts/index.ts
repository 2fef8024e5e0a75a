import type { ChartDefinition } from '../chart.ts';
import { CHART_NAMES } from '../names.ts';
import { curvesChart } from './curves.ts';
import { finetuneChart } from './finetune.ts';
import { historyChart } from './history.ts';
import { qaChart } from './qa.ts';
import { sqlChart } from './sql.ts';

/** Every chart, in the order the report shows them (the report leaves out `sql`, which needs a query). */
export const CHARTS: readonly ChartDefinition[] = [
  curvesChart,
  finetuneChart,
  historyChart,
  qaChart,
  sqlChart,
];

export function chartNames(): string[] {
  return CHARTS.map((c) => c.name);
}

if (chartNames().join() !== CHART_NAMES.join()) {
  throw new Error(`plot/names.ts lists ${CHART_NAMES.join()}, the charts are ${chartNames().join()}`);
}
