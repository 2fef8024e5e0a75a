import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestPickle } from '../../ingest/pickle/source.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { REPO_ROOT, runCli, tempDir } from '../helpers.ts';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'pickle');
const EXAMPLES = join(REPO_ROOT, 'examples', 'pickles');

/** A copy of a fixture under a chosen file name (the default table name comes from it). */
function fixtureAs(dir: string, fixture: string, name: string): string {
  const path = join(dir, name);
  copyFileSync(join(FIXTURES, fixture), path);
  return path;
}

// One warehouse for the in-process tests (opening one applies every migration: seconds); each test uses
// its own file and table names.
let wh: Warehouse;
let sharedDir: string;
beforeAll(async () => {
  sharedDir = mkdtempSync(join(tmpdir(), 'mlduck-pickle-'));
  wh = await Warehouse.open(join(sharedDir, 'warehouse.duckdb'));
});
afterAll(() => {
  wh.close();
  rmSync(sharedDir, { recursive: true, force: true });
});

describe('ingest pickle: generic DataFrames become typed tables', () => {
  it('maps dtypes, list cells, mixed object columns and NaN/Inf', async () => {
    const dir = tempDir();
    const report = await ingestPickle(wh, fixtureAs(dir, 'real/df_mixed.p5.pkl', 'mixed.pkl'));
    expect(report.status).toBe('ok');
    expect(report.rows).toEqual({ mixed: 4, pickle_tables: 1 });
    expect(report.warnings.join('\n')).toMatch(
      /column mixed mixes float, int, string values: stored as JSON text/,
    );
    const types = await wh.all<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'mixed' ORDER BY column_index",
    );
    expect(types.map((t) => `${t.column_name}:${t.data_type}`)).toEqual([
      'ingest_id:BIGINT',
      'row_number:BIGINT',
      'name:VARCHAR',
      'x:DOUBLE',
      'lists:DOUBLE[]',
      'mixed:JSON',
      'when:TIMESTAMP WITH TIME ZONE',
      'dur:INTERVAL',
    ]);
    const rows = await wh.all(
      `SELECT name, lists, mixed::VARCHAR AS mixed, epoch_us("when") AS us, to_microseconds(0) + dur AS dur
       FROM mixed ORDER BY row_number`,
    );
    expect(rows.map((r) => [r['name'], r['lists'], r['mixed']])).toEqual([
      ['a', [1, 2], '"6250"'],
      ['b', [], '10000'],
      [null, [3.5], null],
      ['ünï', null, '3'],
    ]);
    // microsecond precision survives (2021-06-30 12:34:56.789)
    expect(rows[1]!['us']).toBe(1625056496789000n);
    const numeric = await ingestPickle(wh, fixtureAs(dir, 'real/df_numeric.p4.pkl', 'numeric.pkl'));
    expect(numeric.status).toBe('ok');
    const n = await wh.all<Record<string, unknown>>(
      'SELECT f64, f64_special, u64, i64, b FROM numeric ORDER BY row_number',
    );
    expect(n.map((r) => [r['f64'], r['f64_special']])).toEqual([
      [1.5, null],
      [null, 'NaN'],
      [null, 'Infinity'],
      [-0, null],
    ]);
    expect(n[3]!['u64']).toBe(2n ** 64n - 1n);
    expect(n[3]!['i64']).toBe(-(2n ** 62n));
    const comment = await wh.scalar<string>(
      "SELECT comment FROM duckdb_columns() WHERE table_name = 'numeric' AND column_name = 'f64'",
    );
    expect(comment).toContain('pickled column f64 (dtype float64)');
  });

  it('loads nullable, categorical and tz-aware columns and a MultiIndex', async () => {
    const dir = tempDir();
    await ingestPickle(wh, fixtureAs(dir, 'constructed/df_extension.pandas3_numpy2.p5.pkl', 'ext.pkl'));
    const rows = await wh.all<Record<string, unknown>>(
      'SELECT "I64", "I8", bo, st, cat, epoch("ny")::BIGINT AS ny FROM ext ORDER BY row_number',
    );
    expect(rows.map((r) => [r['I64'], r['I8'], r['bo'], r['st'], r['cat']])).toEqual([
      [1n, 1, true, 'x', 'lo'],
      [null, null, null, null, 'hi'],
      [3n, -3, false, 'z', null],
      [2n ** 40n, 4, true, '', 'lo'],
    ]);
    expect(rows[0]!['ny']).toBe(1577854800n); // 2020-01-01 00:00 America/New_York = 05:00 UTC
    await ingestPickle(wh, fixtureAs(dir, 'real/df_multiindex.p2.pkl', 'mi.pkl'));
    expect(await wh.all('SELECT k, n, v FROM mi ORDER BY row_number')).toEqual([
      { k: 'a', n: 1n, v: 1 },
      { k: 'a', n: 2n, v: 2 },
      { k: 'b', n: 1n, v: 3 },
    ]);
  });

  it('honours --table, replaces an older version of the same file, and guards other tables', async () => {
    const dir = tempDir();
    const path = fixtureAs(dir, 'real/df_strindex.p3.pkl', 'data.pkl');
    await ingestPickle(wh, path, { table: 'runs_frame' });
    expect(await wh.scalar('SELECT count(*) FROM runs_frame')).toBe(2n);
    expect((await ingestPickle(wh, path, { table: 'runs_frame' })).status).toBe('skipped');
    copyFileSync(join(FIXTURES, 'real/df_dtindex.p4.pkl'), path);
    const again = await ingestPickle(wh, path, { table: 'runs_frame' });
    expect(again.replaced.length).toBe(1);
    expect(await wh.scalar('SELECT count(*) FROM runs_frame')).toBe(3n);
    expect(await wh.scalar("SELECT count(*) FROM pickle_tables WHERE table_name = 'runs_frame'")).toBe(1n);
    await expect(ingestPickle(wh, path, { table: 'ingest_log', force: true })).rejects.toThrow(
      /ingest_log already exists and was not made by mlduck ingest pickle/,
    );
    await expect(ingestPickle(wh, path, { table: 'Bad-Name' })).rejects.toThrow(/not a plain table name/);
  });

  it('refuses compressed files and non-tabular pickles clearly', async () => {
    const dir = tempDir();
    const gz = join(dir, 'frame.pkl');
    writeFileSync(gz, gzipSync(readFileSync(join(FIXTURES, 'real/df_strindex.p4.pkl'))));
    expect((await ingestPickle(wh, gz)).rows).toEqual({ frame: 2, pickle_tables: 1 });
    const bz = join(dir, 'frame2.pkl');
    writeFileSync(bz, Buffer.from('BZh91AY&SY'));
    await expect(ingestPickle(wh, bz)).rejects.toThrow(/bzip2 file, not a raw pickle/);
    const notPickle = join(dir, 'text.pkl.gz');
    writeFileSync(notPickle, gzipSync(Buffer.from('not a pickle')));
    await expect(ingestPickle(wh, notPickle)).rejects.toThrow(/invalid pickle opcode/);
    await expect(
      ingestPickle(wh, fixtureAs(dir, 'real/plain_scalars.p4.pkl', 'scalars.pkl')),
    ).rejects.toThrow(/holds no DataFrame/);
    // dr_wandb exports: recognised, loaded as generic tables until the W&B ingest takes pickles
    const hist = await ingestPickle(
      wh,
      fixtureAs(dir, 'real/drwandb_histories.p5.pkl', 'ml-moe_ft_histories.pkl'),
    );
    expect(hist.rows).toEqual({ ml_moe_ft_histories: 3, pickle_tables: 1 });
    expect(hist.warnings.join('\n')).toContain('looks like a dr_wandb histories export');
    expect(
      await wh.all(
        "SELECT step, metrics->>'train_loss' AS loss, epoch(timestamp)::BIGINT AS ts FROM ml_moe_ft_histories ORDER BY step",
      ),
    ).toEqual([
      { step: 0n, loss: '3', ts: 1755581760n },
      { step: 1n, loss: '2.9', ts: 1755581761n },
      { step: 2n, loss: '2.8', ts: 1755581762n },
    ]);
  });
});

