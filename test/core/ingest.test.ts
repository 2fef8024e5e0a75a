import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MlduckError } from '../../src/errors.ts';
import { appendRows, TableWriter } from '../../src/load.ts';
import { type IngestContext, Warehouse } from '../../src/warehouse.ts';
import { tempDir } from '../helpers.ts';

const PACKAGE_SQL = join(import.meta.dirname, '..', '..', 'sql', '001_ingest_log.sql');

/** A warehouse with the real ingest_log plus one data table `lines(ingest_id, n, text)`. */
async function lineWarehouse() {
  const root = tempDir();
  const sqlDir = join(root, 'sql');
  mkdirSync(sqlDir);
  writeFileSync(join(sqlDir, '001_ingest_log.sql'), readFileSync(PACKAGE_SQL, 'utf8'));
  writeFileSync(
    join(sqlDir, '002_lines.sql'),
    'CREATE TABLE lines (ingest_id BIGINT NOT NULL, n INTEGER, text VARCHAR);',
  );
  const wh = await Warehouse.open(join(root, 'w.duckdb'), { sqlDir, viewsDir: join(root, 'views') });
  return { wh, root };
}

/** An ingester that writes one row per line of the file. */
async function loadLines(ctx: IngestContext): Promise<void> {
  const lines = readFileSync(ctx.absolutePath, 'utf8').split('\n').filter(Boolean);
  await appendRows(
    ctx.conn,
    'lines',
    lines.map((text, i) => [ctx.ingestId, i + 1, text]),
  );
}

