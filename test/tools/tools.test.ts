import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalog } from '../../src/catalog.ts';
import { createKysely } from '../../src/db/dialect.ts';
import { bestEvalScores, lossCurve, pretrainVsFinetune } from '../../src/db/examples.ts';
import type { Database } from '../../src/db/schema.ts';
import { generateSchema } from '../../src/tools/codegen.ts';
import { buildExampleWarehouse, storageVersionOf } from '../../src/tools/example.ts';
import { generateInventory } from '../../src/tools/inventory.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { REPO_ROOT, runCli, tempDir, tempWarehouse } from '../helpers.ts';

const TYPES_TABLE = `
  CREATE TABLE zz_types (ingest_id BIGINT NOT NULL, l INTEGER[], s STRUCT(a DOUBLE, b VARCHAR[]), m MAP(VARCHAR, DOUBLE),
    d DECIMAL(10,2), h HUGEINT, j JSON, e ENUM('sad', 'ok', 'happy'), t TIMESTAMPTZ, "odd name" VARCHAR);
  COMMENT ON TABLE zz_types IS 'Test table of every nested type: one row per test value.';
  COMMENT ON COLUMN zz_types.ingest_id IS 'The ingest.';
  COMMENT ON COLUMN zz_types.l IS 'A list */ with a comment end.';
  COMMENT ON COLUMN zz_types.s IS 'A struct.';
  COMMENT ON COLUMN zz_types.m IS 'A map.';
  COMMENT ON COLUMN zz_types.d IS 'A decimal.';
  COMMENT ON COLUMN zz_types.h IS 'A hugeint.';
  COMMENT ON COLUMN zz_types.j IS 'A JSON document.';
  COMMENT ON COLUMN zz_types.e IS 'An enum.';
  COMMENT ON COLUMN zz_types.t IS 'A time.';
  COMMENT ON COLUMN zz_types."odd name" IS 'A name that needs quotes.';
  INSERT INTO zz_types VALUES (7, [1, NULL], {'a': 1.5, 'b': ['x']}, MAP {'k': 2.0}, 12.34, 170141183460469231731687303715884105727,
    '{"a": [1]}', 'happy', '2024-05-06 07:08:09+00', 'q|r');`;

describe('codegen', () => {
  it('maps DuckDB types (LIST, STRUCT, MAP, DECIMAL, HUGEINT, JSON, ENUM) to TS with comments as TSDoc', async () => {
    const wh = await tempWarehouse();
    await wh.run(TYPES_TABLE);
    const ts = await generateSchema(wh);
    const block = ts.slice(ts.indexOf('export interface ZzTypes'));
    expect(block).toContain('l: (number | null)[] | null;');
    expect(block).toContain('s: { "a": number | null; "b": (string | null)[] | null } | null;');
    expect(block).toContain('m: { key: string; value: number | null }[] | null;');
    expect(block).toContain('d: number | null;');
    expect(block).toContain('h: Int64 | null;');
    expect(block).toContain('j: Json | null;');
    expect(block).toContain('e: "sad" | "ok" | "happy" | null;');
    expect(block).toContain('t: Date | null;');
    expect(block).toContain('"odd name": string | null;');
    expect(block).toContain('/** A list *\\/ with a comment end. (`INTEGER[]`) */');
    expect(ts).toContain('  zz_types: ZzTypes;');
    // The column list writers use, in table order; views have none.
    expect(ts).toContain('  zz_types: ["ingest_id", "l", "s", "m", "d", "h", "j", "e", "t", "odd name"],');
    expect(ts.slice(ts.indexOf('export const TABLE_COLUMNS'))).not.toMatch(/^ {2}run_overview:/m);
    // Values read through the dialect match the generated types.
    const db = createKysely<Record<string, Record<string, unknown>>>(wh.instance);
    const row = await db.selectFrom('zz_types').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      l: [1, null],
      s: { a: 1.5, b: ['x'] },
      m: [{ key: 'k', value: 2 }],
      d: 12.34,
    });
    expect(row['h']).toBe(2n ** 127n - 1n);
    expect(row['j']).toEqual({ a: [1] });
    expect(row['e']).toBe('happy');
    await db.destroy();
  });
});

