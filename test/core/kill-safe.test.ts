/**
 * The states a killed ingest can leave (including a COMMIT partly replayed from DuckDB's WAL, which
 * DuckDB 1.5 does: rows of a transaction whose ingest_log row never landed), made directly, and what the
 * next read-write open makes of them. The end-to-end kills are in test/hostile/kill.test.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendRows } from '../../src/load.ts';
import { replaceOlderRowsByKey } from '../../src/replacements.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { tempDir } from '../helpers.ts';

const PACKAGE_SQL = join(import.meta.dirname, '..', '..', 'sql', '001_ingest_log.sql');
const REPLACEMENTS_SQL = join(import.meta.dirname, '..', '..', 'sql', '100_ingest_replacements.sql');
/** Rows of `lines` are the same thing when their n is: a later ingest of any path replaces them. */
const BY_N = { tables: ['lines'], key: ['n'], keysFrom: ['lines'] };

async function lineWarehouse(root = tempDir()) {
  const sqlDir = join(root, 'sql');
  mkdirSync(sqlDir, { recursive: true });
  writeFileSync(join(sqlDir, '001_ingest_log.sql'), readFileSync(PACKAGE_SQL, 'utf8'));
  writeFileSync(join(sqlDir, '002_lines.sql'), 'CREATE TABLE lines (ingest_id BIGINT NOT NULL, n INTEGER);');
  writeFileSync(join(sqlDir, '100_ingest_replacements.sql'), readFileSync(REPLACEMENTS_SQL, 'utf8'));
  const open = () => Warehouse.open(join(root, 'w.duckdb'), { sqlDir, viewsDir: join(root, 'views') });
  return { wh: await open(), open, root };
}

const record = (ingestId: number, status: 'ok' | 'running', path = 'a.txt') => ({
  ingestId,
  kind: 'lines',
  path,
  sha256: `sha-${ingestId}`,
  bytes: 1,
  rows: {},
  status,
});

async function rowsByIngest(wh: Warehouse): Promise<Record<string, number>> {
  const rows = await wh.all<{ ingest_id: bigint; n: bigint }>(
    'SELECT ingest_id, count(*) AS n FROM lines GROUP BY ALL ORDER BY 1',
  );
  return Object.fromEntries(rows.map((r) => [String(r.ingest_id), Number(r.n)]));
}

