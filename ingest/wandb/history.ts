/**
 * History: the wide v0 Parquet is unpivoted in SQL; every other generation is first turned into one JSON
 * history row per logged step (`run_id, step, ts, runtime, metrics, extra`) and exploded by unnesting its `metrics` MAP(VARCHAR, JSON).
 * Numbers (and numeric strings, NaN/Inf) go to wandb_history, anything else to wandb_history_objects.
 */

import type { DuckDBConnection } from '@duckdb/node-api';
import { insertInto } from '../../src/db/tables.ts';
import { replaceOlderRowsByKey } from '../../src/replacements.ts';
import { sqlIdent, sqlString } from '../../src/sql.ts';
import { finiteSql, rawDoubleSql, specialSql, timestampSql } from './json-values.ts';

const INSERT_HISTORY = insertInto('wandb_history', [
  'ingest_id',
  'run_id',
  'step',
  'timestamp',
  'runtime_s',
  'metric',
  'value',
  'special',
]);
const INSERT_HISTORY_OBJECTS = insertInto('wandb_history_objects', [
  'ingest_id',
  'run_id',
  'step',
  'timestamp',
  'runtime_s',
  'metric',
  'value',
]);

/** Columns of the wide v0 history that are not metrics. */
export const WIDE_STANDARD_COLUMNS = ['id', 'run_id', 'step', 'timestamp', 'runtime', '__index_level_0__'];

export interface ParquetColumn {
  name: string;
  type: string;
}

const NUMERIC_TYPES =
  /^(DOUBLE|FLOAT|REAL|BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT|DECIMAL.*)$/;

function wideTimestampSql(column: ParquetColumn | undefined): string {
  if (!column) return 'NULL::TIMESTAMPTZ';
  const c = sqlIdent(column.name);
  if (column.type === 'TIMESTAMP WITH TIME ZONE') return c;
  if (column.type.startsWith('TIMESTAMP')) return `to_timestamp(epoch(${c}))`; // naive datetimes are read as UTC
  if (column.type === 'VARCHAR') return timestampSql(`to_json(${c})`);
  return `to_timestamp(${c}::DOUBLE)`;
}

/**
 * Loads a wide history (one column per metric) into the history tables, via UNPIVOT: a `runs_history.parquet`
 * file, or any relation `(SELECT …)` (e.g. `metrics.*` of a DuckDB Parquet of v3 history rows).
 */
export async function loadWideHistory(
  conn: DuckDBConnection,
  ingestId: number,
  fileOrRelation: string,
  columns: readonly ParquetColumn[],
): Promise<void> {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const metrics = columns.filter((c) => !WIDE_STANDARD_COLUMNS.includes(c.name));
  const numeric = metrics.filter((c) => NUMERIC_TYPES.test(c.type));
  const other = metrics.filter((c) => !NUMERIC_TYPES.test(c.type));
  const base = `run_id::VARCHAR AS run_id, ${byName.has('step') ? 'step::BIGINT' : 'NULL::BIGINT'} AS step,
    ${wideTimestampSql(byName.get('timestamp'))} AS ts,
    ${byName.has('runtime') ? 'TRY_CAST(runtime AS DOUBLE)' : 'NULL::DOUBLE'} AS runtime_s`;
  const src = fileOrRelation.startsWith('(') ? fileOrRelation : `read_parquet(${sqlString(fileOrRelation)})`;
  if (numeric.length > 0) {
    const cols = numeric.map((c) => `${sqlIdent(c.name)}::DOUBLE AS ${sqlIdent(c.name)}`).join(', ');
    await conn.run(`${INSERT_HISTORY}
      SELECT ${ingestId}, run_id, step, ts, runtime_s, metric, ${finiteSql('value')}, ${specialSql('value')}
      FROM (UNPIVOT (SELECT ${base}, ${cols} FROM ${src})
            ON ${numeric.map((c) => sqlIdent(c.name)).join(', ')} INTO NAME metric VALUE value)`);
  }
  if (other.length > 0) {
    const cols = other.map((c) => `to_json(${sqlIdent(c.name)}) AS ${sqlIdent(c.name)}`).join(', ');
    await conn.run(`CREATE OR REPLACE TEMP TABLE _wandb_stage_hist_long AS
      SELECT run_id, step, ts, runtime_s, metric, value
      FROM (UNPIVOT (SELECT ${base}, ${cols} FROM ${src})
            ON ${other.map((c) => sqlIdent(c.name)).join(', ')} INTO NAME metric VALUE value)
      WHERE json_type(value) <> 'NULL'`);
    await insertLongJson(conn, ingestId, '_wandb_stage_hist_long');
  }
  await replaceEarlierHistory(conn, ingestId);
}

