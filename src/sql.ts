/** Quoting for SQL built in TypeScript (values go as parameters wherever DuckDB takes them). */

/** SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** SQL identifier, always quoted so keys with `/`, `.` or `:` stay verbatim. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
