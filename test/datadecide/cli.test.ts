import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqlString } from '../../src/sql.ts';
import { runCli, tempDir } from '../helpers.ts';
import { queryFile, SAMPLE } from './sample.ts';

describe('mlduck ingest datadecide (CLI)', () => {
  it('ingests the examples folder (what the demo does), prints the rows per table, and exits 2 on bad input', async () => {
    const dir = tempDir();
    const db = join(dir, 'cli.duckdb');
    const ok = await runCli(['--db', db, 'ingest', 'datadecide', 'examples/datadecide']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    // Wide files first, then HF downstream before HF perplexity rows, then mean/std (compared: no warnings).
    expect(
      ok.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/).slice(0, 3).join(' ')),
    ).toEqual([
      'ok datadecide examples/datadecide/multi_seed_full_eval.parquet',
      'ok datadecide examples/datadecide/pretrain_metrics_sample.parquet',
      'ok datadecide examples/datadecide/hf_eval_results_slice.parquet',
      'ok datadecide examples/datadecide/hf_ppl_results_slice.parquet',
      'ok datadecide examples/datadecide/mean_eval.parquet',
      'ok datadecide examples/datadecide/std_eval.parquet',
    ]);
    expect(ok.stdout).toMatch(
      /pretrain_metrics_sample\.parquet .*pretrain_checkpoints 34, pretrain_metrics 50641/,
    );
    const query = await runCli([
      '--db',
      db,
      'query',
      '--format',
      'csv',
      "SELECT count(*) AS n FROM pretrain_eval_wide WHERE params = '530M'",
    ]);
    expect(query.stdout.trim().split('\n')).toEqual(['n', '9']);
    const noSeed = join(dir, 'noseed-cli.parquet');
    await queryFile(
      `COPY (SELECT * EXCLUDE (seed) FROM read_parquet(${sqlString(SAMPLE)})) TO ${sqlString(noSeed)} (FORMAT parquet)`,
    );
    const bad = await runCli(['--db', db, 'ingest', 'datadecide', noSeed]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/noseed-cli\.parquet: looks like full_eval but lacks the id column\(s\) seed/);
  });
});
