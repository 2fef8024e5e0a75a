/** Bulk-appends pickle-derived cells to a table (the DuckDB edge of the pickle reader). */
import {
  type DuckDBConnection,
  DuckDBIntervalValue,
  DuckDBTimestampTZValue,
  type DuckDBType,
  type DuckDBValue,
  JSToDuckDBValueConverter,
  type ToDuckDBValueConverter,
} from '@duckdb/node-api';
import { type JsCell, TableWriter } from '../../src/load.ts';
import { type Cell, IntervalMicros, TimestampMicros } from './tabular.ts';

type Converter = (value: unknown, type: DuckDBType, converter: Converter) => DuckDBValue;

/** The node-api JS converter, plus exact (microsecond) timestamps and intervals. */
const convertCell: Converter = (value, type, converter) => {
  if (value instanceof TimestampMicros) return new DuckDBTimestampTZValue(value.micros);
  if (value instanceof IntervalMicros) return new DuckDBIntervalValue(0, 0, value.micros);
  return (JSToDuckDBValueConverter as unknown as Converter)(value, type, converter);
};

/**
 * Appends `rows` rows of cells (column order of the table) through `TableWriter`, so a failed ingest
 * discards what is still buffered before its rollback. `columns`, for a table of a migration, names the
 * columns the rows give (checked against the table once); tables pickle creates itself follow their spec.
 */
export async function appendCells(
  conn: DuckDBConnection,
  table: string,
  rows: number,
  row: (i: number) => readonly Cell[],
  columns?: readonly string[],
): Promise<number> {
  const writer = await TableWriter.open(conn, table, {
    converter: convertCell as unknown as ToDuckDBValueConverter<JsCell>,
    ...(columns ? { columns } : {}),
  });
  try {
    for (let i = 0; i < rows; i++) writer.append(row(i));
  } catch (error) {
    writer.discard();
    throw error;
  }
  return writer.close();
}
