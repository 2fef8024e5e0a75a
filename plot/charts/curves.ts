// DataDecide curves: a metric against step/tokens/compute/cumulative_lr, one line per data recipe, a panel
// per model size, the seed mean with a ±1 std band (datadec's notebooks, from pretrain_seed_stats).
import type { TopLevelSpec } from 'vega-lite';
import { MlduckError } from '../../src/errors.ts';
import type { Row, Warehouse } from '../../src/warehouse.ts';
import {
  type Chart,
  type ChartDefinition,
  type ChartOptions,
  columnTitles,
  distinct,
  inList,
  rejectFilters,
  requireSources,
  selectRows,
  sizeOrder,
  VEGA_LITE_SCHEMA,
  whereCondition,
} from '../chart.ts';
import { CHART_CONFIG } from '../style.ts';

/** Above this many checkpoints drawn, no per-checkpoint markers or whiskers. */
export const DENSE_ROWS = 2000;

export const CURVE_X = ['step', 'tokens', 'compute', 'cumulative_lr'] as const;
type CurveX = (typeof CURVE_X)[number];

// Seed statistics beside the checkpoint's cumulative LR (the same for every seed of a schedule).
export const CURVES_BASE = `
  SELECT s.params, s.data, s.step, s.tokens, s.compute, lr.cumulative_lr, s.task, s.metric,
    s.n_seeds, s.mean, s.std, s.mean - s.std AS lower, s.mean + s.std AS upper
  FROM pretrain_seed_stats s
  LEFT JOIN (
    SELECT params, data, step, avg(cumulative_lr) AS cumulative_lr
    FROM pretrain_current_checkpoints GROUP BY params, data, step
  ) lr USING (params, data, step)`;

/** When no --task/--metric picks one, the metric drawn: the most common pair, headline metrics first. */
const PREFERRED_METRICS = ['valppl', 'acc_raw', 'acc_per_char', 'primary_score', 'correct_prob'];

async function pickTaskMetric(
  wh: Warehouse,
  options: ChartOptions,
): Promise<{ task: string; metric: string; choices: number }> {
  const filtered = await selectRows(
    wh,
    'curves',
    `SELECT task, metric, count(*) AS n FROM (${CURVES_BASE}) AS b GROUP BY task, metric`,
    [...inList('--task', 'task', options.task), ...inList('--metric', 'metric', options.metric)],
  );
  const rank = (m: unknown) => {
    const i = PREFERRED_METRICS.indexOf(String(m));
    return i < 0 ? PREFERRED_METRICS.length : i;
  };
  filtered.sort(
    (a, b) =>
      Number(b['n']) - Number(a['n']) ||
      rank(a['metric']) - rank(b['metric']) ||
      String(a['task']).localeCompare(String(b['task'])),
  );
  const first = filtered[0]!;
  return { task: String(first['task']), metric: String(first['metric']), choices: filtered.length };
}

