/**
 * mlduck as a library: open a warehouse, query it with typed Kysely or plain SQL, get results as rows or
 * as an apache-arrow Table. `import { openWarehouse, createKysely, type Database } from 'mlduck'`.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Table } from 'apache-arrow';
import type { Kysely } from 'kysely';
import { resultToArrowTable } from './arrow.ts';
import { createKysely as kyselyOn } from './db/dialect.ts';
import type { Database } from './db/schema.ts';
import { errorMessage, MlduckError } from './errors.ts';
import { type OpenOptions, openReadOnly, type SqlParams, Warehouse } from './warehouse.ts';

// Kysely's own, so a script needs no second copy of kysely to write raw SQL fragments or name the type.
export { type Kysely, sql } from 'kysely';
export type { Database } from './db/schema.ts';
export * from './db/schema.ts';
export { type ErrorKind, EXIT_CODES, MlduckError } from './errors.ts';
export { MLDUCK_VERSION } from './version.ts';
export { type OpenOptions, type Row, type SqlParams, Warehouse } from './warehouse.ts';

export interface OpenWarehouseOptions {
  /**
   * Open for writing (migrating the schema, creating the file when missing). By default a warehouse is
   * opened read-only: it must exist, nothing is written, and other readers share it.
   */
  write?: boolean;
}

/** Opens a warehouse file, read-only unless `{ write: true }`. Close it with `wh.close()`. */
export async function openWarehouse(path: string, options: OpenWarehouseOptions = {}): Promise<Warehouse> {
  const open: OpenOptions = {};
  return options.write ? Warehouse.open(path, open) : openReadOnly(path, open);
}

/**
 * A typed Kysely on a warehouse (or a DuckDB instance): `createKysely(wh)` is `Kysely<Database>`, with
 * every table and view of mlduck's schema. Call `db.destroy()` when done (it leaves the warehouse open).
 */
export function createKysely<DB = Database>(
  target: Warehouse | DuckDBInstance,
  connection?: DuckDBConnection,
): Kysely<DB> {
  return kyselyOn<DB>(target instanceof Warehouse ? target.instance : target, connection);
}

/** Runs one query and returns its whole result as an apache-arrow Table (exact BIGINT, µs timestamps). */
export async function queryArrow(wh: Warehouse, sql: string, params?: SqlParams): Promise<Table> {
  try {
    const result = params === undefined ? await wh.conn.stream(sql) : await wh.conn.stream(sql, params);
    return await resultToArrowTable(result);
  } catch (error) {
    if (error instanceof MlduckError) throw error;
    throw new MlduckError(`SQL error: ${errorMessage(error)}`, { kind: 'input', cause: error });
  }
}