describe('Warehouse.ingest', () => {
  it('writes rows and a log row with hash, size, rows per table and version', async () => {
    const { wh, root } = await lineWarehouse();
    const file = join(root, 'a.txt');
    writeFileSync(file, 'one\ntwo\n');
    const report = await wh.ingest('lines', file, loadLines, { options: { strict: true } });
    expect(report).toMatchObject({ status: 'ok', rows: { lines: 2 }, bytes: 8, replaced: [] });
    expect(report.sha256).toBe(createHash('sha256').update('one\ntwo\n').digest('hex'));
    const [log] = await wh.all(
      'SELECT kind, status, bytes, rows_written, options, mlduck_version FROM ingest_log',
    );
    expect(log).toMatchObject({ kind: 'lines', status: 'ok', bytes: 8n, rows_written: '{"lines":2}' });
    expect(JSON.parse(String(log!['options']))).toEqual({ strict: true });
    wh.close();
  });

  it('skips the same bytes at the same path, and re-ingests them with force', async () => {
    const { wh, root } = await lineWarehouse();
    const file = join(root, 'a.txt');
    writeFileSync(file, 'one\n');
    const first = await wh.ingest('lines', file, loadLines);
    const second = await wh.ingest('lines', file, loadLines);
    expect(second.status).toBe('skipped');
    expect(second.ingestId).toBe(first.ingestId);
    expect(await wh.scalar('SELECT count(*) FROM lines')).toBe(1n);
    const forced = await wh.ingest('lines', file, loadLines, { force: true });
    expect(forced.status).toBe('ok');
    expect(forced.replaced).toEqual([first.ingestId]);
    expect(await wh.scalar('SELECT count(*) FROM lines')).toBe(1n);
    wh.close();
  });

  it('replaces the rows of an older version of the same path', async () => {
    const { wh, root } = await lineWarehouse();
    const file = join(root, 'a.txt');
    writeFileSync(file, 'one\ntwo\n');
    const v1 = await wh.ingest('lines', file, loadLines);
    writeFileSync(file, 'uno\ndos\ntres\n');
    const v2 = await wh.ingest('lines', file, loadLines);
    expect(v2.replaced).toEqual([v1.ingestId]);
    expect(await wh.all('SELECT text FROM lines ORDER BY n')).toEqual([
      { text: 'uno' },
      { text: 'dos' },
      { text: 'tres' },
    ]);
    expect(await wh.all('SELECT ingest_id, status, replaced_by FROM ingest_log ORDER BY ingest_id')).toEqual([
      { ingest_id: BigInt(v1.ingestId!), status: 'replaced', replaced_by: BigInt(v2.ingestId!) },
      { ingest_id: BigInt(v2.ingestId!), status: 'ok', replaced_by: null },
    ]);
    wh.close();
  });

  it('rolls back everything on a thrown error and logs the failure', async () => {
    const { wh, root } = await lineWarehouse();
    const file = join(root, 'a.txt');
    writeFileSync(file, 'one\n');
    await wh.ingest('lines', file, loadLines);
    writeFileSync(file, 'new\nrows\n');
    const failing = async (ctx: IngestContext) => {
      await loadLines(ctx);
      throw new MlduckError('bad row', { file, line: 2 });
    };
    await expect(wh.ingest('lines', file, failing)).rejects.toThrow('bad row');
    // The old version is still there, untouched, and still the current one.
    expect(await wh.all('SELECT text FROM lines')).toEqual([{ text: 'one' }]);
    expect(await wh.all('SELECT status, error, rows_written FROM ingest_log ORDER BY ingest_id')).toEqual([
      { status: 'ok', error: null, rows_written: '{"lines":1}' },
      { status: 'failed', error: 'bad row', rows_written: '{}' },
    ]);
    // A later good ingest of the same version still works.
    expect((await wh.ingest('lines', file, loadLines)).status).toBe('ok');
    expect(await wh.scalar('SELECT count(*) FROM lines')).toBe(2n);
    wh.close();
  });

  it('drops the rows a writer still buffers when its ingest fails, even after it is collected', async () => {
    const { wh, root } = await lineWarehouse();
    const file = join(root, 'a.txt');
    writeFileSync(file, 'one\n');
    let writer: TableWriter | null = null;
    const failing = async (ctx: IngestContext) => {
      writer = await TableWriter.open(ctx.conn, 'lines');
      for (let n = 0; n < 5000; n++) writer.append([ctx.ingestId, n, 'buffered']);
      throw new MlduckError('bad row', { file, line: 5001 });
    };
    await expect(wh.ingest('lines', file, failing)).rejects.toThrow('bad row');
    expect(() => writer?.close()).toThrow(/closed/);
    // An appender left open flushes what it buffers when it is collected or its connection closes.
    writer = null;
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    await new Promise((r) => setTimeout(r, 50));
    gc();
    expect(await wh.scalar('SELECT count(*) FROM lines')).toBe(0n);
    wh.close();
    const reopened = await Warehouse.open(wh.path, {
      sqlDir: join(root, 'sql'),
      viewsDir: join(root, 'views'),
    });
    expect(await reopened.scalar('SELECT count(*) FROM lines')).toBe(0n);
    reopened.close();
  });

  it('refuses a missing file and a directory with errors naming the path', async () => {
    const { wh, root } = await lineWarehouse();
    await expect(wh.ingest('lines', join(root, 'nope.txt'), loadLines)).rejects.toMatchObject({
      kind: 'input',
      location: { file: join(root, 'nope.txt') },
    });
    await expect(wh.ingest('lines', root, loadLines)).rejects.toThrow(/expected a file/);
    expect(await wh.scalar('SELECT count(*) FROM ingest_log')).toBe(0n);
    wh.close();
  });

  it('refuses writes on a read-only warehouse', async () => {
    const { wh, root } = await lineWarehouse();
    const path = wh.path;
    wh.close();
    const ro = await Warehouse.open(path, { readOnly: true, sqlDir: join(root, 'sql') });
    writeFileSync(join(root, 'a.txt'), 'x\n');
    await expect(ro.ingest('lines', join(root, 'a.txt'), loadLines)).rejects.toMatchObject({ kind: 'usage' });
    ro.close();
  });
});
