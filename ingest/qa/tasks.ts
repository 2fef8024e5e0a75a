/**
 * `<task>-metrics.json` → one qa_tasks row. The file is small: parsed in JS, checked, staged in a temp
 * table and inserted once at the end of the ingest.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { insertInto } from '../../src/db/tables.ts';
import { MlduckError } from '../../src/errors.ts';
import { MAX_JSON_DEPTH, tooDeepInText } from '../../src/json-depth.ts';
import { TableWriter } from '../../src/load.ts';
import type { TaskKey } from './layout.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

/** `2024-12-19 12:16:07 UTC` (OLMES current_date) → ISO 8601, or null. */
export function parseOlmesDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(UTC|Z|[+-]\d{2}:?\d{2})?$/.exec(
    value.trim(),
  );
  if (!m) return null;
  const zone = !m[3] || m[3] === 'UTC' ? 'Z' : m[3];
  const iso = `${m[1]}T${m[2]}${zone}`;
  return Number.isNaN(Date.parse(iso)) ? null : iso;
}

/** The qa_tasks values of one metrics.json (after the key columns), in table order. */
export interface TaskRow {
  taskName: string | null;
  taskAlias: string | null;
  taskHash: string | null;
  modelHash: string | null;
  primaryMetric: string | null;
  primaryScore: number | null;
  numInstances: number | null;
  taskIdx: number | null;
  processingTime: number | null;
  evaluatedAt: string | null;
  metrics: string | null;
  modelConfig: string | null;
  taskConfig: string | null;
  computeConfig: string | null;
}

/** Parses one metrics.json text; `source` names it in errors. Pure. */
export function parseMetricsJson(text: string, source: string, warn: (message: string) => void): TaskRow {
  const tooDeep = tooDeepInText(text);
  if (tooDeep) {
    throw new MlduckError(`metrics.json nests JSON deeper than ${MAX_JSON_DEPTH} levels`, {
      file: source,
      line: tooDeep.line,
    });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new MlduckError(`metrics.json is not valid JSON (${(error as Error).message})`, {
      file: source,
      hint: 'expected the OLMES <task>-metrics.json object {task_name, task_hash, model_hash, task_config, metrics, num_instances, …}',
    });
  }
  if (!isObject(doc)) {
    throw new MlduckError('metrics.json is not a JSON object', { file: source });
  }
  const metrics = doc['metrics'];
  if (metrics !== undefined && !isObject(metrics)) {
    throw new MlduckError('metrics.json: "metrics" is not an object', { file: source });
  }
  const taskConfig = isObject(doc['task_config']) ? doc['task_config'] : null;
  const metadata = taskConfig && isObject(taskConfig['metadata']) ? taskConfig['metadata'] : null;
  const numInstances = doc['num_instances'];
  if (numInstances !== undefined && !(typeof numInstances === 'number' && Number.isInteger(numInstances))) {
    throw new MlduckError(
      `metrics.json: num_instances is ${JSON.stringify(numInstances)}, expected an integer`,
      {
        file: source,
      },
    );
  }
  const evaluatedAt = parseOlmesDate(doc['current_date']);
  if (doc['current_date'] !== undefined && evaluatedAt === null) {
    warn(
      `${source}: current_date ${JSON.stringify(doc['current_date'])} is not a date; evaluated_at left NULL`,
    );
  }
  const primaryScore = metrics ? metrics['primary_score'] : undefined;
  if (primaryScore !== undefined && num(primaryScore) === null) {
    warn(
      `${source}: metrics.primary_score ${JSON.stringify(primaryScore)} is not a finite number; stored as NULL`,
    );
  }
  return {
    taskName: str(doc['task_name']),
    taskAlias: str(metadata?.['alias']),
    taskHash: str(doc['task_hash']),
    modelHash: str(doc['model_hash']),
    primaryMetric: str(taskConfig?.['primary_metric']),
    primaryScore: num(primaryScore),
    numInstances: typeof numInstances === 'number' ? numInstances : null,
    taskIdx: num(doc['task_idx']),
    processingTime: num(doc['processing_time']),
    evaluatedAt,
    metrics: json(metrics),
    modelConfig: json(doc['model_config']),
    taskConfig: json(doc['task_config']),
    computeConfig: json(doc['compute_config']),
  };
}

const INSERT_TASKS = insertInto('qa_tasks', [
  'ingest_id',
  'recipe',
  'data',
  'params',
  'seed',
  'seed_dir',
  'seed_name',
  'step',
  'task',
  'task_name',
  'task_alias',
  'task_hash',
  'model_hash',
  'primary_metric',
  'primary_score',
  'num_instances',
  'task_idx',
  'processing_time',
  'evaluated_at',
  'metrics',
  'model_config',
  'task_config',
  'compute_config',
  'source',
]);

/** Stages task rows of one ingest; `insert()` writes them to qa_tasks. */
export class TaskStager {
  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly writer: TableWriter,
  ) {}

  static async create(conn: DuckDBConnection): Promise<TaskStager> {
    await conn.run(`CREATE OR REPLACE TEMP TABLE _qa_task_rows (recipe VARCHAR, data VARCHAR, params VARCHAR,
      seed INTEGER, seed_dir INTEGER, seed_name VARCHAR, step BIGINT, task VARCHAR, task_name VARCHAR,
      task_alias VARCHAR, task_hash VARCHAR, model_hash VARCHAR, primary_metric VARCHAR, primary_score DOUBLE,
      num_instances BIGINT, task_idx INTEGER, processing_time DOUBLE, evaluated_at VARCHAR, metrics VARCHAR,
      model_config VARCHAR, task_config VARCHAR, compute_config VARCHAR, source VARCHAR)`);
    return new TaskStager(conn, await TableWriter.open(conn, '_qa_task_rows'));
  }

  add(key: TaskKey, row: TaskRow, source: string): void {
    const values = [
      key.recipe,
      key.data,
      key.params,
      key.seed,
      key.seedDir,
      key.seedName,
      BigInt(key.step),
      key.task,
      row.taskName,
      row.taskAlias,
      row.taskHash,
      row.modelHash,
      row.primaryMetric,
      row.primaryScore,
      row.numInstances === null ? null : BigInt(row.numInstances),
      row.taskIdx === null ? null : Math.trunc(row.taskIdx),
      row.processingTime,
      row.evaluatedAt,
      row.metrics,
      row.modelConfig,
      row.taskConfig,
      row.computeConfig,
      source,
    ];
    this.writer.append(values);
  }

  async insert(ingestId: number): Promise<void> {
    this.writer.close();
    await this.conn.run(`${INSERT_TASKS}
      SELECT ${ingestId}, recipe, data, params, seed, seed_dir, seed_name,
      step, task, task_name, task_alias, task_hash, model_hash, primary_metric, primary_score, num_instances,
      task_idx, processing_time, evaluated_at::TIMESTAMPTZ, metrics::JSON, model_config::JSON, task_config::JSON,
      compute_config::JSON, source FROM _qa_task_rows`);
  }
}
