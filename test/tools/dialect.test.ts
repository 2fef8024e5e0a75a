import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { createKysely } from '../../src/db/dialect.ts';

interface TestDb {
  t: {
    id: bigint;
    name: string;
    ts: Date;
    tags: string[];
    meta: { a: number; b: string };
    doc: unknown;
    score: number | null;
  };
}

async function setup() {
  // In memory: the dialect needs an instance, not a warehouse (and migrations would cost seconds per test).
  const instance = await DuckDBInstance.create(':memory:');
  const setupConn = await instance.connect();
  await setupConn.run(`CREATE TABLE t (id BIGINT, name VARCHAR, ts TIMESTAMPTZ, tags VARCHAR[], meta STRUCT(a INTEGER, b VARCHAR), doc JSON, score DOUBLE);
    INSERT INTO t VALUES (1, 'a', '2024-01-02 03:04:05+00', ['x','y'], {'a': 1, 'b': 'q'}, '{"k":[1,2]}', 0.5),
                         (2, 'b', '2024-02-01 00:00:00+00', [], {'a': 2, 'b': 'r'}, 'null', 'NaN'),
                         (3, 'c', '2024-03-01 00:00:00+00', ['z'], NULL, NULL, NULL);`);
  setupConn.closeSync();
  const db = createKysely<TestDb>(instance);
  return { db };
}

describe('DuckDB Kysely dialect', () => {
  it('returns plain JS values: bigint, Date, arrays, structs, parsed JSON, NaN', async () => {
    const { db } = await setup();
    const rows = await db.selectFrom('t').selectAll().orderBy('id').execute();
    expect(rows[0]).toEqual({
      id: 1n,
      name: 'a',
      ts: new Date('2024-01-02T03:04:05Z'),
      tags: ['x', 'y'],
      meta: { a: 1, b: 'q' },
      doc: { k: [1, 2] },
      score: 0.5,
    });
    expect(rows[1]!.doc).toBeNull();
    expect(Number.isNaN(rows[1]!.score)).toBe(true);
    expect(rows[2]!.meta).toBeNull();
    await db.destroy();
  });

  it('binds parameters of every JS type: Date, bigint, number, string, arrays, boolean, null', async () => {
    const { db } = await setup();
    const byDate = await db
      .selectFrom('t')
      .select('id')
      .where('ts', '>', new Date('2024-01-15T00:00:00Z'))
      .orderBy('id')
      .execute();
    expect(byDate.map((r) => r.id)).toEqual([2n, 3n]);
    const byBigint = await db.selectFrom('t').select('name').where('id', '=', 2n).execute();
    expect(byBigint).toEqual([{ name: 'b' }]);
    const byList = await db
      .selectFrom('t')
      .select('name')
      .where('name', 'in', ['a', 'c'])
      .orderBy('name')
      .execute();
    expect(byList.map((r) => r.name)).toEqual(['a', 'c']);
    const { rows } = await db.executeQuery<{ n: number[]; b: boolean; z: null; h: bigint }>(
      // A JS array parameter binds as a LIST.
      {
        sql: 'SELECT $1::INTEGER[] AS n, $2 AS b, $3 AS z, $4 + 1 AS h',
        parameters: [[1, 2, 3], true, null, 2n ** 70n],
        query: { kind: 'RawNode', sqlFragments: [], parameters: [] } as never,
        queryId: { queryId: 'x' },
      },
    );
    expect(rows[0]).toEqual({ n: [1, 2, 3], b: true, z: null, h: 2n ** 70n + 1n });
    await db.destroy();
  });

  it('returns count(*) AS count (kysely-duckdb returns [])', async () => {
    const { db } = await setup();
    const rows = await db
      .selectFrom('t')
      .select((eb) => eb.fn.countAll().as('count'))
      .execute();
    expect(rows).toEqual([{ count: 3n }]);
    await db.destroy();
  });

  it('reports affected rows of DML and returns RETURNING rows', async () => {
    const { db } = await setup();
    const updated = await db.updateTable('t').set({ name: 'zz' }).where('id', '>', 1n).executeTakeFirst();
    expect(updated.numUpdatedRows).toBe(2n);
    const inserted = await db
      .insertInto('t')
      .values({
        id: 9n,
        name: 'n',
        ts: new Date('2025-01-01T00:00:00Z'),
        tags: ['p'],
        meta: { a: 9, b: 's' },
        doc: null,
        score: 1,
      })
      .returning(['id', 'ts'])
      .execute();
    expect(inserted).toEqual([{ id: 9n, ts: new Date('2025-01-01T00:00:00Z') }]);
    await db.destroy();
  });

  it('commits and rolls back transactions', async () => {
    const { db } = await setup();
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('t').where('id', '=', 1n).execute();
    });
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.deleteFrom('t').where('id', '=', 2n).execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const ids = await db.selectFrom('t').select('id').orderBy('id').execute();
    expect(ids.map((r) => r.id)).toEqual([2n, 3n]);
    await db.destroy();
  });

  it('keeps temp tables between queries of one session', async () => {
    const { db } = await setup();
    const { sql } = await import('kysely');
    await sql`CREATE TEMP TABLE tt AS SELECT 42 AS v`.execute(db);
    const r = await sql<{ v: number }>`SELECT v FROM tt`.execute(db);
    expect(r.rows).toEqual([{ v: 42 }]);
    await db.destroy();
  });

  it('streams large results in chunks without truncation', async () => {
    const { db } = await setup();
    const { sql } = await import('kysely');
    let total = 0;
    let sum = 0;
    let chunks = 0;
    const query = sql<{ i: bigint }>`SELECT i FROM range(10000) r(i)`.compile(db);
    await db.connection().execute(async (c) => {
      for await (const part of c.getExecutor().stream(query, 1000)) {
        chunks++;
        total += part.rows.length;
        for (const row of part.rows) sum += Number(row.i);
      }
    });
    expect(total).toBe(10000);
    expect(sum).toBe((9999 * 10000) / 2);
    expect(chunks).toBe(10);
    await db.destroy();
  });

  it('serialises concurrent queries on the one connection', async () => {
    const { db } = await setup();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db
          .selectFrom('t')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('id', '<=', BigInt((i % 3) + 1))
          .executeTakeFirstOrThrow(),
      ),
    );
    expect(results.map((r) => Number(r.n))).toEqual(Array.from({ length: 20 }, (_, i) => (i % 3) + 1));
    await db.destroy();
  });
});
