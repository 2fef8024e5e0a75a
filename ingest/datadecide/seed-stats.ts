/**
 * `mean_eval.parquet` / `std_eval.parquet`: stored in long form (datadecide_seed_stats_files) and compared
 * cell by cell with the pretrain_seed_stats view; disagreements beyond 1e-9 relative are reported.
 */
import { insertInto } from '../../src/db/tables.ts';
import { MlduckError } from '../../src/errors.ts';
import { sqlIdent, sqlString } from '../../src/sql.ts';
import type { IngestContext } from '../../src/warehouse.ts';
import { columnRole, SEED_STATS_COLUMNS } from './columns.ts';
import { SEED_STATS_KEY_COLUMNS } from './detect.ts';
import { checkDuplicates, valueAndSpecial } from './full-eval.ts';
import { examples, parquetSource, rowsOf, runOn, type SourceColumn } from './source.ts';

export const SEED_STATS_TOLERANCE = 1e-9;

/** Columns that are constant within a (params, data, step) group: mean > 0, std 0 or NaN. */
const CONSTANT_COLUMNS = [
  'lr_max',
  'batch_size',
  'total_steps',
  'max_sequence_length',
  'vocab_size',
  'd_model',
];

export type Statistic = 'mean' | 'std';

async function whichStatistic(
  ctx: IngestContext,
  source: string,
  present: ReadonlySet<string>,
): Promise<Statistic> {
  const probes = CONSTANT_COLUMNS.filter((c) => present.has(c));
  if (probes.length === 0) {
    const byName = /std/i.test(ctx.path) ? 'std' : /mean/i.test(ctx.path) ? 'mean' : null;
    if (!byName) {
      throw new MlduckError('cannot tell mean_eval from std_eval: none of the constant columns is present', {
        file: ctx.path,
        hint: `a mean/std file keeps e.g. ${CONSTANT_COLUMNS.join(', ')}`,
      });
    }
    ctx.warn(`no constant column to tell mean from std: taken as ${byName} from the file name`);
    return byName;
  }
  const rows = await rowsOf<{ positive: bigint }>(
    ctx.conn,
    `SELECT count(*) AS positive FROM ${source} WHERE ${probes.map((c) => `${sqlIdent(c)} > 0`).join(' OR ')}`,
    ctx.path,
    'reading the constant columns',
  );
  return Number(rows[0]?.positive ?? 0) > 0 ? 'mean' : 'std';
}

export async function ingestSeedStats(ctx: IngestContext, columns: readonly SourceColumn[]): Promise<void> {
  const known = new Set(SEED_STATS_COLUMNS.map((c) => c.name));
  const unknown = columns.map((c) => c.name).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new MlduckError(
      `${unknown.length} column(s) are not mean_eval/std_eval columns: ${examples(unknown, unknown.length, 8)}`,
      {
        file: ctx.path,
        hint: 'expected params, data, step, tokens, compute and the numeric full_eval columns',
      },
    );
  }
  const present = new Set(columns.map((c) => c.name));
  const source = parquetSource(ctx.absolutePath);
  const badKey = await rowsOf<{ file_row_number: bigint }>(
    ctx.conn,
    `SELECT file_row_number FROM ${source}
     WHERE params IS NULL OR data IS NULL OR step IS NULL OR isnan(step::DOUBLE) OR step::DOUBLE <> round(step::DOUBLE)
     ORDER BY 1 LIMIT 1`,
    ctx.path,
    'checking the group keys',
  );
  if (badKey[0]) {
    throw new MlduckError('group key params, data or step missing or not integral', {
      file: ctx.path,
      row: Number(badKey[0].file_row_number),
    });
  }
  await checkDuplicates(ctx, source, [...SEED_STATS_KEY_COLUMNS], 'group');
  const statistic = await whichStatistic(ctx, source, present);

  const metricColumns = columns.map((c) => c.name).filter((name) => columnRole(name) === 'metric');
  if (metricColumns.length > 0) {
    const casts = metricColumns.map((c) => `CAST(${sqlIdent(c)} AS DOUBLE) AS ${sqlIdent(c)}`).join(', ');
    const { value, special } = valueAndSpecial('u.v');
    await runOn(
      ctx.conn,
      `${insertInto('datadecide_seed_stats_files', [
        'ingest_id',
        'statistic',
        'params',
        'data',
        'step',
        'tokens',
        'compute',
        'task',
        'metric',
        'value',
        'special',
      ])}
       SELECT ${ctx.ingestId}, ${sqlString(statistic)}, u.params, u.data, u.step, u.tokens, u.compute,
         mc.task, mc.metric, ${value}, ${special}
       FROM (UNPIVOT (SELECT params, data, CAST(step AS BIGINT) AS step, CAST(tokens AS DOUBLE) AS tokens,
               CAST(compute AS DOUBLE) AS compute, ${casts} FROM ${source})
             ON ${metricColumns.map(sqlIdent).join(', ')} INTO NAME column_name VALUE v) u
       JOIN datadecide_metric_columns mc ON mc.column_name = u.column_name`,
      ctx.path,
      'unpivoting the metric columns',
    );
  }
  await compareWithView(ctx, source, statistic);
}

