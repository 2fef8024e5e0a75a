// dr_showntell's chart: the score after fine-tuning against the matched pretraining checkpoint's score,
// coloured by recipe, sized by model size, a panel per score, with the y = x line (no change).
import type { TopLevelSpec } from 'vega-lite';
import { sqlString } from '../../src/sql.ts';
import {
  type Chart,
  type ChartDefinition,
  type Condition,
  columnTitles,
  distinct,
  inList,
  requireSources,
  runContains,
  selectRows,
  sizeOrder,
  VEGA_LITE_SCHEMA,
  whereCondition,
} from '../chart.ts';
import { CHART_CONFIG } from '../style.ts';

/** Score names are <task>_<metric>: --task keeps a prefix, --metric a suffix. */
function affix(flag: string, values: readonly string[] | undefined, how: 'prefix' | 'suffix'): Condition[] {
  if (!values || values.length === 0) return [];
  const test = values
    .map((v) =>
      how === 'prefix'
        ? `starts_with(score_name, ${sqlString(`${v}_`)})`
        : `ends_with(score_name, ${sqlString(`_${v}`)})`,
    )
    .join(' OR ');
  return [{ flag: `${flag} ${values.join(',')}`, sql: `(${test})`, column: 'score_name' }];
}

export const finetuneChart: ChartDefinition = {
  name: 'finetune-vs-pretrain',
  description:
    'fine-tuned score against the matched pretraining checkpoint score, coloured by recipe, sized by model size, a panel per score',
  sources: [
    {
      relation: 'finetune_vs_pretrain_scores',
      table: 'finetune_pretrain_matched_values',
      ingest: 'mlduck ingest pickle combined_plotting_data_matched.pkl',
    },
  ],

  async build(wh, options): Promise<Chart> {
    await requireSources(wh, 'finetune-vs-pretrain', this.sources);
    const rows = await selectRows(
      wh,
      'finetune-vs-pretrain',
      'SELECT run_id, params, data, step, comparison_metric, score_name, finetuned_score, pretrained_score FROM finetune_vs_pretrain_scores',
      [
        ...affix('--task', options.task, 'prefix'),
        ...affix('--metric', options.metric, 'suffix'),
        ...inList('--data', 'data', options.data),
        ...inList('--params', 'params', options.params),
        ...runContains(options.run),
        ...whereCondition(options.where),
      ],
      'score_name, params, data, run_id',
    );
    const title = await columnTitles(wh, 'finetune_vs_pretrain_scores');
    const sizes = sizeOrder(distinct(rows, 'params'));
    const scores = (distinct(rows, 'score_name') as string[]).sort();
    const recipes = (distinct(rows, 'data') as string[]).sort();
    const spec: TopLevelSpec = {
      $schema: VEGA_LITE_SCHEMA,
      title: {
        text: 'Fine-tuned vs pretrained score',
        subtitle:
          'Each point a matched fine-tuning run; above the dashed line the fine-tuned model scores higher',
      },
      data: { values: rows },
      facet: { field: 'score_name', type: 'nominal', title: title('score_name'), sort: scores },
      columns: Math.min(4, scores.length),
      spec: {
        width: 180,
        height: 180,
        layer: [
          {
            // y = x over the panel's own range: two points (lo, lo) and (hi, hi).
            transform: [
              {
                aggregate: [
                  { op: 'min', field: 'pretrained_score', as: 'lo_pt' },
                  { op: 'min', field: 'finetuned_score', as: 'lo_ft' },
                  { op: 'max', field: 'pretrained_score', as: 'hi_pt' },
                  { op: 'max', field: 'finetuned_score', as: 'hi_ft' },
                ],
              },
              { calculate: 'min(datum.lo_pt, datum.lo_ft)', as: 'lo' },
              { calculate: 'max(datum.hi_pt, datum.hi_ft)', as: 'hi' },
              { fold: ['lo', 'hi'], as: ['end', 'diagonal'] },
            ],
            mark: { type: 'line', strokeDash: [4, 4], color: '#888', strokeWidth: 1 },
            encoding: {
              x: { field: 'diagonal', type: 'quantitative' },
              y: { field: 'diagonal', type: 'quantitative' },
            },
          },
          {
            mark: { type: 'point', filled: true, opacity: 0.85 },
            encoding: {
              x: {
                field: 'pretrained_score',
                type: 'quantitative',
                title: title('pretrained_score'),
                scale: { zero: false },
              },
              y: {
                field: 'finetuned_score',
                type: 'quantitative',
                title: title('finetuned_score'),
                scale: { zero: false },
              },
              color: {
                field: 'data',
                type: 'nominal',
                title: title('data'),
                scale: { domain: recipes, scheme: 'tableau10' },
              },
              size: {
                field: 'params',
                type: 'ordinal',
                title: title('params'),
                sort: sizes,
                scale: {
                  domain: sizes,
                  range: sizes.map((_, i) => 40 + (i * 200) / Math.max(1, sizes.length - 1)),
                },
              },
              tooltip: [
                { field: 'run_id', title: title('run_id') },
                { field: 'params', title: title('params') },
                { field: 'data', title: title('data') },
                { field: 'step', title: title('step') },
                { field: 'pretrained_score', format: '.4f', title: title('pretrained_score') },
                { field: 'finetuned_score', format: '.4f', title: title('finetuned_score') },
              ],
            },
          },
        ],
      },
      resolve: { scale: { x: 'independent', y: 'independent' } },
      config: CHART_CONFIG,
    };
    const runs = distinct(rows, 'run_id').length;
    return {
      spec,
      rows,
      summary: `finetune-vs-pretrain: ${rows.length} points (${runs} runs × ${scores.length} scores), ${recipes.length} recipes, ${sizes.length} model sizes`,
    };
  },
};
