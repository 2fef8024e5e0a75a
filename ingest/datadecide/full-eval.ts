/**
 * `full_eval.parquet` / `full_eval_raw.parquet` → pretrain_checkpoints, pretrain_metrics (UNPIVOT in DuckDB,
 * never row by row in JS), datadecide_datasets, datadecide_models. The LR schedule is filled where the
 * file lacks it and checked where it has it.
 */
import { MlduckError } from '../../src/errors.ts';
import { sqlIdent, sqlString } from '../../src/sql.ts';
import type { IngestContext } from '../../src/warehouse.ts';
import {
  COMPUTED_LR_COLUMNS,
  columnRole,
  DATASET_FEATURE_COLUMNS,
  MODEL_DETAIL_COLUMNS,
  SCHEDULE_COLUMNS,
  splitMetricColumn,
  type TypedColumn,
} from './columns.ts';
import { FULL_EVAL_ID_COLUMNS } from './detect.ts';
import { INSERT_CHECKPOINTS, INSERT_METRICS } from './inserts.ts';
import { loadScheduleTable, reportScheduleDisagreements } from './schedule-sql.ts';
import { seedIndexSql } from './seeds.ts';
import { examples, parquetSource, rowsOf, runOn, type SourceColumn } from './source.ts';

/** SQL that turns a DOUBLE expression into the (value, special) pair of the NaN policy (sql/080's macros). */
export function valueAndSpecial(expr: string): { value: string; special: string } {
  return { value: `finite_or_null(${expr})`, special: `special_of(${expr})` };
}

/** Rejects columns that are neither a known full_eval column nor a known (task, metric). */
export function checkColumns(columns: readonly SourceColumn[], file: string): void {
  const unknown = columns.map((c) => c.name).filter((name) => columnRole(name) === null);
  if (unknown.length === 0) return;
  const detail = unknown.map((name) => {
    const split = splitMetricColumn(name);
    return split
      ? `${name} (task ${split.task}, metric ${split.metric}: a pair full_eval never publishes)`
      : name;
  });
  throw new MlduckError(
    `${unknown.length} column(s) match no known full_eval column or (task, metric): ${examples(detail, detail.length, 8)}`,
    {
      file,
      hint: 'expected the 1,939 full_eval columns: ids, schedule, 11 <set>-valppl, {task}_{metric} for 67 tasks × 28 metrics, 10 dataset features, 40 model details',
    },
  );
}

/** Errors on missing or non-integral ids and on duplicate checkpoints (nothing is written then). */
export async function checkCheckpointIds(
  ctx: IngestContext,
  source: string,
  seedColumn: boolean,
): Promise<void> {
  const seedCheck = seedColumn ? `${seedIndexSql('seed')} IS NULL OR ` : '';
  const bad = await rowsOf<{
    file_row_number: bigint;
    params: unknown;
    data: unknown;
    seed: unknown;
    step: unknown;
  }>(
    ctx.conn,
    `SELECT file_row_number, params::VARCHAR AS params, data::VARCHAR AS data, ${seedColumn ? 'seed::VARCHAR' : 'NULL'} AS seed, step::VARCHAR AS step
     FROM ${source}
     WHERE params IS NULL OR data IS NULL OR ${seedCheck} step IS NULL OR TRY_CAST(step AS DOUBLE) IS NULL
        OR isnan(step::DOUBLE) OR step::DOUBLE <> round(step::DOUBLE)
     ORDER BY file_row_number LIMIT 1`,
    ctx.path,
    'checking the checkpoint ids',
  );
  const first = bad[0];
  if (first) {
    throw new MlduckError(
      `checkpoint id missing or invalid (params ${first.params}, data ${first.data}${seedColumn ? `, seed ${first.seed}` : ''}, step ${first.step})`,
      {
        file: ctx.path,
        row: Number(first.file_row_number),
        hint: 'every row needs params and data, a seed (0–4 or a name such as "default") and an integral step',
      },
    );
  }
}

export async function checkDuplicates(
  ctx: IngestContext,
  source: string,
  keys: readonly string[],
  what: string,
): Promise<void> {
  const keyList = keys.map(sqlIdent).join(', ');
  const dups = await rowsOf<{ key: string; rows: bigint[]; n: bigint }>(
    ctx.conn,
    `SELECT concat_ws(' / ', ${keys.map((k) => `${sqlIdent(k)}::VARCHAR`).join(', ')}) AS key,
       list(file_row_number ORDER BY file_row_number)[1:3] AS rows, count(*) AS n, count(*) OVER () AS groups
     FROM ${source} GROUP BY ${keyList} HAVING count(*) > 1 ORDER BY min(file_row_number) LIMIT 5`,
    ctx.path,
    'checking for duplicate checkpoints',
  );
  const first = dups[0];
  if (first) {
    const total = Number((first as unknown as { groups: bigint }).groups);
    throw new MlduckError(
      `${total} duplicate ${what}(s) (${keys.join(', ')}): ${examples(
        dups.map((d) => `${d.key} at rows ${d.rows.join(', ')}`),
        total,
      )}`,
      { file: ctx.path, row: Number(first.rows[0]), hint: `each ${what} must appear once per file` },
    );
  }
}

