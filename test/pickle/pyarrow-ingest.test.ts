/**
 * pyarrow-backed pickles land like their numpy-backed twins (issue 20): the dr_showntell structures re-saved by
 * pandas 3 with pyarrow fill the same tables, with the same types and values, as the examples written by
 * pandas 1.5; generic pyarrow columns get the numpy twins' DuckDB types and NULL/NaN semantics.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestPickle } from '../../ingest/pickle/source.ts';
import type { Warehouse } from '../../src/warehouse.ts';
import { REPO_ROOT, runCli, tempDir, tempWarehouse } from '../helpers.ts';

const PYARROW = join(REPO_ROOT, 'test', 'fixtures', 'pickle', 'pyarrow');
const EXAMPLES = join(REPO_ROOT, 'examples', 'pickles');

/** Every table the showntell pickles feed, with its column types and rows (ingest ids left out). */
async function snapshot(wh: Warehouse): Promise<Record<string, unknown>> {
  const tables = await wh.all<{ table_name: string }>(
    `SELECT table_name FROM duckdb_tables()
     WHERE table_name LIKE 'showntell_%' OR table_name LIKE 'finetune_pretrain_matched%' ORDER BY 1`,
  );
  const out: Record<string, unknown> = {};
  for (const { table_name: t } of tables) {
    const types = await wh.all(
      'SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = $1 ORDER BY column_index',
      [t],
    );
    const rows = await wh.all(`SELECT * EXCLUDE (ingest_id) FROM "${t}" ORDER BY ALL`);
    out[t] = { types, rows };
  }
  return out;
}