export const curvesChart: ChartDefinition = {
  name: 'curves',
  description:
    'a DataDecide metric against step, tokens, compute or cumulative_lr: one line per data recipe, a panel per model size, seed mean ±1 std band',
  sources: [
    {
      relation: 'pretrain_seed_stats',
      table: 'pretrain_metrics',
      ingest: 'mlduck ingest datadecide <files>',
    },
  ],

  async build(wh, options): Promise<Chart> {
    rejectFilters('curves', options, ['run']);
    const x = (options.x ?? 'tokens') as CurveX;
    if (!CURVE_X.includes(x)) {
      throw new MlduckError(`--x ${options.x} is not an x of the curves chart`, {
        kind: 'usage',
        hint: `use one of ${CURVE_X.join(', ')}`,
      });
    }
    await requireSources(wh, 'curves', this.sources);
    const { task, metric, choices } = await pickTaskMetric(wh, options);
    const rows = await selectRows(
      wh,
      'curves',
      CURVES_BASE,
      [
        ...inList('--task', 'task', [task]),
        ...inList('--metric', 'metric', [metric]),
        ...inList('--data', 'data', options.data),
        ...inList('--params', 'params', options.params),
        ...whereCondition(options.where),
      ],
      'params, data, step',
    );
    const drawn: Row[] = rows
      .filter((r) => r[x] !== null && r['mean'] !== null)
      .map((r) => ({
        params: r['params'],
        data: r['data'],
        [x]: r[x],
        step: r['step'],
        n_seeds: r['n_seeds'],
        mean: r['mean'],
        std: r['std'],
        lower: r['lower'],
        upper: r['upper'],
      }));
    if (drawn.length === 0) {
      throw new MlduckError(`the curves chart has no ${x} values for ${task} ${metric}`, {
        kind: 'input',
        hint: 'pick another --x',
      });
    }
    const title = await columnTitles(wh, 'pretrain_seed_stats');
    const curveTitle = await columnTitles(wh, 'pretrain_curves');
    const xTitle = x === 'cumulative_lr' ? curveTitle(x) : title(x);
    const sizes = sizeOrder(distinct(drawn, 'params'));
    const recipes = (distinct(drawn, 'data') as string[]).sort();
    const xEncoding = {
      field: x,
      type: 'quantitative' as const,
      title: xTitle,
      // SI prefixes, with B (billions) for G as ML papers write token and FLOP counts.
      axis:
        x === 'tokens' || x === 'compute'
          ? { labelExpr: "datum.value == 0 ? '0' : replace(format(datum.value, '~s'), 'G', 'B')" }
          : {},
    };
    const color = {
      field: 'data',
      type: 'nominal' as const,
      title: title('data'),
      scale: { domain: recipes, scheme: recipes.length <= 10 ? 'tableau10' : 'category20' },
      // DataDecide's 25 recipes: two legend columns keep the panels from being dwarfed by the legend.
      legend: { columns: recipes.length > 12 ? 2 : 1 },
    };
    const lines = new Set(drawn.map((r) => `${r['params']}\u0000${r['data']}`)).size;
    const bands = new Set(
      drawn.filter((r) => r['std'] !== null).map((r) => `${r['params']}\u0000${r['data']}`),
    ).size;
    // Markers and whiskers per checkpoint help a sparse chart; on a full DataDecide grid (thousands of
    // checkpoints) they hide the lines and dominate the rendering time, so the lines and bands stand alone.
    const dense = drawn.length > DENSE_ROWS;
    const whiskers = {
      // The same ±1 std as a whisker at each checkpoint, so an isolated one still shows.
      transform: [{ filter: 'datum.std != null' }],
      mark: { type: 'rule' as const, opacity: 0.6 },
      encoding: {
        x: xEncoding,
        y: { field: 'lower', type: 'quantitative' as const },
        y2: { field: 'upper' },
        color,
      },
    };
    const spec: TopLevelSpec = {
      $schema: VEGA_LITE_SCHEMA,
      title: {
        text: `${task} ${metric}`,
        subtitle: `${title('mean')} with a ±1 standard deviation band (where ≥ 2 seeds have a value)`,
      },
      data: { values: drawn },
      facet: {
        column: { field: 'params', type: 'ordinal', sort: sizes, title: title('params') },
      },
      spec: {
        width: 240,
        height: 200,
        layer: [
          {
            // A checkpoint without a std (one seed) breaks the band rather than bridging it.
            mark: { type: 'area', opacity: 0.22, invalid: 'break-paths-show-domains' },
            encoding: {
              x: xEncoding,
              y: { field: 'lower', type: 'quantitative' },
              y2: { field: 'upper' },
              color,
            },
          },
          ...(dense ? [] : [whiskers]),
          {
            mark: { type: 'line', strokeWidth: dense ? 1.5 : 2, point: dense ? false : { size: 18 } },
            encoding: {
              x: xEncoding,
              y: {
                field: 'mean',
                type: 'quantitative',
                title: `${task} ${metric}`,
                scale: { zero: false },
              },
              color,
              tooltip: [
                { field: 'data', title: title('data') },
                { field: 'params', title: title('params') },
                { field: 'step', title: title('step') },
                { field: 'mean', format: '.4f', title: title('mean') },
                { field: 'std', format: '.4f', title: title('std') },
                { field: 'n_seeds', title: title('n_seeds') },
              ],
            },
          },
        ],
      },
      resolve: { scale: { x: 'independent' } },
      // ARIA labels (a text per line, the whole series) cost ~40% of a dense chart's rendering.
      config: dense ? { ...CHART_CONFIG, aria: false } : CHART_CONFIG,
    };
    const others = choices > 1 ? ` (1 of ${choices} task × metric pairs: choose with --task/--metric)` : '';
    return {
      spec,
      rows: drawn,
      summary: `curves: ${task} ${metric} vs ${x}, ${lines} lines, ${bands} ±1 std bands, ${sizes.length} model sizes${others}`,
    };
  },
};