describe('kill-safe ingest bookkeeping', () => {
  it('rows of an ingest that never committed (a partly replayed COMMIT) are removed on the next open', async () => {
    const { wh, open } = await lineWarehouse();
    await wh.recordIngest(record(1, 'ok'));
    await appendRows(wh.conn, 'lines', [[1, 1]]);
    // What a kill during the second ingest's COMMIT leaves: its announced `running` row, and part of its rows.
    await wh.recordIngest(record(2, 'running', 'b.txt'));
    await appendRows(wh.conn, 'lines', [
      [2, 1],
      [2, 2],
    ]);
    wh.close();
    const reopened = await open();
    expect(await rowsByIngest(reopened)).toEqual({ '1': 1 });
    const log = await reopened.all<{ ingest_id: bigint; status: string; error: string | null }>(
      'SELECT ingest_id, status, error FROM ingest_log ORDER BY 1',
    );
    expect(log.map((r) => [Number(r.ingest_id), r.status])).toEqual([
      [1, 'ok'],
      [2, 'interrupted'],
    ]);
    expect(log[1]!.error).toMatch(/ended before this ingest committed/);
    reopened.close();
  });

  it('a replacement cut short after its commit finishes on the next open (older rows removed, none lost)', async () => {
    const { wh, open } = await lineWarehouse();
    await wh.recordIngest(record(1, 'ok'));
    await appendRows(wh.conn, 'lines', [[1, 1]]);
    await wh.recordIngest(record(2, 'ok'));
    await appendRows(wh.conn, 'lines', [
      [2, 1],
      [2, 2],
    ]);
    // Killed after the log said "2 ok, 1 superseded", before all of 1's rows were deleted.
    await wh.run("UPDATE ingest_log SET status = 'superseded', replaced_by = 2 WHERE ingest_id = 1");
    wh.close();
    const reopened = await open();
    expect(await rowsByIngest(reopened)).toEqual({ '2': 2 });
    expect(await reopened.scalar('SELECT status FROM ingest_log WHERE ingest_id = 1')).toBe('replaced');
    reopened.close();
  });

  it('an ingest announces itself before its data and replaces older rows only after it committed', async () => {
    const { wh, root } = await lineWarehouse();
    const file = join(root, 'a.txt');
    writeFileSync(file, 'x\n');
    const seen: { status: unknown; olderRows: unknown }[] = [];
    const load = async (ctx: Parameters<Parameters<Warehouse['ingest']>[2]>[0]) => {
      seen.push({
        status: await ctx.wh.scalar('SELECT status FROM ingest_log WHERE ingest_id = $1', [ctx.ingestId]),
        olderRows: Number(
          await ctx.wh.scalar('SELECT count(*) FROM lines WHERE ingest_id <> $1', [ctx.ingestId]),
        ),
      });
      await appendRows(ctx.conn, 'lines', [[ctx.ingestId, 1]]);
    };
    const first = await wh.ingest('lines', file, load);
    writeFileSync(file, 'y\n');
    const second = await wh.ingest('lines', file, load);
    expect(seen).toEqual([
      { status: 'running', olderRows: 0 },
      { status: 'running', olderRows: 1 },
    ]);
    expect(second.replaced).toEqual([first.ingestId]);
    expect(await rowsByIngest(wh)).toEqual({ [String(second.ingestId)]: 1 });
    const statuses = await wh.all<{ status: string }>('SELECT status FROM ingest_log ORDER BY ingest_id');
    expect(statuses.map((r) => r.status)).toEqual(['replaced', 'ok']);
    wh.close();
  });
  it('a replacement by key waits for its ingest to commit: killed before, the older rows stay; after, they go', async () => {
    for (const committed of [false, true]) {
      const { wh, open } = await lineWarehouse();
      await wh.recordIngest(record(1, 'ok', 'a.txt'));
      await appendRows(wh.conn, 'lines', [
        [1, 1],
        [1, 2],
      ]);
      // Ingest 2 (another path) has the same n = 1: its data transaction, replayed whole or in part.
      await wh.recordIngest(record(2, 'running', 'b.txt'));
      await appendRows(wh.conn, 'lines', [[2, 1]]);
      await replaceOlderRowsByKey(wh.conn, 2, BY_N);
      expect(await rowsByIngest(wh)).toEqual({ '1': 2, '2': 1 }); // nothing of 1 deleted yet
      if (committed) await wh.run("UPDATE ingest_log SET status = 'ok' WHERE ingest_id = 2");
      wh.close();
      const reopened = await open();
      expect(await rowsByIngest(reopened)).toEqual(committed ? { '1': 1, '2': 1 } : { '1': 2 });
      if (committed) {
        expect(await reopened.scalar('SELECT n FROM lines WHERE ingest_id = 1')).toBe(2);
      }
      expect(await reopened.scalar('SELECT count(*) FROM ingest_replacements')).toBe(0n);
      reopened.close();
    }
  });

  it('an ingest that replaces rows by key removes them after its commit, in the same run', async () => {
    const { wh, root } = await lineWarehouse();
    const olderRowsSeen: number[] = [];
    const load = (ns: number[]) => async (ctx: Parameters<Parameters<Warehouse['ingest']>[2]>[0]) => {
      await appendRows(
        ctx.conn,
        'lines',
        ns.map((n) => [ctx.ingestId, n]),
      );
      await replaceOlderRowsByKey(ctx.conn, ctx.ingestId, BY_N);
      olderRowsSeen.push(
        Number(await ctx.wh.scalar('SELECT count(*) FROM lines WHERE ingest_id <> $1', [ctx.ingestId])),
      );
    };
    for (const [name, ns] of [
      ['a.txt', [1, 2]],
      ['b.txt', [2, 3]],
    ] as const) {
      writeFileSync(join(root, name), `${ns}\n`);
    }
    const a = await wh.ingest('lines', join(root, 'a.txt'), load([1, 2]));
    const b = await wh.ingest('lines', join(root, 'b.txt'), load([2, 3]));
    expect(olderRowsSeen).toEqual([0, 2]); // inside b's transaction a's n = 2 was still there
    const rows = await wh.all<{ ingest_id: bigint; n: number }>('SELECT ingest_id, n FROM lines ORDER BY n');
    expect(rows.map((r) => [Number(r.ingest_id), r.n])).toEqual([
      [a.ingestId, 1],
      [b.ingestId, 2],
      [b.ingestId, 3],
    ]);
    expect(b.rows).toEqual({ lines: 2 }); // the bookkeeping table is not reported as rows
    expect(await wh.scalar('SELECT count(*) FROM ingest_replacements')).toBe(0n);
    wh.close();
  });
});
