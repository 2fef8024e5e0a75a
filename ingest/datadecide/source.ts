/** Reading an input Parquet file through DuckDB: its columns, and DuckDB errors turned into MlduckErrors. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { errorMessage, MlduckError, oneLineDuckDBMessage } from '../../src/errors.ts';
import { appendRows, type JsCell } from '../../src/load.ts';
import { sqlIdent, sqlString } from '../../src/sql.ts';

export interface SourceColumn {
  name: string;
  type: string;
}

/** `read_parquet(<file>, file_row_number = true)`: the file as a relation with 0-based `file_row_number`. */
export function parquetSource(absolutePath: string): string {
  return `read_parquet(${sqlString(absolutePath)}, file_row_number = true)`;
}

/** Runs SQL; a DuckDB failure becomes an input error naming the file and what was being done. */
export async function runOn(conn: DuckDBConnection, sql: string, file: string, doing: string): Promise<void> {
  try {
    await conn.run(sql);
  } catch (error) {
    if (error instanceof MlduckError) throw error;
    throw new MlduckError(`${doing} failed: ${oneLineDuckDBMessage(errorMessage(error))}`, {
      file,
      cause: error,
    });
  }
}

/** Rows as JS objects; DuckDB failures as in `runOn`. */
export async function rowsOf<T extends Record<string, unknown>>(
  conn: DuckDBConnection,
  sql: string,
  file: string,
  doing: string,
): Promise<T[]> {
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJS() as T[];
  } catch (error) {
    throw new MlduckError(`${doing} failed: ${oneLineDuckDBMessage(errorMessage(error))}`, {
      file,
      cause: error,
    });
  }
}

/** The columns of a Parquet file, or an input error when it is not one. */
export async function describeParquet(
  conn: DuckDBConnection,
  absolutePath: string,
  file: string,
): Promise<SourceColumn[]> {
  try {
    const reader = await conn.runAndReadAll(
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(absolutePath)}))`,
    );
    return (reader.getRowObjectsJS() as { column_name: string; column_type: string }[]).map((r) => ({
      name: r.column_name,
      type: r.column_type,
    }));
  } catch (error) {
    throw new MlduckError(`not a readable Parquet file: ${oneLineDuckDBMessage(errorMessage(error))}`, {
      file,
      hint: 'mlduck ingest datadecide reads the DataDecide Parquet files (full_eval, mean_eval, std_eval, HF eval/ppl results)',
      cause: error,
    });
  }
}

/** A temporary table for the duration of one ingest (dropped by `dropTemp`; gone with the connection anyway). */
export async function createTempTable(
  conn: DuckDBConnection,
  name: string,
  columns: string,
  rows: Iterable<readonly JsCell[]>,
): Promise<void> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(name)} (${columns})`);
  await appendRows(conn, name, rows);
}

/** Drops a temp table; after a failed statement the transaction is aborted and rolls it back anyway. */
export async function dropTemp(conn: DuckDBConnection, name: string): Promise<void> {
  try {
    await conn.run(`DROP TABLE IF EXISTS ${sqlIdent(name)}`);
  } catch {
    // The original error is what matters; the rollback removes the table.
  }
}

/** Formats up to `limit` examples and how many more there are. */
export function examples(items: readonly string[], total: number, limit = 5): string {
  const shown = items.slice(0, limit).join('; ');
  return total > limit ? `${shown}; … (${total - limit} more)` : shown;
}
