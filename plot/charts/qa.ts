// OLMES QA: the accuracy recomputed from the per-question predictions across checkpoints (lines), with the
// score metrics.json reports beside it (rings), a panel per task (qa_task_accuracy).
import type { TopLevelSpec } from 'vega-lite';
import {
  type Chart,
  type ChartDefinition,
  columnTitles,
  distinct,
  inList,
  rejectFilters,
  requireSources,
  selectRows,
  VEGA_LITE_SCHEMA,
  whereCondition,
} from '../chart.ts';
import { CHART_CONFIG } from '../style.ts';

export const RECOMPUTED = 'recomputed from predictions';
export const REPORTED = 'reported in metrics.json';

export const qaChart: ChartDefinition = {
  name: 'qa',
  description:
    'QA accuracy recomputed from the questions per task across checkpoints, with the metrics.json score beside it',
  sources: [{ relation: 'qa_task_accuracy', table: 'qa_tasks', ingest: 'mlduck ingest qa <OLMES outputs>' }],

  async build(wh, options): Promise<Chart> {
    rejectFilters('qa', options, ['run']);
    await requireSources(wh, 'qa', this.sources);
    const rows = await selectRows(
      wh,
      'qa',
      `SELECT data, params, seed, step, task, primary_metric, primary_score, recomputed_score,
         concat_ws(' ', coalesce(data, recipe), params, 'seed ' || seed) AS checkpoint_series
       FROM qa_task_accuracy`,
      [
        ...inList('--data', 'data', options.data),
        ...inList('--params', 'params', options.params),
        ...inList('--task', 'task', options.task),
        ...inList('--metric', 'primary_metric', options.metric),
        ...whereCondition(options.where),
      ],
      'task, checkpoint_series, step',
    );
    const title = await columnTitles(wh, 'qa_task_accuracy');
    const tasks = (distinct(rows, 'task') as string[]).sort();
    const series = (distinct(rows, 'checkpoint_series') as string[]).sort();
    const metricNames = (distinct(rows, 'primary_metric') as string[]).sort();
    const x = { field: 'step', type: 'quantitative' as const, title: title('step') };
    const color = {
      field: 'checkpoint_series',
      type: 'nominal' as const,
      title: 'Checkpoint (data, params, seed)',
      scale: { domain: series, scheme: series.length <= 10 ? 'tableau10' : 'category20' },
    };
    const shape = {
      type: 'nominal' as const,
      title: 'value',
      scale: { domain: [RECOMPUTED, REPORTED], range: ['circle', 'diamond'] },
    };
    const spec: TopLevelSpec = {
      $schema: VEGA_LITE_SCHEMA,
      title: {
        text: 'QA accuracy per task',
        subtitle: [
          `Filled points and lines: ${RECOMPUTED}; hollow diamonds: ${REPORTED} (they coincide when the files agree)`,
          `${title('primary_metric')}: ${metricNames.join(', ')}`,
        ],
      },
      data: { values: rows },
      facet: { field: 'task', type: 'nominal', title: title('task'), sort: tasks },
      columns: Math.min(3, tasks.length),
      spec: {
        width: 240,
        height: 180,
        layer: [
          {
            mark: { type: 'line', point: { filled: true, size: 40 }, strokeWidth: 2 },
            encoding: {
              x,
              y: {
                field: 'recomputed_score',
                type: 'quantitative',
                title: 'Primary score',
                scale: { zero: false },
              },
              color,
              shape: { ...shape, datum: RECOMPUTED },
            },
          },
          {
            mark: { type: 'point', filled: false, size: 160, strokeWidth: 1.5 },
            encoding: {
              x,
              y: { field: 'primary_score', type: 'quantitative' },
              color,
              shape: { ...shape, datum: REPORTED },
              tooltip: [
                { field: 'checkpoint_series', title: 'checkpoint' },
                { field: 'step', title: title('step') },
                { field: 'recomputed_score', format: '.4f', title: title('recomputed_score') },
                { field: 'primary_score', format: '.4f', title: title('primary_score') },
              ],
            },
          },
        ],
      },
      config: CHART_CONFIG,
    };
    return {
      spec,
      rows,
      summary: `qa: ${tasks.length} tasks × ${series.length} checkpoint series, ${rows.length} recomputed and ${rows.filter((r) => r['primary_score'] !== null).length} reported scores`,
    };
  },
};
