// W&B run histories: metrics against step or runtime for the runs a filter selects, a panel per metric,
// optional EMA smoothing (raw line kept faint behind it, as W&B draws it), NaN/±Inf marked as red rules.
import type { TopLevelSpec } from 'vega-lite';
import { MlduckError } from '../../src/errors.ts';
import type { Row } from '../../src/warehouse.ts';
import {
  type Chart,
  type ChartDefinition,
  columnTitles,
  distinct,
  inList,
  rejectFilters,
  requireSources,
  runContains,
  selectRows,
  VEGA_LITE_SCHEMA,
  whereCondition,
} from '../chart.ts';
import { emaSmooth } from '../ema.ts';
import { CHART_CONFIG } from '../style.ts';

export const HISTORY_X = ['step', 'runtime_s'] as const;

export const historyChart: ChartDefinition = {
  name: 'history',
  description:
    'W&B history metrics against step or runtime for the selected runs, a panel per metric, optional EMA smoothing, NaN/Inf marked',
  sources: [
    { relation: 'wandb_history', table: 'wandb_history', ingest: 'mlduck ingest wandb <history files>' },
  ],

  async build(wh, options): Promise<Chart> {
    rejectFilters('history', options, ['data', 'params', 'task']);
    const x = options.x ?? 'step';
    if (!(HISTORY_X as readonly string[]).includes(x)) {
      throw new MlduckError(`--x ${x} is not an x of the history chart`, {
        kind: 'usage',
        hint: `use one of ${HISTORY_X.join(', ')}`,
      });
    }
    await requireSources(wh, 'history', this.sources);
    const rows = await selectRows(
      wh,
      'history',
      'SELECT run_id, metric, step, runtime_s, value, special FROM wandb_history',
      [
        ...runContains(options.run),
        ...inList('--metric', 'metric', options.metric),
        ...whereCondition(options.where),
        { flag: `--x ${x}`, sql: `${x} IS NOT NULL` },
      ],
      `run_id, metric, ${x}`,
    );
    const weight = options.smooth ?? 0;
    const drawn: Row[] = [];
    let series = 0;
    for (let start = 0; start < rows.length; ) {
      let end = start;
      while (
        end < rows.length &&
        rows[end]!['run_id'] === rows[start]!['run_id'] &&
        rows[end]!['metric'] === rows[start]!['metric']
      )
        end++;
      const group = rows.slice(start, end);
      const smoothed = emaSmooth(
        group.map((r) => r['value'] as number | null),
        weight,
      );
      group.forEach((r, i) => {
        drawn.push({
          run_id: r['run_id'],
          metric: r['metric'],
          [x]: r[x],
          value: r['value'],
          smoothed: smoothed[i] ?? null,
          special: r['special'],
        });
      });
      series++;
      start = end;
    }
    const title = await columnTitles(wh, 'wandb_history');
    const metrics = (distinct(drawn, 'metric') as string[]).sort();
    const runs = (distinct(drawn, 'run_id') as string[]).sort();
    const nonFinite = drawn.filter((r) => r['special'] !== null).length;
    const color = {
      field: 'run_id',
      type: 'nominal' as const,
      title: title('run_id'),
      scale: { domain: runs, scheme: runs.length <= 10 ? 'tableau10' : 'category20' },
      legend: { orient: 'bottom' as const, columns: 1 },
    };
    const xEncoding = { field: x, type: 'quantitative' as const, title: title(x) };
    // The comment of `value` speaks of NULLs; the panel title names the metric.
    const valueTitle = 'Logged value';
    const layer: Record<string, unknown>[] = [
      {
        // Lines join the finite values across a NaN/Inf (as W&B draws them); the rules below mark the gaps.
        transform: [{ filter: 'datum.value != null' }],
        mark: { type: 'line', strokeWidth: weight > 0 ? 1 : 1.5, opacity: weight > 0 ? 0.25 : 1 },
        encoding: {
          x: xEncoding,
          y: { field: 'value', type: 'quantitative', title: valueTitle, scale: { zero: false } },
          color,
        },
      },
    ];
    if (weight > 0) {
      layer.push({
        transform: [{ filter: 'datum.smoothed != null' }],
        mark: { type: 'line', strokeWidth: 2 },
        encoding: { x: xEncoding, y: { field: 'smoothed', type: 'quantitative' }, color },
      });
    }
    if (nonFinite > 0) {
      layer.push({
        transform: [{ filter: 'datum.special != null' }],
        mark: { type: 'rule', color: '#d62728', strokeDash: [3, 2], strokeWidth: 1.5 },
        encoding: {
          x: xEncoding,
          tooltip: [
            { field: 'run_id', title: title('run_id') },
            { field: x, title: title(x) },
            { field: 'special', title: title('special') },
          ],
        },
      });
    }
    const subtitle = [
      weight > 0 ? `EMA smoothing ${weight} (raw values faint)` : 'raw values',
      nonFinite > 0 ? `${nonFinite} NaN/Inf values marked by red dashed rules` : 'no NaN/Inf values',
    ].join('; ');
    const spec = {
      $schema: VEGA_LITE_SCHEMA,
      title: { text: 'W&B history', subtitle },
      data: { values: drawn },
      facet: { field: 'metric', type: 'nominal', title: title('metric'), sort: metrics },
      columns: Math.min(3, metrics.length),
      spec: { width: 280, height: 180, layer },
      resolve: { scale: { y: 'independent' } },
      config: CHART_CONFIG,
    } as unknown as TopLevelSpec;
    return {
      spec,
      rows: drawn,
      summary: `history: ${series} lines (${runs.length} runs × ${metrics.length} metrics) vs ${x}, ${nonFinite} NaN/Inf marked${weight > 0 ? `, EMA ${weight}` : ''}`,
    };
  },
};
