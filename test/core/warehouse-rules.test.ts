/**
 * src/warehouse.ts rule by rule, in process (a spawned CLI never sees a mutant): how opening fails and
 * says why, who holds a lock, waiting for it, the read-only guards, and the bookkeeping of the ingest
 * protocol on a small warehouse (the real ingest_log plus one table `lines`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MlduckError } from '../../src/errors.ts';
import { appendRows } from '../../src/load.ts';
import {
  type IngestContext,
  mlduckCommandOf,
  openExistingForWrite,
  openReadOnly,
  openWaitingForLock,
  Warehouse,
} from '../../src/warehouse.ts';
import { REPO_ROOT, tempDir } from '../helpers.ts';

const PACKAGE_SQL = join(REPO_ROOT, 'sql', '001_ingest_log.sql');
const HOLD_LOCK = join(REPO_ROOT, 'test', 'fixtures', 'core', 'hold-lock.mjs');

async function lineWarehouse(root = tempDir()) {
  const sqlDir = join(root, 'sql');
  mkdirSync(sqlDir, { recursive: true });
  writeFileSync(join(sqlDir, '001_ingest_log.sql'), readFileSync(PACKAGE_SQL, 'utf8'));
  writeFileSync(join(sqlDir, '002_lines.sql'), 'CREATE TABLE lines (ingest_id BIGINT NOT NULL, n INTEGER);');
  const options = { sqlDir, viewsDir: join(root, 'views') };
  const open = () => Warehouse.open(join(root, 'w.duckdb'), options);
  return { wh: await open(), open, root, options };
}

async function loadLines(ctx: IngestContext): Promise<void> {
  const lines = readFileSync(ctx.absolutePath, 'utf8').split('\n').filter(Boolean);
  await appendRows(
    ctx.conn,
    'lines',
    lines.map((_, i) => [ctx.ingestId, i + 1]),
  );
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    child.stdin?.end();
    child.kill();
  }
});

/** A process holding DuckDB's write lock on `db` until its stdin closes, started as `script`. */
async function holdLock(db: string, script = HOLD_LOCK): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script, db], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

async function release(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.stdin!.end();
  await exited;
}

async function failure(promise: Promise<unknown>): Promise<MlduckError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MlduckError);
  return error as MlduckError;
}

// The command line of a process is read from /proc: Linux only.
describe.skipIf(process.platform !== 'linux')('the mlduck command of a process', () => {
  /** A node process whose command line is `node -e … ARGS`, alive until the test ends. */
  async function processWith(args: string[], argv0?: string): Promise<number> {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ...args], {
      stdio: 'ignore',
      ...(argv0 ? { argv0 } : {}),
    });
    children.push(child);
    for (let i = 0; i < 200; i++) {
      if (readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').includes('setInterval')) return child.pid!;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('the child did not start');
  }

  it('is the arguments after the mlduck script, quoted where a shell would need it', async () => {
    const pid = await processWith(['/opt/x/bin/mlduck.js', 'shell', '--write', 'a b', 'k=v,1.5/x@y%z+:-']);
    expect(mlduckCommandOf(pid)).toBe('mlduck shell --write "a b" k=v,1.5/x@y%z+:-');
    expect(mlduckCommandOf(await processWith(['mlduck', 'status']))).toBe('mlduck status');
    // a program installed as `mlduck` itself (its first word)
    expect(mlduckCommandOf(await processWith(['status'], 'mlduck'))).toBe(
      'mlduck -e "setInterval(() => {}, 1000)" status',
    );
  });

  it('is undefined for other programs and for processes that do not exist', async () => {
    expect(mlduckCommandOf(await processWith(['/opt/notmlduck.js', 'x']))).toBeUndefined();
    expect(mlduckCommandOf(await processWith(['/opt/mlduck.jsx', 'x']))).toBeUndefined();
    expect(mlduckCommandOf(await processWith(['/opt/mlduck/other.js', 'x']))).toBeUndefined();
    expect(mlduckCommandOf(2 ** 30)).toBeUndefined();
  });
});

