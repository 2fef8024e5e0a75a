/**
 * Runs: every export generation is first turned into a relation of one JSON object per run (`ord`, `j`),
 * then one SQL path normalises, de-duplicates, replaces earlier rows of the same runs and fills
 * wandb_runs, wandb_run_config, wandb_run_summary, wandb_run_evals and wandb_run_names.
 */

import type { DuckDBConnection } from '@duckdb/node-api';
import { cellsOf, insertInto, TABLE_COLUMNS } from '../../src/db/tables.ts';
import { MlduckError } from '../../src/errors.ts';
import { MAX_JSON_DEPTH } from '../../src/json-depth.ts';
import { TableWriter } from '../../src/load.ts';
import { replaceOlderRowsByKey } from '../../src/replacements.ts';
import { sqlString } from '../../src/sql.ts';
import {
  finiteSql,
  rawDoubleSql,
  specialSql,
  timestampSql,
  unwrapJsonStringSql,
  varcharSql,
} from './json-values.ts';
import { parseRunName } from './run-names.ts';

/** How the run objects of a source are shaped. */
export type RunShape = 'flat' | 'snapshot';

/** The six JSON components of a dr_wandb run record. */
export const RUN_COMPONENTS = [
  'config',
  'summary',
  'wandb_metadata',
  'system_metrics',
  'system_attrs',
  'sweep_info',
] as const;

/** Keys of a dr_wandb v0 / notebook run record (flat shape). */
const FLAT_KEYS = ['run_id', 'run_name', 'state', 'project', 'entity', 'created_at', ...RUN_COMPONENTS];
/** Keys of a dr_wandb v3 `WandbRun` (inside a snapshot's `run`). */
const V3_KEYS = [
  'run_id',
  'name',
  'display_name',
  'entity',
  'project',
  'state',
  'created_at',
  'updated_at',
  'heartbeat_at',
  'storage_id',
  'url',
  'path',
  'tags',
  'group',
  'job_type',
  'sweep_name',
  'user',
  'read_only',
  'config',
  'summary_metrics',
  'system_metrics',
  'history_keys',
  'metadata',
];
/** Known v3 keys without a column of their own: kept in `extra` without a warning. */
const V3_KEYS_IN_EXTRA = ['updated_at', 'storage_id', 'path', 'user', 'read_only', 'history_keys'];
/** Columns a Parquet export may carry besides the record (pandas index). */
const IGNORED_KEYS = ['__index_level_0__'];

export interface StagedRuns {
  runs: number;
  duplicates: number;
  unknownKeys: string[];
}

const STAGE = '_wandb_stage_runs';

/**
 * Stages runs from `source`: a SQL relation with columns `ord` (BIGINT, file order) and `j` (JSON object).
 * `absentComponents` are the flat components the file does not carry at all (per-component files):
 * they are taken from the run's existing row so a component file does not wipe the others.
 */
