import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type CatalogColumn, readCatalog } from '../catalog.ts';
import { errorMessage, MlduckError } from '../errors.ts';
import { sqlIdent, sqlString } from '../sql.ts';
import { MLDUCK_VERSION } from '../version.ts';
import { Warehouse } from '../warehouse.ts';

export const MANIFEST_NAME = 'export_manifest.json';

export interface ExportedTable {
  name: string;
  comment: string | null;
  /** `CREATE TABLE` as DuckDB stores it (types, NOT NULL, defaults). */
  sql: string;
  columns: CatalogColumn[];
  rows: number;
  /** Relative to the export folder: a file, or a Hive-partitioned folder. */
  path: string;
  partitionBy: string[];
  /** The ingests whose rows the table holds (from ingest_log). */
  lineage: { ingest_id: number; kind: string; path: string; sha256: string }[];
}

export interface ExportManifest {
  format: 'mlduck-export';
  version: 1;
  mlduckVersion: string;
  tables: ExportedTable[];
  views: { name: string; comment: string | null; sql: string; columns: CatalogColumn[] }[];
  sequences: { name: string; next: number }[];
}

/** `col` → every table with that column; `table=a,b` → that table. */
function partitionColumns(
  specs: readonly string[],
  table: string,
  columns: readonly CatalogColumn[],
): string[] {
  const names = new Set(columns.map((c) => c.name));
  const result: string[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq >= 0) {
      if (spec.slice(0, eq) !== table) continue;
      for (const col of spec.slice(eq + 1).split(',')) {
        if (!names.has(col)) {
          throw new MlduckError(`--partition-by ${spec}: table ${table} has no column ${col}`, {
            kind: 'usage',
          });
        }
        result.push(col);
      }
    } else if (names.has(spec)) result.push(spec);
  }
  return [...new Set(result)];
}

