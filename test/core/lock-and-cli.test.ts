import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MlduckError } from '../../src/errors.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { migratedWarehouseFile, REPO_ROOT, runCli, tempDir } from '../helpers.ts';

const holders: ChildProcess[] = [];
afterEach(() => {
  for (const child of holders.splice(0)) child.stdin?.end();
});

/** Another process holding the write lock on `path`, as a second writer would. */
async function holdLock(path: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'test/fixtures/core/hold-lock.mjs'), path], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  holders.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

describe('a second writer', () => {
  it('gets a locked error naming the file and the holder, not a stack trace', async () => {
    const db = join(tempDir(), 'w.duckdb');
    const holder = await holdLock(db);
    const error = await Warehouse.open(db).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlduckError);
    expect((error as MlduckError).kind).toBe('locked');
    expect((error as MlduckError).message).toContain(db);
    expect((error as MlduckError).message).toContain(`PID ${holder.pid}`);

    const cli = await runCli(['--db', db, 'status']);
    expect(cli.code).toBe(3);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toMatch(/is locked by another process .*PID \d+.*read-only/);
  });
});

describe('mlduck CLI', () => {
  it('status needs an existing warehouse; once one exists it lists the core tables', async () => {
    const dir = tempDir();
    const result = await runCli(['--db', join(dir, 'w.duckdb'), 'status']);
    // status opens read-only, so a missing warehouse is an error, not silently created.
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/does not exist/);
    // query does not create it either, with or without --write.
    for (const args of [[], ['--write']]) {
      const query = await runCli(['--db', join(dir, 'w.duckdb'), 'query', ...args, 'SELECT 1 AS one']);
      expect(query.code).toBe(2);
      expect(query.stderr).toMatch(/w\.duckdb does not exist/);
      expect(existsSync(join(dir, 'w.duckdb'))).toBe(false);
    }
    await migratedWarehouseFile(join(dir, 'w.duckdb'));
    const status = await runCli(['--db', join(dir, 'w.duckdb'), 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/ingest_log/);
    expect(status.stdout).toMatch(/migrations: \d+ applied/);
  });

  it('query prints table, csv, json and jsonl, and reads SQL from stdin', async () => {
    const db = await migratedWarehouseFile();
    const sql = "SELECT 1::BIGINT AS n, 'a,b' AS s, [1, 2] AS l, 'nan'::DOUBLE AS d, NULL AS z";
    const csv = await runCli(['--db', db, 'query', sql, '--format', 'csv']);
    expect(csv.stdout.trim()).toBe('n,s,l,d,z\n1,"a,b","[1, 2]",NaN,');
    const json = await runCli(['--db', db, 'query', sql, '-f', 'json']);
    expect(JSON.parse(json.stdout)).toEqual([{ n: 1, s: 'a,b', l: [1, 2], d: 'NaN', z: null }]);
    const jsonl = await runCli(['--db', db, 'query', '-f', 'jsonl'], {
      input: 'SELECT 42 AS x UNION ALL SELECT 43 ORDER BY 1;',
    });
    expect(
      jsonl.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ x: 42 }, { x: 43 }]);
    const table = await runCli(['--db', db, 'query', sql]);
    expect(table.stdout).toMatch(/│ n +│ s +│/);
    expect(table.stdout).toMatch(/^1 row$/m);
  });

  it('a SQL error is one line, exit 2, and leaves the warehouse unchanged', async () => {
    const db = await migratedWarehouseFile();
    await runCli(['--db', db, 'query', '--write', 'CREATE TABLE t (x INTEGER)']);
    const bad = await runCli([
      '--db',
      db,
      'query',
      '--write',
      'INSERT INTO t VALUES (1); SELECT * FROM missing_table',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^mlduck: SQL error: Catalog Error: .*missing_table/);
    const count = await runCli(['--db', db, 'query', 'SELECT count(*) AS c FROM t', '-f', 'csv']);
    expect(count.stdout.trim()).toBe('c\n0');
  });

  it('maps bad invocations and bad files to one-line errors and exit codes', async () => {
    const dir = tempDir();
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);

    const badFormat = await runCli(['--db', await migratedWarehouseFile(), 'query', 'SELECT 1', '-f', 'xml']);
    expect(badFormat.code).toBe(1);

    const corrupt = join(dir, 'corrupt.duckdb');
    writeFileSync(corrupt, 'this is not a database');
    const corruptResult = await runCli(['--db', corrupt, 'query', 'SELECT 1']);
    expect(corruptResult.code).toBe(2);
    expect(corruptResult.stderr).toMatch(/is not a DuckDB database file/);
    expect(readFileSync(corrupt, 'utf8')).toBe('this is not a database');

    const folder = join(dir, 'folder');
    mkdirSync(folder);
    const dirResult = await runCli(['--db', folder, 'status']);
    expect(dirResult.code).toBe(2);
    expect(dirResult.stderr).toMatch(/is a directory/);

    const missingReadOnly = await runCli([
      '--db',
      join(dir, 'none.duckdb'),
      '--read-only',
      'query',
      'SELECT 1',
    ]);
    expect(missingReadOnly.code).toBe(2);
    expect(missingReadOnly.stderr).toMatch(/does not exist/);
    expect(existsSync(join(dir, 'none.duckdb'))).toBe(false);

    const verbose = await runCli(['--db', corrupt, '--verbose', 'query', 'SELECT 1']);
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });

  it('--read-only refuses writes and MLDUCK_DB names the warehouse', async () => {
    const db = await migratedWarehouseFile();
    await runCli(['query', '--write', 'CREATE TABLE t (x INTEGER)'], { env: { MLDUCK_DB: db } });
    for (const flags of [['--read-only'], []]) {
      const write = await runCli(['--db', db, ...flags, 'query', 'INSERT INTO t VALUES (1)']);
      expect(write.code).toBe(2);
      expect(write.stderr).toMatch(/read-only/);
    }
    const read = await runCli(['--read-only', 'query', 'SELECT count(*) AS c FROM t', '-f', 'csv'], {
      env: { MLDUCK_DB: db },
    });
    expect(read.stdout.trim()).toBe('c\n0');
  });

  it('shell runs multi-line statements and dot helpers from stdin', async () => {
    const db = await migratedWarehouseFile();
    const input =
      'SELECT 1 AS a,\n  2 AS b;\n.mode csv\n.tables\n.schema ingest_log\nSELECT 3 AS c;\n.quit\nSELECT 4;\n';
    const result = await runCli(['--db', db, 'shell'], { input });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/│ a +│ b +│/);
    expect(result.stdout).toMatch(/^ingest_log,table,0$/m);
    expect(result.stdout).toMatch(/^sha256,VARCHAR,false,/m);
    expect(result.stdout).toMatch(/^c\n3$/m);
    expect(result.stdout).not.toMatch(/^4$/m);
    const failing = await runCli(['--db', db, 'shell'], { input: 'SELECT nope;\n.bogus\nSELECT 5 AS ok;\n' });
    expect(failing.code).toBe(2);
    expect(failing.stdout).toMatch(/Error: Binder Error/);
    expect(failing.stdout).toMatch(/Error: unknown command \.bogus/);
    expect(failing.stdout).toMatch(/│ +5 │/);
  });

  it('--help and --version exit 0', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: mlduck/);
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toBe(
      JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version,
    );
  });
});
