// Datasets scan benchmark: a data/ tree of N Parquet + CSV + JSONL files (N = 400 × BENCH_SCALE, ~256 KB
// each). Measures the first scan (hash + DuckDB metadata reads), a re-scan after touching one file (hashes
// skipped for unchanged size+mtime), and a baseline in the same run: streaming sha256 over every byte.
import { mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanDatasets } from '../ingest/datasets/scan.ts';
import { sha256File } from '../src/hash.ts';
import { Warehouse } from '../src/warehouse.ts';

const scale = Number(process.env['BENCH_SCALE'] ?? '1');
const files = Math.max(6, Math.round(400 * scale));
const dir = mkdtempSync(join(tmpdir(), 'mlduck-bench-datasets-'));
const root = join(dir, 'data');
const peak = { rss: 0 };
const sample = setInterval(() => {
  peak.rss = Math.max(peak.rss, process.memoryUsage().rss);
}, 20);

try {
  const wh = await Warehouse.open(join(dir, 'w.duckdb'));
  const paths: string[] = [];
  const stages = ['raw', 'interim', 'processed/training/train'];
  for (const s of stages) mkdirSync(join(root, s), { recursive: true });
  for (let i = 0; i < files; i++) {
    const ext = ['parquet', 'csv', 'jsonl'][i % 3]!;
    const path = join(root, stages[i % 3]!, `part${i}_v${1 + (i % 5)}.${ext}`);
    const fmt = ext === 'parquet' ? '(FORMAT parquet)' : ext === 'csv' ? '(FORMAT csv)' : '(FORMAT json)';
    const rows = ext === 'parquet' ? 20000 : 6000;
    await wh.run(
      `COPY (SELECT i AS id, md5(i::VARCHAR || '${i}') AS h, i * 0.5 AS x FROM range(${rows}) t(i)) TO '${path}' ${fmt}`,
    );
    paths.push(path);
  }
  let bytes = 0;
  const t0 = performance.now();
  for (const p of paths) {
    await sha256File(p);
  }
  const hashMs = performance.now() - t0;
  const t1 = performance.now();
  const first = await scanDatasets(wh, root);
  const firstMs = performance.now() - t1;
  bytes = first.report.bytes;
  const later = new Date(Date.now() + 10_000);
  utimesSync(paths[0]!, later, later);
  const t2 = performance.now();
  const second = await scanDatasets(wh, root);
  const secondMs = performance.now() - t2;
  clearInterval(sample);
  const mb = bytes / 1e6;
  console.log(`files ${files}, ${mb.toFixed(1)} MB`);
  console.log(
    `baseline sha256 of every byte: ${hashMs.toFixed(0)} ms (${(mb / (hashMs / 1000)).toFixed(0)} MB/s)`,
  );
  console.log(
    `first scan:  ${firstMs.toFixed(0)} ms (${(files / (firstMs / 1000)).toFixed(0)} files/s, ${(firstMs / hashMs).toFixed(2)}× the hash baseline)`,
  );
  console.log(
    `re-scan, 1 file touched: ${secondMs.toFixed(0)} ms, hashed ${second.summary.hashed} (${(secondMs / firstMs).toFixed(3)}× the first scan, ${(secondMs / hashMs).toFixed(2)}× the hash baseline)`,
  );
  console.log(`peak RSS ${(peak.rss / 1e6).toFixed(0)} MB`);
  wh.close();
} finally {
  clearInterval(sample);
  rmSync(dir, { recursive: true, force: true });
}
