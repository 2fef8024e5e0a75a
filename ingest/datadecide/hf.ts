/**
 * Raw Hugging Face rows, parsed the way datadec does (upstream-sources §3.2), in DuckDB SQL:
 * - `DataDecide-eval-results`: one row per checkpoint × task, `metrics` a Python-dict string → the 28
 *   metrics (predicted_index_* and logits_per_byte_corr dropped), seed names mapped to 0–4, the
 *   `mmlu_average` pseudo-task (mean over every task containing "mmlu"), tokens/compute re-derived per size
 *   as step × max(tokens)/max(step).
 * - `DataDecide-ppl-results`: `eval/<set>-validation/Perplexity` → task `<set>`, metric `valppl`.
 * The upstream outer merge of the two is what the pretrain_current_* views do across ingests.
 */
import { MlduckError } from '../../src/errors.ts';
import { sqlIdent, sqlString } from '../../src/sql.ts';
import type { IngestContext } from '../../src/warehouse.ts';
import {
  DROPPED_RAW_METRICS,
  METRICS,
  MMLU_AVERAGE_TASK,
  PPL_METRIC,
  PPL_SETS,
  rawPplColumn,
  TASKS,
} from './columns.ts';
import { checkCheckpointIds, checkDuplicates, valueAndSpecial } from './full-eval.ts';
import { INSERT_CHECKPOINTS, INSERT_METRICS } from './inserts.ts';
import { loadScheduleTable } from './schedule-sql.ts';
import { SEED_MAP, seedNameToIndexSql } from './seeds.ts';
import { dropTemp, examples, parquetSource, rowsOf, runOn, type SourceColumn } from './source.ts';

/**
 * SQL turning a Python dict repr (single quotes, None/True/False/nan/inf) into JSON text. Like upstream it
 * swaps every `'` for `"` (keys and values never contain quotes); bare Python literals become JSON ones
 * and non-finite floats become strings the value parser recognizes.
 */

/**
 * Tokens and compute per step of each model size, from checkpoint rows (`rows`: a relation with params,
 * step, tokens, compute): datadec's merge derives the checkpoints' tokens/compute from these ratios.
 */
function perSizeSql(rows: string): string {
  return `SELECT params, max(tokens) / max(step) AS tokens_per_step, max(compute) / max(step) AS compute_per_step
    FROM ${rows} GROUP BY params`;
}
export function pythonDictToJsonSql(expr: string): string {
  const literals: [string, string][] = [
    ['None', 'null'],
    ['True', 'true'],
    ['False', 'false'],
    ['-inf', '"-Infinity"'],
    ['inf', '"Infinity"'],
    ['nan', '"NaN"'],
  ];
  let sql = `replace(${expr}, '''', '"')`;
  for (const [python, json] of literals) {
    sql = `regexp_replace(${sql}, ':\\s*${python.replace('-', '\\-')}\\b', ': ${json}', 'g')`;
  }
  return sql;
}

/** A metric value text (from the JSON) as DOUBLE; booleans as 1/0; NaN/Inf spelled as strings kept. */
function rawValueSql(expr: string): string {
  return `CASE WHEN ${expr} = 'true' THEN 1.0 WHEN ${expr} = 'false' THEN 0.0 ELSE TRY_CAST(${expr} AS DOUBLE) END`;
}

async function checkSeeds(ctx: IngestContext, source: string): Promise<void> {
  const bad = await rowsOf<{ file_row_number: bigint; seed: string }>(
    ctx.conn,
    `SELECT file_row_number, seed::VARCHAR AS seed FROM ${source}
     WHERE ${seedNameToIndexSql('seed::VARCHAR')} IS NULL ORDER BY 1 LIMIT 1`,
    ctx.path,
    'checking the seed names',
  );
  if (bad[0]) {
    throw new MlduckError(`unknown seed name ${JSON.stringify(bad[0].seed)}`, {
      file: ctx.path,
      row: Number(bad[0].file_row_number),
      hint: `expected one of ${Object.keys(SEED_MAP)
        .map((s) => JSON.stringify(s))
        .join(', ')}`,
    });
  }
}

/** HF seeds are names: check ids without the integer-seed test, then the names. */
async function checkHfIds(ctx: IngestContext, source: string): Promise<void> {
  await checkCheckpointIds(ctx, source, false);
  await checkSeeds(ctx, source);
}

