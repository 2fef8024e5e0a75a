import {
  BIGINT,
  type DuckDBConnection,
  type DuckDBInstance,
  type DuckDBResult,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  JSDuckDBValueConverter,
  jsToDuckDBValue,
  listValue,
  ResultReturnType,
  TIMESTAMPTZ,
} from '@duckdb/node-api';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';

/**
 * Kysely on @duckdb/node-api, written in house because `kysely-duckdb` 0.4.0 drops `count(*) AS count`
 * results, throws on Date parameters and opens a connection per query (temp tables vanish).
 *
 * Values come back as plain JS: BIGINT/HUGEINT → `bigint` (exact; `Number()` them when small), DOUBLE →
 * number (NaN/±Inf kept), DECIMAL → number, LIST/ARRAY → arrays, STRUCT → objects, MAP → `{key, value}[]`,
 * JSON → parsed value, TIMESTAMP/TIMESTAMPTZ/DATE → `Date` (UTC, milliseconds).
 */
export interface DuckDBDialectConfig {
  /** The instance to query (e.g. `wh.instance`). */
  instance: DuckDBInstance;
  /** Use this connection instead of opening one (e.g. `wh.conn`, to share its transaction). */
  connection?: DuckDBConnection;
}

/** Converts one Kysely parameter to a DuckDB value whose type DuckDB can infer. */
export function toDuckDBParameter(value: unknown): DuckDBValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return jsToDuckDBValue(value, TIMESTAMPTZ);
  if (typeof value === 'bigint') {
    // BIGINT when it fits (the type of every id/count column), HUGEINT otherwise.
    return value >= -(2n ** 63n) && value < 2n ** 63n ? jsToDuckDBValue(value, BIGINT) : value;
  }
  if (Array.isArray(value)) return listValue(value.map(toDuckDBParameter));
  if (value instanceof Uint8Array) return value as unknown as DuckDBValue;
  if (typeof value === 'object') return JSON.stringify(value);
  return value as DuckDBValue;
}

function isJsonType(type: DuckDBType): boolean {
  return type.alias === 'JSON';
}

/** Parses JSON columns (top level only: JSON is a VARCHAR alias and node-api returns it as text). */
function parseJsonColumns(rows: Record<string, unknown>[], names: string[], types: DuckDBType[]): void {
  const jsonColumns = names.filter((_, i) => isJsonType(types[i]!));
  if (jsonColumns.length === 0) return;
  for (const row of rows) {
    for (const name of jsonColumns) {
      const text = row[name];
      if (typeof text === 'string') row[name] = JSON.parse(text);
    }
  }
}

/** Rows of a result as objects; duplicate column names keep the last one, like SQL drivers do. */
function rowObjects(columns: unknown[][], names: string[]): Record<string, unknown>[] {
  const count = columns[0]?.length ?? 0;
  const rows: Record<string, unknown>[] = new Array(count);
  for (let r = 0; r < count; r++) {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) row[names[c]!] = columns[c]![r];
    rows[r] = row;
  }
  return rows;
}

function isRowReturning(result: DuckDBResult): boolean {
  // QUERY_RESULT for SELECT and `... RETURNING`; CHANGED_ROWS for plain DML; NOTHING for DDL.
  return result.returnType === ResultReturnType.QUERY_RESULT;
}

/** Serialises calls: a DuckDB connection runs one query at a time and a new one interrupts the previous. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.tail;
    this.tail = previous.then(() => next);
    await previous;
    return release;
  }
}

export class DuckDBKyselyConnection implements DatabaseConnection {
  constructor(readonly conn: DuckDBConnection) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const params = compiled.parameters.map(toDuckDBParameter);
    const result = await this.conn.run(compiled.sql, params);
    if (!isRowReturning(result)) {
      return { rows: [], numAffectedRows: BigInt(result.rowsChanged) };
    }
    const names = result.columnNames();
    const types = result.columnTypes();
    const columns: unknown[][] = names.map(() => []);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const chunkColumns = chunk.convertColumns(JSDuckDBValueConverter);
      for (let c = 0; c < names.length; c++) {
        for (const v of chunkColumns[c]!) columns[c]!.push(v);
      }
    }
    const rows = rowObjects(columns, names);
    parseJsonColumns(rows, names, types);
    return { rows: rows as R[] };
  }

  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 2048): AsyncIterableIterator<QueryResult<R>> {
    const params = compiled.parameters.map(toDuckDBParameter);
    const result = await this.conn.stream(compiled.sql, params);
    const names = result.columnNames();
    const types = result.columnTypes();
    let pending: Record<string, unknown>[] = [];
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const rows = rowObjects(chunk.convertColumns(JSDuckDBValueConverter), names);
      parseJsonColumns(rows, names, types);
      pending.push(...rows);
      while (pending.length >= chunkSize) {
        yield { rows: pending.slice(0, chunkSize) as R[] };
        pending = pending.slice(chunkSize);
      }
    }
    if (pending.length > 0) yield { rows: pending as R[] };
  }
}

class DuckDBDriver implements Driver {
  private readonly mutex = new Mutex();
  private connection: DuckDBKyselyConnection | null = null;
  private ownsConnection = false;
  private release: (() => void) | null = null;

  constructor(private readonly config: DuckDBDialectConfig) {}

  async init(): Promise<void> {
    this.ownsConnection = !this.config.connection;
    const conn = this.config.connection ?? (await this.config.instance.connect());
    this.connection = new DuckDBKyselyConnection(conn);
  }

  // One connection for the session, lent to one caller at a time: temp tables, SET and USE persist
  // between queries, and Kysely's transactions pin it until commit/rollback.
  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.mutex.lock();
    this.release = release;
    return this.connection!;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as DuckDBKyselyConnection).conn.run('BEGIN TRANSACTION');
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as DuckDBKyselyConnection).conn.run('COMMIT');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as DuckDBKyselyConnection).conn.run('ROLLBACK');
  }

  async releaseConnection(): Promise<void> {
    const release = this.release;
    this.release = null;
    release?.();
  }

  async destroy(): Promise<void> {
    if (this.connection && this.ownsConnection) this.connection.conn.closeSync();
    this.connection = null;
  }
}

export class DuckDBDialect implements Dialect {
  constructor(private readonly config: DuckDBDialectConfig) {}
  createAdapter(): DialectAdapter {
    // DuckDB speaks Postgres-style SQL: `$n` placeholders, RETURNING, double-quoted identifiers.
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new DuckDBDriver(this.config);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

/** A typed Kysely on a DuckDB instance: `createKysely<Database>(wh.instance)`; `destroy()` when done. */
export function createKysely<DB>(instance: DuckDBInstance, connection?: DuckDBConnection): Kysely<DB> {
  return new Kysely<DB>({ dialect: new DuckDBDialect({ instance, ...(connection ? { connection } : {}) }) });
}

export { DuckDBTypeId };
