import type { ChartDefinition } from '../chart.ts';
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
