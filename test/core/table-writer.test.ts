import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { MlduckError } from '../../src/errors.ts';
import { TableWriter } from '../../src/load.ts';

async function table() {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(
    'CREATE TABLE t (id BIGINT, name VARCHAR, n INTEGER, x DOUBLE, ok BOOLEAN, note JSON, k BIGINT)',
  );
  const rows = async () =>
    (await conn.runAndReadAll('SELECT * FROM t ORDER BY id')).getRowObjectsJS() as Record<string, unknown>[];
  return { conn, rows, close: () => instance.closeSync() };
}

describe('TableWriter', () => {
  it('appends columns across chunk boundaries: constants, numbers with NaN as NULL, cells', async () => {
    const { conn, rows, close } = await table();
    const n = 5000;
    const id = Float64Array.from({ length: n }, (_, i) => i);
    const x = Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? Number.NaN : i / 2));
    const ok = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? Number.NaN : i % 2));
    const notes = Array.from({ length: n }, (_, i) => (i === 4321 ? '{"a":1}' : null));
    const writer = await TableWriter.open(conn, 't');
    writer.append([-1, 'row first', 0, 0.5, true, null, 7n]);
    writer.appendColumns(n, [
      { numbers: id },
      { constant: 'same' },
      { numbers: id },
      { numbers: x },
      { numbers: ok },
      { cells: notes },
      { constant: 2 ** 40 },
    ]);
    expect(writer.close()).toBe(n + 1);
    const all = await rows();
    expect(all).toHaveLength(n + 1);
    expect(all[0]).toEqual({ id: -1n, name: 'row first', n: 0, x: 0.5, ok: true, note: null, k: 7n });
    expect(all[1 + 7]).toEqual({ id: 7n, name: 'same', n: 7, x: null, ok: true, note: null, k: 2n ** 40n });
    expect(all[1 + 8]).toMatchObject({ id: 8n, x: 4, ok: false });
    expect(all[1 + 4321]).toMatchObject({ id: 4321n, x: 2160.5, ok: true, note: '{"a":1}' });
    expect(all[1 + 9]).toMatchObject({ id: 9n, x: 4.5, ok: null, note: null });
    expect(all[1 + 4999]).toMatchObject({ id: 4999n, n: 4999, x: 2499.5, ok: true });
    close();
  });

  it('refuses columns that do not match the table', async () => {
    const { conn, close } = await table();
    const writer = await TableWriter.open(conn, 't');
    expect(() => writer.appendColumns(1, [{ constant: 1 }])).toThrow(/expected 7 columns, got 1/);
    writer.discard();
    close();
  });

  it('checks a column list against the table once, when it opens', async () => {
    const { conn, rows, close } = await table();
    const columns = ['id', 'name', 'n', 'x', 'ok', 'note', 'k'];
    const writer = await TableWriter.open(conn, 't', { columns });
    writer.append([1, 'a', 2, 0.5, true, null, 3]);
    expect(writer.close()).toBe(1);
    expect(await rows()).toHaveLength(1);
    const swapped = ['id', 'n', 'name', 'x', 'ok', 'note', 'k'];
    await expect(TableWriter.open(conn, 't', { columns: swapped })).rejects.toThrow(
      /^table t does not have the columns its writer gives \(another order\)$/,
    );
    const renamed = ['id', 'name', 'n', 'x', 'ok', 'notes', 'k'];
    const error = await TableWriter.open(conn, 't', { columns: renamed }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlduckError);
    expect((error as MlduckError).kind).toBe('internal');
    expect((error as MlduckError).message).toBe(
      'table t does not have the columns its writer gives (the table lacks notes; the writer lacks note)',
    );
    await expect(TableWriter.open(conn, 't', { columns: columns.slice(1) })).rejects.toThrow(
      /the writer lacks id/,
    );
    close();
  });
});