export async function ingestHfEvalResults(
  ctx: IngestContext,
  columns: readonly SourceColumn[],
): Promise<void> {
  const present = new Set(columns.map((c) => c.name));
  const source = parquetSource(ctx.absolutePath);
  await checkHfIds(ctx, source);
  const badTask = await rowsOf<{ file_row_number: bigint }>(
    ctx.conn,
    `SELECT file_row_number FROM ${source} WHERE task IS NULL ORDER BY 1 LIMIT 1`,
    ctx.path,
    'checking the task column',
  );
  if (badTask[0]) {
    throw new MlduckError('task missing', { file: ctx.path, row: Number(badTask[0].file_row_number) });
  }

  const parsed = `datadecide_hf_${ctx.ingestId}`;
  const paths = `[${METRICS.map((m) => sqlString(`$.${m}`)).join(', ')}]`;
  try {
    await runOn(
      ctx.conn,
      `CREATE OR REPLACE TEMP TABLE ${parsed} AS
       SELECT file_row_number AS src_row, params::VARCHAR AS params, data::VARCHAR AS data, task::VARCHAR AS task,
         CAST(${seedNameToIndexSql('seed::VARCHAR')} AS INTEGER) AS seed, CAST(step AS BIGINT) AS step,
         ${present.has('tokens') ? 'CAST(tokens AS DOUBLE)' : 'NULL::DOUBLE'} AS tokens,
         ${present.has('compute') ? 'CAST(compute AS DOUBLE)' : 'NULL::DOUBLE'} AS compute,
         parses,
         CASE WHEN parses THEN list_filter(json_keys(j), k -> NOT list_contains(${knownKeyList()}, k)) END AS unknown_keys,
         CASE WHEN parses THEN json_extract_string(j, ${paths}) END AS raw_values
       FROM (
         -- CASE evaluates lazily (AND may not): invalid JSON never reaches json_type/json_extract.
         SELECT *, coalesce(CASE WHEN json_valid(j) THEN json_type(j) = 'OBJECT' END, false) AS parses
         FROM (SELECT *, ${pythonDictToJsonSql('metrics::VARCHAR')} AS j FROM ${source})
       )`,
      ctx.path,
      'parsing the metrics strings',
    );
    const unparsed = await rowsOf<{ src_row: bigint; metrics_text: string | null }>(
      ctx.conn,
      `SELECT s.file_row_number AS src_row, s.metrics::VARCHAR AS metrics_text
       FROM ${source} s
       WHERE s.file_row_number = (SELECT min(src_row) FROM ${parsed} WHERE NOT parses)`,
      ctx.path,
      'checking the metrics strings',
    );
    if (unparsed[0]) {
      const text = unparsed[0].metrics_text;
      throw new MlduckError(
        `metrics string does not parse as a Python dict: ${text === null ? 'NULL' : JSON.stringify(text.slice(0, 80))}`,
        {
          file: ctx.path,
          row: Number(unparsed[0].src_row),
          hint: "expected a dict repr like {'acc_raw': 0.25, 'primary_metric': 0.25, …}",
        },
      );
    }
    await warnAboutUnknowns(ctx, parsed);

    const dups = await rowsOf<{ n: bigint; example: string }>(
      ctx.conn,
      `SELECT count(*) AS n, min(example) AS example FROM (
         SELECT concat_ws(' / ', params, data, seed::VARCHAR, step::VARCHAR, task) || ' at rows ' ||
           array_to_string(list(src_row ORDER BY src_row)[1:3], ', ') AS example
         FROM ${parsed} GROUP BY params, data, seed, step, task HAVING count(*) > 1)`,
      ctx.path,
      'checking for duplicate rows',
    );
    const hasDuplicates = dups[0] !== undefined && Number(dups[0].n) > 0;
    if (dups[0] && hasDuplicates) {
      ctx.warn(
        `${dups[0].n} (checkpoint, task) pair(s) appear in several rows; per metric the first non-missing value is kept, like pandas pivot_table(aggfunc="first"): e.g. ${dups[0].example}`,
      );
    }

    // Checkpoints: tokens and compute re-derived per size from the raw rows, as datadec's merge does.
    const schedule = await loadScheduleTable(ctx, `SELECT DISTINCT params, step FROM ${parsed}`);
    try {
      await runOn(
        ctx.conn,
        `${INSERT_CHECKPOINTS}
         WITH per_size AS (${perSizeSql(parsed)}),
         ck AS (SELECT params, data, seed, step, min(src_row) AS src_row FROM ${parsed} GROUP BY params, data, seed, step)
         SELECT ${ctx.ingestId}, 'hf_eval_results', ck.src_row, ck.params, ck.data, ck.seed, ck.step,
           ck.step * ps.tokens_per_step, ck.step * ps.compute_per_step,
           sc.total_steps, sc.warmup_steps, sc.lr_max, sc.batch_size, sc.lr_at_step, sc.cumulative_lr,
           CASE WHEN sc.params IS NOT NULL THEN 'computed' END
         FROM ck JOIN per_size ps USING (params)
         LEFT JOIN ${schedule.table} sc ON sc.params = ck.params AND sc.step = ck.step`,
        ctx.path,
        'loading pretrain_checkpoints',
      );
    } finally {
      await schedule.drop();
    }

    // Long metrics: first non-missing value per cell, then the MMLU average over every "mmlu" task.
    const metricList = `[${METRICS.map(sqlString).join(', ')}]`;
    const { value, special } = valueAndSpecial('x');
    await runOn(
      ctx.conn,
      `${INSERT_METRICS}
       WITH long AS (
         SELECT src_row, params, data, seed, step, task, unnest(${metricList}) AS metric, unnest(raw_values) AS raw
         FROM ${parsed}
       ),
       values AS (
         SELECT * FROM (SELECT *, ${rawValueSql('raw')} AS x FROM long WHERE raw IS NOT NULL)
         WHERE x IS NOT NULL AND task IN (${knownTaskList()})
       ),
       -- The (expensive) first-value de-duplication only when the file has duplicate rows.
       cells AS MATERIALIZED (
         ${
           hasDuplicates
             ? 'SELECT params, data, seed, step, task, metric, arg_min(x, src_row) AS x FROM values GROUP BY params, data, seed, step, task, metric'
             : 'SELECT params, data, seed, step, task, metric, x FROM values'
         }
       ),
       mmlu AS (
         SELECT params, data, seed, step, ${sqlString(MMLU_AVERAGE_TASK)} AS task, metric,
           coalesce(avg(x) FILTER (WHERE NOT isnan(x)), 'NaN'::DOUBLE) AS x
         FROM cells WHERE lower(task) LIKE '%mmlu%'
         GROUP BY params, data, seed, step, metric
       )
       SELECT ${ctx.ingestId}, params, data, seed, step, task, metric, ${value}, ${special}
       FROM (SELECT * FROM cells UNION ALL SELECT * FROM mmlu)`,
      ctx.path,
      'loading pretrain_metrics',
    );
  } finally {
    await dropTemp(ctx.conn, parsed);
  }
}

