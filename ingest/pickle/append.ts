/** Bulk-appends pickle-derived cells to a table (the DuckDB edge of the pickle reader). */
import {
  type DuckDBConnection,
  DuckDBDataChunkWriter,
  DuckDBIntervalValue,
  DuckDBTimestampTZValue,
  type DuckDBType,
  type DuckDBValue,
  JSToDuckDBValueConverter,
} from '@duckdb/node-api';
import { type Cell, IntervalMicros, TimestampMicros } from './tabular.ts';

type Converter = (value: unknown, type: DuckDBType, converter: Converter) => DuckDBValue;

/** The node-api JS converter, plus exact (microsecond) timestamps and intervals. */
const convertCell: Converter = (value, type, converter) => {
  if (value instanceof TimestampMicros) return new DuckDBTimestampTZValue(value.micros);
  if (value instanceof IntervalMicros) return new DuckDBIntervalValue(0, 0, value.micros);
  return (JSToDuckDBValueConverter as unknown as Converter)(value, type, converter);
};

/** Appends `rows` rows of cells (column order of the table) through the Appender in data chunks. */
export async function appendCells(
  conn: DuckDBConnection,
  table: string,
  rows: number,
  row: (i: number) => readonly Cell[],
): Promise<number> {
  const appender = await conn.createAppender(table);
  const writer = DuckDBDataChunkWriter.forAppender(appender, {
    converter: convertCell as never,
  }) as DuckDBDataChunkWriter<unknown>;
  for (let i = 0; i < rows; i++) writer.appendRow(row(i) as unknown[]);
  writer.flush();
  appender.closeSync();
  return rows;
}
