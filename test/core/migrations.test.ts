import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MlduckError } from '../../src/errors.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { tempDir } from '../helpers.ts';

function schemaDirs() {
  const root = tempDir();
  const sqlDir = join(root, 'sql');
  const viewsDir = join(root, 'views');
  mkdirSync(sqlDir);
  mkdirSync(viewsDir);
  writeFileSync(
    join(sqlDir, '001_base.sql'),
    'CREATE SEQUENCE ingest_id_seq; CREATE TABLE ingest_log (ingest_id BIGINT); CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);',
  );
  return { root, sqlDir, viewsDir, db: join(root, 'w.duckdb') };
}

async function names(wh: Warehouse, sql: string): Promise<string[]> {
  return (await wh.all<{ n: string }>(sql)).map((r) => r.n);
}

describe('migrations', () => {
  it('apply every sql/ file once, in order, on a fresh warehouse', async () => {
    const d = schemaDirs();
    writeFileSync(join(d.sqlDir, '002_more.sql'), 'ALTER TABLE a ADD COLUMN y INTEGER DEFAULT 7;');
    const wh = await Warehouse.open(d.db, d);
    expect(await names(wh, 'SELECT name AS n FROM schema_migrations ORDER BY version')).toEqual([
      '001_base.sql',
      '002_more.sql',
    ]);
    expect(await wh.all('SELECT x, y FROM a')).toEqual([{ x: 1, y: 7 }]);
    wh.close();
  });

  it('are idempotent: reopening applies nothing again', async () => {
    const d = schemaDirs();
    (await Warehouse.open(d.db, d)).close();
    const wh = await Warehouse.open(d.db, d);
    expect(await wh.scalar('SELECT count(*) FROM a')).toBe(1n);
    expect(await wh.scalar('SELECT count(*) FROM schema_migrations')).toBe(1n);
    expect((await wh.migrate()).applied).toEqual([]);
    wh.close();
  });

  it('upgrade an older warehouse with the migrations it lacks', async () => {
    const d = schemaDirs();
    (await Warehouse.open(d.db, d)).close();
    writeFileSync(join(d.sqlDir, '002_more.sql'), 'CREATE TABLE b (z VARCHAR);');
    const readOnly = await Warehouse.open(d.db, { ...d, readOnly: true });
    expect(await readOnly.migrationStatus()).toEqual({
      applied: ['001_base.sql'],
      pending: ['002_more.sql'],
      changed: [],
    });
    readOnly.close();
    const wh = await Warehouse.open(d.db, d);
    expect(await wh.migrationStatus()).toEqual({
      applied: ['001_base.sql', '002_more.sql'],
      pending: [],
      changed: [],
    });
    expect(await wh.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'b'")).toBe(1n);
    wh.close();
  });

  it('refuse a read-write open when an applied migration file changed since (read-only still opens)', async () => {
    const d = schemaDirs();
    (await Warehouse.open(d.db, d)).close();
    writeFileSync(
      join(d.sqlDir, '001_base.sql'),
      `${readFileSync(join(d.sqlDir, '001_base.sql'), 'utf8')}\n-- edited`,
    );
    const error = await Warehouse.open(d.db, d).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlduckError);
    expect((error as MlduckError).toHumanLine()).toMatch(
      /001_base\.sql: .* was migrated with another text of 001_base\.sql/,
    );
    expect((error as MlduckError).exitCode).toBe(2);
    const readOnly = await Warehouse.open(d.db, { ...d, readOnly: true });
    expect((await readOnly.migrationStatus()).changed.map((c) => c.file)).toEqual(['001_base.sql']);
    readOnly.close();
  });

  it('leave nothing of a migration that fails, and name the file', async () => {
    const d = schemaDirs();
    writeFileSync(join(d.sqlDir, '002_bad.sql'), 'CREATE TABLE c (x INTEGER); SELECT * FROM missing_table;');
    const error = await Warehouse.open(d.db, d).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlduckError);
    expect((error as MlduckError).message).toMatch(/002_bad\.sql failed/);
    rmSync(join(d.sqlDir, '002_bad.sql'));
    const wh = await Warehouse.open(d.db, d);
    expect(await wh.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'c'")).toBe(0n);
    expect(await wh.scalar('SELECT count(*) FROM schema_migrations')).toBe(1n);
    wh.close();
  });

  it('create views in dependency order, re-create changed ones and drop removed ones', async () => {
    const d = schemaDirs();
    // a_top depends on z_base, which sorts after it.
    writeFileSync(
      join(d.viewsDir, 'a_top.sql'),
      'CREATE OR REPLACE VIEW a_top AS SELECT x * 2 AS x2 FROM z_base;',
    );
    writeFileSync(join(d.viewsDir, 'z_base.sql'), 'CREATE OR REPLACE VIEW z_base AS SELECT x FROM a;');
    let wh = await Warehouse.open(d.db, d);
    expect(await wh.all('SELECT x2 FROM a_top')).toEqual([{ x2: 2 }]);
    wh.close();

    writeFileSync(
      join(d.viewsDir, 'z_base.sql'),
      'CREATE OR REPLACE VIEW z_base AS SELECT x + 10 AS x FROM a;',
    );
    writeFileSync(join(d.viewsDir, 'gone.sql'), 'CREATE OR REPLACE VIEW gone AS SELECT 1 AS one;');
    wh = await Warehouse.open(d.db, d);
    expect(await wh.all('SELECT x2 FROM a_top')).toEqual([{ x2: 22 }]);
    wh.close();

    rmSync(join(d.viewsDir, 'gone.sql'));
    wh = await Warehouse.open(d.db, d);
    expect(
      await names(wh, 'SELECT view_name AS n FROM duckdb_views() WHERE NOT internal ORDER BY 1'),
    ).toEqual(['a_top', 'z_base']);
    wh.close();
  });

  it('name the view file when a view cannot be created', async () => {
    const d = schemaDirs();
    writeFileSync(join(d.viewsDir, 'broken.sql'), 'CREATE OR REPLACE VIEW broken AS SELECT nope FROM a;');
    await expect(Warehouse.open(d.db, d)).rejects.toThrow(/view broken\.sql failed/);
  });

  it('the package schema documents every table, view and column it creates', async () => {
    const wh = await Warehouse.open(join(tempDir(), 'w.duckdb'));
    const missing = await wh.all(`
      SELECT table_name AS name FROM duckdb_tables() WHERE comment IS NULL OR comment = ''
      UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal AND (comment IS NULL OR comment = '')
      UNION ALL SELECT table_name || '.' || column_name FROM duckdb_columns()
        WHERE NOT internal AND (comment IS NULL OR comment = '')`);
    expect(missing).toEqual([]);
    wh.close();
  });
});
