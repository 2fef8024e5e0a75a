import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';

// Each test spawns several CLIs in a row (each a Node start with tsx): generous on a loaded 2-core machine.
const SLOW = 240_000;

import { BIN, migratedWarehouseFile, REPO_ROOT, runCli, tempDir } from '../helpers.ts';

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

/** `mlduck ARGS` left running, with its output collected, for tests of what it does while alive. */
function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, MLDUCK_DB: undefined, ...env },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    /** Resolves once stdout (or stderr) matches. */
    waitFor: async (
      pattern: RegExp,
      timeoutMs = 30_000,
      stream: 'stdout' | 'stderr' = 'stdout',
    ): Promise<void> => {
      const started = Date.now();
      while (!pattern.test(stream === 'stdout' ? stdout : stderr)) {
        if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${pattern}: ${stdout}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

describe('query results of any size', () => {
  it(
    'shows 40 rows, first and last, with the count; --max-rows N|all; no separators between rows',
    async () => {
      const db = await migratedWarehouseFile();
      const big = await runCli([
        '--db',
        db,
        'query',
        'SELECT range AS n, range * 2 AS twice FROM range(100000)',
      ]);
      expect(big.code).toBe(0);
      const lines = big.stdout.trimEnd().split('\n');
      expect(lines.at(-1)).toBe('100,000 rows (40 shown)');
      const body = lines.filter((l) => /^│ +\d/.test(l)).map((l) => Number(l.split('│')[1]));
      expect(body).toEqual([
        ...Array.from({ length: 20 }, (_, i) => i),
        ...Array.from({ length: 20 }, (_, i) => 99980 + i),
      ]);
      expect(lines.filter((l) => l.startsWith('├'))).toHaveLength(1);
      expect(big.stdout).toMatch(/│ +· │ +· │/);

      const few = await runCli(['--db', db, 'query', '--max-rows', '4', 'SELECT range AS n FROM range(10)']);
      expect(few.stdout.match(/^│ +\d+ │$/gm)?.map((l) => l.replace(/[│ ]/g, ''))).toEqual([
        '0',
        '1',
        '8',
        '9',
      ]);
      expect(few.stdout).toMatch(/^10 rows \(4 shown\)$/m);
      const all = await runCli(['--db', db, 'query', '--max-rows=all', 'SELECT range AS n FROM range(50)']);
      expect(all.stdout.match(/^│ +\d+ │$/gm)).toHaveLength(50);
      expect(all.stdout).toMatch(/^50 rows$/m);
      const bad = await runCli(['--db', db, 'query', '--max-rows', 'lots', 'SELECT 1']);
      expect(bad.code).toBe(1);
    },
    SLOW,
  );

  it(
    'renders values as DuckDB does, in table and csv, and prints every statement in order',
    async () => {
      const db = await migratedWarehouseFile();
      const sql = `SELECT DATE '2024-01-02' AS d, TIME '01:02:03.123456' AS t,
      TIMESTAMP '2024-01-02 03:04:05.123456' AS ts, TIMESTAMPTZ '2024-01-02 03:04:05.123456+00' AS tz,
      INTERVAL 1 DAY + INTERVAL 3 HOUR AS i, 1.50::DECIMAL(10,2) AS dec, '\\x00ab'::BLOB AS b,
      [1, 2] AS l, {'a': 1, 'b': 'x'} AS s, MAP {'k': 1} AS m; SELECT 'second' AS two;`;
      const table = await runCli(['--db', db, 'query', sql]);
      expect(table.code).toBe(0);
      for (const text of [
        '│ 2024-01-02 │',
        '│ 01:02:03.123456 │',
        '│ 2024-01-02 03:04:05.123456 │',
        '│ 2024-01-02 03:04:05.123456+00 │',
        '│ 1 day 03:00:00 │',
        '│          1.50 │',
        '│ \\x00ab │',
        '│ [1, 2] ',
        "│ {'a': 1, 'b': 'x'} │",
        "│ {'k': 1} ",
      ])
        expect(table.stdout).toContain(text);
      expect(table.stdout.indexOf('2024-01-02')).toBeLessThan(table.stdout.indexOf('second'));
      const csv = await runCli([
        '--db',
        db,
        'query',
        '-f',
        'csv',
        "SELECT 1 AS one; SELECT TIMESTAMPTZ '2024-01-02 03:04:05.5+00' AS tz",
      ]);
      expect(csv.stdout).toBe('tz\n2024-01-02 03:04:05.5+00\n');
    },
    SLOW,
  );

  it(
    'streams csv/jsonl to a closed pipe and exits 0 quietly',
    async () => {
      const db = await migratedWarehouseFile();
      for (const format of ['csv', 'jsonl', 'table']) {
        const run = startCli([
          '--db',
          db,
          'query',
          '-f',
          format,
          "SELECT range AS n, repeat('x', 100) FROM range(5000000)",
        ]);
        await run.waitFor(/\d/);
        run.child.stdout.destroy();
        expect(await run.exited).toBe(0);
        expect(run.output().stderr).toBe('');
      }
    },
    SLOW,
  );

  it(
    'writes an Arrow IPC stream that apache-arrow reads back with every demo type',
    async () => {
      const db = await migratedWarehouseFile();
      const sql = `SELECT 1::BIGINT AS big, 2::INTEGER AS int, 0.5::DOUBLE AS dbl, 'x' AS str, true AS flag,
      TIMESTAMPTZ '2024-01-02 03:04:05.123456+00' AS tz, TIMESTAMP '2024-01-02 03:04:05' AS ts,
      DATE '2024-01-02' AS d, ['a', NULL] AS strs, [1.5, 2.5]::DOUBLE[] AS dbls, [7, 8] AS ints,
      170141183460469231731687303715884105727::HUGEINT AS huge, MAP {'k': 1.5::DOUBLE} AS m,
      [{'file': 'f', 'bytes': 3::BIGINT}] AS structs, '{"a":1}'::JSON AS js, 'arc_easy'::ENUM('arc_easy', 'piqa') AS e,
      12.34::DECIMAL(10,2) AS dec, NULL::VARCHAR AS nothing
      FROM range(3)`;
      const run = startCli(['--db', db, 'query', '-f', 'arrow', sql]);
      const chunks: Buffer[] = [];
      run.child.stdout.on('data', (d: Buffer) => chunks.push(d));
      expect(await run.exited).toBe(0);
      const table = tableFromIPC(Buffer.concat(chunks));
      expect(table.numRows).toBe(3);
      const row = table.get(0)!.toJSON() as Record<string, unknown>;
      expect(row['big']).toBe(1n);
      expect(row['int']).toBe(2);
      expect(row['dbl']).toBe(0.5);
      expect(row['str']).toBe('x');
      expect(row['flag']).toBe(true);
      expect(table.getChild('tz')!.type.toString()).toMatch(/Timestamp<MICROSECOND, UTC>/);
      expect(table.getChild('tz')!.data[0]!.values[0]).toBe(1704164645123456n);
      expect(table.getChild('ts')!.data[0]!.values[0]).toBe(1704164645000000n);
      expect(table.getChild('d')!.data[0]!.values[0]).toBe(19724);
      expect([...(row['strs'] as Iterable<unknown>)]).toEqual(['a', null]);
      expect([...(row['dbls'] as Iterable<unknown>)]).toEqual([1.5, 2.5]);
      expect([...(row['ints'] as Iterable<unknown>)]).toEqual([7, 8]);
      expect(table.getChild('huge')!.type.toString()).toMatch(/Decimal\[38e0\]/i);
      expect(Array.from(table.getChild('huge')!.data[0]!.values.slice(0, 4) as Uint32Array)).toEqual([
        0xffffffff, 0xffffffff, 0xffffffff, 0x7fffffff,
      ]);
      expect((row['m'] as { toJSON(): unknown }).toJSON()).toEqual({ k: 1.5 });
      expect(
        JSON.parse(
          JSON.stringify([...(row['structs'] as Iterable<unknown>)], (_k, v) =>
            typeof v === 'bigint' ? Number(v) : v,
          ),
        ),
      ).toEqual([{ file: 'f', bytes: 3 }]);
      expect(row['js']).toBe('{"a":1}');
      expect(row['e']).toBe('arc_easy');
      expect(Array.from(table.getChild('dec')!.data[0]!.values.slice(0, 4) as Uint32Array)).toEqual([
        1234, 0, 0, 0,
      ]);
      expect(row['nothing']).toBeNull();

      // No rows: still a stream with the schema, as pyarrow and polars expect.
      const empty = startCli(['--db', db, 'query', '-f', 'arrow', `${sql} LIMIT 0`]);
      const emptyChunks: Buffer[] = [];
      empty.child.stdout.on('data', (d: Buffer) => emptyChunks.push(d));
      expect(await empty.exited).toBe(0);
      const emptyTable = tableFromIPC(Buffer.concat(emptyChunks));
      expect(emptyTable.numRows).toBe(0);
      expect(emptyTable.schema.fields.map((f) => f.name)).toEqual(table.schema.fields.map((f) => f.name));
    },
    SLOW,
  );
});

describe('reading never takes the write lock', () => {
  it(
    'an idle shell blocks neither status, query nor an ingest; a writer is named in the lock message',
    async () => {
      const db = await migratedWarehouseFile();
      const shell = startCli(['--db', db, 'shell']);
      shell.child.stdin.write('SELECT 41 + 1 AS answer;\n');
      await shell.waitFor(/42/);
      const status = await runCli(['--db', db, 'status']);
      expect(status.code).toBe(0);
      const ingest = await runCli(['--db', db, 'ingest', 'wandb', join(REPO_ROOT, 'examples/wandb/v3')]);
      expect(ingest.code).toBe(0);
      shell.child.stdin.write('SELECT count(*) AS runs FROM wandb_runs;\n');
      await shell.waitFor(/│ +[1-9]\d* │/);
      shell.child.stdin.end();
      expect(await shell.exited).toBe(0);

      // A writing shell holds the lock: the message says which mlduck command; --wait outlasts it.
      const writer = startCli(['--db', db, 'shell', '--write']);
      writer.child.stdin.write('SELECT 1 AS held;\n');
      await writer.waitFor(/held/);
      const locked = await runCli(['--db', db, 'status']);
      expect(locked.code).toBe(3);
      expect(locked.stderr).toMatch(
        /is locked by another process \(`mlduck --db \S+ shell --write`, PID \d+\)/,
      );
      const waiting = startCli([
        '--db',
        db,
        'ingest',
        '--wait=60',
        'wandb',
        join(REPO_ROOT, 'examples/wandb/v3'),
        '--force',
      ]);
      await waiting.waitFor(/waiting up to 60 s: warehouse .* is locked .*shell --write/, 30_000, 'stderr');
      writer.child.stdin.end();
      expect(await waiting.exited).toBe(0);
      expect(await writer.exited).toBe(0);
    },
    SLOW,
  );
});

describe('status as data', () => {
  it(
    'csv, json, jsonl and arrow list the tables, views and recent ingests, as query renders them',
    async () => {
      const db = join(tempDir(), 'warehouse.duckdb');
      copyFileSync(join(REPO_ROOT, 'warehouse.duckdb.example'), db);
      const jsonl = await runCli(['--db', db, 'status', '--recent', '3', '-f', 'jsonl']);
      expect(jsonl.code, jsonl.stderr).toBe(0);
      const records = jsonl.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const columns = [
        'section',
        'name',
        'rows',
        'description',
        'ingest_id',
        'kind',
        'status',
        'finished_at',
      ];
      for (const record of records) expect(Object.keys(record)).toEqual(columns);
      const sections = records.map((r) => r.section).join(' ');
      expect(sections).toMatch(/^(table )+(view )+ingest ingest ingest$/);
      const log = records.find((r) => r.name === 'ingest_log')!;
      expect(log).toMatchObject({ section: 'table', ingest_id: null, kind: null });
      expect(log.description).toMatch(/^One row per ingest of one input file: .*\.$/);

      // The ingests are ingest_log's newest rows, spelled as `query` spells them.
      const newest = await runCli([
        '--db',
        db,
        'query',
        '-f',
        'jsonl',
        `SELECT path AS name, ingest_id, kind, status, finished_at,
           (SELECT sum(value::BIGINT) FROM json_each(rows_written)) AS rows
         FROM ingest_log ORDER BY ingest_id DESC LIMIT 3`,
      ]);
      const expected = newest.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records.filter((r) => r.section === 'ingest')).toEqual(
        expected.map((e) => ({ section: 'ingest', description: null, ...e })),
      );
      expect(String(expected[0]!.finished_at)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00$/);
      expect(log.rows).toBe(
        Number(
          (await runCli(['--db', db, 'query', '-f', 'csv', 'SELECT count(*) FROM ingest_log'])).stdout.split(
            '\n',
          )[1],
        ),
      );

      const json = await runCli(['--db', db, 'status', '--recent', '3', '--format', 'json']);
      expect(JSON.parse(json.stdout)).toEqual(records);
      const csv = await runCli(['--db', db, 'status', '--recent', '3', '-f', 'csv']);
      expect(csv.stdout.split('\n')[0]).toBe(columns.join(','));
      expect(csv.stdout).toContain(`\ningest,${String(expected[0]!.name)},`);
      const arrow = startCli(['--db', db, 'status', '--recent', '3', '-f', 'arrow']);
      const chunks: Buffer[] = [];
      arrow.child.stdout.on('data', (d: Buffer) => chunks.push(d));
      expect(await arrow.exited).toBe(0);
      const table = tableFromIPC(Buffer.concat(chunks));
      expect(table.numRows).toBe(records.length);
      expect(table.schema.fields.map((f) => f.name)).toEqual(columns);
      // The report for people is unchanged.
      const report = await runCli(['--db', db, 'status', '--recent', '3']);
      expect(report.stdout).toMatch(/^warehouse .*\nmigrations: \d+ applied\n\ntables \(\d+\):\n┌/);
    },
    SLOW,
  );
});

describe('the read-only shell keeps no state that needs writing', () => {
  it(
    'carries SET and SET VARIABLE across inputs, says temporary objects end with their input, and points to --write',
    async () => {
      const db = await migratedWarehouseFile();
      const input = [
        "SET TimeZone = 'Asia/Tokyo';",
        'SET VARIABLE answer = 42;',
        "SELECT current_setting('TimeZone') AS tz, getvariable('answer') AS answer;",
        'RESET TimeZone;',
        "SELECT current_setting('TimeZone') AS tz;",
        'CREATE TEMP TABLE scratch AS SELECT 7 AS x; SELECT x * 6 AS same_input FROM scratch;',
        'SELECT * FROM scratch;',
        'INSERT INTO ingest_log (ingest_id) VALUES (1);',
        '',
      ].join('\n');
      const run = await runCli(['--db', db, 'shell', '-f', 'csv'], { input });
      expect(run.code).toBe(2);
      const out = run.stdout.split('\n');
      expect(out.slice(0, 2)).toEqual(['tz,answer', 'Asia/Tokyo,42']);
      expect(out[2]).toBe('tz');
      expect(out[3]).not.toBe('Asia/Tokyo');
      expect(run.stdout).toMatch(
        /^same_input\n42\nNote: temporary table scratch ended with this input: .*`mlduck shell --write` keeps temporary objects/m,
      );
      expect(run.stdout).toMatch(/Error: Catalog Error: Table with name scratch does not exist/);
      expect(run.stdout).toMatch(
        /Error: .*Cannot execute statement of type "INSERT" .* read-only mode!\nThe shell is read-only: start it with `mlduck shell --write` to change data\.\n/,
      );
      expect(run.stderr).toBe('mlduck: 2 statements failed\n');

      // --write holds one session: the temporary table outlives its input, and nothing is noted.
      const write = await runCli(['--db', db, 'shell', '--write', '-f', 'csv'], {
        input: 'CREATE TEMP TABLE scratch AS SELECT 7 AS x;\nSELECT x FROM scratch;\n',
      });
      expect(write.code).toBe(0);
      expect(write.stdout).toBe('x\n7\n');

      const query = await runCli(['--db', db, 'query', 'INSERT INTO ingest_log (ingest_id) VALUES (1)']);
      expect(query.code).toBe(2);
      expect(query.stderr).toMatch(
        /read-only mode! — the warehouse is open read-only: run it with `mlduck query --write` to change data\n$/,
      );
    },
    SLOW,
  );
});

describe('command errors', () => {
  it(
    'empty SQL, SQL starting with --, a bad --recent, and a SQL error position',
    async () => {
      const db = await migratedWarehouseFile();
      const empty = await runCli(['--db', db, 'query', '  -- nothing\n']);
      expect(empty.code).toBe(1);
      expect(empty.stderr).toBe(
        "mlduck: no SQL statement given — pass SQL as the argument, or '-' to read it from standard input\n",
      );
      const comment = await runCli(['--db', db, 'query', '-f', 'csv', '-- the answer\nSELECT 42 AS x']);
      expect(comment.stdout).toBe('x\n42\n');
      const recent = await runCli(['--db', db, 'status', '--recent', 'abc']);
      expect(recent.code).toBe(1);
      expect(recent.stderr).toMatch(/--recent takes a number of ingests, not 'abc'/);
      const json = await runCli(['--db', db, 'status', '--recent', '0', '-f', 'json']);
      const rows = JSON.parse(json.stdout) as { section: string; name: string; description: string }[];
      const log = rows.find((r) => r.name === 'ingest_log')!;
      expect(log.section).toBe('table');
      const position = await runCli(['--db', db, 'query', 'SELECT 1,\n  nope']);
      expect(position.code).toBe(2);
      expect(position.stderr).toMatch(/Binder Error: .*nope.* \(line 2, column 3\)\n$/);
    },
    SLOW,
  );

  it(
    'status counts the write-ahead log in the size and keeps descriptions whole past a colon',
    async () => {
      const db = await migratedWarehouseFile();
      const bytes = statSync(db).size + (existsSync(`${db}.wal`) ? statSync(`${db}.wal`).size : 0);
      const status = await runCli(['--db', db, 'status']);
      const shown = /\(([\d.]+) (KB|MB)/.exec(status.stdout)!;
      expect(Number(shown[1]) * (shown[2] === 'MB' ? 1024 * 1024 : 1024)).toBeCloseTo(bytes, -5);
      const log = readFileSync(join(REPO_ROOT, 'sql/001_ingest_log.sql'), 'utf8');
      expect(log).toContain('COMMENT ON TABLE ingest_log');
      expect(status.stdout).not.toMatch(/│ ingest_log +│ +\d+ │ [^│]*: +│/);
      void tempDir;
    },
    SLOW,
  );
});
