// Generates the DataDecide example inputs from the real 34-row full_eval sample, with DuckDB:
//  - examples/datadecide/multi_seed_full_eval.parquet: full_eval rows of 150M/DCLM-Baseline and 4M/Dolma1.7
//    for seeds 0–4 (seed 0 = the real rows; other seeds = the real values perturbed deterministically, some
//    cells missing, one group with a single seed) — input for the seed-stats checks;
//  - examples/datadecide/mean_eval.parquet, std_eval.parquet: the pandas reference of those rows
//    (scripts/datadecide/seed_stats_reference.py, run once with real pandas; CSV in/out because pandas
//    has no Parquet engine here; falls back to nothing — it fails — when pandas is missing);
//  - examples/datadecide/hf_eval_results_slice.parquet, hf_ppl_results_slice.parquet: the 530M/Dolma1.7
//    rows of the sample turned back into the raw Hugging Face formats (one row per task with a Python-dict
//    `metrics` string; `eval/<set>-validation/Perplexity` columns), so that parsing them must give the
//    sample's checkpoints back.
//
//   node --import tsx scripts/datadecide/generate-examples.ts
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  DROPPED_RAW_METRICS,
  METRIC_COLUMNS,
  MMLU_AVERAGE_TASK,
  PPL_SETS,
  rawPplColumn,
} from '../../ingest/datadecide/columns.ts';
import { sqlIdent, sqlString } from '../../src/sql.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLES = join(ROOT, 'examples', 'datadecide');
const SAMPLE = join(EXAMPLES, 'pretrain_metrics_sample.parquet');
const sample = `read_parquet(${sqlString(SAMPLE)})`;

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const run = (sql: string) => conn.run(sql);

const metricNames = METRIC_COLUMNS.map((c) => c.column);
const out = (name: string) => sqlString(join(EXAMPLES, name));

// ── multi-seed full_eval ─────────────────────────────────────────────────────
// (params, data, step, seeds): 150M steps with 5, 5, 5 and 2 seeds; 4M with 3, 1 (std NaN) and 2 seeds.
const plan: [string, string, number, number[]][] = [
  ['150M', 'DCLM-Baseline', 1250, [0, 1, 2, 3, 4]],
  ['150M', 'DCLM-Baseline', 2500, [0, 1, 2, 3, 4]],
  ['150M', 'DCLM-Baseline', 5000, [0, 1, 2, 3, 4]],
  ['150M', 'DCLM-Baseline', 10000, [0, 1]],
  ['4M', 'Dolma1.7', 1250, [0, 1, 2]],
  ['4M', 'Dolma1.7', 2500, [0]],
  ['4M', 'Dolma1.7', 5725, [0, 3]],
];
const planValues = plan.flatMap(([p, d, step, seeds]) =>
  seeds.map((seed) => `(${sqlString(p)}, ${sqlString(d)}, ${step}, ${seed})`),
);
// Seed s > 0: value × (1 + 0.04·(u − 0.5)), u a deterministic hash of (column, seed, step) in [0, 1);
// seed 2 has no perplexities (missing cells, as after the upstream outer merge).
const perturbed = metricNames
  .map((name) => {
    const col = sqlIdent(name);
    const noise = `((hash(${sqlString(name)} || '/' || plan.seed::VARCHAR || '/' || s.step::VARCHAR) % 1000000) / 1000000.0)`;
    const missing = name.endsWith('-valppl') ? 'plan.seed = 2' : 'false';
    return `CASE WHEN plan.seed = 0 THEN s.${col} WHEN ${missing} THEN NULL ELSE s.${col} * (1 + 0.04 * (${noise} - 0.5)) END AS ${col}`;
  })
  .join(',\n  ');
await run(`CREATE TABLE multi AS
  SELECT s.* REPLACE (plan.seed::BIGINT AS seed,
  ${perturbed})
  FROM ${sample} s JOIN (VALUES ${planValues.join(', ')}) plan(params, data, step, seed)
    ON plan.params = s.params AND plan.data = s.data AND plan.step = s.step
  ORDER BY s.params, s.data, s.seed, s.step`);
