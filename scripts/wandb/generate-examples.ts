/**
 * Derives the other W&B export generations from the two real samples in examples/wandb/ (dr_wandb v0
 * runs_metadata + wide runs_history), so that one logical dataset exists in every format:
 *
 *   notebook/wandb_runs.jsonl      runs, nested objects, one per line          (generation b)
 *   notebook/wandb_history.jsonl   one JSON array per line = one run's history (generation b)
 *   v3/runs.jsonl, v3/history.jsonl, v3/manifest.json, v3/state.json         (generation c)
 *   parquet/wandb_runs.parquet, parquet/wandb_history.parquet  DuckDB read_json → COPY of (b)  (generation d)
 *   parquet/runs.parquet, parquet/history.parquet              DuckDB read_json → COPY of (c)  (generation d)
 *
 * Run: node --import tsx scripts/wandb/generate-examples.ts [examples/wandb]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const dir = resolve(process.argv[2] ?? 'examples/wandb');
const runsFile = join(dir, 'wandb_runs_sample.parquet');
const historyFile = join(dir, 'wandb_history_sample.parquet');
const q = (s: string) => `'${s.replaceAll("'", "''")}'`;

const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const lines = async (sql: string): Promise<string[]> =>
  (await conn.runAndReadAll(sql)).getRows().map((r) => String(r[0]));

for (const sub of ['notebook', 'v3', 'parquet']) mkdirSync(join(dir, sub), { recursive: true });

await conn.run(`CREATE TABLE runs AS SELECT * REPLACE (config::JSON AS config, summary::JSON AS summary,
  wandb_metadata::JSON AS wandb_metadata, system_metrics::JSON AS system_metrics, system_attrs::JSON AS system_attrs,
  sweep_info::JSON AS sweep_info) FROM read_parquet(${q(runsFile)})`);
await conn.run(`CREATE TABLE hist AS SELECT * FROM read_parquet(${q(historyFile)})`);
// Sparse metrics as upstream logged them: a key is absent from a row where the wide table has NULL.
const metricsJson = `json_object(${['total_tokens', 'train_loss', 'learning_rate']
  .map((m) => `'${m}', ${m}`)
  .join(', ')})`;
const sparse = (json: string) =>
  `(SELECT json_group_object(key, value) FROM json_each(${json}) WHERE json_type(value) <> 'NULL')`;

// (b) notebook JSONL
const notebookRuns = await lines(
  `SELECT to_json({run_id: run_id, run_name: run_name, state: state, project: project, entity: entity, created_at: created_at,
     config: config, summary: summary, wandb_metadata: wandb_metadata, system_metrics: system_metrics,
     system_attrs: system_attrs, sweep_info: sweep_info}) FROM runs ORDER BY run_id`,
);
writeFileSync(join(dir, 'notebook', 'wandb_runs.jsonl'), `${notebookRuns.join('\n')}\n`);
const notebookHistory = await lines(
  `SELECT to_json(list(json_object('run_id', run_id, 'step', step, 'timestamp', timestamp, 'runtime', runtime,
      'wandb_metadata', json_object('runtime', runtime), 'metrics', ${sparse(metricsJson)}) ORDER BY step))
   FROM hist GROUP BY run_id ORDER BY run_id`,
);
writeFileSync(join(dir, 'notebook', 'wandb_history.jsonl'), `${notebookHistory.join('\n')}\n`);

// (c) v3 JSONL: RunSnapshot {run: WandbRun, exported_at}, newest first; HistoryRow with timestamp as str(float).
const v3Runs = await lines(
  `SELECT to_json({run: {run_id: run_id, name: run_name, display_name: run_name, entity: entity, project: project,
      state: state, created_at: created_at, updated_at: NULL, heartbeat_at: system_attrs->>'heartbeatAt',
      storage_id: system_attrs->>'id', url: 'https://wandb.ai/' || entity || '/' || project || '/runs/' || run_id,
      path: [entity, project, run_id], tags: system_attrs->'tags', "group": system_attrs->>'group',
      job_type: system_attrs->>'jobType', sweep_name: system_attrs->>'sweepName', user: NULL, read_only: false,
      config: config, summary_metrics: summary, system_metrics: system_metrics, history_keys: NULL,
      metadata: wandb_metadata}, exported_at: '2025-09-20T12:00:00+00:00'}) FROM runs ORDER BY created_at DESC`,
);
writeFileSync(join(dir, 'v3', 'runs.jsonl'), `${v3Runs.join('\n')}\n`);
const v3History = await lines(
  `SELECT to_json({run_id: run_id, step: step, timestamp: timestamp::VARCHAR, runtime: runtime,
      wandb_metadata: json_object('runtime', runtime), metrics: ${sparse(metricsJson)}, extra: json_object()})
   FROM hist ORDER BY run_id, step, timestamp`,
);
writeFileSync(join(dir, 'v3', 'history.jsonl'), `${v3History.join('\n')}\n`);
const runCount = notebookRuns.length;
writeFileSync(
  join(dir, 'v3', 'manifest.json'),
  `${JSON.stringify({ version: 3, entity: 'ml-moe', project: 'ft-scaling', runs: runCount, history_rows: v3History.length, files: ['runs.jsonl', 'history.jsonl'] }, null, 2)}\n`,
);
writeFileSync(
  join(dir, 'v3', 'state.json'),
  `${JSON.stringify({ max_created_at: '2025-09-13T00:30:23Z', tracked_runs: {} }, null, 2)}\n`,
);

// (d) DuckDB Parquet of (b) and (c), written the way the upstream notebooks did (read_json auto-inference).
const copy = async (from: string, to: string) =>
  conn.run(
    `COPY (SELECT * FROM read_json(${q(from)}, sample_size = -1)) TO ${q(to)} (FORMAT parquet, PARQUET_VERSION v2)`,
  );
await copy(join(dir, 'notebook', 'wandb_runs.jsonl'), join(dir, 'parquet', 'wandb_runs.parquet'));
await copy(join(dir, 'notebook', 'wandb_history.jsonl'), join(dir, 'parquet', 'wandb_history.parquet'));
await copy(join(dir, 'v3', 'runs.jsonl'), join(dir, 'parquet', 'runs.parquet'));
await copy(join(dir, 'v3', 'history.jsonl'), join(dir, 'parquet', 'history.parquet'));
console.log(`wrote notebook/, v3/, parquet/ under ${dir}`);
