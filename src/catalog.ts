import { errorMessage } from './errors.ts';
import { sqlIdent } from './sql.ts';
import type { Warehouse } from './warehouse.ts';

export interface CatalogColumn {
  name: string;
  type: string;
  nullable: boolean;
  comment: string | null;
}

export interface CatalogRelation {
  name: string;
  kind: 'table' | 'view';
  comment: string | null;
  columns: CatalogColumn[];
  /** Row count (exact, counted); null for views unless asked, or when the view cannot be read. */
  rows: number | null;
  /** Why a view asked to be counted could not be (files it reads are not there). */
  unreadable?: string;
}

/** Internal bookkeeping tables that are not user data. */
export const SYSTEM_TABLES: ReadonlySet<string> = new Set(['schema_migrations', 'schema_views']);

/** Every table and view of the `main` schema with its columns and comments, sorted by name. */
export async function readCatalog(
  wh: Warehouse,
  options: { countViews?: boolean; includeSystem?: boolean } = {},
): Promise<CatalogRelation[]> {
  const relations = await wh.all<{ name: string; kind: 'table' | 'view'; comment: string | null }>(`
    SELECT table_name AS name, 'table' AS kind, comment FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary
    UNION ALL
    SELECT view_name, 'view', comment FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal AND NOT temporary
    ORDER BY name`);
  const columns = await wh.all<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: boolean;
    comment: string | null;
  }>(`
    SELECT table_name, column_name, data_type, is_nullable, comment
    FROM duckdb_columns() WHERE schema_name = 'main' AND NOT internal ORDER BY table_name, column_index`);
  const byRelation = new Map<string, CatalogColumn[]>();
  for (const c of columns) {
    const list = byRelation.get(c.table_name) ?? [];
    list.push({
      name: c.column_name,
      type: c.data_type,
      nullable: c.is_nullable,
      comment: c.comment || null,
    });
    byRelation.set(c.table_name, list);
  }
  const result: CatalogRelation[] = [];
  for (const r of relations) {
    if (!options.includeSystem && SYSTEM_TABLES.has(r.name)) continue;
    let rows: number | null = null;
    let unreadable: string | undefined;
    if (r.kind === 'table' || options.countViews) {
      try {
        rows = Number((await wh.scalar<bigint>(`SELECT count(*) FROM ${sqlIdent(r.name)}`)) ?? 0n);
      } catch (error) {
        // A view over files (tokenized shards) whose files moved or were deleted: describe it anyway.
        const message = errorMessage(error);
        if (r.kind !== 'view' || !isMissingFile(message)) throw error;
        unreadable = message;
      }
    }
    result.push({
      ...r,
      comment: r.comment || null,
      columns: byRelation.get(r.name) ?? [],
      rows,
      ...(unreadable === undefined ? {} : { unreadable }),
    });
  }
  return result;
}

/** DuckDB's error for a file a query reads that is not there. */
export function isMissingFile(message: string): boolean {
  return /IO Error: (No files found that match the pattern|Cannot open file)/.test(message);
}

/** Relations or columns without a COMMENT ON, as `table` or `table.column`. */
export function undocumented(catalog: readonly CatalogRelation[]): string[] {
  const missing: string[] = [];
  for (const r of catalog) {
    if (!r.comment) missing.push(r.name);
    for (const c of r.columns) if (!c.comment) missing.push(`${r.name}.${c.name}`);
  }
  return missing;
}