describe('ingest pickle: dr_showntell pickles', () => {
  it('spreads the modernized run data over the showntell tables', async () => {
    const report = await ingestPickle(wh, join(EXAMPLES, '20250915_101500_modernized_run_data.pkl'));
    expect(report.rows).toMatchObject({
      showntell_processed_runs: 5,
      showntell_run_groups: 5,
      showntell_metadata: 1,
      showntell_frame_simple_ft: 2,
      showntell_frame_matched: 1,
    });
    const matched = await wh.all(
      `SELECT run_type, pattern_name, initial_checkpoint_size, initial_checkpoint_steps, seed,
              comparison_metric, epoch(run_timestamp)::BIGINT AS ts
       FROM showntell_processed_runs WHERE run_type = 'matched'`,
    );
    expect(matched).toEqual([
      {
        run_type: 'matched',
        pattern_name: 'MATCHED3',
        initial_checkpoint_size: '530M',
        initial_checkpoint_steps: '6250',
        seed: '2',
        comparison_metric: 'c4_en-valppl',
        ts: 1757698092n,
      },
    ]);
    expect(await wh.all('SELECT total_runs, classified_runs, run_types FROM showntell_metadata')).toEqual([
      {
        total_runs: 6n,
        classified_runs: 5n,
        run_types: ['dpo', 'matched', 'simple_ft', 'simple_ft_vary_tokens'],
      },
    ]);
    expect(
      await wh.scalar(
        "SELECT fields->>'initial_checkpoint_size' FROM showntell_run_groups WHERE run_type = 'dpo'",
      ),
    ).toBe('4M');
    expect(
      await wh.scalar("SELECT count(*) FROM pickle_tables WHERE source_key LIKE 'processed_dataframes.%'"),
    ).toBe(4n);
    const matchedReport = await ingestPickle(wh, join(EXAMPLES, 'combined_plotting_data_matched.pkl'));
    expect(matchedReport.rows).toEqual({
      finetune_pretrain_matched: 3,
      finetune_pretrain_matched_values: 150,
      finetune_pretrain_matched_curves: 57,
    });
    // NaN-dropped curves keep their own length; None group std cells have no value row
    expect(
      await wh.all(
        `SELECT len(curve) AS n FROM finetune_pretrain_matched_curves WHERE name = 'pt_boolq_correct_prob' LIMIT 1`,
      ),
    ).toEqual([{ n: 7n }]);
    expect(
      await wh.all(
        `SELECT run_id[1:13] AS r, ckpt_steps, step, len(ft_loss) > 0 AS has_loss FROM finetune_pretrain_matched ORDER BY r`,
      ),
    ).toEqual([
      { r: '250912-172812', ckpt_steps: '6250', step: 6250n, has_loss: true },
      { r: '250913-091500', ckpt_steps: '10000', step: 10000n, has_loss: true },
      { r: '250914-120000', ckpt_steps: '5000', step: 5000n, has_loss: true },
    ]);
    expect(
      await wh.scalar(
        "SELECT count(*) FROM finetune_pretrain_matched_values WHERE name = 'delta_piqa_acc_uncond' AND special = 'NaN'",
      ),
    ).toBe(3n);
  });

  it('CLI: the matched frame joins to the DataDecide checkpoints', async () => {
    const db = join(tempDir(), 'w.duckdb');
    const dd = await runCli([
      '--db',
      db,
      'ingest',
      'datadecide',
      'examples/datadecide/pretrain_metrics_sample.parquet',
    ]);
    expect(dd.code).toBe(0);
    const pk = await runCli([
      '--db',
      db,
      'ingest',
      'pickle',
      'examples/pickles/combined_plotting_data_matched.pkl',
    ]);
    expect(pk.stderr).toBe('');
    expect(pk.code).toBe(0);
    expect(pk.stdout).toContain('finetune_pretrain_matched 3');
    const q = await runCli([
      '--db',
      db,
      'query',
      `SELECT params, data, seed, step, ckpt_steps, pt_tokens, checkpoint_found FROM finetune_vs_pretrain ORDER BY params`,
      '--format',
      'csv',
    ]);
    expect(q.code).toBe(0);
    expect(q.stdout.trim().split('\n')).toEqual([
      'params,data,seed,step,ckpt_steps,pt_tokens,checkpoint_found',
      '150M,C4,0,10000,10000,3932160000,true',
      '4M,Dolma1.7,0,5000,5000,327680000,true',
      '530M,Dolma1.7,0,6250,6250,5734400000,true',
    ]);
  });

  it('CLI: a hostile pickle exits 2 naming the file, offset and global, and writes nothing', async () => {
    const db = join(tempDir(), 'w.duckdb');
    const r = await runCli(['--db', db, 'ingest', 'pickle', 'test/fixtures/pickle/hostile/os_system_p4.pkl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'test/fixtures/pickle/hostile/os_system_p4.pkl at byte 14: global not allowed: os.system',
    );
    const log = await runCli([
      '--db',
      db,
      'query',
      "SELECT status FROM ingest_log WHERE kind = 'pickle'",
      '--format',
      'csv',
    ]);
    expect(log.stdout.trim().split('\n')).toEqual(['status', 'failed']);
  });

  it('CLI: --table names one table, so it takes one file', async () => {
    const db = join(tempDir(), 'w.duckdb');
    const r = await runCli(['--db', db, 'ingest', 'pickle', '--table', 't', 'examples/pickles']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--table names one table');
  });
});
