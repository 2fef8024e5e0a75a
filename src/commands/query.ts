import {
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBResult,
  ResultReturnType,
} from '@duckdb/node-api';
import { errorMessage, MlduckError, oneLineDuckDBMessage } from '../errors.ts';
import type { Warehouse } from '../warehouse.ts';

/** True when the text holds no statement: only whitespace, `;` and comments. */
export function isBlankSql(sql: string): boolean {
  return (
    sql
      .replace(/--[^\n]*/g, '')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/[\s;]+/g, '') === ''
  );
}

/** Where DuckDB points in an error: `LINE n:` echo and a caret under it. */
export interface SqlErrorPosition {
  line: number;
  /** 1-based column, when the echo shows the line from its start. */
  column?: number;
}

export function sqlErrorPosition(message: string): SqlErrorPosition | undefined {
  const match = /^LINE (\d+): (.*)\n( *)\^/m.exec(message);
  if (!match) return undefined;
  const line = Number(match[1]);
  const echo = match[2]!;
  if (echo.startsWith('...')) return { line };
  const column = match[3]!.length - `LINE ${match[1]}: `.length + 1;
  return column >= 1 ? { line, column } : { line };
}

/** A DuckDB error as an mlduck one-liner: the message, then where (line, column) when DuckDB says. */
export function sqlError(error: unknown): MlduckError {
  if (error instanceof MlduckError) return error;
  const raw = errorMessage(error).replace(/^Failed to extract statements: /, '');
  const position = sqlErrorPosition(raw);
  const where = position
    ? ` (line ${position.line}${position.column === undefined ? '' : `, column ${position.column}`})`
    : '';
  return new MlduckError(`SQL error: ${oneLineDuckDBMessage(raw)}${where}`, { kind: 'input', cause: error });
}

/** True when DuckDB refused a statement because the warehouse is open read-only (it needs --write). */
export function needsWrite(error: unknown): boolean {
  const source = error instanceof MlduckError && error.cause !== undefined ? error.cause : error;
  return /attached in read-only mode|read-only mode!?$/m.test(errorMessage(source));
}

/** A refusal of read-only mode, with how to get write access (`how`: e.g. "run `mlduck query --write …`"). */
export function withWriteHint(error: unknown, how: string): unknown {
  if (!needsWrite(error)) return error;
  const base = sqlError(error);
  return new MlduckError(base.message, {
    kind: base.kind,
    hint: `the warehouse is open read-only: ${how} to change data`,
    cause: base.cause,
  });
}

/** DuckDB's own multi-line text of an error (with its `LINE n:` echo and caret), for the shell. */
export function sqlErrorText(error: unknown): string {
  if (error instanceof MlduckError && !(error.cause instanceof Error)) return error.message;
  const source = error instanceof MlduckError ? error.cause : error;
  return errorMessage(source).replace(/^Failed to extract statements: /, '');
}

export interface StatementResult {
  /** 0-based position of the statement in the text. */
  index: number;
  /** How many statements the text holds. */
  count: number;
  /** The streaming result; read it before the next statement runs. */
  result: DuckDBResult;
}

/**
 * Runs every statement of `sql` in order on `conn`, streaming each result to `onResult` when it is a
 * query result (SELECT, SHOW, DESCRIBE, …). Errors become MlduckErrors with DuckDB's line and column.
 */
export async function executeSql(
  conn: DuckDBConnection,
  sql: string,
  onResult: (statement: StatementResult) => Promise<void>,
): Promise<void> {
  if (isBlankSql(sql)) {
    throw new MlduckError('no SQL statement given', {
      kind: 'usage',
      hint: "pass SQL as the argument, or '-' to read it from standard input",
    });
  }
  try {
    const extracted = await conn.extractStatements(sql);
    const count = extracted.count;
    for (let index = 0; index < count; index++) {
      // One statement is prepared from the text itself, so binder errors keep DuckDB's position.
      const prepared: DuckDBPreparedStatement =
        count === 1 ? await conn.prepare(sql) : await extracted.prepare(index);
      const result = await prepared.stream();
      if (result.returnType === ResultReturnType.QUERY_RESULT) await onResult({ index, count, result });
    }
  } catch (error) {
    throw sqlError(error);
  }
}

/**
 * Runs SQL on the warehouse: on a writable one several statements run in one transaction, so a failing
 * statement leaves the warehouse as it was.
 */
export async function runSql(
  wh: Warehouse,
  sql: string,
  onResult: (statement: StatementResult) => Promise<void>,
): Promise<void> {
  let several = false;
  if (!wh.readOnly && !isBlankSql(sql)) {
    try {
      several = (await wh.conn.extractStatements(sql)).count > 1;
    } catch (error) {
      throw sqlError(error);
    }
  }
  if (several) await wh.transaction((conn) => executeSql(conn, sql, onResult));
  else await executeSql(wh.conn, sql, onResult);
}