/** The SQL type history sources are read as: metric → raw JSON value. */
export const METRIC_MAP = 'MAP(VARCHAR, JSON)';

/** A JSON object expression → MAP(VARCHAR, JSON) (non-objects → NULL). */
export function jsonToMapSql(json: string): string {
  return `CASE WHEN json_type(${json}) = 'OBJECT' THEN json_transform(${json}, '"${METRIC_MAP}"') END`;
}

/** Prefix of the raw JSON that a non-numeric value carries in `special` while it passes through wandb_history. */
const OBJECT_MARK = 'json:';

/**
 * Loads history rows from `source`: a SQL relation with columns `run_id` VARCHAR, `step` JSON, `ts` JSON,
 * `runtime` JSON, `metrics` and `extra` MAP(VARCHAR, JSON) (extra = other `_` keys, or NULL).
 *
 * The source is read (and its JSON parsed) once: every value goes into wandb_history, a non-numeric one with
 * value NULL and its raw JSON in `special` behind OBJECT_MARK (numeric rows only ever have NaN/±Inf there),
 * and those few rows are then moved to wandb_history_objects inside the same transaction. A second pass over
 * the file (or a staging copy of 20 values per row) would cost more than the move, which scans two columns.
 */
export async function loadJsonHistory(
  conn: DuckDBConnection,
  ingestId: number,
  source: string,
): Promise<void> {
  // Per-row conversions happen before the unnest (once per row, not once per value); d is typed once.
  await conn.run(`${INSERT_HISTORY}
    SELECT ${ingestId}, run_id, step, ts, runtime_s, metric, ${finiteSql('d')},
      CASE WHEN d IS NULL THEN '${OBJECT_MARK}' || value::VARCHAR ELSE ${specialSql('d')} END
    FROM (SELECT run_id, step, ts, runtime_s, e.key AS metric, e.value AS value, ${jsonDoubleSql('e.value')} AS d
      FROM (SELECT run_id, TRY_CAST(step->>'$' AS DOUBLE)::BIGINT AS step, ${timestampSql('ts')} AS ts,
              ${finiteSql(rawDoubleSql('runtime'))} AS runtime_s,
              unnest(list_concat(COALESCE(map_entries(metrics), []), COALESCE(map_entries(extra), []))) AS e
            FROM (${source}) WHERE run_id IS NOT NULL)
      WHERE json_type(e.value) <> 'NULL')`);
  const moved = `ingest_id = ${ingestId} AND value IS NULL AND starts_with(special, '${OBJECT_MARK}')`;
  await conn.run(`${INSERT_HISTORY_OBJECTS}
    SELECT ingest_id, run_id, step, timestamp, runtime_s, metric, substr(special, ${OBJECT_MARK.length + 1})::JSON
    FROM wandb_history WHERE ${moved}`);
  await conn.run(`DELETE FROM wandb_history WHERE ${moved}`);
  await replaceEarlierHistory(conn, ingestId);
}

/**
 * rawDoubleSql for a JSON value, cheaper on numbers: a JSON number's text (NaN/Infinity tokens included) casts
 * straight to DOUBLE; only a JSON string ("0.5", "nan") is unquoted first. true/false/null/objects/arrays → NULL.
 */
function jsonDoubleSql(v: string): string {
  return `COALESCE(TRY_CAST((${v})::VARCHAR AS DOUBLE),
    CASE WHEN starts_with((${v})::VARCHAR, '"') THEN TRY_CAST(${v}->>'$' AS DOUBLE) END)`;
}

/**
 * Loads DuckDB Parquet of v3 history rows whose `metrics` DuckDB typed as MAP(VARCHAR, <number>): the map is
 * unnested directly (no JSON round trip); the other columns are typed like the JSON path types them.
 */
