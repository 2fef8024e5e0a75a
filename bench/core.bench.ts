// Core benchmark: what a new warehouse costs to open (migrations + views) against opening a copy of a
// migrated file (what test/helpers.ts tempWarehouse does), what one COMMENT ON COLUMN costs as a relation
// gets wider (the reason a new warehouse takes seconds), and the TableWriter's timestamp paths (Date, bigint
// epoch-µs, ISO strings with µs) against a plain DOUBLE column in the same run.
//
//   BENCH_SCALE=0.01 node --import tsx bench/core.bench.ts     (default 1: 5 opens, 1M rows per column kind)
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { TableWriter } from '../src/load.ts';
import { Warehouse } from '../src/warehouse.ts';

const scale = Number(process.env['BENCH_SCALE'] ?? '1');
const opens = Math.max(1, Math.round(5 * scale));
const rows = Math.max(10_000, Math.round(1_000_000 * scale));
const dir = mkdtempSync(join(tmpdir(), 'mlduck-bench-core-'));
const ms = (x: number) => `${x.toFixed(0)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function openBench(): Promise<void> {
  const template = join(dir, 'template.duckdb');
  (await Warehouse.open(template)).close();
  const fresh: number[] = [];
  const copied: number[] = [];
  for (let i = 0; i < opens; i++) {
    const a = join(dir, `fresh-${i}.duckdb`);
    fresh.push(await timed(async () => (await Warehouse.open(a)).close()));
    const b = join(dir, `copy-${i}.duckdb`);
    copied.push(
      await timed(async () => {
        copyFileSync(template, b);
        (await Warehouse.open(b)).close();
      }),
    );
    rmSync(a, { force: true });
    rmSync(b, { force: true });
  }
  console.log(`Warehouse.open on a new file (median of ${opens}): ${ms(median(fresh))}`);
  console.log(`copy of a migrated file + Warehouse.open:        ${ms(median(copied))}`);
  console.log(`ratio new / copy: ${(median(fresh) / median(copied)).toFixed(1)}×`);
}

async function commentBench(): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  for (const width of [100, 1939]) {
    const cols = Array.from({ length: width }, (_, i) => `c${i}`);
    await conn.run(`CREATE TABLE w${width} (${cols.map((c) => `${c} DOUBLE`).join(', ')})`);
    const sample = cols.slice(0, 100);
    const t = await timed(async () => {
      await conn.run(sample.map((c) => `COMMENT ON COLUMN w${width}.${c} IS 'x';`).join('\n'));
    });
    console.log(`COMMENT ON COLUMN on a ${width}-column table: ${(t / sample.length).toFixed(2)} ms each`);
  }
  conn.closeSync();
  instance.closeSync();
}

async function timestampBench(): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const base = 1714566896123456n;
  const inputs: [string, string, (i: number) => unknown][] = [
    ['DOUBLE number (baseline)', 'DOUBLE', (i) => i + 0.5],
    ['TIMESTAMPTZ from Date', 'TIMESTAMPTZ', (i) => new Date(1714566896123 + i)],
    ['TIMESTAMPTZ from bigint µs', 'TIMESTAMPTZ', (i) => base + BigInt(i)],
    [
      'TIMESTAMPTZ from ISO string',
      'TIMESTAMPTZ',
      (i) => `2024-05-01T12:34:56.${String(i % 1_000_000).padStart(6, '0')}Z`,
    ],
  ];
  let baseline = 0;
  for (const [label, type, make] of inputs) {
    await conn.run(`CREATE OR REPLACE TABLE t (v ${type})`);
    const values = Array.from({ length: rows }, (_, i) => make(i));
    const t = await timed(async () => {
      const writer = await TableWriter.open(conn, 't');
      for (const v of values) writer.append([v]);
      writer.close();
    });
    if (baseline === 0) baseline = t;
    const perSecond = (rows / t) * 1000;
    console.log(
      `${label.padEnd(30)} ${rows} rows in ${ms(t)}  (${(perSecond / 1e6).toFixed(2)} M rows/s, ${(t / baseline).toFixed(2)}× baseline)`,
    );
  }
  conn.closeSync();
  instance.closeSync();
}

try {
  await openBench();
  await commentBench();
  await timestampBench();
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