describe('opening a warehouse', () => {
  it('says which file is not a DuckDB database, and where none exists for a read-only open', async () => {
    const dir = tempDir();
    const text = join(dir, 'notes.duckdb');
    writeFileSync(text, 'not a database, just some text that is long enough to have a header\n'.repeat(100));
    const notDb = await failure(Warehouse.open(text));
    expect(notDb.message).toBe(`${text} exists but is not a DuckDB database file`);
    expect(notDb).toMatchObject({
      kind: 'input',
      hint: 'pass another --db path, or move the file away to create a new warehouse',
    });
    const missing = join(dir, 'missing.duckdb');
    const absent = await failure(Warehouse.open(missing, { readOnly: true }));
    expect(absent.message).toBe(`warehouse ${missing} does not exist`);
    expect(absent).toMatchObject({
      kind: 'input',
      hint: 'build one with `mlduck demo` or `mlduck ingest …` first',
    });
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses a directory, and reports any other failure with DuckDB’s reason', async () => {
    const dir = tempDir();
    const folder = await failure(Warehouse.open(dir));
    expect(folder.message).toBe(`${dir} is a directory, not a DuckDB database file`);
    expect(folder.kind).toBe('input');
    const nowhere = join(dir, 'no', 'such', 'folder', 'w.duckdb');
    const other = await failure(Warehouse.open(nowhere));
    expect(other.message).toMatch(new RegExp(`^cannot open warehouse ${nowhere}: .+`));
    expect(other.kind).toBe('input');
    expect(other.cause).toBeDefined();
    // read-only, a failure other than a missing file is not reported as one
    const file = join(dir, 'file.txt');
    writeFileSync(file, 'x');
    const underFile = await failure(Warehouse.open(join(file, 'w.duckdb'), { readOnly: true }));
    expect(underFile.message).toMatch(/^cannot open warehouse .*: .*Not a directory/);
  });

  it('names the holder of the lock and its PID, as an mlduck command when it is one', async () => {
    const dir = tempDir();
    const db = join(dir, 'w.duckdb');
    const holder = await holdLock(db);
    const locked = await failure(Warehouse.open(db));
    expect(locked.kind).toBe('locked');
    expect(locked.message).toMatch(
      new RegExp(`^warehouse ${db} is locked by another process \\(.+, PID ${holder.pid}\\)$`),
    );
    expect(locked.hint).toMatch(/^DuckDB allows one writer or many readers/);
    await release(holder);
    if (process.platform !== 'linux') return; // the holder's command line is read from /proc
    // the same holder started as `…/mlduck.js` (a link to it)
    const script = join(dir, 'mlduck.js');
    symlinkSync(HOLD_LOCK, script);
    const mlduck = await holdLock(db, script);
    expect((await failure(Warehouse.open(db))).message).toBe(
      `warehouse ${db} is locked by another process (\`mlduck ${db}\`, PID ${mlduck.pid})`,
    );
  });

  it('sets the search path for relative files to the warehouse folder, not for :memory:', async () => {
    const { wh, root } = await lineWarehouse();
    expect(await wh.scalar("SELECT current_setting('file_search_path')")).toBe(root);
    wh.close();
    const memory = await Warehouse.open(':memory:', {
      sqlDir: join(root, 'sql'),
      viewsDir: join(root, 'views'),
    });
    expect(await memory.scalar("SELECT current_setting('file_search_path')")).toBe('');
    memory.close();
  });

  it('opens a warehouse without an ingest_log (nothing to finish) and reports no interrupted ingests', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'sql'));
    const wh = await Warehouse.open(join(root, 'w.duckdb'), {
      sqlDir: join(root, 'sql'),
      viewsDir: join(root, 'v'),
    });
    expect(await wh.finishInterruptedIngests()).toEqual([]);
    wh.close();
  });

  it('closes once: a closed warehouse runs nothing, and closing again is harmless', async () => {
    const { wh } = await lineWarehouse();
    expect(await (await wh.run('SELECT $1::INTEGER AS x', [5])).getRowObjectsJS()).toEqual([{ x: 5 }]);
    expect(await wh.all('SELECT $1::INTEGER AS x', [6])).toEqual([{ x: 6 }]);
    const other = await wh.connect();
    expect((await other.runAndReadAll('SELECT 7 AS x')).getRowObjectsJS()).toEqual([{ x: 7 }]);
    other.closeSync();
    wh.close();
    await expect(wh.run('SELECT 1')).rejects.toThrow();
    expect(() => wh.close()).not.toThrow();
  });
});

