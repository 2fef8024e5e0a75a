import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBDataChunkWriter,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  type JS,
  JSToDuckDBValueConverter,
  type ToDuckDBValueConverter,
} from '@duckdb/node-api';
import { MlduckError } from './errors.ts';

/**
 * A plain JS value the appender converts by the column type (number, bigint, string, Date, arrays,
 * objects, null). TIMESTAMPTZ/TIMESTAMP cells also take microsecond-precise inputs, see `epochMicros`.
 */
export type JsCell = unknown;

// An ISO 8601 / DuckDB-style timestamp: date, `T` or space, time, any fraction, optional offset.
const TIMESTAMP_TEXT =
  /^(\d{4,}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Microseconds since the Unix epoch (UTC) of a timestamp cell. JS Dates only carry milliseconds, so
 * inputs that carry microseconds are taken as they are:
 * - `bigint`: epoch microseconds;
 * - `number`: epoch milliseconds like `Date.now()`, its fraction kept to the microsecond;
 * - `string`: ISO 8601 (`2024-05-01T12:00:00.123456Z`, a space instead of `T`, an offset like `+02:00`);
 *   without an offset it is UTC, since the warehouse keeps timestamps in UTC; digits beyond the
 *   microsecond are truncated;
 * - `Date`: milliseconds.
 */
export function epochMicros(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new Error('cannot write an Invalid Date as a timestamp');
    return BigInt(ms) * 1000n;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a timestamp`);
    const ms = Math.floor(value);
    return BigInt(ms) * 1000n + BigInt(Math.round((value - ms) * 1000));
  }
  if (typeof value === 'string') {
    const m = TIMESTAMP_TEXT.exec(value.trim());
    if (m) {
      const [, date, time = '00:00:00', fraction = '', offset = 'Z'] = m;
      const hms = time.length === 5 ? `${time}:00` : time;
      const zone = offset === 'z' ? 'Z' : /^[+-]\d{2}$/.test(offset) ? `${offset}:00` : offset;
      const normalisedZone = zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
      const ms = Date.parse(`${date}T${hms}${normalisedZone}`);
      if (!Number.isNaN(ms)) {
        const micros = BigInt(fraction.slice(0, 6).padEnd(6, '0'));
        return BigInt(ms) * 1000n + micros;
      }
    }
    throw new Error(
      `expected an ISO 8601 timestamp like 2024-05-01T12:00:00.123456Z, got ${JSON.stringify(value)}`,
    );
  }
  throw new Error(
    `expected a Date, an ISO 8601 string, epoch milliseconds or bigint epoch microseconds, got ${typeof value}`,
  );
}

/**
 * The neo client's JS converter, except for TIMESTAMPTZ/TIMESTAMP, which it can only fill from a Date
 * (milliseconds): those go through `epochMicros`. Nested values (lists, structs) recurse through here.
 */
const convertCell: ToDuckDBValueConverter<JS> = (value, type: DuckDBType, converter): DuckDBValue => {
  if (value != null) {
    if (type.typeId === DuckDBTypeId.TIMESTAMP_TZ) {
      return value instanceof DuckDBTimestampTZValue ? value : new DuckDBTimestampTZValue(epochMicros(value));
    }
    if (type.typeId === DuckDBTypeId.TIMESTAMP) {
      return value instanceof DuckDBTimestampValue ? value : new DuckDBTimestampValue(epochMicros(value));
    }
  }
  return JSToDuckDBValueConverter(value, type, converter);
};

/**
 * The writers of each connection that are open: a transaction that fails must discard them before its
 * rollback. An appender left open is flushed when it is garbage-collected, and that flush would insert
 * its buffered rows after the rollback, in a transaction of their own.
 */
const openWriters = new WeakMap<DuckDBConnection, Set<TableWriter>>();

/** Drops the buffered rows of every writer still open on `conn` (the core calls this on a rollback). */
export function discardOpenWriters(conn: DuckDBConnection): void {
  for (const writer of openWriters.get(conn) ?? []) {
    try {
      writer.discard();
    } catch {
      // The failure being rolled back is the one to report.
    }
  }
}

/**
 * Bulk-loads rows built in JS into one table through the Appender and 2048-row data chunks (the fastest
 * path of the neo client; never prepared INSERTs in a loop). Rows are in the table's column order.
 * The rows belong to the connection's open transaction.
 */
/** One column of `TableWriter.appendColumns`. */
export type ColumnCells =
  /** The same cell in every row. */
  | { constant: JsCell }
  /**
   * Numbers for a numeric or BOOLEAN (non-zero = true) column, NaN = NULL. Integer columns get integers;
   * BIGINT ones safe integers.
   */
  | { numbers: ArrayLike<number> }
  /** Typed cells as with `typedCells`. */
  | { cells: readonly JsCell[] };

export interface TableWriterOptions {
  /** Replaces the default cell conversion (which already handles microsecond timestamps). */
  converter?: ToDuckDBValueConverter<JsCell>;
  /**
   * Every cell already has its column's JS type: a number for integer (up to INTEGER) and floating
   * columns, a bigint or a safe-integer number for BIGINT, a string for VARCHAR and JSON, a boolean for
   * BOOLEAN, or null. The vectors are then filled directly, without a converter per cell (hot loops).
   */
  typedCells?: boolean;
  /**
   * The columns the rows give, in order (`TABLE_COLUMNS[table]` of the generated schema, or a list the
   * writer builds beside its rows): checked once against the table when the writer opens, so rows laid out
   * for other columns fail there instead of shifting values into the wrong column.
   */
  columns?: readonly string[];
}

export class TableWriter {
  private readonly writer: { appendRow(row: readonly JsCell[]): void; flush(): void };
  private count = 0;
  private open = true;

  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly appender: DuckDBAppender,
    options: TableWriterOptions,
  ) {
    this.writer = options.typedCells
      ? new TypedChunkWriter(appender)
      : (DuckDBDataChunkWriter.forAppender(appender, {
          converter: options.converter ?? (convertCell as ToDuckDBValueConverter<JsCell>),
        }) as DuckDBDataChunkWriter<JsCell>);
    const writers = openWriters.get(conn) ?? new Set<TableWriter>();
    openWriters.set(conn, writers);
    writers.add(this);
  }

  static async open(
    conn: DuckDBConnection,
    table: string,
    options: TableWriterOptions = {},
  ): Promise<TableWriter> {
    if (options.columns) await assertColumns(conn, table, options.columns);
    return new TableWriter(conn, await conn.createAppender(table), options);
  }

  append(row: readonly JsCell[]): void {
    this.writer.appendRow(row);
    this.count++;
  }

  /**
   * Appends `rows` rows given column by column (the fastest path: each vector is filled in one loop,
   * with no row arrays and no converter). Rows appended before are written first.
   */
  appendColumns(rows: number, columns: readonly ColumnCells[]): void {
    const types = this.columnTypes();
    if (columns.length !== types.length) {
      throw new Error(`expected ${types.length} columns, got ${columns.length}`);
    }
    this.writer.flush();
    for (let start = 0; start < rows; start += CHUNK_ROWS) {
      const size = Math.min(CHUNK_ROWS, rows - start);
      const chunk = DuckDBDataChunk.create(types, size);
      for (let c = 0; c < columns.length; c++) {
        fillVector(
          chunk.getColumnVector(c),
          (types[c] as DuckDBType).typeId,
          columns[c] as ColumnCells,
          start,
          size,
        );
      }
      this.appender.appendDataChunk(chunk);
    }
    this.count += rows;
  }

  private types: DuckDBType[] | null = null;

  private columnTypes(): DuckDBType[] {
    if (!this.types) {
      this.types = [];
      for (let c = 0; c < this.appender.columnCount; c++) this.types.push(this.appender.columnType(c));
    }
    return this.types;
  }

  get rowsWritten(): number {
    return this.count;
  }

  /** Flushes and closes; returns the number of rows written. */
  close(): number {
    if (!this.open) throw new Error('TableWriter is closed');
    this.writer.flush();
    this.appender.closeSync();
    this.forget();
    return this.count;
  }

  /** Closes without writing what the appender still buffers (after a failure). */
  discard(): void {
    if (!this.open) return;
    this.appender.clear();
    this.appender.closeSync();
    this.forget();
  }

  private forget(): void {
    this.open = false;
    openWriters.get(this.conn)?.delete(this);
  }
}

const CHUNK_ROWS = 2048;

/** Fails (an internal error: mlduck's code and its warehouse disagree) unless `table` has exactly `columns`. */
async function assertColumns(
  conn: DuckDBConnection,
  table: string,
  columns: readonly string[],
): Promise<void> {
  const reader = await conn.runAndReadAll(
    `SELECT column_name FROM duckdb_columns()
     WHERE table_name = $table AND database_name = current_database() AND schema_name = current_schema()
     ORDER BY column_index`,
    { table },
  );
  const actual = reader.getRowsJS().map((row) => String(row[0]));
  if (actual.length === columns.length && actual.every((name, i) => name === columns[i])) return;
  const missing = columns.filter((c) => !actual.includes(c));
  const extra = actual.filter((c) => !columns.includes(c));
  const difference = [
    missing.length > 0 ? `the table lacks ${missing.join(', ')}` : '',
    extra.length > 0 ? `the writer lacks ${extra.join(', ')}` : '',
  ].filter(Boolean);
  throw new MlduckError(
    `table ${table} does not have the columns its writer gives (${difference.join('; ') || 'another order'})`,
    {
      kind: 'internal',
      hint: 'the warehouse was built by another mlduck version, or the writer was not updated with its migration (`mlduck codegen` regenerates the column lists)',
    },
  );
}

interface WritableVector {
  setItem(index: number, value: unknown): void;
  flush(): void;
}

function fillVector(
  vector: WritableVector,
  typeId: DuckDBTypeId,
  column: ColumnCells,
  start: number,
  size: number,
): void {
  if ('constant' in column) {
    const value =
      typeId === DuckDBTypeId.BIGINT && typeof column.constant === 'number'
        ? BigInt(column.constant)
        : column.constant;
    for (let i = 0; i < size; i++) vector.setItem(i, value);
  } else if ('numbers' in column) {
    const numbers = column.numbers;
    if (typeId === DuckDBTypeId.BIGINT) {
      for (let i = 0; i < size; i++) {
        const v = numbers[start + i] as number;
        vector.setItem(i, Number.isNaN(v) ? null : BigInt(v));
      }
    } else if (typeId === DuckDBTypeId.BOOLEAN) {
      for (let i = 0; i < size; i++) {
        const v = numbers[start + i] as number;
        vector.setItem(i, Number.isNaN(v) ? null : v !== 0);
      }
    } else {
      for (let i = 0; i < size; i++) {
        const v = numbers[start + i] as number;
        vector.setItem(i, Number.isNaN(v) ? null : v);
      }
    }
  } else {
    const cells = column.cells;
    const bigint = typeId === DuckDBTypeId.BIGINT;
    for (let i = 0; i < size; i++) {
      const v = cells[start + i];
      vector.setItem(i, bigint && typeof v === 'number' ? BigInt(v) : v);
    }
  }
  vector.flush();
}

/**
 * Fills 2048-row data chunks straight from typed cells (see `TableWriterOptions.typedCells`) and appends
 * them. Cells are not checked: a numeric vector coerces what it is given, so callers validate first.
 */
class TypedChunkWriter {
  private readonly types: DuckDBType[];
  private readonly bigint: boolean[];
  private readonly columns: JsCell[][];
  private rows = 0;
  private readonly capacity = CHUNK_ROWS;

  constructor(private readonly appender: DuckDBAppender) {
    this.types = [];
    for (let c = 0; c < appender.columnCount; c++) this.types.push(appender.columnType(c));
    this.bigint = this.types.map((t) => t.typeId === DuckDBTypeId.BIGINT);
    this.columns = this.types.map(() => new Array<JsCell>(this.capacity));
  }

  appendRow(row: readonly JsCell[]): void {
    if (row.length !== this.columns.length) {
      throw new Error(`expected ${this.columns.length} cells, got ${row.length}`);
    }
    for (let c = 0; c < row.length; c++) (this.columns[c] as JsCell[])[this.rows] = row[c];
    if (++this.rows === this.capacity) this.flush();
  }

  flush(): void {
    const rows = this.rows;
    if (rows === 0) return;
    this.rows = 0;
    const chunk = DuckDBDataChunk.create(this.types, rows);
    for (let c = 0; c < this.columns.length; c++) {
      const vector = chunk.getColumnVector(c) as { setItem(i: number, v: unknown): void; flush(): void };
      const cells = this.columns[c] as JsCell[];
      if (this.bigint[c]) {
        for (let i = 0; i < rows; i++) {
          const v = cells[i];
          vector.setItem(i, typeof v === 'number' ? BigInt(v) : v);
        }
      } else {
        for (let i = 0; i < rows; i++) vector.setItem(i, cells[i]);
      }
      vector.flush();
    }
    this.appender.appendDataChunk(chunk);
  }
}

/** Writes all rows to `table` and returns how many; on a failure the rows buffered so far are dropped. */
export async function appendRows(
  conn: DuckDBConnection,
  table: string,
  rows: Iterable<readonly JsCell[]>,
  options: TableWriterOptions = {},
): Promise<number> {
  const writer = await TableWriter.open(conn, table, options);
  try {
    for (const row of rows) writer.append(row);
  } catch (error) {
    writer.discard();
    throw error;
  }
  return writer.close();
}
