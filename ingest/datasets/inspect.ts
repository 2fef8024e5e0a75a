import { closeSync, openSync, readSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { errorMessage, MlduckError, oneLineDuckDBMessage } from '../../src/errors.ts';
import { MAX_JSON_DEPTH, tooDeepInFile } from '../../src/json-depth.ts';
import { sqlString } from '../../src/sql.ts';
import type { DataFormat } from './classify.ts';

export interface ColumnInfo {
  name: string;
  type: string;
}

export interface FileContents {
  rows: number | null;
  schema: ColumnInfo[] | null;
  /** Set when the content is not what the extension promises. */
  problem: string | null;
}

/**
 * The lines of a JSONL file DuckDB's schema detection reads (its default, stated so that the depth check
 * below and DuckDB look at the same lines). Records past them are read with the detected columns, which
 * copes with any depth.
 */
export const JSONL_SAMPLE_LINES = 20480;

/**
 * Why DuckDB must not detect the schema of a JSON/JSONL file, or null: a document in what detection reads
 * (the first JSONL_SAMPLE_LINES lines of JSONL, all of a .json file) nests deeper than MAX_JSON_DEPTH.
 * DuckDB's read_json detection crashes the process (a segfault, no message) near 20,000 levels, so this
 * JS byte scan runs first; it costs one pass over the sample, without parsing.
 */
export function jsonDepthProblem(absolutePath: string, format: DataFormat): string | null {
  if (format !== 'json' && format !== 'jsonl') return null;
  const found =
    format === 'jsonl'
      ? tooDeepInFile(absolutePath, { perLine: true, maxLines: JSONL_SAMPLE_LINES })
      : tooDeepInFile(absolutePath, { perLine: false });
  if (!found) return null;
  return `line ${found.line}: JSON nested deeper than ${MAX_JSON_DEPTH} levels; not handed to DuckDB's schema detection`;
}

/** Throws the depth problem of `absolutePath` as a bad-input error naming `shown` (for readers of one file). */
export function assertJsonDepth(absolutePath: string, format: DataFormat, shown: string): void {
  const problem = jsonDepthProblem(absolutePath, format);
  if (problem) throw new MlduckError(problem, { file: shown });
}

/** DuckDB's reader for a data file: what `read_*` call reads it (shared with DataQuery and convert). */
export function readerSql(absolutePath: string | readonly string[], format: DataFormat): string {
  const arg =
    typeof absolutePath === 'string'
      ? sqlString(absolutePath)
      : `[${absolutePath.map(sqlString).join(', ')}]`;
  switch (format) {
    case 'parquet':
      return `read_parquet(${arg})`;
    case 'csv':
      return `read_csv(${arg})`;
    case 'jsonl':
      return `read_json(${arg}, format = 'newline_delimited', sample_size = ${JSONL_SAMPLE_LINES})`;
    case 'json':
      return `read_json(${arg}, format = 'auto')`;
    case 'pkl':
      throw new Error('pickles are not read by DuckDB; use `mlduck ingest pickle`');
  }
}

/** True when the file starts and ends with the Parquet magic `PAR1` (a footer-less file is not Parquet). */
export function hasParquetMagic(absolutePath: string, bytes: number): boolean {
  if (bytes < 12) return false;
  const fd = openSync(absolutePath, 'r');
  try {
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    readSync(fd, tail, 0, 4, bytes - 4);
    return head.toString('latin1') === 'PAR1' && tail.toString('latin1') === 'PAR1';
  } finally {
    closeSync(fd);
  }
}

async function describe(conn: DuckDBConnection, from: string): Promise<ColumnInfo[]> {
  const reader = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`);
  return (reader.getRowObjectsJS() as { column_name: string; column_type: string }[]).map((r) => ({
    name: r.column_name,
    type: r.column_type,
  }));
}

async function count(conn: DuckDBConnection, sql: string): Promise<number> {
  const rows = (await conn.runAndReadAll(sql)).getRowsJS();
  return Number(rows[0]?.[0] ?? 0);
}

/**
 * Rows and schema of a data file, read by DuckDB without loading the data: Parquet from its footer
 * (parquet_file_metadata + DESCRIBE), CSV/JSON through DuckDB's readers with a streamed count. Pickles are
 * not opened (their contents are the pickle ingester's job). Never throws for bad content: `problem` says.
 */
export async function inspectFile(
  conn: DuckDBConnection,
  absolutePath: string,
  format: DataFormat,
  bytes: number,
): Promise<FileContents> {
  if (format === 'pkl') return { rows: null, schema: null, problem: null };
  try {
    if (format === 'parquet') {
      if (!hasParquetMagic(absolutePath, bytes)) {
        return {
          rows: null,
          schema: null,
          problem: 'not a Parquet file: no PAR1 magic at its start and end',
        };
      }
      const rows = await count(
        conn,
        `SELECT coalesce(sum(num_rows), 0)::BIGINT FROM parquet_file_metadata(${sqlString(absolutePath)})`,
      );
      return { rows, schema: await describe(conn, readerSql(absolutePath, format)), problem: null };
    }
    if (bytes === 0) return { rows: 0, schema: [], problem: null };
    const tooDeep = jsonDepthProblem(absolutePath, format);
    if (tooDeep) return { rows: null, schema: null, problem: tooDeep };
    const from = readerSql(absolutePath, format);
    const schema = await describe(conn, from);
    return { rows: await count(conn, `SELECT count(*) FROM ${from}`), schema, problem: null };
  } catch (error) {
    return {
      rows: null,
      schema: null,
      problem: `DuckDB cannot read it as ${format}: ${oneLineDuckDBMessage(errorMessage(error))}`,
    };
  }
}