/** The 66 tasks of the raw rows (mmlu_average is computed, never read), as an SQL list. */
function knownTaskList(): string {
  return TASKS.filter((t) => t !== MMLU_AVERAGE_TASK)
    .map(sqlString)
    .join(', ');
}

/** The 28 metrics and the 6 keys upstream drops, as an SQL list literal. */
function knownKeyList(): string {
  return `[${[...METRICS, ...DROPPED_RAW_METRICS].map(sqlString).join(', ')}]`;
}

async function warnAboutUnknowns(ctx: IngestContext, parsed: string): Promise<void> {
  const keys = await rowsOf<{ key: string }>(
    ctx.conn,
    `SELECT DISTINCT unnest(unknown_keys) AS key FROM ${parsed} ORDER BY 1`,
    ctx.path,
    'checking the metric keys',
  );
  if (keys.length > 0) {
    ctx.warn(
      `${keys.length} metrics key(s) not among the 28 DataDecide metrics, ignored: ${examples(
        keys.map((k) => k.key),
        keys.length,
        10,
      )}`,
    );
  }
  const knownTasks = knownTaskList();
  const tasks = await rowsOf<{ task: string }>(
    ctx.conn,
    `SELECT DISTINCT task FROM ${parsed} WHERE task NOT IN (${knownTasks}) ORDER BY 1`,
    ctx.path,
    'checking the tasks',
  );
  if (tasks.length > 0) {
    ctx.warn(
      `${tasks.length} task(s) not among the 66 DataDecide tasks, ignored: ${examples(
        tasks.map((t) => t.task),
        tasks.length,
        10,
      )}`,
    );
  }
}

