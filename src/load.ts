import {
  type DuckDBAppender,
  type DuckDBConnection,
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
 * Bulk-loads rows built in JS into one table through the Appender and 2048-row data chunks (the fastest
 * path of the neo client; never prepared INSERTs in a loop). Rows are in the table's column order.
 * The rows belong to the connection's open transaction.
 */
export class TableWriter {
  private readonly appender: DuckDBAppender;
  private readonly writer: DuckDBDataChunkWriter<JsCell>;
  private count = 0;

  private constructor(appender: DuckDBAppender) {
    this.appender = appender;
    this.writer = DuckDBDataChunkWriter.forAppender(appender, {
      converter: convertCell as ToDuckDBValueConverter<JsCell>,
    }) as DuckDBDataChunkWriter<JsCell>;
  }

  static async open(conn: DuckDBConnection, table: string): Promise<TableWriter> {
    return new TableWriter(await conn.createAppender(table));
  }

  append(row: readonly JsCell[]): void {
    this.writer.appendRow(row);
    this.count++;
  }

  get rowsWritten(): number {
    return this.count;
  }

  /** Flushes and closes; returns the number of rows written. */
  close(): number {
    this.writer.flush();
    this.appender.closeSync();
    return this.count;
  }
}

/** Writes all rows to `table` and returns how many. */
export async function appendRows(
  conn: DuckDBConnection,
  table: string,
  rows: Iterable<readonly JsCell[]>,
): Promise<number> {
  const writer = await TableWriter.open(conn, table);
  for (const row of rows) writer.append(row);
  return writer.close();
}
