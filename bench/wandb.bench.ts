// W&B history ingest benchmark (issue 3): a generated history of 1M logged rows × 200 metrics over 500 runs
// (each row logs 20 of the 200 metrics, rotating, as sparse as real W&B logging) in three formats — v0 wide
// Parquet, v3 history.jsonl, and DuckDB Parquet of v3 rows — each ingested into a fresh warehouse and timed
// beside bare DuckDB scans of the same file, measured in the same run: the issue's `SELECT count(*)` (which
// for Parquet reads only metadata) and a full scan that decodes and hashes every value of every column
// (`SELECT bit_xor(hash(COLUMNS(*)))`; a `count(COLUMNS(*))` may skip values, since counting non-NULLs needs
// only validity and column statistics). The ratio that matters is ingest ÷ full scan. Peak RSS is reported
// after each format (process-wide high-water mark).
//
//   BENCH_SCALE=0.01 node --import tsx bench/wandb.bench.ts     (default 1 = the issue's full size)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ingestWandb } from '../ingest/wandb/ingest.ts';
import { sqlString } from '../src/sql.ts';
import { Warehouse } from '../src/warehouse.ts';

const scale = Number(process.env['BENCH_SCALE'] ?? '1');
const rows = Math.max(1000, Math.round(1_000_000 * scale));
const RUNS = 500;
const METRICS = 200;
const PER_ROW = 20;
const dir = mkdtempSync(join(tmpdir(), 'mlduck-bench-wandb-'));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const rssMb = () => `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

const metricName = (m: number) =>
  m % 3 === 0 ? `train/loss_${m}` : m % 3 === 1 ? `rewards/m_${m}` : `metric_${m}`;

async function generate(): Promise<Record<string, string>> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(`CREATE TABLE base AS SELECT i, 'run_' || (i % ${RUNS}) AS run_id, (i // ${RUNS})::BIGINT AS step,
      1.7e9 + i * 0.5 AS ts, (i // ${RUNS}) * 1.5 AS runtime FROM range(${rows}) t(i)`);
  // metric m is logged on a row when (i + m) % (METRICS / PER_ROW) = 0 → PER_ROW metrics per row.
  const every = METRICS / PER_ROW;
  const value = (m: number) =>
    `CASE WHEN (i + ${m}) % ${every} = 0 THEN ${m % 50 === 7 ? `CASE WHEN i % 97 = 0 THEN 'NaN'::DOUBLE ELSE sin(i + ${m}) END` : `sin(i + ${m})`} END`;
  const cols = Array.from({ length: METRICS }, (_, m) => `${value(m)} AS "${metricName(m)}"`).join(', ');
  const wide = join(dir, 'runs_history.parquet');
  await conn.run(`COPY (SELECT i AS id, run_id, step, to_timestamp(ts)::TIMESTAMP AS timestamp, runtime, ${cols} FROM base)
    TO ${sqlString(wide)} (FORMAT parquet)`);
  const pairs = Array.from({ length: METRICS }, (_, m) => `'${metricName(m)}', ${value(m)}`).join(', ');
  const v3 = join(dir, 'history.jsonl');
  await conn.run(`COPY (SELECT run_id, step, ts::VARCHAR AS timestamp, runtime, json_object('runtime', runtime) AS wandb_metadata,
      (SELECT json_group_object(key, value) FROM json_each(json_object(${pairs})) WHERE json_type(value) <> 'NULL') AS metrics,
      json_object() AS extra FROM base) TO ${sqlString(v3)} (FORMAT json)`);
  const v3parquet = join(dir, 'history.parquet');
  await conn.run(
    `COPY (SELECT * FROM read_json(${sqlString(v3)})) TO ${sqlString(v3parquet)} (FORMAT parquet, PARQUET_VERSION v2)`,
  );
  return { v0_wide_parquet: wide, v3_jsonl: v3, v3_duckdb_parquet: v3parquet };
}

/** The issue's baseline (count(*)) and a full scan that materialises every value of every column. */
async function scan(file: string): Promise<{ countMs: number; fullMs: number }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const reader = file.endsWith('.jsonl') ? 'read_json' : 'read_parquet';
  const [, countMs] = await timed(() => conn.run(`SELECT count(*) FROM ${reader}(${sqlString(file)})`));
  const [, fullMs] = await timed(() =>
    conn.run(`SELECT bit_xor(hash(COLUMNS(*))) FROM ${reader}(${sqlString(file)})`),
  );
  return { countMs, fullMs };
}

console.log(
  `W&B history benchmark: ${rows.toLocaleString()} history rows, ${METRICS} metrics (${PER_ROW} logged per row), ${RUNS} runs; scale ${scale}`,
);
const [files, genMs] = await timed(generate);
console.log(`generated inputs in ${(genMs / 1000).toFixed(1)} s`);
for (const [format, file] of Object.entries(files)) {
  const { countMs, fullMs } = await scan(file);
  const wh = await Warehouse.open(join(dir, `${format}.duckdb`));
  const [reports, ingestMs] = await timed(() => ingestWandb(wh, [file]));
  const values = reports[0]?.rows['wandb_history'] ?? 0;
  await wh.close();
  console.log(
    `${format.padEnd(18)} ${mb(statSync(file).size).padStart(9)}  count(*) ${(countMs / 1000).toFixed(2)} s  full scan ${(fullMs / 1000).toFixed(2)} s  ingest ${(ingestMs / 1000).toFixed(2)} s  ratio ${(ingestMs / countMs).toFixed(1)}× count(*), ${(ingestMs / fullMs).toFixed(1)}× full scan  ${Math.round(rows / (ingestMs / 1000)).toLocaleString()} rows/s (${Math.round(values / (ingestMs / 1000)).toLocaleString()} values/s, ${values.toLocaleString()} values)  peak RSS ${rssMb()}`,
  );
}
rmSync(dir, { recursive: true, force: true });
