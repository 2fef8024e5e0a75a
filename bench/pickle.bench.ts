// Pickle reader throughput: a ~40 MB `df.to_pickle` DataFrame (4 float64 + 1 int64 + 1 string column,
// pandas 1.5 layout, written by scripts/pickle/frame-writer.ts) and a numeric-only one of the same rows.
// Baseline, measured in the same run: reading the same bytes from disk. Target: ≥ 50 MB/s numeric-heavy.
// BENCH_SCALE=0.01 for a smoke run.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lowerValue } from '../ingest/pickle/lower.ts';
import { Frame } from '../ingest/pickle/lowered.ts';
import { ingestPickle } from '../ingest/pickle/source.ts';
import { loadPickle } from '../ingest/pickle/vm.ts';
import { benchFrame } from '../scripts/pickle/frame-writer.ts';
import { Warehouse } from '../src/warehouse.ts';

const scale = Number(process.env['BENCH_SCALE'] ?? '1');
const rows = Math.max(1000, Math.round(800_000 * scale));
const repeats = 3;
const dir = mkdtempSync(join(tmpdir(), 'mlduck-pickle-bench-'));

function best(fn: () => void): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return min;
}

const mb = (bytes: number) => bytes / 1024 / 1024;
let failed = false;
try {
  for (const [label, withStrings] of [
    ['numeric (4×f8 + 1×i8)', false],
    ['mixed (4×f8 + 1×i8 + 1 str)', true],
  ] as const) {
    const path = join(dir, `${withStrings ? 'mixed' : 'numeric'}.pkl`);
    writeFileSync(path, benchFrame(rows, withStrings));
    let bytes: Buffer = Buffer.alloc(0);
    const disk = best(() => {
      bytes = readFileSync(path);
    });
    let raw: ReturnType<typeof loadPickle> = null;
    const vm = best(() => {
      raw = loadPickle(bytes);
    });
    let frame: unknown = null;
    const lower = best(() => {
      frame = lowerValue(raw);
    });
    if (!(frame instanceof Frame) || frame.rows !== rows || frame.columns.length !== (withStrings ? 6 : 5)) {
      throw new Error('benchmark frame did not decode to the expected shape');
    }
    const total = vm + lower;
    const size = mb(bytes.length);
    const rate = size / total;
    console.log(
      `${label}: ${rows.toLocaleString()} rows, ${size.toFixed(1)} MB | disk read ${(size / disk).toFixed(0)} MB/s (${(disk * 1000).toFixed(1)} ms)` +
        ` | VM ${(vm * 1000).toFixed(0)} ms + lowering ${(lower * 1000).toFixed(0)} ms = ${rate.toFixed(0)} MB/s` +
        ` | ${(total / disk).toFixed(1)}× the disk read time`,
    );
    if (!withStrings && scale >= 1 && rate < 50) {
      console.log(`  below the 50 MB/s target for numeric-heavy frames`);
      failed = true;
    }
  }
  // peak RSS of reading, before the end-to-end step below adds DuckDB's own memory
  const readRss = process.resourceUsage().maxRSS / 1024;
  // End to end, for context: the mixed pickle into a DuckDB table (read + lower + type + Appender, one transaction).
  const wh = await Warehouse.open(join(dir, 'bench.duckdb'));
  try {
    const t0 = process.hrtime.bigint();
    const report = await ingestPickle(wh, join(dir, 'mixed.pkl'), { table: 'bench_frame' });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const loaded = report.rows['bench_frame'] ?? 0;
    if (loaded !== rows) throw new Error(`ingest wrote ${loaded} rows, expected ${rows}`);
    console.log(
      `ingest pickle (mixed → table bench_frame): ${(seconds * 1000).toFixed(0)} ms, ${Math.round(rows / seconds).toLocaleString()} rows/s`,
    );
  } finally {
    wh.close();
  }
  console.log(`peak RSS while reading ${readRss.toFixed(0)} MB (both inputs and their decoded frames held)`);
  console.log(
    `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB overall (with the DuckDB ingest)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;
