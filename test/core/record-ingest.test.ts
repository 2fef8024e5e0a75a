import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendRows } from '../../src/load.ts';
import { MLDUCK_VERSION } from '../../src/version.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { tempDir } from '../helpers.ts';

const PACKAGE_SQL = join(import.meta.dirname, '..', '..', 'sql', '001_ingest_log.sql');

/** A warehouse with the real ingest_log plus one data table `items(ingest_id, name)`. */
async function itemWarehouse(): Promise<Warehouse> {
  const root = tempDir();
  const sqlDir = join(root, 'sql');
  mkdirSync(sqlDir);
  writeFileSync(join(sqlDir, '001_ingest_log.sql'), readFileSync(PACKAGE_SQL, 'utf8'));
  writeFileSync(
    join(sqlDir, '002_items.sql'),
    'CREATE TABLE items (ingest_id BIGINT NOT NULL, name VARCHAR);',
  );
  return Warehouse.open(join(root, 'w.duckdb'), { sqlDir, viewsDir: join(root, 'views') });
}

interface LogRow {
  ingest_id: bigint;
  kind: string;
  path: string;
  sha256: string;
  bytes: bigint;
  status: string;
  rows_written: string;
  warnings: string;
  error: string | null;
  options: string;
  started_at: Date;
  mlduck_version: string;
  replaced_by: bigint | null;
}

const log = (wh: Warehouse): Promise<LogRow[]> =>
  wh.all<LogRow & Record<string, unknown>>('SELECT * FROM ingest_log ORDER BY ingest_id');

describe('Warehouse.recordIngest', () => {
  it('writes the log row inside the caller’s transaction, with every field as given', async () => {
    const wh = await itemWarehouse();
    const ingestId = await wh.nextIngestId();
    const startedAt = new Date('2026-01-02T03:04:05.678Z');
    await wh.transaction(async (conn) => {
      await appendRows(conn, 'items', [
        [ingestId, 'a'],
        [ingestId, 'b'],
      ]);
      await wh.recordIngest({
        ingestId,
        kind: 'scan',
        path: 'data',
        sha256: 'f'.repeat(64),
        bytes: 42,
        rows: { items: 2, other: 0 },
        warnings: ['w1'],
        options: { force: true },
        startedAt,
      });
    });
    const [row] = await log(wh);
    expect(row).toMatchObject({
      ingest_id: BigInt(ingestId),
      kind: 'scan',
      path: 'data',
      sha256: 'f'.repeat(64),
      bytes: 42n,
      status: 'ok',
      error: null,
      mlduck_version: MLDUCK_VERSION,
      replaced_by: null,
    });
    expect(JSON.parse(row!.rows_written)).toEqual({ items: 2, other: 0 });
    expect(JSON.parse(row!.warnings)).toEqual(['w1']);
    expect(JSON.parse(row!.options)).toEqual({ force: true });
    expect(row!.started_at.toISOString()).toBe(startedAt.toISOString());
    expect((await wh.previousIngests('scan', 'data')).map((p) => p.ingestId)).toEqual([ingestId]);
    wh.close();
  });

  it('rolls back with the caller’s transaction', async () => {
    const wh = await itemWarehouse();
    const ingestId = await wh.nextIngestId();
    await expect(
      wh.transaction(async () => {
        await wh.recordIngest({ ingestId, kind: 'scan', path: 'data', sha256: 'x', bytes: 0, rows: {} });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await log(wh)).toEqual([]);
    wh.close();
  });

  it('marks the ingests it replaces, only while they are still ok', async () => {
    const wh = await itemWarehouse();
    const first = await wh.nextIngestId();
    await wh.recordIngest({ ingestId: first, kind: 'scan', path: 'data', sha256: 'a', bytes: 1, rows: {} });
    const failed = await wh.nextIngestId();
    await wh.recordIngest({
      ingestId: failed,
      kind: 'scan',
      path: 'data',
      sha256: 'b',
      bytes: 1,
      rows: {},
      status: 'failed',
      error: 'bad input',
    });
    const second = await wh.nextIngestId();
    await wh.recordIngest({
      ingestId: second,
      kind: 'scan',
      path: 'data',
      sha256: 'c',
      bytes: 1,
      rows: {},
      replaces: [first, failed],
    });
    const rows = await log(wh);
    expect(rows.map((r) => [Number(r.ingest_id), r.status, r.replaced_by, r.error])).toEqual([
      [first, 'replaced', BigInt(second), null],
      [failed, 'failed', null, 'bad input'],
      [second, 'ok', null, null],
    ]);
    expect(await wh.previousIngests('scan', 'data')).toEqual([{ ingestId: second, sha256: 'c' }]);
    wh.close();
  });

  it('is what ingest() writes: the same row shape for a file ingest', async () => {
    const wh = await itemWarehouse();
    const file = join(tempDir(), 'f.txt');
    writeFileSync(file, 'x\n');
    const first = await wh.ingest('items', file, async (ctx) => {
      await appendRows(ctx.conn, 'items', [[ctx.ingestId, 'x']]);
    });
    writeFileSync(file, 'y\n');
    const second = await wh.ingest('items', file, async (ctx) => {
      await appendRows(ctx.conn, 'items', [[ctx.ingestId, 'y']]);
    });
    expect(second.replaced).toEqual([first.ingestId]);
    const rows = await log(wh);
    expect(rows.map((r) => [r.status, r.replaced_by, r.rows_written])).toEqual([
      ['replaced', BigInt(second.ingestId!), '{"items":1}'],
      ['ok', null, '{"items":1}'],
    ]);
    wh.close();
  });
});
