import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestWandb } from '../../ingest/wandb/ingest.ts';
import type { Warehouse } from '../../src/warehouse.ts';
import { REPO_ROOT, tempWarehouse } from '../helpers.ts';

const EX = join(REPO_ROOT, 'examples', 'wandb');

/** One logical dataset (the real samples) in every export generation (scripts/wandb/generate-examples.ts). */
const GENERATIONS: Record<string, string[]> = {
  v0_parquet: [join(EX, 'wandb_runs_sample.parquet'), join(EX, 'wandb_history_sample.parquet')],
  notebook_jsonl: [join(EX, 'notebook')],
  v3_jsonl: [join(EX, 'v3')],
  notebook_parquet: [join(EX, 'parquet', 'wandb_runs.parquet'), join(EX, 'parquet', 'wandb_history.parquet')],
  v3_parquet: [join(EX, 'parquet', 'runs.parquet'), join(EX, 'parquet', 'history.parquet')],
};

/**
 * The content every generation must agree on. JSON types may differ where DuckDB's read_json inference turned
 * ints into doubles (5 vs 5.0) in the Parquet generations, so values are compared typed, not as JSON text.
 */
const QUERIES: Record<string, string> = {
  runs: `SELECT run_id, run_name, state, project, entity, created_at, runtime_s, tags, group_name, job_type
         FROM wandb_runs ORDER BY run_id`,
  config: `SELECT run_id, key_path, value_double, special, value_bool,
             CASE WHEN value_double IS NULL AND value_type = 'VARCHAR' THEN value_varchar END AS text
           FROM wandb_run_config ORDER BY ALL`,
  summary: `SELECT run_id, key_path, value_double, special, value_bool,
              CASE WHEN value_double IS NULL AND value_type = 'VARCHAR' THEN value_varchar END AS text
            FROM wandb_run_summary ORDER BY ALL`,
  evals:
    'SELECT run_id, task, metric, value, special, md5(task_config::VARCHAR) IS NOT NULL AS has_config FROM wandb_run_evals ORDER BY ALL',
  names: 'SELECT * EXCLUDE (ingest_id) FROM wandb_run_names ORDER BY run_id',
  history:
    'SELECT run_id, step, timestamp, runtime_s, metric, value, special FROM wandb_history ORDER BY ALL',
  objects: 'SELECT count(*) AS n FROM wandb_history_objects',
  overview:
    'SELECT run_id, run_type, last_train_loss, history_rows, last_step, primary_scores FROM run_overview ORDER BY run_id',
};

const results: Record<string, Record<string, unknown[]>> = {};
const warehouses: Record<string, Warehouse> = {};

beforeAll(async () => {
  await Promise.all(
    Object.entries(GENERATIONS).map(async ([name, paths]) => {
      const wh = await tempWarehouse();
      warehouses[name] = wh;
      const reports = await ingestWandb(wh, paths);
      expect(reports.every((r) => r.status === 'ok')).toBe(true);
      results[name] = {};
      for (const [q, sql] of Object.entries(QUERIES)) results[name][q] = await wh.all(sql);
    }),
  );
}, 60_000);

afterAll(() => {
  for (const name of Object.keys(warehouses)) delete warehouses[name];
});

describe('every W&B export generation ingests to the same content', () => {
  it('the v0 sample has the expected shape', () => {
    const v0 = results['v0_parquet'];
    expect(v0?.['runs']).toHaveLength(6);
    expect(v0?.['history']).toHaveLength(5541);
    expect((v0?.['evals'] ?? []).length).toBeGreaterThan(1000);
    expect(v0?.['objects']).toEqual([{ n: 0n }]);
  });

  for (const name of Object.keys(GENERATIONS).filter((g) => g !== 'v0_parquet')) {
    for (const q of Object.keys(QUERIES)) {
      it(`${name}: ${q} equals v0_parquet`, () => {
        expect(results[name]?.[q]).toEqual(results['v0_parquet']?.[q]);
      });
    }
  }
});