/** Compares this ingest's cells with pretrain_seed_stats for the groups both sides have. */
async function compareWithView(ctx: IngestContext, source: string, statistic: Statistic): Promise<void> {
  const groups = await rowsOf<{ in_file: bigint; in_warehouse: bigint }>(
    ctx.conn,
    `WITH f AS (SELECT DISTINCT params, data, CAST(step AS BIGINT) AS step FROM ${source}),
          w AS (SELECT DISTINCT params, data, step FROM pretrain_current_checkpoints)
     SELECT (SELECT count(*) FROM f) AS in_file, (SELECT count(*) FROM f JOIN w USING (params, data, step)) AS in_warehouse`,
    ctx.path,
    'matching groups with the warehouse',
  );
  const inFile = Number(groups[0]?.in_file ?? 0);
  const inWarehouse = Number(groups[0]?.in_warehouse ?? 0);
  if (inWarehouse < inFile) {
    ctx.warn(
      `${inFile - inWarehouse} of ${inFile} (params, data, step) group(s) have no checkpoints in the warehouse: not compared (ingest full_eval first)`,
    );
  }
  if (inWarehouse === 0) return;
  const tol = SEED_STATS_TOLERANCE;
  const rows = await rowsOf<{
    params: string;
    data: string;
    step: bigint;
    column_name: string;
    file_value: string;
    view_value: string;
    n: bigint;
  }>(
    ctx.conn,
    `WITH f AS (
       SELECT params, data, step, task, metric, value FROM datadecide_seed_stats_files WHERE ingest_id = ${ctx.ingestId}
     ),
     groups AS (
       SELECT DISTINCT params, data, CAST(step AS BIGINT) AS step FROM ${source}
       INTERSECT SELECT DISTINCT params, data, step FROM pretrain_current_checkpoints
     ),
     v AS (
       SELECT s.params, s.data, s.step, s.task, s.metric, s.${statistic} AS value
       FROM pretrain_seed_stats s JOIN groups g USING (params, data, step)
       JOIN datadecide_metric_columns USING (task, metric)
     ),
     cells AS (
       SELECT coalesce(f.params, v.params) AS params, coalesce(f.data, v.data) AS data, coalesce(f.step, v.step) AS step,
         coalesce(f.task, v.task) AS task, coalesce(f.metric, v.metric) AS metric, f.value AS a, v.value AS b
       FROM (SELECT f.* FROM f JOIN groups USING (params, data, step)) f
       FULL OUTER JOIN v USING (params, data, step, task, metric)
     )
     SELECT c.params, c.data, c.step, mc.column_name, coalesce(c.a::VARCHAR, 'NaN') AS file_value,
       coalesce(c.b::VARCHAR, 'NaN') AS view_value, count(*) OVER () AS n
     FROM cells c JOIN datadecide_metric_columns mc USING (task, metric)
     WHERE (c.a IS NULL) <> (c.b IS NULL) OR abs(c.a - c.b) > ${tol} * greatest(abs(c.a), abs(c.b))
     ORDER BY c.params, c.data, c.step, mc.ordinal LIMIT 5`,
    ctx.path,
    `comparing with pretrain_seed_stats.${statistic}`,
  );
  const first = rows[0];
  if (!first) return;
  ctx.warn(
    `${first.n} ${statistic} cell(s) disagree with pretrain_seed_stats beyond ${tol} relative: ${examples(
      rows.map(
        (r) =>
          `${r.params}/${r.data}/step ${r.step} ${r.column_name}: file ${r.file_value}, warehouse ${r.view_value}`,
      ),
      Number(first.n),
    )}`,
  );
}
