/**
 * What writers take from the generated schema (src/db/schema.ts, `mlduck codegen`): table names, their
 * column names and row types. A writer names its columns through these, so a column renamed or dropped by
 * a migration fails the typecheck (after codegen) instead of shifting values into the wrong column.
 */
import type { InsertType } from 'kysely';
import { sqlIdent } from '../sql.ts';
import { type Database, TABLE_COLUMNS } from './schema.ts';

export { TABLE_COLUMNS };

/** A table of the warehouse (views are not written). */
export type TableName = keyof typeof TABLE_COLUMNS;

/** A column of `T`. */
export type ColumnOf<T extends TableName> = (typeof TABLE_COLUMNS)[T][number];

/** A row of `T` as a writer gives it: every column present, each of its insert type (BIGINT: bigint or number). */
export type TableRow<T extends TableName> = { [C in keyof Database[T]]: InsertType<Database[T][C]> };

/**
 * `INSERT INTO table (c1, c2, …)` for an `INSERT … SELECT` or `… VALUES`: the statement names its columns
 * (never relying on their position), and the compiler checks the names against the generated schema.
 */
export function insertInto<T extends TableName>(table: T, columns: readonly ColumnOf<T>[]): string {
  return `INSERT INTO ${sqlIdent(table)} (${columns.map(sqlIdent).join(', ')})`;
}

/**
 * The cells of `row` in the order of `table`'s columns, for a `TableWriter` opened with
 * `{ columns: TABLE_COLUMNS[table] }`: the row is built by column name, never by position.
 */
export function cellsOf<T extends TableName>(table: T, row: TableRow<T>): unknown[] {
  const byName = row as Record<string, unknown>;
  return TABLE_COLUMNS[table].map((column: string) => byName[column]);
}
