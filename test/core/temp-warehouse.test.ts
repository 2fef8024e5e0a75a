import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migratedWarehouseFile, REPO_ROOT, runCli, tempWarehouse } from '../helpers.ts';

const tableCount = "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main'";

describe('tempWarehouse', () => {
  it('gives every test its own fully migrated copy, independent of the others', async () => {
    const a = await tempWarehouse();
    const b = await tempWarehouse();
    expect(a.path).not.toBe(b.path);
    expect((await a.migrationStatus()).pending).toEqual([]);
    expect(await a.scalar(tableCount)).toBe(await b.scalar(tableCount));
    expect(await a.scalar("SELECT count(*) FROM duckdb_views() WHERE view_name = 'pretrain_eval_wide'")).toBe(
      1n,
    );
    await a.run(
      "INSERT INTO ingest_log VALUES (1, 'k', 'p', 's', 0, 'ok', '{}', '[]', NULL, '{}', now(), now(), 'v', NULL)",
    );
    expect(await a.scalar('SELECT count(*) FROM ingest_log')).toBe(1n);
    expect(await b.scalar('SELECT count(*) FROM ingest_log')).toBe(0n);
  });

  it('migrates a new empty file when asked for a fresh one, with the same result', async () => {
    const copy = await tempWarehouse();
    const fresh = await tempWarehouse({ fresh: true });
    const migrations = 'SELECT name, checksum FROM schema_migrations ORDER BY name';
    expect(await fresh.all(migrations)).toEqual(await copy.all(migrations));
    const views = 'SELECT name, checksum FROM schema_views ORDER BY name';
    expect(await fresh.all(views)).toEqual(await copy.all(views));
    // A fresh file was migrated now, a copy carries the template's older timestamps.
    const newest = 'SELECT max(applied_at) FROM schema_migrations';
    expect(Number(await fresh.scalar<Date>(newest))).toBeGreaterThanOrEqual(
      Number(await copy.scalar<Date>(newest)),
    );
    expect(existsSync(fresh.path)).toBe(true);
  });

  it('hands the CLI a migrated file that it opens with nothing left to apply', async () => {
    const db = await migratedWarehouseFile();
    const status = await runCli(['--db', db, 'status']);
    expect(status.code, status.stderr).toBe(0);
    const migrations = await runCli(['--db', db, 'query', 'SELECT count(*) AS n FROM schema_migrations']);
    expect(migrations.code, migrations.stderr).toBe(0);
    const files = readdirSync(join(REPO_ROOT, 'sql')).filter((f) => f.endsWith('.sql')).length;
    expect(migrations.stdout).toMatch(new RegExp(`\\b${files}\\b`));
  });
});