describe('read-only and existing-only opens', () => {
  it('openReadOnly opens an existing file read-only, and refuses a missing file or a folder without creating one', async () => {
    const { wh, root, options } = await lineWarehouse();
    wh.close();
    const ro = await openReadOnly(wh.path, options);
    expect(ro.readOnly).toBe(true);
    await expect(ro.run('CREATE TABLE t (x INTEGER)')).rejects.toThrow(/read-only/);
    const migrating = await failure(ro.migrate());
    expect(migrating.message).toBe(`migrating needs write access, but ${wh.path} is open read-only`);
    expect(migrating).toMatchObject({ kind: 'usage', hint: 'run without --read-only' });
    expect((await failure(ro.transaction(async () => 1))).message).toBe(
      `a transaction needs write access, but ${wh.path} is open read-only`,
    );
    writeFileSync(join(root, 'a.txt'), 'x\n');
    expect((await failure(ro.ingest('lines', join(root, 'a.txt'), loadLines))).message).toBe(
      `ingest needs write access, but ${wh.path} is open read-only`,
    );
    const record = { ingestId: 1, kind: 'lines', path: 'a', sha256: 's', bytes: 1, rows: {} };
    expect((await failure(ro.recordIngest(record))).message).toBe(
      `recording an ingest needs write access, but ${wh.path} is open read-only`,
    );
    ro.close();
    const missing = join(root, 'missing.duckdb');
    const absent = await failure(openReadOnly(missing));
    expect(absent.message).toBe(`warehouse ${missing} does not exist`);
    expect(absent).toMatchObject({
      kind: 'input',
      hint: 'build one with `mlduck demo` or `mlduck ingest …` first, or pass another --db',
    });
    expect(existsSync(missing)).toBe(false);
    expect((await failure(openReadOnly(root))).message).toBe(
      `${root} is a directory, not a DuckDB database file`,
    );
    expect((await failure(openReadOnly(root))).kind).toBe('input');
  });

  it('openExistingForWrite opens an existing file read-write, never creating one', async () => {
    const { wh, root, options } = await lineWarehouse();
    wh.close();
    const rw = await openExistingForWrite(wh.path, options);
    expect(rw.readOnly).toBe(false);
    await rw.run('CREATE TABLE t (x INTEGER)');
    rw.close();
    const missing = join(root, 'missing.duckdb');
    expect((await failure(openExistingForWrite(missing, options))).message).toBe(
      `warehouse ${missing} does not exist`,
    );
    expect(existsSync(missing)).toBe(false);
    const memory = await openExistingForWrite(':memory:', options);
    expect(await memory.scalar('SELECT count(*) FROM lines')).toBe(0n);
    memory.close();
  });
});

describe('waiting for the lock', () => {
  it('retries until the holder lets go, telling the caller once what it waits for', async () => {
    const dir = tempDir();
    const db = join(dir, 'w.duckdb');
    const holder = await holdLock(db);
    const told: MlduckError[] = [];
    const started = Date.now();
    setTimeout(() => holder.stdin!.end(), 600);
    const wh = await openWaitingForLock(db, 20, (e) => told.push(e), {
      sqlDir: join(dir, 'sql'),
      viewsDir: join(dir, 'v'),
    });
    // retried every 250 ms: opened soon after the release, long before the 20 s deadline
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(told).toHaveLength(1);
    expect(told[0]!.kind).toBe('locked');
    wh.close();
  });

  it('gives up at the deadline with the locked error, and at once on any other error', async () => {
    const dir = tempDir();
    const db = join(dir, 'w.duckdb');
    await holdLock(db);
    const told: MlduckError[] = [];
    const started = Date.now();
    const locked = await failure(openWaitingForLock(db, 0.3, (e) => told.push(e)));
    expect(locked.kind).toBe('locked');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(told).toHaveLength(1);
    const none: MlduckError[] = [];
    expect((await failure(openWaitingForLock(db, 0, (e) => none.push(e)))).kind).toBe('locked');
    expect(none).toHaveLength(0);
    const text = join(dir, 'notes.duckdb');
    writeFileSync(text, 'text\n'.repeat(2000));
    const quick = Date.now();
    expect((await failure(openWaitingForLock(text, 30, (e) => none.push(e)))).message).toMatch(
      /not a DuckDB/,
    );
    expect(Date.now() - quick).toBeLessThan(10_000);
    expect(none).toHaveLength(0);
  });
});

describe('transactions', () => {
  it('refuses a nested transaction', async () => {
    const { wh } = await lineWarehouse();
    let inner: unknown;
    await wh.transaction(async () => {
      inner = await wh.transaction(async () => 1).catch((e: unknown) => e);
    });
    expect(inner).toBeInstanceOf(MlduckError);
    expect(inner).toMatchObject({ kind: 'internal', message: 'nested transactions are not supported' });
    expect(await wh.transaction(async () => 2)).toBe(2);
    wh.close();
  });
});

