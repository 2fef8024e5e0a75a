// QA ingest benchmark (issue 6): a generated per-recipe tarball of nested per-checkpoint tarballs holding
// 1M questions / 4M answer choices (10 checkpoints × 10 tasks × 10,000 questions × 4 choices, the exact
// OLMES format), ingested with `mlduck ingest qa`, beside DuckDB's own read_json of the same predictions
// extracted to disk (materialising the questions and their unnested choices, i.e. the same work
// without the tar/gzip streaming and checks), measured in the same run. Each measurement runs in its own
// process so peak RSS is its own; the ingest is also run at a quarter and a half of the size to show memory does
// not grow with the input.
//
//   BENCH_SCALE=0.01 node --import tsx bench/qa.bench.ts     (default 1 = the full size)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { ingestQa } from '../ingest/qa/ingest.ts';
import {
  type CheckpointSpec,
  checkpointMembers,
  EXAMPLE_TASKS,
  type TarMember,
  type TaskSpec,
  tarGz,
} from '../scripts/qa/olmes.ts';
import { Warehouse } from '../src/warehouse.ts';

const CHECKPOINTS = 10;
// DuckDB caches the blocks it writes up to its memory_limit, so peak RSS rises with the input until the
// limit is reached: a small limit shows the flat part at benchmark sizes (the time is the same with 512MB).
const MEMORY_LIMIT = process.env['QA_BENCH_MEMORY_LIMIT'] ?? '128MB';
const TASKS = 10;

interface Measured {
  ms: number;
  maxRssMb: number;
  rows?: Record<string, number>;
}