await run(`COPY multi TO ${out('multi_seed_full_eval.parquet')} (FORMAT parquet)`);
console.log('wrote examples/datadecide/multi_seed_full_eval.parquet');

// ── pandas reference mean/std ────────────────────────────────────────────────
const scratch = mkdtempSync(join(tmpdir(), 'mlduck-datadecide-gen-'));
try {
  const csv = join(scratch, 'multi.csv');
  await run(`COPY multi TO ${sqlString(csv)} (FORMAT csv, HEADER)`);
  const result = spawnSync(
    '/usr/bin/python3',
    [
      join(ROOT, 'scripts', 'datadecide', 'seed_stats_reference.py'),
      csv,
      join(scratch, 'mean.csv'),
      join(scratch, 'std.csv'),
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`pandas reference failed: ${result.stderr}`);
  process.stdout.write(result.stdout);
  for (const stat of ['mean', 'std']) {
    await run(`COPY (
      SELECT params::VARCHAR AS params, data::VARCHAR AS data, COLUMNS(* EXCLUDE (params, data))::DOUBLE
      FROM read_csv(${sqlString(join(scratch, `${stat}.csv`))}, header = true, all_varchar = true)
    ) TO ${out(`${stat}_eval.parquet`)} (FORMAT parquet)`);
    console.log(`wrote examples/datadecide/${stat}_eval.parquet`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

// ── raw Hugging Face slices ──────────────────────────────────────────────────
const downstream = METRIC_COLUMNS.filter((c) => c.kind === 'downstream' && c.task !== MMLU_AVERAGE_TASK);
const mapValues = downstream
  .map((c, i) => `(${sqlString(c.column)}, ${sqlString(c.task)}, ${sqlString(c.metric)}, ${i})`)
  .join(', ');
await run(`CREATE TABLE colmap (column_name VARCHAR, task VARCHAR, metric VARCHAR, ord INTEGER);
  INSERT INTO colmap VALUES ${mapValues};`);
const slice = `(SELECT * FROM ${sample} WHERE params = '530M' AND data = 'Dolma1.7')`;
// Python repr of the metrics dict: the dropped keys first (as in the raw data), then the 28 metrics;
// missing values are left out of the dict.
const dropped = DROPPED_RAW_METRICS.map((k) =>
  k === 'logits_per_byte_corr'
    ? `coalesce('''logits_per_byte_corr'': ' || (max(v) FILTER (WHERE metric = 'bits_per_byte_corr') * ln(2))::VARCHAR || ', ', '')`
    : `'''${k}'': 0, '`,
).join(' || ');
await run(`COPY (
  SELECT params, data, task, step::BIGINT AS step, 'default' AS seed, '5xC' AS chinchilla, tokens, compute,
    '{' || ${dropped} || string_agg('''' || metric || ''': ' || v::VARCHAR, ', ' ORDER BY ord) || '}' AS metrics
  FROM (UNPIVOT (SELECT params, data, step, tokens, compute, ${downstream.map((c) => sqlIdent(c.column)).join(', ')} FROM ${slice})
        ON ${downstream.map((c) => sqlIdent(c.column)).join(', ')} INTO NAME column_name VALUE v)
  JOIN colmap USING (column_name)
  GROUP BY params, data, task, step, tokens, compute
  ORDER BY step, task
) TO ${out('hf_eval_results_slice.parquet')} (FORMAT parquet)`);
console.log('wrote examples/datadecide/hf_eval_results_slice.parquet');
await run(`COPY (
  SELECT params, data, 'default' AS seed, step::BIGINT AS step,
    ${PPL_SETS.map((set) => `${sqlIdent(`${set}-valppl`)} AS ${sqlIdent(rawPplColumn(set))}`).join(', ')},
    (row_number() OVER (ORDER BY step) - 1)::BIGINT AS __index_level_0__
  FROM ${slice} WHERE "c4_en-valppl" IS NOT NULL ORDER BY step
) TO ${out('hf_ppl_results_slice.parquet')} (FORMAT parquet)`);
console.log('wrote examples/datadecide/hf_ppl_results_slice.parquet');
conn.closeSync();
instance.closeSync();
