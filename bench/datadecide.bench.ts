// DataDecide ingest benchmark (issue: full-size full_eval ≈ 60k rows × 1,939 columns, and 1.4M raw Hugging
// Face eval rows). Inputs are generated here with DuckDB from the committed examples (real values,
// replicated under distinct recipe names and perturbed so the values are not all repeats). Each ingest is
// timed beside a bare DuckDB scan of the same file (every column read) in the same run, and the warehouse
// growth is compared with the Parquet input size.
//
//   BENCH_SCALE=0.01 node --import tsx bench/datadecide.bench.ts     (default 1 = the issue's full size)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { METRIC_COLUMNS, METRICS } from '../ingest/datadecide/columns.ts';
import { ingestDatadecide } from '../ingest/datadecide/ingest.ts';
import { sqlIdent, sqlString } from '../src/sql.ts';
import { Warehouse } from '../src/warehouse.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLES = join(ROOT, 'examples', 'datadecide');
const scale = Number(process.env['BENCH_SCALE'] ?? '1');
const fullEvalRows = Math.max(34, Math.round(60_000 * scale));
const hfRows = Math.max(594, Math.round(1_410_750 * scale));
const dir = mkdtempSync(join(tmpdir(), 'mlduck-bench-datadecide-'));

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

async function generate(): Promise<{ fullEval: string; hfEval: string }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const fullEval = join(dir, 'full_eval.parquet');
  const hfEval = join(dir, 'downstream_eval.parquet');
  const copies = Math.ceil(fullEvalRows / 34);
  const perturb = METRIC_COLUMNS.map(
    (c) =>
      `s.${sqlIdent(c.column)} * (1 + ((r.i * 7919 + ${c.column.length}) % 1000) * 1e-6) AS ${sqlIdent(c.column)}`,
  ).join(', ');
  await conn.run(`COPY (
    SELECT s.* REPLACE (s.data || ' #' || r.i AS data, ${perturb})
    FROM read_parquet(${sqlString(join(EXAMPLES, 'pretrain_metrics_sample.parquet'))}) s, range(${copies}) r(i)
    LIMIT ${fullEvalRows}
  ) TO ${sqlString(fullEval)} (FORMAT parquet)`);
  const hfCopies = Math.ceil(hfRows / 594);
  await conn.run(`COPY (
    SELECT s.* REPLACE (s.data || ' #' || r.i AS data)
    FROM read_parquet(${sqlString(join(EXAMPLES, 'hf_eval_results_slice.parquet'))}) s, range(${hfCopies}) r(i)
    LIMIT ${hfRows}
  ) TO ${sqlString(hfEval)} (FORMAT parquet)`);
  conn.closeSync();
  instance.closeSync();
  return { fullEval, hfEval };
}

/** Bare DuckDB over the same file, nothing stored: `sql` with {file} replaced by read_parquet(path). */
async function bareDuckDB(path: string, sql: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const [, ms] = await timed(() => conn.run(sql.replace('{file}', `read_parquet(${sqlString(path)})`)));
  conn.closeSync();
  instance.closeSync();
  return ms;
}

/** Read and hash every value of every column once (no statistics shortcut). */
const SCAN_ALL = 'SELECT max(hash(COLUMNS(*))) FROM {file}';
/** The least work a parse of the HF rows needs: every metrics string to JSON, the 28 values extracted. */
const METRIC_PATHS = METRICS.map((m) => `'$.${m}'`).join(', ');
const PARSE_METRICS = `SELECT max(hash(json_extract_string(replace(metrics, '''', '"'), [${METRIC_PATHS}]))) FROM {file}`;

async function ingestInto(path: string, name: string) {
  const db = join(dir, `${name}.duckdb`);
  const wh = await Warehouse.open(db);
  await wh.run('CHECKPOINT');
  const emptyBytes = statSync(db).size;
  const [reports, ms] = await timed(() => ingestDatadecide(wh, [path]));
  await wh.run('CHECKPOINT');
  const bytes = statSync(db).size - emptyBytes;
  wh.close();
  return { report: reports[0]!, ms, bytes };
}

const CASES: { label: string; name: string; baselines: [string, string][] }[] = [
  { label: 'full_eval', name: 'full', baselines: [['bare DuckDB scan, all columns', SCAN_ALL]] },
  {
    label: 'HF eval-results',
    name: 'hf',
    baselines: [
      ['bare DuckDB scan, all columns', SCAN_ALL],
      ['bare DuckDB metrics → JSON → 28 values', PARSE_METRICS],
    ],
  },
];

try {
  console.log(`scale ${scale}: full_eval ${fullEvalRows} rows × 1,939 columns; raw HF eval ${hfRows} rows`);
  const [inputs, genMs] = await timed(generate);
  console.log(`generated inputs in ${seconds(genMs)}`);
  for (const { label, name, baselines } of CASES) {
    const path = name === 'full' ? inputs.fullEval : inputs.hfEval;
    const inputBytes = statSync(path).size;
    const measured: [string, number][] = [];
    for (const [what, sql] of baselines) measured.push([what, await bareDuckDB(path, sql)]);
    const { report, ms, bytes } = await ingestInto(path, name);
    if (report.status !== 'ok') throw new Error(`${label}: ${report.status} ${report.message ?? ''}`);
    const rows = Object.entries(report.rows)
      .map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`)
      .join(', ');
    const metricRows = report.rows['pretrain_metrics'] ?? 0;
    console.log(`\n${label}: ${mb(inputBytes)} Parquet → ${rows}`);
    for (const [what, baseMs] of measured) console.log(`  ${what.padEnd(40)} ${seconds(baseMs)}`);
    console.log(`  ${'mlduck ingest'.padEnd(40)} ${seconds(ms)}`);
    for (const [what, baseMs] of measured) console.log(`    = ${(ms / baseMs).toFixed(1)}× ${what}`);
    console.log(`  throughput ${Math.round(metricRows / (ms / 1000)).toLocaleString('en-US')} metric rows/s`);
    console.log(
      `  warehouse growth ${mb(bytes)} = ${(bytes / inputBytes).toFixed(2)}× the Parquet input${report.warnings.length > 0 ? `; warnings: ${report.warnings.join(' | ')}` : ''}`,
    );
  }
  console.log(`\npeak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