export async function exportWarehouse(
  wh: Warehouse,
  dir: string,
  options: { partitionBy?: readonly string[] } = {},
): Promise<ExportManifest> {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new MlduckError('export folder is not empty', {
      kind: 'usage',
      file: dir,
      hint: 'pass a new folder',
    });
  }
  mkdirSync(dir, { recursive: true });
  const catalog = await readCatalog(wh, { includeSystem: true });
  const tableSql = new Map(
    (
      await wh.all<{ name: string; sql: string }>(
        "SELECT table_name AS name, sql FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary",
      )
    ).map((r) => [r.name, r.sql]),
  );
  const viewSql = new Map(
    (
      await wh.all<{ name: string; sql: string }>(
        "SELECT view_name AS name, sql FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal AND NOT temporary",
      )
    ).map((r) => [r.name, r.sql]),
  );
  const hasLog = catalog.some((r) => r.name === 'ingest_log');
  const manifest: ExportManifest = {
    format: 'mlduck-export',
    version: 1,
    mlduckVersion: MLDUCK_VERSION,
    tables: [],
    views: [],
    sequences: (
      await wh.all<{ name: string; last_value: bigint | null; start_value: bigint }>(
        "SELECT sequence_name AS name, last_value, start_value FROM duckdb_sequences() WHERE schema_name = 'main' ORDER BY 1",
      )
    ).map((s) => ({ name: s.name, next: Number(s.last_value ?? s.start_value - 1n) + 1 })),
  };
  for (const r of catalog) {
    if (r.kind === 'view') {
      manifest.views.push({
        name: r.name,
        comment: r.comment,
        sql: viewSql.get(r.name) ?? '',
        columns: r.columns,
      });
      continue;
    }
    const partitionBy = partitionColumns(options.partitionBy ?? [], r.name, r.columns);
    const rel = partitionBy.length > 0 ? r.name : `${r.name}.parquet`;
    const target = join(dir, rel);
    const partition =
      partitionBy.length > 0 ? `, PARTITION_BY (${partitionBy.map(sqlIdent).join(', ')})` : '';
    // Parquet has no 128-bit integers (DuckDB would write DOUBLE, lossy): such columns travel as text and
    // are cast back on import from the table's own DDL.
    const select = r.columns
      .map((c) =>
        /^U?HUGEINT$/.test(c.type) ? `${sqlIdent(c.name)}::VARCHAR AS ${sqlIdent(c.name)}` : sqlIdent(c.name),
      )
      .join(', ');
    await wh.run(
      `COPY (SELECT ${select} FROM ${sqlIdent(r.name)}) TO ${sqlString(target)} (FORMAT parquet, COMPRESSION zstd${partition})`,
    );
    const lineage =
      hasLog && r.name !== 'ingest_log' && r.columns.some((c) => c.name === 'ingest_id')
        ? (
            await wh.all<{ ingest_id: bigint; kind: string; path: string; sha256: string }>(
              `SELECT l.ingest_id, l.kind, l.path, l.sha256 FROM (SELECT DISTINCT ingest_id FROM ${sqlIdent(r.name)}) t
               JOIN ingest_log l USING (ingest_id) ORDER BY l.ingest_id`,
            )
          ).map((l) => ({ ...l, ingest_id: Number(l.ingest_id) }))
        : [];
    manifest.tables.push({
      name: r.name,
      comment: r.comment,
      sql: tableSql.get(r.name) ?? '',
      columns: r.columns,
      rows: r.rows ?? 0,
      path: rel,
      partitionBy,
      lineage,
    });
  }
  writeFileSync(join(dir, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function commentSql(
  kind: 'TABLE' | 'VIEW',
  name: string,
  comment: string | null,
  columns: CatalogColumn[],
): string {
  let sql = comment ? `COMMENT ON ${kind} ${sqlIdent(name)} IS ${sqlString(comment)};\n` : '';
  for (const c of columns) {
    if (c.comment)
      sql += `COMMENT ON COLUMN ${sqlIdent(name)}.${sqlIdent(c.name)} IS ${sqlString(c.comment)};\n`;
  }
  return sql;
}

/** Rebuilds a warehouse file at `dbPath` (which must not exist) from an export folder. */
export async function importWarehouse(dir: string, dbPath: string): Promise<ExportManifest> {
  const manifestPath = join(dir, MANIFEST_NAME);
  if (!existsSync(manifestPath)) {
    throw new MlduckError(`no ${MANIFEST_NAME} in the folder`, {
      file: dir,
      hint: 'pass a folder written by mlduck export',
    });
  }
  let manifest: ExportManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ExportManifest;
  } catch (error) {
    throw new MlduckError(`invalid JSON: ${errorMessage(error)}`, { file: manifestPath });
  }
  if (manifest.format !== 'mlduck-export') {
    throw new MlduckError('expected "format": "mlduck-export"', { file: manifestPath });
  }
  if (existsSync(dbPath)) {
    throw new MlduckError(`${dbPath} already exists`, { kind: 'usage', hint: 'import into a new --db path' });
  }
  const instance = await DuckDBInstance.create(dbPath);
  const conn = await instance.connect();
  let unresolved: ExportManifest['views'] = [];
  try {
    await conn.run('BEGIN TRANSACTION');
    for (const s of manifest.sequences) {
      await conn.run(`CREATE SEQUENCE ${sqlIdent(s.name)} START ${s.next}`);
    }
    for (const t of manifest.tables) {
      await conn.run(t.sql);
      const source = join(resolve(dir), t.path);
      const files = t.partitionBy.length > 0 ? join(source, '**', '*.parquet') : source;
      const hive = t.partitionBy.length > 0 ? ', hive_partitioning = true' : '';
      const cols = t.columns.map((c) => sqlIdent(c.name)).join(', ');
      // By name: Hive partition columns come last in the files.
      if (t.rows > 0) {
        await conn.run(
          `INSERT INTO ${sqlIdent(t.name)} (${cols}) SELECT ${cols} FROM read_parquet(${sqlString(files)}${hive})`,
        );
      }
      await conn.run(commentSql('TABLE', t.name, t.comment, t.columns));
    }
    let todo = manifest.views;
    while (todo.length > 0) {
      const failed: typeof todo = [];
      for (const v of todo) {
        try {
          await conn.run(v.sql);
        } catch {
          failed.push(v);
        }
      }
      todo = failed.length === todo.length ? [] : failed;
      unresolved = failed;
    }
    await conn.run('COMMIT');
  } catch (error) {
    await conn.run('ROLLBACK').catch(() => undefined);
    conn.closeSync();
    instance.closeSync();
    throw error;
  }
  conn.closeSync();
  instance.closeSync();
  // Views built on macros (which a view's stored SQL does not carry) come back from views/*.sql: opening the
  // warehouse re-creates every view file whose view is missing.
  const wh = await Warehouse.open(dbPath);
  try {
    const present = new Set((await readCatalog(wh)).map((r) => r.name));
    const missing = unresolved.filter((v) => !present.has(v.name)).map((v) => v.name);
    if (missing.length > 0) {
      throw new MlduckError(`view(s) ${missing.join(', ')} cannot be created`, { file: manifestPath });
    }
    for (const v of manifest.views) await wh.run(commentSql('VIEW', v.name, v.comment, v.columns));
  } finally {
    wh.close();
  }
  return manifest;
}