export async function stageRuns(
  conn: DuckDBConnection,
  source: string,
  shape: RunShape,
  absentComponents: readonly string[] = [],
): Promise<StagedRuns> {
  const r = shape === 'snapshot' ? "j->'run'" : 'j';
  const f = (key: string) => `${r}->${sqlString(key)}`;
  const s = (key: string) => `${r}->>${sqlString(key)}`;
  const known = shape === 'snapshot' ? V3_KEYS : FLAT_KEYS;
  const knownList = [...known, ...IGNORED_KEYS].map(sqlString).join(', ');
  const extraKeys = shape === 'snapshot' ? [...V3_KEYS_IN_EXTRA] : [];
  const unknownCond = `key NOT IN (${knownList})`;
  const extraCond =
    extraKeys.length > 0
      ? `(${unknownCond} OR key IN (${extraKeys.map(sqlString).join(', ')}))`
      : unknownCond;
  const comp = (key: string) => unwrapJsonStringSql(f(key));
  const select =
    shape === 'snapshot'
      ? `${s('run_id')} AS run_id, ${s('name')} AS run_name, ${s('display_name')} AS display_name,
         ${s('state')} AS state, ${s('project')} AS project, ${s('entity')} AS entity,
         ${timestampSql(f('created_at'))} AS created_at, ${timestampSql(f('heartbeat_at'))} AS heartbeat_at,
         ${comp('tags')} AS tags, ${s('group')} AS group_name, ${s('job_type')} AS job_type,
         ${s('sweep_name')} AS sweep_name, ${s('url')} AS url,
         ${comp('config')} AS config, ${comp('summary_metrics')} AS summary, ${comp('metadata')} AS metadata,
         ${comp('system_metrics')} AS system_metrics, NULL::JSON AS system_attrs, NULL::JSON AS sweep_info,
         ${timestampSql("j->'exported_at'")} AS exported_at`
      : `${s('run_id')} AS run_id, ${s('run_name')} AS run_name, NULL::VARCHAR AS display_name,
         ${s('state')} AS state, ${s('project')} AS project, ${s('entity')} AS entity,
         ${timestampSql(f('created_at'))} AS created_at,
         ${timestampSql(`${comp('system_attrs')}->'heartbeatAt'`)} AS heartbeat_at,
         ${comp('system_attrs')}->'tags' AS tags, ${comp('system_attrs')}->>'group' AS group_name,
         ${comp('system_attrs')}->>'jobType' AS job_type,
         COALESCE(${comp('system_attrs')}->>'sweepName', ${comp('sweep_info')}->>'sweep_id') AS sweep_name,
         ${comp('sweep_info')}->>'sweep_url' AS url,
         ${comp('config')} AS config, ${comp('summary')} AS summary, ${comp('wandb_metadata')} AS metadata,
         ${comp('system_metrics')} AS system_metrics, ${comp('system_attrs')} AS system_attrs,
         ${comp('sweep_info')} AS sweep_info, NULL::TIMESTAMPTZ AS exported_at`;

  await conn.run(`CREATE OR REPLACE TEMP TABLE _wandb_src_runs AS SELECT ord, j FROM (${source})`);
  const unknown = await conn.runAndReadAll(
    `SELECT DISTINCT key FROM _wandb_src_runs, json_each(${r}) WHERE ${unknownCond} AND NOT (${extraKeys.length > 0 ? `key IN (${extraKeys.map(sqlString).join(', ')})` : 'false'}) ORDER BY key`,
  );
  const unknownKeys = unknown.getRows().map((row) => String(row[0]));
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${STAGE} AS
    SELECT *, count(*) OVER (PARTITION BY run_id) AS copies FROM (
      SELECT ord, ${select},
        (SELECT json_group_object(key, value) FROM json_each(${r}) WHERE ${extraCond}) AS extra
      FROM _wandb_src_runs WHERE ${s('run_id')} IS NOT NULL)
    QUALIFY row_number() OVER (PARTITION BY run_id ORDER BY exported_at DESC NULLS LAST, ord DESC) = 1`);
  if (absentComponents.length > 0) {
    const columnOf: Record<string, string> = { wandb_metadata: 'metadata' };
    const sets = absentComponents
      .map((c) => columnOf[c] ?? c)
      .map((c) => `${c} = (SELECT w.${c} FROM wandb_runs w WHERE w.run_id = ${STAGE}.run_id)`);
    await conn.run(`UPDATE ${STAGE} SET ${sets.join(', ')}`);
  }
  const counts = await conn.runAndReadAll(
    `SELECT count(*)::INTEGER, COALESCE(sum(copies - 1), 0)::INTEGER FROM ${STAGE}`,
  );
  const [runs, duplicates] = counts.getRows()[0] as [number, number];
  return { runs, duplicates, unknownKeys };
}

/**
 * Leaves only: JSON null and empty objects are not rows. A null key and a missing key mean the same in W&B,
 * and DuckDB's Parquet of JSONL exports (STRUCT union over all runs) adds null keys a run never had; the raw
 * JSON in wandb_runs keeps them.
 */
function flattenSql(
  table: 'wandb_run_config' | 'wandb_run_summary',
  ingestId: number,
  component: 'config' | 'summary',
): string {
  const d = rawDoubleSql('v');
  return `${insertInto(table, [
    'ingest_id',
    'run_id',
    'key',
    'key_path',
    'value',
    'value_type',
    'value_double',
    'value_varchar',
    'value_bool',
    'special',
  ])}
    WITH RECURSIVE t(run_id, path, v) AS (
      SELECT s.run_id, [e.key], e.value FROM ${STAGE} s, json_each(s.${component}) e
        WHERE json_type(s.${component}) = 'OBJECT'
      UNION ALL
      SELECT t.run_id, list_append(t.path, e.key), e.value FROM t, json_each(t.v) e
        WHERE json_type(t.v) = 'OBJECT' AND len(t.path) < ${MAX_JSON_DEPTH}
    )
    SELECT ${ingestId}, run_id, array_to_string(path, '.'), path, v, json_type(v),
      ${finiteSql(d)}, ${varcharSql('v')}, CASE WHEN json_type(v) = 'BOOLEAN' THEN v::BOOLEAN END, ${specialSql(d)}
    FROM t WHERE json_type(v) NOT IN ('OBJECT', 'NULL')
      OR (json_type(v) = 'OBJECT' AND len(path) = ${MAX_JSON_DEPTH})`;
}

/**
 * The flattening descends MAX_JSON_DEPTH levels at most (each level re-reads the rest of the document, so a
 * config nested 50,000 deep took minutes): an object still there is written as an OBJECT row by flattenSql,
 * found here, and refused; the ingest's transaction then rolls back.
 */
async function refuseTooDeep(
  conn: DuckDBConnection,
  table: string,
  ingestId: number,
  component: 'config' | 'summary',
  source: string | undefined,
): Promise<void> {
  const r = await conn.runAndReadAll(
    `SELECT run_id FROM ${table} WHERE ingest_id = ${ingestId} AND value_type = 'OBJECT' LIMIT 1`,
  );
  const runId = r.getRows()[0]?.[0];
  if (runId === undefined) return;
  throw new MlduckError(
    `the ${component} of run ${JSON.stringify(String(runId))} nests deeper than ${MAX_JSON_DEPTH} levels`,
    {
      ...(source === undefined ? {} : { file: source }),
      hint: `mlduck flattens ${component} keys at most ${MAX_JSON_DEPTH} levels deep; no W&B run logs such a ${component}`,
    },
  );
}

const INSERT_RUNS = insertInto('wandb_runs', [
  'ingest_id',
  'run_id',
  'run_name',
  'display_name',
  'state',
  'project',
  'entity',
  'created_at',
  'heartbeat_at',
  'runtime_s',
  'tags',
  'group_name',
  'job_type',
  'sweep_name',
  'url',
  'config',
  'summary',
  'metadata',
  'system_metrics',
  'system_attrs',
  'sweep_info',
  'extra',
  'export_format',
  'exported_at',
]);

/** Writes the staged runs into the run tables; every earlier row of the same run ids is replaced. */
export async function writeStagedRuns(
  conn: DuckDBConnection,
  ingestId: number,
  exportFormat: string,
  /** The input file, named in errors. */
  source?: string,
): Promise<void> {
  const runtime = `COALESCE(TRY_CAST(summary->>'_runtime' AS DOUBLE), TRY_CAST(summary->'_wandb'->>'runtime' AS DOUBLE))`;
  await conn.run(`${INSERT_RUNS}
    SELECT ${ingestId}, run_id, run_name, display_name, state, project, entity,
      created_at, heartbeat_at, CASE WHEN isfinite(${runtime}) THEN ${runtime} END,
      CASE WHEN json_type(tags) = 'ARRAY' THEN json_transform(tags, '["VARCHAR"]') END,
      group_name, job_type, sweep_name, url, config, summary, metadata, system_metrics, system_attrs, sweep_info,
      CASE WHEN extra IS NULL OR extra::VARCHAR = '{}' THEN NULL ELSE extra END,
      ${sqlString(exportFormat)}, exported_at
    FROM ${STAGE} ORDER BY ord`);
  await conn.run(flattenSql('wandb_run_config', ingestId, 'config'));
  await refuseTooDeep(conn, 'wandb_run_config', ingestId, 'config', source);
  await conn.run(flattenSql('wandb_run_summary', ingestId, 'summary'));
  await refuseTooDeep(conn, 'wandb_run_summary', ingestId, 'summary', source);
  await conn.run(evalsSql(ingestId));
  await writeRunNames(conn, ingestId, `SELECT run_id FROM ${STAGE}`);
  // The older rows of these runs go once this ingest has committed (kill-safe, src/replacements.ts); the
  // five tables are written together, so without other wandb_runs rows there is nothing to replace.
  const others = await conn.runAndReadAll(
    `SELECT EXISTS (SELECT 1 FROM wandb_runs WHERE ingest_id <> ${ingestId})`,
  );
  if (others.getRows()[0]?.[0] !== true) return;
  await replaceOlderRowsByKey(conn, ingestId, {
    tables: ['wandb_runs', 'wandb_run_config', 'wandb_run_summary', 'wandb_run_evals', 'wandb_run_names'],
    key: ['run_id'],
    keysFrom: ['wandb_runs'],
  });
}

/**
 * Evals from the summary rows just written: flat keys `oe_eval_metrics/<task>/<metric>` win over the nested
 * `oe_eval_metrics/<task>` → {metric} form; `extra_metrics` entries are lifted; `task_config` is not a metric.
 */
function evalsSql(ingestId: number): string {
  const d = rawDoubleSql('value');
  return `${insertInto('wandb_run_evals', [
    'ingest_id',
    'run_id',
    'task',
    'metric',
    'value',
    'special',
    'raw_value',
    'task_config',
  ])}
    WITH candidates AS (
      SELECT run_id, regexp_extract(key_path[1], '^oe_eval_metrics/(.+)/([^/]+)$', 1) AS task,
             regexp_extract(key_path[1], '^oe_eval_metrics/(.+)/([^/]+)$', 2) AS metric, value, 0 AS priority
        FROM wandb_run_summary WHERE ingest_id = ${ingestId} AND len(key_path) = 1
          AND regexp_matches(key_path[1], '^oe_eval_metrics/(.+)/([^/]+)$')
      UNION ALL
      SELECT run_id, substr(key_path[1], 17), key_path[2], value, 1
        FROM wandb_run_summary WHERE ingest_id = ${ingestId} AND len(key_path) = 2
          AND regexp_matches(key_path[1], '^oe_eval_metrics/[^/]+$') AND key_path[2] NOT IN ('task_config', 'extra_metrics')
      UNION ALL
      SELECT run_id, substr(key_path[1], 17), key_path[3], value, 2
        FROM wandb_run_summary WHERE ingest_id = ${ingestId} AND len(key_path) = 3
          AND regexp_matches(key_path[1], '^oe_eval_metrics/[^/]+$') AND key_path[2] = 'extra_metrics'
    ), chosen AS (
      SELECT * FROM candidates QUALIFY row_number() OVER (PARTITION BY run_id, task, metric ORDER BY priority) = 1
    )
    SELECT ${ingestId}, c.run_id, c.task, c.metric, ${finiteSql(d)}, ${specialSql(d)}, c.value,
      json_extract(s.summary, '$."oe_eval_metrics/' || replace(c.task, '"', '\\"') || '".task_config')
    FROM chosen c JOIN ${STAGE} s USING (run_id)
    ORDER BY c.run_id, c.task, c.metric`;
}

/** Parses the run ids of `runIdsSql` (a query returning run_id) into wandb_run_names. */
export async function writeRunNames(
  conn: DuckDBConnection,
  ingestId: number,
  runIdsSql: string,
): Promise<void> {
  const ids = (await conn.runAndReadAll(runIdsSql)).getRows().map((row) => String(row[0]));
  const writer = await TableWriter.open(conn, 'wandb_run_names', { columns: TABLE_COLUMNS.wandb_run_names });
  for (const id of ids) {
    const p = parseRunName(id);
    writer.append(
      cellsOf('wandb_run_names', {
        ingest_id: ingestId,
        run_id: id,
        run_type: p.runType,
        pattern_name: p.patternName,
        name_timestamp: p.nameTimestamp ? new Date(`${p.nameTimestamp.replace(' ', 'T')}Z`) : null,
        exp_name: p.expName,
        initial_checkpoint_recipe: p.initialCheckpointRecipe,
        initial_checkpoint_recipe_raw: p.initialCheckpointRecipeRaw,
        initial_checkpoint_size: p.initialCheckpointSize,
        initial_checkpoint_steps: p.initialCheckpointSteps,
        seed: p.seed,
        lr: p.lr,
        lr1: p.lr1,
        lr2: p.lr2,
        num_finetune_tokens_raw: p.numFinetuneTokensRaw,
        num_finetune_tokens_per_epoch: p.numFinetuneTokensPerEpoch,
        num_finetune_epochs: p.numFinetuneEpochs,
        num_finetune_tokens: p.numFinetuneTokens,
        comparison_model_size: p.comparisonModelSize,
        comparison_model_recipe: p.comparisonModelRecipe,
        comparison_metric: p.comparisonMetric,
        reduce_loss: p.reduceLoss,
        fields: JSON.stringify(p.fields),
      }),
    );
  }
  writer.close();
}