const PPL_INDEX_COLUMN = '__index_level_0__';

export async function ingestHfPplResults(
  ctx: IngestContext,
  columns: readonly SourceColumn[],
): Promise<void> {
  const knownPpl = new Map<string, string>(PPL_SETS.map((set) => [rawPplColumn(set), set]));
  const ids = new Set(['params', 'data', 'seed', 'step', PPL_INDEX_COLUMN]);
  const unknown = columns.map((c) => c.name).filter((name) => !ids.has(name) && !knownPpl.has(name));
  if (unknown.length > 0) {
    throw new MlduckError(
      `${unknown.length} column(s) of a DataDecide-ppl-results file are no known perplexity set: ${examples(unknown, unknown.length, 8)}`,
      {
        file: ctx.path,
        hint: `expected eval/<set>-validation/Perplexity for ${PPL_SETS.join(', ')}`,
      },
    );
  }
  const source = parquetSource(ctx.absolutePath);
  await checkHfIds(ctx, source);
  await checkDuplicates(ctx, source, ['params', 'data', 'seed', 'step'], 'checkpoint');
  const pplColumns = columns.map((c) => c.name).filter((name) => knownPpl.has(name));

  const keySelect = `params::VARCHAR AS params, data::VARCHAR AS data, CAST(${seedNameToIndexSql('seed::VARCHAR')} AS INTEGER) AS seed, CAST(step AS BIGINT) AS step`;
  const schedule = await loadScheduleTable(
    ctx,
    `SELECT DISTINCT params::VARCHAR AS params, CAST(step AS BIGINT) AS step FROM ${source}`,
  );
  try {
    // Perplexity rows carry no tokens/compute: derive them from the downstream checkpoints already in the
    // warehouse (the per-size ratio of datadec's merge); NULL, with a warning, when there are none.
    await runOn(
      ctx.conn,
      `${INSERT_CHECKPOINTS}
       WITH per_size AS (${perSizeSql('pretrain_checkpoints WHERE tokens IS NOT NULL AND step > 0')}),
       ck AS (SELECT file_row_number, ${keySelect} FROM ${source})
       SELECT ${ctx.ingestId}, 'hf_ppl_results', ck.file_row_number, ck.params, ck.data, ck.seed, ck.step,
         ck.step * ps.tokens_per_step, ck.step * ps.compute_per_step,
         sc.total_steps, sc.warmup_steps, sc.lr_max, sc.batch_size, sc.lr_at_step, sc.cumulative_lr,
         CASE WHEN sc.params IS NOT NULL THEN 'computed' END
       FROM ck LEFT JOIN per_size ps USING (params)
       LEFT JOIN ${schedule.table} sc ON sc.params = ck.params AND sc.step = ck.step`,
      ctx.path,
      'loading pretrain_checkpoints',
    );
  } finally {
    await schedule.drop();
  }
  const noTokens = await rowsOf<{ params: string }>(
    ctx.conn,
    `SELECT DISTINCT params FROM pretrain_checkpoints WHERE ingest_id = ${ctx.ingestId} AND tokens IS NULL ORDER BY 1`,
    ctx.path,
    'checking tokens',
  );
  if (noTokens.length > 0) {
    ctx.warn(
      `no downstream checkpoints of ${noTokens.map((r) => r.params).join(', ')} in the warehouse: tokens and compute left NULL (ingest DataDecide-eval-results first)`,
    );
  }
  if (pplColumns.length === 0) return;
  const casts = pplColumns.map((c) => `CAST(${sqlIdent(c)} AS DOUBLE) AS ${sqlIdent(c)}`).join(', ');
  const { value, special } = valueAndSpecial('u.v');
  const setOf = `CASE u.column_name ${pplColumns.map((c) => `WHEN ${sqlString(c)} THEN ${sqlString(knownPpl.get(c)!)}`).join(' ')} END`;
  await runOn(
    ctx.conn,
    `${INSERT_METRICS}
     SELECT ${ctx.ingestId}, u.params, u.data, u.seed, u.step, ${setOf}, ${sqlString(PPL_METRIC)}, ${value}, ${special}
     FROM (UNPIVOT (SELECT ${keySelect}, ${casts} FROM ${source}) ON ${pplColumns.map(sqlIdent).join(', ')}
           INTO NAME column_name VALUE v) u`,
    ctx.path,
    'unpivoting the perplexity columns',
  );
}