describe('pyarrow-backed pickles land like their numpy twins', () => {
  it('showntell structures from pandas 3 + pyarrow fill the same tables with the same rows', async () => {
    const numpy = await tempWarehouse();
    await ingestPickle(numpy, join(EXAMPLES, '20250915_101500_modernized_run_data.pkl'));
    await ingestPickle(numpy, join(EXAMPLES, 'combined_plotting_data_matched.pkl'));
    const arrow = await tempWarehouse();
    const dir = tempDir();
    // the same file names as upstream, so the generated table names match too
    const modernized = join(dir, '20250915_101500_modernized_run_data.pkl');
    copyFileSync(join(PYARROW, 'modernized_run_data.p4.pkl'), modernized);
    const matched = join(dir, 'combined_plotting_data_matched.pkl');
    copyFileSync(join(PYARROW, 'combined_plotting_data_matched.to_pickle.pkl'), matched);
    expect((await ingestPickle(arrow, modernized)).status).toBe('ok');
    expect((await ingestPickle(arrow, matched)).status).toBe('ok');
    const expected = await snapshot(numpy);
    expect(Object.keys(expected).length).toBeGreaterThan(8);
    expect(await snapshot(arrow)).toEqual(expected);
  });

  it('generic pyarrow columns get typed columns with NULL for missing and NaN/±Inf kept aside', async () => {
    const wh = await tempWarehouse();
    const dir = tempDir();
    for (const name of [
      'df_ints_pyarrow',
      'df_times_pyarrow',
      'df_nested_pyarrow',
      'df_string_pyarrow',
      'df_default_str',
      'pa_table',
    ]) {
      copyFileSync(join(PYARROW, `${name}.p5.pkl`), join(dir, `${name}.pkl`));
      expect((await ingestPickle(wh, join(dir, `${name}.pkl`))).status).toBe('ok');
    }
    const types = await wh.all<{ t: string }>(
      `SELECT table_name || '.' || column_name || ':' || data_type AS t FROM duckdb_columns()
       WHERE table_name IN ('df_ints_pyarrow', 'df_times_pyarrow', 'df_nested_pyarrow', 'df_string_pyarrow', 'df_default_str', 'pa_table')
         AND column_name NOT IN ('ingest_id', 'row_number') ORDER BY table_name, column_index`,
    );
    expect(types.map((r) => r.t)).toEqual([
      'df_default_str.name:VARCHAR',
      'df_default_str.x:DOUBLE',
      'df_default_str.x_special:VARCHAR',
      'df_default_str.n:BIGINT',
      'df_ints_pyarrow.i64:BIGINT',
      'df_ints_pyarrow.i32:INTEGER',
      'df_ints_pyarrow.i8:TINYINT',
      'df_ints_pyarrow.u64:UBIGINT',
      'df_ints_pyarrow.u16:USMALLINT',
      'df_ints_pyarrow.f64:DOUBLE',
      'df_ints_pyarrow.f64_special:VARCHAR',
      'df_ints_pyarrow.f32:FLOAT',
      'df_ints_pyarrow.f32_special:VARCHAR',
      'df_ints_pyarrow.b:BOOLEAN',
      'df_nested_pyarrow.lists:DOUBLE[]',
      'df_nested_pyarrow.large_lists:BIGINT[]',
      'df_nested_pyarrow.str_lists:VARCHAR[]',
      'df_nested_pyarrow.struct:JSON',
      'df_nested_pyarrow.dict:VARCHAR',
      'df_nested_pyarrow.nulls:VARCHAR',
      'df_string_pyarrow.string:VARCHAR',
      'df_string_pyarrow.large:VARCHAR',
      'df_string_pyarrow.small:VARCHAR',
      'df_string_pyarrow.binary:BLOB',
      'df_times_pyarrow.ts_tz:TIMESTAMP WITH TIME ZONE',
      'df_times_pyarrow.ts_utc_ns:TIMESTAMP WITH TIME ZONE',
      'df_times_pyarrow.ts_naive_s:TIMESTAMP WITH TIME ZONE',
      'df_times_pyarrow.dur:INTERVAL',
      'df_times_pyarrow.day:JSON',
      'pa_table.i:BIGINT',
      'pa_table.s:VARCHAR',
      'pa_table.ts:TIMESTAMP WITH TIME ZONE',
      'pa_table.l:DOUBLE[]',
    ]);
    expect(
      await wh.all('SELECT i64, u64, f64, f64_special, b FROM df_ints_pyarrow ORDER BY row_number'),
    ).toEqual([
      { i64: 1n, u64: 0n, f64: 1.5, f64_special: null, b: true },
      { i64: null, u64: 2n ** 64n - 1n, f64: null, f64_special: null, b: null },
      { i64: -(2n ** 63n), u64: null, f64: null, f64_special: null, b: false },
      { i64: 2n ** 63n - 1n, u64: 5n, f64: null, f64_special: '-Infinity', b: true },
    ]);
    expect(
      await wh.all(
        'SELECT epoch_us(ts_tz) AS us, name FROM df_times_pyarrow JOIN df_default_str USING (row_number) ORDER BY row_number',
      ),
    ).toEqual([
      { us: 1711846799123456n, name: 'a' },
      { us: null, name: null },
      { us: -3600000001n, name: 'ünï' },
      { us: 1729989000000000n, name: '' },
    ]);
    expect(
      await wh.all(
        'SELECT lists, dict, struct::VARCHAR AS struct FROM df_nested_pyarrow ORDER BY row_number',
      ),
    ).toEqual([
      { lists: [1, 2.5], dict: 'lo', struct: '{"a":1,"b":"x"}' },
      { lists: null, dict: 'hi', struct: null },
      { lists: [], dict: null, struct: '{"a":null,"b":"z"}' },
      { lists: [Number.NaN, Number.POSITIVE_INFINITY, null], dict: 'lo', struct: '{"a":4,"b":null}' },
    ]);
  });

  it('CLI: a hostile pyarrow pickle exits 2 naming the file, the byte offset and the broken buffer', async () => {
    const dir = tempDir();
    const r = await runCli([
      '--db',
      join(dir, 'w.duckdb'),
      'ingest',
      'pickle',
      'test/fixtures/pickle/pyarrow/hostile/short_data_buffer.pkl',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /short_data_buffer\.pkl at byte \d+: .*pyarrow int64 array of length 4 at offset 0: data buffer has 24 bytes, needs 32/,
    );
  });
});
