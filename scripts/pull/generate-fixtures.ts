/**
 * Builds the W&B project the test and benchmark servers serve (test/fixtures/pull/wandb-project.json) from
 * the real samples in examples/wandb/: each run's `system_attrs` is the GraphQL run node as the SDK kept it
 * (`run._attrs`), turned back into what the API sends — `config` a JSONString of `{key: {desc, value}}`
 * (the SDK unwraps it into `config` + `rawconfig`), `summaryMetrics`/`systemMetrics` JSONStrings,
 * `historyKeys` JSON — and each history row into the JSON string `HistoryPage` returns
 * (`_step`, `_runtime`, `_timestamp`, `_wandb`, then the logged keys; a key absent where the wide sample is null).
 * `historyKeys.lastStep` and `historyLineCount` are set from the rows, so the sample is self-consistent.
 *
 * Run: node --import tsx scripts/pull/generate-fixtures.ts [examples/wandb] [test/fixtures/pull]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const examples = resolve(process.argv[2] ?? 'examples/wandb');
const out = resolve(process.argv[3] ?? 'test/fixtures/pull');
const q = (s: string) => `'${s.replaceAll("'", "''")}'`;

const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const runs = (
  await conn.runAndReadAll(
    `SELECT run_id, system_attrs FROM read_parquet(${q(join(examples, 'wandb_runs_sample.parquet'))}) ORDER BY created_at`,
  )
).getRowObjectsJS() as { run_id: string; system_attrs: string }[];
const history = (
  await conn.runAndReadAll(
    `SELECT run_id, step, "timestamp", runtime, total_tokens, train_loss, learning_rate
     FROM read_parquet(${q(join(examples, 'wandb_history_sample.parquet'))}) ORDER BY run_id, step`,
  )
).getRowObjectsJS() as Record<string, number | bigint | string | null>[];

const rowsByRun = new Map<string, string[]>();
const lastStep = new Map<string, number>();
for (const r of history) {
  const runId = String(r.run_id);
  const step = Number(r.step);
  const runtime = Number(r.runtime);
  const row: Record<string, unknown> = {
    _step: step,
    _runtime: runtime,
    _timestamp: Number(r.timestamp),
    _wandb: { runtime: Math.floor(runtime) },
  };
  for (const key of ['total_tokens', 'train_loss', 'learning_rate']) {
    if (r[key] !== null && r[key] !== undefined) row[key] = Number(r[key]);
  }
  const list = rowsByRun.get(runId) ?? [];
  list.push(JSON.stringify(row));
  rowsByRun.set(runId, list);
  lastStep.set(runId, Math.max(lastStep.get(runId) ?? -1, step));
}

const nodes = runs.map(({ run_id, system_attrs }) => {
  const attrs = JSON.parse(system_attrs) as Record<string, unknown>;
  const {
    rawconfig,
    config: _userConfig,
    ...rest
  } = attrs as {
    rawconfig: Record<string, unknown>;
    config: unknown;
  } & Record<string, unknown>;
  const wireConfig = Object.fromEntries(
    Object.entries(rawconfig).map(([key, value]) => [key, { desc: null, value }]),
  );
  const historyKeys = (rest.historyKeys ?? {}) as Record<string, unknown>;
  historyKeys.lastStep = lastStep.get(run_id) ?? -1;
  return {
    ...rest,
    name: run_id,
    config: JSON.stringify(wireConfig),
    summaryMetrics: JSON.stringify(rest.summaryMetrics ?? {}),
    systemMetrics: JSON.stringify(rest.systemMetrics ?? {}),
    historyKeys,
    historyLineCount: rowsByRun.get(run_id)?.length ?? 0,
  };
});

mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'wandb-project.json'),
  `${JSON.stringify(
    {
      entity: 'ml-moe',
      project: 'ft-scaling',
      runs: nodes,
      history: Object.fromEntries(nodes.map((n) => [n.name, rowsByRun.get(String(n.name)) ?? []])),
    },
    null,
    1,
  )}\n`,
);
console.log(
  `wrote ${nodes.length} runs, ${history.length} history rows to ${join(out, 'wandb-project.json')}`,
);