async function child(mode: string, input: string): Promise<void> {
  let start = performance.now();
  let rows: Record<string, number> = {};
  if (mode === 'ingest') {
    const wh = await Warehouse.open(process.env['QA_BENCH_DB'] as string);
    // DuckDB caches the blocks it writes up to memory_limit (default 80% of RAM): with a fixed limit the
    // peak RSS shows what the ingest itself needs.
    await wh.run(`SET memory_limit = '${MEMORY_LIMIT}'`);
    console.error(
      `open ${(performance.now() - start).toFixed(0)} ms, rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
    );
    start = performance.now();
    const [report] = await ingestQa(wh, [input]);
    rows = report?.rows ?? {};
    wh.close();
  } else {
    const instance = await DuckDBInstance.create(
      join(mkdtempSync(join(tmpdir(), 'mlduck-bench-qa-db-')), 'b.duckdb'),
    );
    const conn = await instance.connect();
    const glob = `'${join(input, '**', '*-predictions.jsonl')}'`;
    await conn.run(
      `CREATE TABLE instances AS SELECT * EXCLUDE (model_output) FROM read_json(${glob}, format = 'newline_delimited')`,
    );
    await conn.run(`CREATE TABLE choices AS SELECT doc_id, unnest(model_output, recursive := true)
      FROM read_json(${glob}, format = 'newline_delimited')`);
    for (const t of ['instances', 'choices']) {
      const r = await conn.runAndReadAll(`SELECT count(*) FROM ${t}`);
      rows[t] = Number(r.getRows()[0]?.[0]);
    }
  }
  const measured: Measured = {
    ms: performance.now() - start,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    rows,
  };
  console.log(JSON.stringify(measured));
}

/** A new, migrated warehouse file: creating one (~2,000 COMMENTs) is not part of an ingest. */
async function emptyWarehouse(): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'mlduck-bench-qa-wh-')), 'w.duckdb');
  (await Warehouse.open(path)).close();
  return path;
}

function run(mode: string, input: string, db = ''): Measured {
  const result = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, QA_BENCH_CHILD: mode, QA_BENCH_INPUT: input, QA_BENCH_DB: db },
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (result.status !== 0) throw new Error(`${mode} failed: ${result.stderr}`);
  if (process.env['QA_BENCH_VERBOSE']) process.stderr.write(result.stderr);
  return JSON.parse(result.stdout.trim().split('\n').pop() as string) as Measured;
}

/** Writes the recipe tarball and the extracted predictions of `questions` questions per task. */
async function generate(dir: string, questions: number): Promise<{ tarball: string; extracted: string }> {
  const recipe = 'dclm-baseline';
  const tasks: TaskSpec[] = [];
  for (let t = 0; t < TASKS; t++) {
    const base = EXAMPLE_TASKS[0] as TaskSpec;
    tasks.push({ ...base, task: `mmlu_subject_${t}`, instances: questions });
  }
  const members: TarMember[] = [];
  const extracted = join(dir, 'extracted');
  for (let c = 0; c < CHECKPOINTS; c++) {
    const ckpt: CheckpointSpec = { recipe, params: '150M', seedDir: 2, step: 1250 * (c + 1) };
    const files = checkpointMembers(ckpt, tasks);
    const ckptDir = join(extracted, `step-${ckpt.step}`);
    mkdirSync(ckptDir, { recursive: true });
    for (const f of files) {
      if (f.name.endsWith('.jsonl')) writeFileSync(join(ckptDir, f.name.split('/').pop() as string), f.bytes);
    }
    members.push({ name: `${recipe}/150M/seed-2/step-${ckpt.step}.tar.gz`, bytes: await tarGz(files) });
  }
  const tarball = join(dir, 'models', `${recipe}.tar.gz`);
  mkdirSync(join(dir, 'models'), { recursive: true });
  writeFileSync(tarball, await tarGz(members));
  return { tarball, extracted };
}

async function main(): Promise<void> {
  const scale = Number(process.env['BENCH_SCALE'] ?? '1');
  const questions = Math.max(10, Math.round(10_000 * scale));
  const dir = mkdtempSync(join(tmpdir(), 'mlduck-bench-qa-'));
  try {
    const full = await generate(join(dir, 'full'), questions);
    const quarter = await generate(join(dir, 'quarter'), Math.max(10, Math.round(questions / 4)));
    const half = await generate(join(dir, 'half'), Math.max(10, Math.round(questions / 2)));
    const instances = CHECKPOINTS * TASKS * questions;
    const mb = (p: string) => (statSync(p).size / 1024 / 1024).toFixed(1);
    console.log(
      `input: ${instances.toLocaleString()} questions, ${(instances * 4).toLocaleString()} choices; tarball ${mb(full.tarball)} MB`,
    );
    const scan = run('scan', full.extracted);
    const ingest = run('ingest', full.tarball, await emptyWarehouse());
    const small = run('ingest', quarter.tarball, await emptyWarehouse());
    const middle = run('ingest', half.tarball, await emptyWarehouse());
    const rate = (m: Measured, n: number) => `${Math.round(n / (m.ms / 1000)).toLocaleString()} questions/s`;
    console.log(
      `read_json of the extracted predictions (baseline): ${(scan.ms / 1000).toFixed(2)} s, ${rate(scan, instances)}, peak RSS ${scan.maxRssMb.toFixed(0)} MB`,
    );
    console.log(
      `mlduck ingest qa of the tarball:                   ${(ingest.ms / 1000).toFixed(2)} s, ${rate(ingest, instances)}, peak RSS ${ingest.maxRssMb.toFixed(0)} MB  rows ${JSON.stringify(ingest.rows)}`,
    );
    console.log(`  ratio ingest / read_json: ${(ingest.ms / scan.ms).toFixed(2)}×   (target ≤ 3×)`);
    console.log(
      `  peak RSS at 1/4, 1/2 and all of the input: ${small.maxRssMb.toFixed(0)}, ${middle.maxRssMb.toFixed(0)}, ${ingest.maxRssMb.toFixed(0)} MB (full / half ${(ingest.maxRssMb / middle.maxRssMb).toFixed(2)}; flat ≈ 1 once DuckDB's memory_limit ${MEMORY_LIMIT} is reached)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const childMode = process.env['QA_BENCH_CHILD'];
if (childMode) await child(childMode, process.env['QA_BENCH_INPUT'] as string);
else await main();