describe('the ingest protocol', () => {
  it('reports a fresh ingest with its warnings and no empty tables; a skip names the ingest it matches', async () => {
    const { wh, root } = await lineWarehouse();
    const file = join(root, 'a.txt');
    writeFileSync(file, '');
    const empty = await wh.ingest('lines', file, async (ctx) => ctx.warn('nothing in it'));
    expect(empty).toMatchObject({ status: 'ok', warnings: ['nothing in it'], replaced: [] });
    expect(empty.rows).toEqual({});
    expect(await wh.scalar('SELECT warnings FROM ingest_log')).toBe('["nothing in it"]');
    const skipped = await wh.ingest('lines', file, loadLines);
    expect(skipped).toEqual({
      kind: 'lines',
      path: empty.path,
      status: 'skipped',
      ingestId: empty.ingestId,
      sha256: empty.sha256,
      bytes: 0,
      rows: {},
      warnings: [],
      replaced: [],
      message: `unchanged since ingest ${empty.ingestId}`,
    });
    wh.close();
  });

  it('refuses a missing file and a directory, naming the file', async () => {
    const { wh, root } = await lineWarehouse();
    const missing = await failure(wh.ingest('lines', join(root, 'nope.txt'), loadLines));
    expect(missing).toMatchObject({
      message: 'no such file',
      hint: 'check the path',
      location: { file: join(root, 'nope.txt') },
    });
    const folder = await failure(wh.ingest('lines', root, loadLines));
    expect(folder).toMatchObject({
      message: 'expected a file, found a directory or special file',
      location: { file: root },
    });
    // a directory is accepted when the caller hashed its content
    const dirIngest = await wh.ingest('lines', root, async () => {}, {
      content: { sha256: 'abc', bytes: 3 },
    });
    expect(dirIngest).toMatchObject({ status: 'ok', sha256: 'abc', bytes: 3 });
    wh.close();
  });

  it('replaces every earlier ok version of the path, not only the last', async () => {
    const { wh, root } = await lineWarehouse();
    const file = join(root, 'a.txt');
    writeFileSync(file, 'x\n');
    const path = (await wh.ingest('lines', file, loadLines)).path;
    // a second ok row for the same path, as a scan that wrote its own rows would leave
    const second = await wh.nextIngestId();
    await appendRows(wh.conn, 'lines', [[second, 1]]);
    await wh.recordIngest({
      ingestId: second,
      kind: 'lines',
      path,
      sha256: 'other',
      bytes: 1,
      rows: { lines: 1 },
    });
    writeFileSync(file, 'y\nz\n');
    const third = await wh.ingest('lines', file, loadLines);
    expect(third.replaced).toEqual([1, second]);
    expect(await wh.all('SELECT ingest_id, status, replaced_by FROM ingest_log ORDER BY ingest_id')).toEqual([
      { ingest_id: 1n, status: 'replaced', replaced_by: BigInt(third.ingestId!) },
      { ingest_id: BigInt(second), status: 'replaced', replaced_by: BigInt(third.ingestId!) },
      { ingest_id: BigInt(third.ingestId!), status: 'ok', replaced_by: null },
    ]);
    expect(await wh.scalar('SELECT count(*) FROM lines')).toBe(2n);
    wh.close();
  });

  it('finishes every interrupted ingest on open and returns the ids of the running ones only', async () => {
    const { wh } = await lineWarehouse();
    const base = { kind: 'lines', sha256: 's', bytes: 1, rows: {} };
    for (const [id, status] of [
      [1, 'running'],
      [2, 'running'],
      [3, 'ok'],
    ] as const) {
      await appendRows(wh.conn, 'lines', [[id, 1]]);
      await wh.recordIngest({ ...base, ingestId: id, path: `${id}.txt`, status });
    }
    await wh.run("UPDATE ingest_log SET status = 'superseded', replaced_by = 4 WHERE ingest_id = 3");
    expect(await wh.finishInterruptedIngests()).toEqual([1, 2]);
    expect(await wh.all('SELECT ingest_id, status FROM ingest_log ORDER BY ingest_id')).toEqual([
      { ingest_id: 1n, status: 'interrupted' },
      { ingest_id: 2n, status: 'interrupted' },
      { ingest_id: 3n, status: 'replaced' },
    ]);
    expect(await wh.scalar('SELECT count(*) FROM lines')).toBe(0n);
    expect(await wh.finishInterruptedIngests()).toEqual([]);
    wh.close();
  });

  it('recordIngest writes no warnings as [] and, outside a transaction, lands all or nothing', async () => {
    const { wh } = await lineWarehouse();
    await wh.recordIngest({ ingestId: 1, kind: 'lines', path: 'a', sha256: 's', bytes: 1, rows: {} });
    expect(await wh.all('SELECT status, warnings, error, options FROM ingest_log')).toEqual([
      { status: 'ok', warnings: '[]', error: null, options: '{}' },
    ]);
    // the INSERT fails (kind is NOT NULL): the replaced mark made before it is rolled back too
    const broken = {
      ingestId: 2,
      kind: null as unknown as string,
      path: 'a',
      sha256: 's',
      bytes: 1,
      rows: {},
      replaces: [1],
    };
    await expect(wh.recordIngest(broken)).rejects.toThrow(/NOT NULL/);
    expect(await wh.all('SELECT ingest_id, status, replaced_by FROM ingest_log')).toEqual([
      { ingest_id: 1n, status: 'ok', replaced_by: null },
    ]);
    wh.close();
  });
});
