import { readFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { titleFromComment } from '../../plot/chart.ts';
import { curvesChart } from '../../plot/charts/curves.ts';
import { finetuneChart } from '../../plot/charts/finetune.ts';
import { historyChart } from '../../plot/charts/history.ts';
import { qaChart } from '../../plot/charts/qa.ts';
import { sqlChart } from '../../plot/charts/sql.ts';
import { emaSmooth } from '../../plot/ema.ts';
import { FONT_FILES, renderSvg, svgToPng } from '../../plot/render.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { countMarks, NAN_RUN, plotFixture, pngSize } from './fixture.ts';

let wh: Warehouse;
let remove: () => void;

beforeAll(async () => {
  const fixture = await plotFixture();
  remove = fixture.remove;
  wh = await Warehouse.open(fixture.db, { readOnly: true });
}, 60_000);
afterAll(() => {
  wh?.close();
  remove?.();
});

async function comment(relation: string, column: string): Promise<string> {
  return (await wh.scalar<string>(
    'SELECT comment FROM duckdb_columns() WHERE table_name = $1 AND column_name = $2',
    [relation, column],
  )) as string;
}

// biome-ignore lint/suspicious/noExplicitAny: specs are walked as plain JSON
type Json = any;

describe('curves', () => {
  it('draws one line per recipe × size, a band where seeds spread, values and titles from the warehouse', async () => {
    const chart = await curvesChart.build(wh, { task: ['arc_challenge'], metric: ['acc_raw'] });
    const expected = await wh.all<{ series: bigint; banded: bigint; points: bigint }>(`
      SELECT count(DISTINCT (params, data)) AS series,
        count(DISTINCT (params, data)) FILTER (WHERE std IS NOT NULL) AS banded, count(*) AS points
      FROM pretrain_seed_stats WHERE task = 'arc_challenge' AND metric = 'acc_raw'`);
    expect(chart.rows.length).toBe(Number(expected[0]!.points));
    const spec: Json = chart.spec;
    // The data values behind the lines are the seed means and mean ± std of the view.
    const point = spec.data.values.find(
      (r: Json) => r.params === '150M' && r.data === 'DCLM-Baseline' && r.step === 1250,
    );
    const stats = await wh.all<{ mean: number; std: number }>(
      "SELECT mean, std FROM pretrain_seed_stats WHERE task = 'arc_challenge' AND metric = 'acc_raw' AND params = '150M' AND data = 'DCLM-Baseline' AND step = 1250",
    );
    expect(point.mean).toBeCloseTo(stats[0]!.mean, 12);
    expect(point.upper - point.lower).toBeCloseTo(2 * stats[0]!.std, 12);
    // Axis, legend and facet titles are the first clause of the column comments.
    const [area, , line] = spec.spec.layer;
    expect(line.encoding.x.title).toBe(
      titleFromComment(await comment('pretrain_seed_stats', 'tokens'), 'tokens'),
    );
    expect(line.encoding.x.title).toBe('Training tokens at the step');
    expect(line.encoding.color.title).toBe('Data recipe display name');
    expect(spec.facet.column.title).toBe('Model size name');
    expect(spec.facet.column.sort).toEqual(['4M', '150M', '530M']);
    expect(area.mark.type).toBe('area');
    // What Vega drew: one line path per series, one band (area path) per series (areas break, not bridge).
    const svg = await renderSvg(chart.spec);
    expect(countMarks(svg, 'line mark')).toBe(Number(expected[0]!.series));
    expect(countMarks(svg, 'area mark')).toBe(Number(expected[0]!.series));
    expect(chart.summary).toContain(`${expected[0]!.series} lines, ${expected[0]!.banded} ±1 std bands`);
    expect(svg).toContain('>Training tokens at the step</text>');
  });

  it('draws against cumulative_lr and step too, and keeps only the selected recipes', async () => {
    const chart = await curvesChart.build(wh, {
      task: ['arc_challenge'],
      metric: ['acc_raw'],
      x: 'cumulative_lr',
      data: ['DCLM-Baseline'],
    });
    const spec: Json = chart.spec;
    expect(new Set(spec.data.values.map((r: Json) => r.data))).toEqual(new Set(['DCLM-Baseline']));
    expect(spec.spec.layer[2].encoding.x.title).toBe('Area under the learning-rate curve up to the step');
    expect(spec.data.values.every((r: Json) => typeof r.cumulative_lr === 'number')).toBe(true);
  });
});

describe('finetune-vs-pretrain', () => {
  it('draws one point per run × score at (pretrained, finetuned) with the y = x line per panel', async () => {
    const chart = await finetuneChart.build(wh, {});
    const n = Number(await wh.scalar<bigint>('SELECT count(*) FROM finetune_vs_pretrain_scores'));
    expect(n).toBeGreaterThan(0);
    const spec: Json = chart.spec;
    expect(spec.data.values).toHaveLength(n);
    const one = spec.data.values.find(
      (r: Json) => r.score_name === 'arc_easy_acc_raw' && r.params === '530M',
    );
    const [ft, pt] = await Promise.all(
      ['ft_arc_easy_acc_raw', 'pt_arc_easy_acc_raw'].map((name) =>
        wh.scalar<number>(
          `SELECT value FROM finetune_pretrain_matched_values v JOIN finetune_pretrain_matched m USING (run_id)
           WHERE v.name = $1 AND m.params = '530M'`,
          [name],
        ),
      ),
    );
    expect(one.finetuned_score).toBe(ft);
    expect(one.pretrained_score).toBe(pt);
    const points = spec.spec.layer[1].encoding;
    expect(points.x.title).toBe('Score of the pretraining checkpoint');
    expect(points.y.title).toBe('Score after fine-tuning');
    expect(points.size.sort).toEqual(['4M', '150M', '530M']);
    const svg = await renderSvg(chart.spec);
    const panels = new Set(spec.data.values.map((r: Json) => r.score_name)).size;
    expect(countMarks(svg, 'point')).toBe(n);
    expect(countMarks(svg, 'line mark')).toBe(panels);
  });

  it('--task keeps a score prefix and --metric a suffix', async () => {
    const chart = await finetuneChart.build(wh, { task: ['piqa'], metric: ['acc_raw'] });
    expect(new Set(chart.rows.map((r) => r['score_name']))).toEqual(new Set(['piqa_acc_raw']));
  });
});

describe('history', () => {
  it('marks NaN and Infinity as rules instead of dropping them, and smooths with W&B’s EMA', async () => {
    const chart = await historyChart.build(wh, { run: ['nan_probe'], smooth: 0.5 });
    const spec: Json = chart.spec;
    expect(spec.data.values).toHaveLength(8);
    expect(
      spec.data.values.filter((r: Json) => r.special !== null).map((r: Json) => [r.step, r.special]),
    ).toEqual([
      [3, 'NaN'],
      [5, 'Infinity'],
    ]);
    const expected = emaSmooth([4, 3, 2.5, null, 2, null, 1.5, 1.25], 0.5);
    expect(spec.data.values.map((r: Json) => r.smoothed)).toEqual(expected);
    const svg = await renderSvg(chart.spec);
    expect(countMarks(svg, 'rule mark')).toBe(2);
    expect(countMarks(svg, 'line mark')).toBe(2); // raw (faint) and smoothed
    expect(chart.summary).toContain('2 NaN/Inf marked');
    expect(spec.spec.layer[0].encoding.x.title).toBe(
      titleFromComment(await comment('wandb_history', 'step'), 'step'),
    );
    expect(spec.data.values.every((r: Json) => r.run_id === NAN_RUN)).toBe(true);
  });

  it('EMA is debiased like TensorBoard/W&B and passes over non-finite values', () => {
    const out = emaSmooth([1, null, 3], 0.5);
    expect(out[0]).toBe(1);
    expect(out[1]).toBeNull();
    expect(out[2]).toBeCloseTo(1.75 / 0.75, 12);
    expect(emaSmooth([2, 5], 0)).toEqual([2, 5]);
  });
});

describe('qa', () => {
  it('draws the recomputed accuracy as lines and the metrics.json score as rings, a panel per task', async () => {
    const chart = await qaChart.build(wh, {});
    const rows = await wh.all<{ tasks: bigint; series: bigint; n: bigint }>(
      'SELECT count(DISTINCT task) AS tasks, count(DISTINCT (data, params, seed)) AS series, count(*) AS n FROM qa_task_accuracy',
    );
    const { tasks, series, n } = rows[0]!;
    const spec: Json = chart.spec;
    expect(spec.data.values).toHaveLength(Number(n));
    const svg = await renderSvg(chart.spec);
    expect(countMarks(svg, 'line mark')).toBe(Number(tasks * series));
    // Line points plus the reported rings.
    expect(countMarks(svg, 'point')).toBe(2 * Number(n));
    expect(spec.spec.layer[0].encoding.x.title).toBe('Training step');
    expect(spec.facet.title).toBe('Task');
    for (const r of spec.data.values) expect(r.recomputed_score).toBeCloseTo(r.primary_score, 12);
  });
});

describe('sql', () => {
  it('draws any query with the requested mark and colour', async () => {
    const chart = await sqlChart.build(wh, {
      sql: 'SELECT params, count(*) AS checkpoints FROM pretrain_current_checkpoints GROUP BY params',
      x: 'params',
      y: 'checkpoints',
      mark: 'bar',
    });
    const svg = await renderSvg(chart.spec);
    const sizes = Number(
      await wh.scalar<bigint>('SELECT count(DISTINCT params) FROM pretrain_current_checkpoints'),
    );
    expect(countMarks(svg, 'bar')).toBe(sizes);
    expect((chart.spec as Json).encoding.y.title).toBe('checkpoints');
  });
});

describe('rendering', () => {
  it('makes a PNG of the requested width that is not blank, with the shipped font only', async () => {
    const chart = await curvesChart.build(wh, { task: ['arc_challenge'], metric: ['acc_raw'] });
    const svg = await renderSvg(chart.spec);
    const png = svgToPng(svg, 640);
    expect(pngSize(png).width).toBe(640);
    // Decode the same rendering and count ink: axes, lines and text cover a real share of the picture.
    const rendered = new Resvg(svg, {
      fitTo: { mode: 'width', value: 640 },
      background: 'white',
      font: { loadSystemFonts: false, fontFiles: [...FONT_FILES], defaultFontFamily: 'Inter' },
    }).render();
    const pixels = rendered.pixels;
    let ink = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 200 || pixels[i + 1]! < 200) ink++;
    expect(ink / (pixels.length / 4)).toBeGreaterThan(0.01);
    expect(readFileSync(FONT_FILES[0]!).subarray(0, 4)).toEqual(Buffer.from([0, 1, 0, 0]));
  });

  it('draws text with the shipped font and no system fonts (a fresh machine has none)', () => {
    const text = (family: string) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="4" y="28" font-family="${family}" font-size="20">Training tokens</text></svg>`;
    const ink = (svg: string, fontFiles: string[]) => {
      const pixels = new Resvg(svg, {
        background: 'white',
        font: { loadSystemFonts: false, fontFiles, defaultFontFamily: 'Inter', sansSerifFamily: 'Inter' },
      }).render().pixels;
      let n = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 128) n++;
      return n;
    };
    // Without a font file resvg draws no glyphs at all; with Inter it does, also for a generic family.
    expect(ink(text('Inter'), [])).toBe(0);
    expect(ink(text('Inter'), [...FONT_FILES])).toBeGreaterThan(100);
    expect(ink(text('sans-serif'), [...FONT_FILES])).toBeGreaterThan(100);
  });
});