export async function loadNumericMapHistory(
  conn: DuckDBConnection,
  ingestId: number,
  file: string,
  columns: readonly ParquetColumn[],
): Promise<void> {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const step = byName.get('step');
  const stepSql = !step
    ? 'NULL::BIGINT'
    : NUMERIC_TYPES.test(step.type)
      ? 'TRY_CAST(step AS DOUBLE)::BIGINT'
      : `TRY_CAST(to_json(step)->>'$' AS DOUBLE)::BIGINT`;
  const runtime = byName.get('runtime');
  const runtimeSql = !runtime
    ? 'NULL::DOUBLE'
    : NUMERIC_TYPES.test(runtime.type)
      ? finiteSql('TRY_CAST(runtime AS DOUBLE)')
      : finiteSql(rawDoubleSql('to_json(runtime)'));
  await conn.run(`${INSERT_HISTORY}
    SELECT ${ingestId}, run_id, step, ts, runtime_s, e.key, ${finiteSql('e.value::DOUBLE')}, ${specialSql('e.value::DOUBLE')}
    FROM (SELECT run_id::VARCHAR AS run_id, ${stepSql} AS step, ${wideTimestampSql(byName.get('timestamp'))} AS ts,
            ${runtimeSql} AS runtime_s, unnest(map_entries(metrics)) AS e
          FROM read_parquet(${sqlString(file)}) WHERE run_id IS NOT NULL)
    WHERE e.value IS NOT NULL`);
  await replaceEarlierHistory(conn, ingestId);
}

async function insertLongJson(conn: DuckDBConnection, ingestId: number, table: string): Promise<void> {
  const d = rawDoubleSql('value');
  await conn.run(`${INSERT_HISTORY}
    SELECT ${ingestId}, run_id, step, ts, CASE WHEN isfinite(runtime_s) THEN runtime_s END, metric, ${finiteSql(d)}, ${specialSql(d)}
    FROM ${table} WHERE ${d} IS NOT NULL`);
  await conn.run(`${INSERT_HISTORY_OBJECTS}
    SELECT ${ingestId}, run_id, step, ts, CASE WHEN isfinite(runtime_s) THEN runtime_s END, metric, value
    FROM ${table} WHERE ${d} IS NULL`);
}

/** A later export of a run replaces its earlier history: other ingests' rows of the runs just written go. */
async function replaceEarlierHistory(conn: DuckDBConnection, ingestId: number): Promise<void> {
  // Nothing to replace when no other ingest has history (a first or only history file): no entry.
  const others =
    await conn.runAndReadAll(`SELECT EXISTS (SELECT 1 FROM wandb_history WHERE ingest_id <> ${ingestId})
      OR EXISTS (SELECT 1 FROM wandb_history_objects WHERE ingest_id <> ${ingestId})`);
  if (others.getRows()[0]?.[0] !== true) return;
  // Deleted once this ingest has committed (kill-safe, src/replacements.ts).
  await replaceOlderRowsByKey(conn, ingestId, {
    tables: ['wandb_history', 'wandb_history_objects'],
    key: ['run_id'],
    keysFrom: ['wandb_history', 'wandb_history_objects'],
  });
}

/**
 * Runs `fn` with DuckDB's preserve_insertion_order off (restored after): the history inserts then append in
 * parallel without keeping the source order, which no reader relies on (every view and query orders itself).
 * Call it outside a transaction: SET fails in an aborted one.
 */
export async function withRelaxedInsertionOrder<T>(conn: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  const current = await conn.runAndReadAll(`SELECT current_setting('preserve_insertion_order')`);
  const previous = current.getRows()[0]?.[0] === false ? 'false' : 'true';
  await conn.run('SET preserve_insertion_order = false');
  try {
    return await fn();
  } finally {
    await conn.run(`SET preserve_insertion_order = ${previous}`);
  }
}

/** History run ids of this ingest that no runs file has brought in (reported, not an error). */
export async function orphanRuns(conn: DuckDBConnection, ingestId: number): Promise<string[]> {
  const rows = await conn.runAndReadAll(`SELECT DISTINCT run_id FROM (
      SELECT run_id FROM wandb_history WHERE ingest_id = ${ingestId}
      UNION SELECT run_id FROM wandb_history_objects WHERE ingest_id = ${ingestId})
    WHERE run_id NOT IN (SELECT run_id FROM wandb_runs) ORDER BY run_id`);
  return rows.getRows().map((r) => String(r[0]));
}