/** Loads the columns of a per-recipe / per-size table, keeping one row per key and warning on conflicts. */
async function loadPerKeyTable(
  ctx: IngestContext,
  source: string,
  table: string,
  key: string,
  all: readonly TypedColumn[],
  present: ReadonlySet<string>,
): Promise<void> {
  const columns = all.filter((c) => present.has(c.name));
  if (columns.length === 0) return;
  const select = columns
    .map((c) => `CAST(${sqlIdent(c.name)} AS ${c.type}) AS ${sqlIdent(c.name)}`)
    .join(', ');
  const distinct = `SELECT DISTINCT ${sqlIdent(key)}, ${select} FROM ${source}`;
  const conflicts = await rowsOf<{ k: string }>(
    ctx.conn,
    `SELECT ${sqlIdent(key)} AS k FROM (${distinct}) GROUP BY 1 HAVING count(*) > 1 ORDER BY 1`,
    ctx.path,
    `reading the ${table} columns`,
  );
  if (conflicts.length > 0) {
    ctx.warn(
      `${table}: ${conflicts.length} ${key} value(s) have differing columns across rows (kept the first row's): ${examples(
        conflicts.map((c) => c.k),
        conflicts.length,
      )}`,
    );
  }
  const names = columns.map((c) => sqlIdent(c.name)).join(', ');
  await runOn(
    ctx.conn,
    `INSERT INTO ${table} (ingest_id, ${sqlIdent(key)}, ${names})
     SELECT ${ctx.ingestId}, ${sqlIdent(key)}, ${names} FROM (
       SELECT file_row_number, ${sqlIdent(key)}, ${select} FROM ${source}
       QUALIFY row_number() OVER (PARTITION BY ${sqlIdent(key)} ORDER BY file_row_number) = 1)`,
    ctx.path,
    `loading ${table}`,
  );
}

/** Unpivots the metric columns of a wide source into pretrain_metrics (NULL cells dropped by UNPIVOT). */
export async function unpivotMetrics(
  ctx: IngestContext,
  source: string,
  metricColumns: readonly string[],
  keySelect: string,
): Promise<void> {
  if (metricColumns.length === 0) return;
  const casts = metricColumns.map((c) => `CAST(${sqlIdent(c)} AS DOUBLE) AS ${sqlIdent(c)}`).join(', ');
  const on = metricColumns.map(sqlIdent).join(', ');
  const { value, special } = valueAndSpecial('u.v');
  await runOn(
    ctx.conn,
    `${INSERT_METRICS}
     SELECT ${ctx.ingestId}, u.params, u.data, u.seed, u.step, mc.task, mc.metric, ${value}, ${special}
     FROM (UNPIVOT (SELECT ${keySelect}, ${casts} FROM ${source}) ON ${on} INTO NAME column_name VALUE v) u
     JOIN datadecide_metric_columns mc ON mc.column_name = u.column_name`,
    ctx.path,
    'unpivoting the metric columns',
  );
}

/** Ingests one full_eval / full_eval_raw file inside the open ingest transaction. */
export async function ingestFullEval(ctx: IngestContext, columns: readonly SourceColumn[]): Promise<void> {
  checkColumns(columns, ctx.path);
  const present = new Set(columns.map((c) => c.name));
  const source = parquetSource(ctx.absolutePath);
  await checkCheckpointIds(ctx, source, true);
  await checkDuplicates(ctx, source, ['params', 'data', 'seed', 'step'], 'checkpoint');

  const hasFullSchedule = SCHEDULE_COLUMNS.every((c) => present.has(c.name));
  const format = COMPUTED_LR_COLUMNS.every((c) => present.has(c)) ? 'full_eval' : 'full_eval_raw';
  const schedule = await loadScheduleTable(
    ctx,
    `SELECT DISTINCT params, step::BIGINT AS step FROM ${source}`,
  );
  try {
    const scheduleSelect = SCHEDULE_COLUMNS.map((c) =>
      present.has(c.name)
        ? `coalesce(CAST(s.${sqlIdent(c.name)} AS ${c.type}), sc.${c.name})`
        : `sc.${c.name}`,
    ).join(', ');
    const scheduleSource = hasFullSchedule
      ? `'input'`
      : `CASE WHEN sc.params IS NOT NULL THEN 'computed' END`;
    const optional = (name: string) => (present.has(name) ? `CAST(s.${sqlIdent(name)} AS DOUBLE)` : 'NULL');
    await runOn(
      ctx.conn,
      `${INSERT_CHECKPOINTS}
       SELECT ${ctx.ingestId}, ${sqlString(format)}, s.file_row_number, s.params, s.data, ${seedIndexSql('s.seed')},
         CAST(s.step AS BIGINT), ${optional('tokens')}, ${optional('compute')}, ${scheduleSelect}, ${scheduleSource}
       FROM ${source} s
       LEFT JOIN ${schedule.table} sc ON sc.params = s.params AND sc.step = CAST(s.step AS BIGINT)`,
      ctx.path,
      'loading pretrain_checkpoints',
    );
    await reportScheduleDisagreements(ctx, schedule.table, present);
  } finally {
    await schedule.drop();
  }

  const metricColumns = columns.map((c) => c.name).filter((name) => columnRole(name) === 'metric');
  await unpivotMetrics(
    ctx,
    source,
    metricColumns,
    `params, data, ${seedIndexSql('seed')} AS seed, CAST(step AS BIGINT) AS step`,
  );
  await loadPerKeyTable(ctx, source, 'datadecide_datasets', 'data', DATASET_FEATURE_COLUMNS, present);
  await loadPerKeyTable(ctx, source, 'datadecide_models', 'params', MODEL_DETAIL_COLUMNS, present);
  const missingIds = FULL_EVAL_ID_COLUMNS.filter((c) => !present.has(c));
  if (missingIds.length > 0) ctx.warn(`columns ${missingIds.join(', ')} missing: stored as NULL`);
}
