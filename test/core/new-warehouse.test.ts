// A new warehouse starts as a copy of the schema snapshot (src/new-warehouse.ts): the same catalog as
// running every migration, in milliseconds, and never over a file that is already there.
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFromSnapshot, snapshotPath } from '../../src/new-warehouse.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { REPO_ROOT, runCli, tempDir } from '../helpers.ts';

/** Everything a user sees of a schema: tables, views, columns, types, comments, macros, sequences. */
async function catalog(wh: Warehouse): Promise<unknown[]> {
  return wh.all(`
    SELECT 'table' AS kind, table_name AS name, NULL AS detail, comment FROM duckdb_tables()
    UNION ALL SELECT 'view', view_name, sql, comment FROM duckdb_views() WHERE NOT internal
    UNION ALL SELECT 'column', table_name || '.' || column_name, data_type, comment FROM duckdb_columns() WHERE NOT internal
    UNION ALL SELECT 'macro', function_name, macro_definition, comment FROM duckdb_functions() WHERE NOT internal AND function_type IN ('macro', 'table_macro')
    UNION ALL SELECT 'sequence', sequence_name, start_value::VARCHAR, comment FROM duckdb_sequences()
    UNION ALL SELECT 'migration', name, checksum, NULL FROM schema_migrations
    UNION ALL SELECT 'view file', name, checksum, NULL FROM schema_views
    ORDER BY ALL`);
}

describe('a new warehouse', () => {
  it('is a copy of the schema snapshot, with the catalog that running every migration gives', async () => {
    const snapshot = await Warehouse.buildSchemaSnapshot();
    expect(snapshot).toBe(snapshotPath());
    const dir = tempDir();
    const started = Date.now();
    (await Warehouse.open(join(dir, 'copied.duckdb'))).close();
    (await Warehouse.open(join(dir, 'migrated.duckdb'), { fromSnapshot: false })).close();
    // Compared as any later open reads them back from disk (DuckDB prints a macro it just created and
    // one it loaded with different quoting).
    const copied = await Warehouse.open(join(dir, 'copied.duckdb'), { readOnly: true });
    const migrated = await Warehouse.open(join(dir, 'migrated.duckdb'), { readOnly: true });
    try {
      expect(await catalog(copied)).toEqual(await catalog(migrated));
      // The copy's migrations were applied when the snapshot was built, before this test.
      const first = 'SELECT epoch_ms(min(applied_at)) FROM schema_migrations';
      expect(Number(await copied.scalar<bigint>(first))).toBeLessThan(started);
      expect(Number(await migrated.scalar<bigint>(first))).toBeGreaterThanOrEqual(started);
      expect((await copied.migrationStatus()).pending).toEqual([]);
    } finally {
      copied.close();
      migrated.close();
    }
  });

  it('never lands over a file that is there, and a read-only open of a missing path creates nothing', async () => {
    await Warehouse.buildSchemaSnapshot();
    const dir = tempDir();
    const taken = join(dir, 'taken.duckdb');
    writeFileSync(taken, 'not a database');
    expect(createFromSnapshot(taken)).toBe(false);
    expect(createFromSnapshot(join(dir, 'no-such-folder', 'w.duckdb'))).toBe(false);
    expect(createFromSnapshot(join(dir, 'new.duckdb'))).toBe(true);
    expect(createFromSnapshot(join(dir, 'new.duckdb'))).toBe(false);
    const missing = join(dir, 'missing.duckdb');
    const r = await runCli(['--db', missing, 'status']);
    expect(r.code).toBe(2);
    expect(existsSync(missing)).toBe(false);
  });

  it('with a schema folder of its own (either one) is migrated from it, never copied from the package snapshot', async () => {
    await Warehouse.buildSchemaSnapshot();
    const dir = tempDir();
    const views = join(dir, 'views');
    mkdirSync(views);
    writeFileSync(
      join(views, 'only_view.sql'),
      "CREATE OR REPLACE VIEW only_view AS SELECT 1 AS one;\nCOMMENT ON VIEW only_view IS 'A view.';\nCOMMENT ON COLUMN only_view.one IS 'One.';\n",
    );
    // The package's migrations under another folder: the package views still find their tables.
    const sql = join(dir, 'sql');
    cpSync(join(REPO_ROOT, 'sql'), sql, { recursive: true });
    const started = Date.now();
    for (const [name, options] of [
      ['own-views', { viewsDir: views }],
      ['own-sql', { sqlDir: sql }],
    ] as const) {
      const wh = await Warehouse.open(join(dir, `${name}.duckdb`), options);
      try {
        // Migrated now, not copied: a copy carries the snapshot's earlier timestamps.
        const first = 'SELECT epoch_ms(min(applied_at)) FROM schema_migrations';
        expect(Number(await wh.scalar<bigint>(first)), name).toBeGreaterThanOrEqual(started);
      } finally {
        wh.close();
      }
    }
  });
});
