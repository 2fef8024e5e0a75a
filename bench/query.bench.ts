// Query output benchmark: rendering a 100k × 10 result (mixed types) in each `mlduck query` format, against
// DuckDB's own `COPY … TO` CSV of the same result, measured alternately in the same run. The table format
// converts only the rows it shows (40), so it should cost little beyond reading the result; `--max-rows all`
// renders every row. Issue 15's bar: table ≤ 2× the csv time.
//
//   BENCH_SCALE=0.1 node --import tsx bench/query.bench.ts     (default 1: 100k rows, 5 rounds)
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { QueryFormat } from '../src/format.ts';
import { ResultSink } from '../src/output.ts';
import { renderResult } from '../src/render.ts';

const scale = Number(process.env['BENCH_SCALE'] ?? '1');
const rows = Math.max(1000, Math.round(100_000 * scale));
const rounds = Math.max(3, Math.round(5 * Math.min(1, scale * 10)));
const dir = mkdtempSync(join(tmpdir(), 'mlduck-bench-query-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
await conn.run(`CREATE TABLE t AS SELECT
  range AS id, range * 0.5 AS x, 'name_' || range AS name, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds(range) AS ts,
  DATE '2024-01-01' + (range % 365)::INTEGER AS d, range % 2 = 0 AS flag, (range / 7)::DECIMAL(12, 3) AS dec,
  [range, range + 1] AS l, (range % 1000)::INTEGER AS bucket, md5(range::VARCHAR) AS hash
  FROM range(${rows})`);

async function render(format: QueryFormat, maxRows: number): Promise<void> {
  const out = createWriteStream(join(dir, `out.${format}`));
  const sink = new ResultSink(out);
  await renderResult(await conn.stream('SELECT * FROM t'), sink, { format, maxRows, width: 120 });
  await new Promise<void>((resolve) => out.end(resolve));
}

const cases: [string, () => Promise<void>][] = [
  [
    'COPY TO csv (DuckDB)',
    async () => void (await conn.run(`COPY (SELECT * FROM t) TO '${join(dir, 'copy.csv')}'`)),
  ],
  ['table (40 rows shown)', () => render('table', 40)],
  ['table --max-rows all', () => render('table', Number.POSITIVE_INFINITY)],
  ['csv', () => render('csv', 40)],
  ['jsonl', () => render('jsonl', 40)],
  ['json', () => render('json', 40)],
  ['arrow', () => render('arrow', 40)],
];
const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
for (let round = 0; round < rounds; round++) {
  // Alternated: every case once per round, so machine load hits them alike.
  for (const [name, fn] of cases) {
    const start = performance.now();
    await fn();
    times.get(name)!.push(performance.now() - start);
  }
}
const base = median(times.get('COPY TO csv (DuckDB)')!);
const csv = median(times.get('csv')!);
console.log(`${rows.toLocaleString('en-US')} rows × 10 columns, median of ${rounds} alternated rounds`);
for (const [name] of cases) {
  const t = median(times.get(name)!);
  console.log(
    `${name.padEnd(24)} ${t.toFixed(0).padStart(6)} ms  ${(t / base).toFixed(2)}× COPY  ${(t / csv).toFixed(2)}× csv`,
  );
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
conn.closeSync();
instance.closeSync();
rmSync(dir, { recursive: true, force: true });
