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
    await tempWarehouse(); // the template exists from here on
    const started = Date.now();
    const copy = await tempWarehouse();
    const fresh = await tempWarehouse({ fresh: true });
    const migrations = 'SELECT name, checksum FROM schema_migrations ORDER BY name';
    expect(await fresh.all(migrations)).toEqual(await copy.all(migrations));
    const views = 'SELECT name, checksum FROM schema_views ORDER BY name';
    expect(await fresh.all(views)).toEqual(await copy.all(views));
    // A fresh file was migrated now, after `started`; a copy carries the template's timestamps, from before.
    const applied =
      'SELECT epoch_ms(min(applied_at)) AS first, epoch_ms(max(applied_at)) AS last FROM schema_migrations';
    const [freshTimes] = await fresh.all<{ first: bigint; last: bigint }>(applied);
    const [copyTimes] = await copy.all<{ first: bigint; last: bigint }>(applied);
    expect(Number(freshTimes!.first)).toBeGreaterThanOrEqual(started);
    expect(Number(copyTimes!.last)).toBeLessThan(started);
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
