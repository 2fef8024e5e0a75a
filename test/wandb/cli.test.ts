import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migratedWarehouseFile, REPO_ROOT, runCli, tempDir } from '../helpers.ts';

const EX = join(REPO_ROOT, 'examples', 'wandb');
const RUNS = join(EX, 'wandb_runs_sample.parquet');
const HISTORY = join(EX, 'wandb_history_sample.parquet');

async function query(db: string, sql: string): Promise<unknown[]> {
  const r = await runCli(['--db', db, 'query', sql, '--format', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as unknown[];
}

async function tableCounts(db: string): Promise<unknown[]> {
  return query(
    db,
    `SELECT (SELECT count(*) FROM wandb_runs) r, (SELECT count(*) FROM wandb_run_summary) s,
            (SELECT count(*) FROM wandb_history) h, (SELECT count(*) FROM ingest_log WHERE status = 'ok') ok`,
  );
}

describe('mlduck ingest wandb (CLI)', () => {
  it('ingests the real samples, answers the views, and a re-ingest is a no-op', async () => {
    const db = await migratedWarehouseFile(); // a migrated copy: the child skips seconds of migrating
    const first = await runCli(['--db', db, 'ingest', 'wandb', RUNS, HISTORY]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/ok\s+wandb\s+.*wandb_runs_sample\.parquet.*wandb_runs 6/);
    expect(first.stdout).toMatch(/wandb_history 5541/);
    const overview = (await query(
      db,
      "SELECT run_type, history_rows, round(last_train_loss, 4) AS loss FROM run_overview WHERE run_id LIKE '250912%'",
    )) as { run_type: string; history_rows: number; loss: number }[];
    expect(overview).toEqual([{ run_type: 'matched', history_rows: 30, loss: 1.2902 }]);
    const before = await tableCounts(db);
    const again = await runCli(['--db', db, 'ingest', 'wandb', RUNS, HISTORY]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/skipped/);
    expect(await tableCounts(db)).toEqual(before);
  }, 30_000);

  it('bad input: truncated Parquet and broken JSON fail with file (and line), leaving the warehouse unchanged', async () => {
    const dir = tempDir();
    const db = await migratedWarehouseFile(join(dir, 'w.duckdb'));
    expect((await runCli(['--db', db, 'ingest', 'wandb', RUNS])).code).toBe(0);
    const before = await tableCounts(db);

    const truncated = join(dir, 'runs_metadata.parquet');
    writeFileSync(truncated, readFileSync(RUNS).subarray(0, 5000));
    const t = await runCli(['--db', db, 'ingest', 'wandb', truncated]);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('runs_metadata.parquet');

    const broken = join(dir, 'history.jsonl');
    writeFileSync(
      broken,
      `${JSON.stringify({ run_id: 'x', step: 1, metrics: { a: 1 } })}\n{"run_id": "x", "step": 2, "metrics": {"a": \n`,
    );
    const b = await runCli(['--db', db, 'ingest', 'wandb', broken]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('history.jsonl');
    // The broken value is on line 2 (DuckDB itself says line 3).
    expect(b.stderr).toMatch(/history\.jsonl:2: /);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    expect(await tableCounts(db)).toEqual(before);
  }, 30_000);
});