describe('inventory', () => {
  it('lists every relation with rows, grain, sources and schema; deterministic', async () => {
    const wh = await tempWarehouse();
    await wh.run(TYPES_TABLE);
    const a = await generateInventory(wh);
    const b = await generateInventory(wh);
    expect(a).toBe(b);
    expect(a).toContain(
      '| [`zz_types`](#zz_types) | table | 1 | Test table of every nested type: one row per test value. |',
    );
    expect(a).toContain('- grain: one row per test value');
    expect(a).toContain('| `m` | `MAP(VARCHAR, DOUBLE)` | A map. |');
    expect(a).toContain('| `odd name` | `VARCHAR` | A name that needs quotes. |');
    expect(a).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
  });

  it('fails listing every table, view and column without a comment', async () => {
    const dir = tempDir();
    const db = join(dir, 'w.duckdb');
    const wh = await Warehouse.open(db);
    await wh.run(`CREATE TABLE nodoc (a INTEGER, b INTEGER); COMMENT ON COLUMN nodoc.a IS 'documented';
      CREATE VIEW nodoc_v AS SELECT a FROM nodoc;`);
    wh.close();
    const r = await runCli(['--db', db, 'inventory', '--out', join(dir, 'inv.md')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nodoc.b');
    expect(r.stderr).toMatch(/^\s+nodoc$/m);
    expect(r.stderr).toMatch(/^\s+nodoc_v$/m);
    expect(r.stderr).not.toContain('nodoc.a');
    expect(existsSync(join(dir, 'inv.md'))).toBe(false);
  });
});

describe('export / import', () => {
  it('round-trips every table, view, comment, sequence and row, Hive-partitioned where asked', async () => {
    const dir = tempDir();
    const src = join(dir, 'src.duckdb');
    const wh = await Warehouse.open(src);
    await wh.run(TYPES_TABLE);
    await wh.run(`INSERT INTO zz_types (ingest_id, e) VALUES (8, 'sad'), (8, 'ok');
      CREATE VIEW zz_view AS SELECT e, count(*) AS n FROM zz_types GROUP BY e;
      COMMENT ON VIEW zz_view IS 'Rows per mood.'; COMMENT ON COLUMN zz_view.e IS 'Mood.'; COMMENT ON COLUMN zz_view.n IS 'Rows.';`);
    // Draw ingest ids up to a known value: the imported sequence must continue after it.
    for (let i = 0; i < 4; i++) await wh.nextIngestId();
    const lastId = await wh.nextIngestId();
    const before = await readCatalog(wh, { countViews: true, includeSystem: true });
    wh.close();
    const out = join(dir, 'export');
    const exp = await runCli(['--db', src, 'export', out, '--partition-by', 'zz_types=ingest_id']);
    expect(exp.code, exp.stderr).toBe(0);
    expect(existsSync(join(out, 'zz_types', 'ingest_id=8'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, 'export_manifest.json'), 'utf8'));
    expect(manifest.tables.find((t: { name: string }) => t.name === 'zz_types').rows).toBe(3);
    const dst = join(dir, 'dst.duckdb');
    const imp = await runCli(['--db', dst, 'import', out]);
    expect(imp.code, imp.stderr).toBe(0);
    const back = await Warehouse.open(dst);
    try {
      expect(await readCatalog(back, { countViews: true, includeSystem: true })).toEqual(before);
      await back.run(`ATTACH '${src}' AS orig (READ_ONLY)`);
      const diff = await back.scalar<bigint>(`SELECT count(*) FROM (
        (SELECT * FROM zz_types EXCEPT ALL SELECT * FROM orig.zz_types) UNION ALL (SELECT * FROM orig.zz_types EXCEPT ALL SELECT * FROM zz_types))`);
      expect(diff).toBe(0n);
      // Reopening applied no migration twice and the sequence continues.
      // (ids may skip, never repeat: a reset sequence would hand out 1 again)
      expect(lastId).toBeGreaterThanOrEqual(5);
      expect(Number(await back.scalar<bigint>("SELECT nextval('ingest_id_seq')"))).toBeGreaterThan(lastId);
    } finally {
      back.close();
    }
    const again = await runCli(['--db', dst, 'import', out]);
    expect(again.code).toBe(1);
  });
});

describe('on the demo warehouse', () => {
  let db: string;
  let demoDir: string;
  afterAll(() => rmSync(demoDir, { recursive: true, force: true }));
  beforeAll(async () => {
    // Not tempDir(): that one is removed after each test, and this warehouse serves the whole block.
    demoDir = mkdtempSync(join(tmpdir(), 'mlduck-demo-'));
    db = join(demoDir, 'demo.duckdb');
    const r = await runCli(['--db', db, '-q', 'demo']);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it('committed src/db/schema.ts and docs/DATA_INVENTORY.md are up to date (codegen/inventory --check)', async () => {
    const codegen = await runCli(['--db', db, 'codegen', '--check']);
    expect(codegen.code, codegen.stderr).toBe(0);
    const inventory = await runCli(['--db', db, 'inventory', '--check']);
    expect(inventory.code, inventory.stderr).toBe(0);
    const stale = join(tempDir(), 'schema.ts');
    const r = await runCli(['--db', db, 'codegen', '--check', '--out', stale]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('stale');
  });

  it('runs the docs/querying.md examples with correct values', async () => {
    const wh = await Warehouse.open(db, { readOnly: true });
    const k = createKysely<Database>(wh.instance);
    try {
      const names = new Set((await readCatalog(wh)).map((r) => r.name));
      const doc = readFileSync(join(REPO_ROOT, 'docs', 'querying.md'), 'utf8');
      for (const fn of ['bestEvalScores', 'lossCurve', 'pretrainVsFinetune']) expect(doc).toContain(fn);
      if (names.has('wandb_run_evals')) {
        const top = await wh.all<{ task: string }>(
          "SELECT task FROM wandb_run_evals WHERE value IS NOT NULL AND metric = 'primary_score' LIMIT 1",
        );
        const task = top[0]?.task ?? 'none';
        const best = await bestEvalScores(k, task);
        const expected = await wh.all<{ run_id: string; best: number }>(
          `SELECT run_id, max(value) AS best FROM wandb_run_evals WHERE task = $1 AND metric = 'primary_score' AND value IS NOT NULL GROUP BY run_id ORDER BY best DESC`,
          [task],
        );
        expect(best.map((r) => r.best)).toEqual(expected.map((r) => r.best));
      }
      if (names.has('wandb_history')) {
        const run = await wh.scalar<string>(
          "SELECT run_id FROM wandb_history WHERE metric = 'train_loss' AND value IS NOT NULL LIMIT 1",
        );
        if (run) {
          const curve = await lossCurve(k, run);
          expect(curve.length).toBeGreaterThan(0);
          const steps = curve.map((p) => p.step ?? -1n);
          expect([...steps].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(steps);
          expect(curve.every((p) => typeof p.value === 'number' && Number.isFinite(p.value))).toBe(true);
        }
      }
      if (names.has('finetune_vs_pretrain')) {
        const rows = await pretrainVsFinetune(k);
        expect(rows.length).toBe(
          Number(await wh.scalar<bigint>('SELECT count(*) FROM finetune_vs_pretrain')),
        );
      }
    } finally {
      await k.destroy();
      wh.close();
    }
  });

  it('builds the example warehouse with storage version 64, comments kept, every view queryable', async () => {
    const out = join(tempDir(), 'warehouse.duckdb.example');
    const wh = await Warehouse.open(db);
    const before = await readCatalog(wh, { includeSystem: true });
    try {
      await buildExampleWarehouse(wh, out);
    } finally {
      wh.close();
    }
    expect(storageVersionOf(out)).toBe(64n);
    expect(existsSync(`${out}.wal`)).toBe(false);
    const ex = await Warehouse.open(out, { readOnly: true });
    try {
      const after = await readCatalog(ex, { includeSystem: true });
      expect(after).toEqual(before);
      for (const v of after.filter((r) => r.kind === 'view')) {
        await expect(ex.scalar(`SELECT count(*) FROM "${v.name}"`)).resolves.toBeTypeOf('bigint');
      }
    } finally {
      ex.close();
    }
  });
});
