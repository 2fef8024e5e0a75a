// Plot benchmark (issue 17): `mlduck plot curves` on a full-size DataDecide warehouse — every recipe (25)
// × model size (14) × seed (3) with DataDecide's checkpoint steps — against the chart's query alone, as a
// ratio. The warehouse is generated here with DuckDB straight into the real tables (pretrain_checkpoints,
// pretrain_metrics; the views the chart reads are the real ones). Each measurement is its own process
// (so peak RSS is its own), query and render alternated, the ratio taken pair by pair.
//
//   BENCH_SCALE=0.1 node --import tsx bench/plot.bench.ts   (default 1: 25 × 14 × 3 runs; BENCH_PAIRS task ×
//   metric pairs per checkpoint, default 100, of DataDecide's 1,877: the chart reads one of them)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRICS, TASKS } from '../ingest/datadecide/columns.ts';
import { MODEL_SIZES } from '../ingest/datadecide/schedule.ts';
import { RECIPE_DISPLAY_NAMES } from '../ingest/qa/layout.ts';
import { CURVES_BASE, curvesChart } from '../plot/charts/curves.ts';
import { renderSvg, svgToPng } from '../plot/render.ts';
import { sqlString } from '../src/sql.ts';
import { Warehouse } from '../src/warehouse.ts';

const SELF = fileURLToPath(import.meta.url);
const scale = Number(process.env['BENCH_SCALE'] ?? '1');
const pairs = Number(process.env['BENCH_PAIRS'] ?? '100');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? '5');
const TASK = 'arc_challenge';
const METRIC = 'acc_raw';

interface Measured {
  ms: number;
  /** CPU time of the process (all threads) over the same span: steadier than wall time on a loaded machine. */
  cpuMs: number;
  maxRssMb: number;
  rows: number;
}

async function child(mode: string, db: string): Promise<void> {
  const wh = await Warehouse.open(db, { readOnly: true });
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let rows = 0;
  if (mode === 'query') {
    rows = (
      await wh.all(
        `SELECT * FROM (${CURVES_BASE}) AS q WHERE task = ${sqlString(TASK)} AND metric = ${sqlString(METRIC)} ORDER BY params, data, step`,
      )
    ).length;
  } else {
    const chart = await curvesChart.build(wh, { task: [TASK], metric: [METRIC] });
    const svg = await renderSvg(chart.spec);
    if (mode === 'png') svgToPng(svg, 2400);
    rows = chart.rows.length;
  }
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  wh.close();
  const measured: Measured = {
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    rows,
  };
  process.stdout.write(JSON.stringify(measured));
}

function measure(mode: string, db: string): Measured {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, mode, db], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Measured;
}

async function generate(db: string): Promise<{ checkpoints: number; metricRows: number }> {
  const recipes = [...new Set(Object.values(RECIPE_DISPLAY_NAMES))].slice(
    0,
    Math.max(2, Math.round(25 * scale)),
  );
  const sizes = Object.keys(MODEL_SIZES);
  const taskMetric = TASKS.flatMap((t) => METRICS.map((m) => [t, m] as const))
    .filter(([t, m]) => !(t === TASK && m === METRIC))
    .slice(0, pairs - 1);
  taskMetric.unshift([TASK, METRIC]);
  const wh = await Warehouse.open(db);
  const list = (values: readonly string[]) => `[${values.map(sqlString).join(', ')}]`;
  // Checkpoints every 1/40 of a run whose length grows with model size (DataDecide has ~10–100 per run).
  await wh.run(`
    INSERT INTO pretrain_checkpoints (ingest_id, source_format, params, data, seed, step, tokens, compute, lr_at_step, cumulative_lr)
    SELECT 1, 'bench', p.params, d.data, s.seed, st.step,
      st.step * 4194304.0, st.step * 4194304.0 * 6 * p.n, 0.001, st.step * 0.001
    FROM (SELECT unnest(${list(sizes)}) AS params, generate_subscripts(${list(sizes)}, 1) AS n) p,
      (SELECT unnest(${list(recipes)}) AS data) d, range(3) s(seed),
      LATERAL (SELECT (i * (2500 * p.n) // 40) AS step FROM range(41) r(i)) st`);
  await wh.run(`
    INSERT INTO pretrain_metrics (ingest_id, params, data, seed, step, task, metric, value)
    SELECT 1, c.params, c.data, c.seed, c.step, tm.task, tm.metric,
      0.25 + 0.5 * (1 - exp(-c.step / 20000.0)) + 0.01 * c.seed + 0.01 * (hash(c.data, tm.task) % 50) / 50.0
    FROM pretrain_checkpoints c,
      (SELECT unnest(${list(taskMetric.map(([t]) => t))}) AS task, unnest(${list(taskMetric.map(([, m]) => m))}) AS metric) tm`);
  await wh.run('CHECKPOINT');
  wh.close();
  return counts(db);
}

async function counts(db: string): Promise<{ checkpoints: number; metricRows: number }> {
  const wh = await Warehouse.open(db, { readOnly: true });
  const checkpoints = Number(await wh.scalar<bigint>('SELECT count(*) FROM pretrain_checkpoints'));
  const metricRows = Number(await wh.scalar<bigint>('SELECT count(*) FROM pretrain_metrics'));
  wh.close();
  return { checkpoints, metricRows };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

if (process.argv[2] && process.argv[3]) {
  await child(process.argv[2], process.argv[3]);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'mlduck-bench-plot-'));
  try {
    const db = process.env['BENCH_DB'] ?? join(dir, 'plot.duckdb');
    const start = performance.now();
    // BENCH_DB: build (or reuse, when it exists) the warehouse there and keep it.
    const { checkpoints, metricRows } = existsSync(db) ? await counts(db) : await generate(db);
    console.log(
      `warehouse: ${checkpoints} checkpoints, ${metricRows} metric rows (${pairs} task × metric pairs), generated in ${((performance.now() - start) / 1000).toFixed(1)} s`,
    );
    const results: Record<string, Measured[]> = { query: [], svg: [], png: [] };
    measure('query', db); // warm the file cache
    for (let i = 0; i < ROUNDS; i++)
      for (const mode of ['query', 'svg', 'png']) results[mode]!.push(measure(mode, db));
    const q = results['query']!;
    for (const mode of ['query', 'svg', 'png']) {
      const r = results[mode]!;
      const ratios = r.map((m, i) => m.ms / q[i]!.ms);
      const cpuRatios = r.map((m, i) => m.cpuMs / q[i]!.cpuMs);
      console.log(
        `${mode.padEnd(5)} wall median ${median(r.map((m) => m.ms)).toFixed(0)} ms, ${median(ratios).toFixed(2)}× the query alone (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)}); CPU median ${median(r.map((m) => m.cpuMs)).toFixed(0)} ms, ${median(cpuRatios).toFixed(2)}× (min ${Math.min(...cpuRatios).toFixed(2)}, max ${Math.max(...cpuRatios).toFixed(2)}); peak RSS ${median(r.map((m) => m.maxRssMb)).toFixed(0)} MB; ${r[0]!.rows} rows`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
