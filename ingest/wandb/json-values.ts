/**
 * SQL fragments that type one raw JSON value (the same rules for config, summary and history): numbers
 * and numeric strings become DOUBLE, NaN/±Inf (tokens or strings such as "nan") become NULL + special.
 */

/** A DOUBLE for a JSON value `v` when it is a number or a numeric/NaN/Inf string; NULL otherwise. */
export function rawDoubleSql(v: string): string {
  return `(CASE json_type(${v})
    WHEN 'DOUBLE' THEN TRY_CAST(${v} AS DOUBLE) WHEN 'BIGINT' THEN TRY_CAST(${v} AS DOUBLE)
    WHEN 'UBIGINT' THEN TRY_CAST(${v} AS DOUBLE)
    WHEN 'VARCHAR' THEN TRY_CAST(${v}->>'$' AS DOUBLE) END)`;
}

/** `value_double` (finite only) from a raw DOUBLE expression `d`: the NaN policy's macro (sql/080). */
export function finiteSql(d: string): string {
  return `finite_or_null(${d})`;
}

/** `special` ('NaN' | 'Infinity' | '-Infinity') from a raw DOUBLE expression `d` (sql/080). */
export function specialSql(d: string): string {
  return `special_of(${d})`;
}

/** Text of a JSON value: strings unquoted, everything else as its JSON text. */
export function varcharSql(v: string): string {
  return `(CASE json_type(${v}) WHEN 'VARCHAR' THEN ${v}->>'$' WHEN 'NULL' THEN NULL ELSE (${v})::VARCHAR END)`;
}

/** A JSON value that may hold a JSON document as a string (v0 Parquet components) → the parsed document. */
export function unwrapJsonStringSql(v: string): string {
  return `(CASE WHEN json_type(${v}) = 'VARCHAR' AND json_valid(${v}->>'$') AND left(ltrim(${v}->>'$'), 1) IN ('{', '[') THEN (${v}->>'$')::JSON WHEN json_type(${v}) = 'NULL' THEN NULL ELSE ${v} END)`;
}

/** A TIMESTAMPTZ from a JSON value: epoch seconds (number or numeric string) or an ISO string (UTC when no zone). */
export function timestampSql(v: string): string {
  return `(CASE WHEN json_type(${v}) IN ('DOUBLE', 'BIGINT', 'UBIGINT') THEN to_timestamp((${v})::DOUBLE)
    WHEN json_type(${v}) = 'VARCHAR' THEN COALESCE(
      to_timestamp(TRY_CAST(${v}->>'$' AS DOUBLE)),
      CASE WHEN regexp_matches(${v}->>'$', '([zZ]|[+-]\\d\\d(:?\\d\\d)?)$') THEN TRY_CAST(${v}->>'$' AS TIMESTAMPTZ)
        ELSE to_timestamp(epoch(TRY_CAST(${v}->>'$' AS TIMESTAMP))) END) END)`;
}
