/**
 * `mlduck ingest wandb <paths…>`: each file is detected by its content (Parquet columns or the first JSON
 * value) as one of the W&B export generations and ingested in its own transaction (Warehouse.ingest).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { MlduckError } from '../../src/errors.ts';
import { type IngestRunOptions, ingestWith, type Source } from '../../src/source.ts';
import { sqlIdent, sqlString } from '../../src/sql.ts';
import type { IngestContext, IngestReport, Warehouse } from '../../src/warehouse.ts';
import {
  jsonToMapSql,
  loadJsonHistory,
  loadNumericMapHistory,
  loadWideHistory,
  METRIC_MAP,
  orphanRuns,
  type ParquetColumn,
  withRelaxedInsertionOrder,
} from './history.ts';
import { inputError } from './input-error.ts';
import { RUN_COMPONENTS, type RunShape, stageRuns, writeStagedRuns } from './runs.ts';

export const INGEST_KIND = 'wandb';

/** The export generations and shapes a file can be. */
export type WandbFormat =
  | 'v0_runs_parquet' // dr_wandb v0 runs_metadata(.parquet|_<component>.parquet): JSON-string components
  | 'runs_parquet' // runs with nested (STRUCT/MAP/JSON) components: DuckDB Parquet of notebook JSONL
  | 'v3_runs_parquet' // DuckDB Parquet of v3 runs.jsonl snapshots
  | 'v0_history_parquet' // wide runs_history.parquet
  | 'history_rows_parquet' // DuckDB Parquet of v3 history.jsonl (metrics STRUCT/JSON column)
  | 'notebook_history_parquet' // DuckDB Parquet of notebook history JSONL (single `json` list column)
  | 'notebook_runs_jsonl'
  | 'notebook_history_jsonl' // one JSON array per line = one run's history
  | 'v3_runs_jsonl'
  | 'v3_history_jsonl';

export interface Detection {
  format: WandbFormat;
  kind: 'runs' | 'history';
  parquetColumns?: ParquetColumn[];
}

const EXPORT_EXTENSIONS = /\.(parquet|jsonl|ndjson|json)$/i;

function firstBytes(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const read = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

async function describeParquet(
  conn: DuckDBConnection,
  file: string,
  shown: string,
): Promise<ParquetColumn[]> {
  try {
    const r = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`);
    return r.getRows().map((row) => ({ name: String(row[0]), type: String(row[1]) }));
  } catch (err) {
    throw inputError(err, shown, 'not a readable Parquet file');
  }
}

/** Detects the export generation of `file` by content; null when it is not a W&B export. */
export async function detectFormat(
  conn: DuckDBConnection,
  file: string,
  shown: string,
): Promise<Detection | null> {
  const head = firstBytes(file, 4096);
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') {
    const cols = await describeParquet(conn, file, shown);
    const has = (name: string) => cols.some((c) => c.name === name);
    const typeOf = (name: string) => cols.find((c) => c.name === name)?.type ?? '';
    if (has('run') && typeOf('run').startsWith('STRUCT'))
      return { format: 'v3_runs_parquet', kind: 'runs', parquetColumns: cols };
    if (has('json') && typeOf('json').endsWith('[]'))
      return { format: 'notebook_history_parquet', kind: 'history', parquetColumns: cols };
    if (!has('run_id')) return null;
    if (has('metrics')) return { format: 'history_rows_parquet', kind: 'history', parquetColumns: cols };
    const components = RUN_COMPONENTS.filter(has);
    if (components.length > 0 || has('state') || has('run_name')) {
      const nested = components.some((c) => typeOf(c) !== 'VARCHAR');
      return { format: nested ? 'runs_parquet' : 'v0_runs_parquet', kind: 'runs', parquetColumns: cols };
    }
    if (has('step')) return { format: 'v0_history_parquet', kind: 'history', parquetColumns: cols };
    return null;
  }
  const text = head.toString('utf8').trimStart();
  if (text.startsWith('[')) return { format: 'notebook_history_jsonl', kind: 'history' };
  if (!text.startsWith('{')) return null;
  let keys: string[];
  try {
    const r = await conn.runAndReadAll(
      `SELECT json_keys(json) FROM read_json_objects(${sqlString(file)}, format = 'auto') LIMIT 1`,
    );
    keys = (r.getRows()[0]?.[0] as { items?: unknown[] } | undefined)?.items?.map(String) ?? [];
  } catch (err) {
    throw inputError(err, shown, 'JSON that does not parse');
  }
  if (keys.includes('run') && keys.includes('exported_at')) return { format: 'v3_runs_jsonl', kind: 'runs' };
  if (!keys.includes('run_id')) return null;
  if (keys.includes('metrics') || keys.includes('step'))
    return { format: 'v3_history_jsonl', kind: 'history' };
  return { format: 'notebook_runs_jsonl', kind: 'runs' };
}

/** The export_format recorded in wandb_runs. */
const EXPORT_FORMAT: Partial<Record<WandbFormat, string>> = {
  v0_runs_parquet: 'v0_parquet',
  runs_parquet: 'runs_parquet',
  v3_runs_parquet: 'v3_parquet',
  notebook_runs_jsonl: 'notebook_jsonl',
  v3_runs_jsonl: 'v3_jsonl',
};

/** History rows as JSON `r` (any generation) → the columns loadJsonHistory expects. */
export function historyRowsFromJsonSql(rows: string): string {
  return `SELECT r->>'run_id' AS run_id, r->'step' AS step, r->'timestamp' AS ts, r->'runtime' AS runtime,
      ${jsonToMapSql("r->'metrics'")} AS metrics, ${jsonToMapSql("r->'extra'")} AS extra FROM (${rows})`;
}

/** One history row as read_json reads it: metrics typed as a MAP so DuckDB does the unnesting. */
const HISTORY_ROW_COLUMNS = `run_id VARCHAR, step JSON, "timestamp" JSON, runtime JSON, metrics ${METRIC_MAP}, extra ${METRIC_MAP}`;
const HISTORY_ROW_READ_COLUMNS = `{run_id: 'VARCHAR', step: 'JSON', timestamp: 'JSON', runtime: 'JSON', metrics: '${METRIC_MAP}', extra: '${METRIC_MAP}'}`;

/** Keys of a history row the ingester reads; `wandb_metadata` (`_wandb`) only repeats runtime and is dropped. */
const HISTORY_ROW_KEYS = ['run_id', 'step', 'timestamp', 'runtime', 'wandb_metadata', 'metrics', 'extra'];

/** Unknown top-level keys of history rows (first 10,000 rows of JSONL; all columns of Parquet) are reported. */
async function reportUnknownHistoryKeys(ctx: IngestContext, detection: Detection): Promise<void> {
  let keys: string[] = [];
  if (detection.format === 'history_rows_parquet') {
    keys = (detection.parquetColumns ?? []).map((c) => c.name);
  } else if (detection.format === 'v3_history_jsonl') {
    const r = await ctx.conn.runAndReadAll(
      `SELECT DISTINCT unnest(json_keys(json)) FROM (SELECT json FROM read_ndjson_objects(${sqlString(ctx.absolutePath)}) LIMIT 10000)`,
    );
    keys = r.getRows().map((row) => String(row[0]));
  }
  const unknown = keys.filter((k) => !HISTORY_ROW_KEYS.includes(k) && k !== '__index_level_0__').sort();
  if (unknown.length > 0) {
    ctx.warn(`unknown history field(s) not loaded (only metrics and extra are): ${unknown.join(', ')}`);
  }
}

/** Ingests one detected export file inside the caller's open ingest (ctx: its transaction and ingest id). */
export async function ingestFile(ctx: IngestContext, detection: Detection): Promise<void> {
  const f = sqlString(ctx.absolutePath);
  const conn = ctx.conn;
  if (detection.kind === 'runs') {
    const parquet = detection.format.endsWith('parquet');
    const source = parquet
      ? `SELECT row_number() OVER () AS ord, to_json(p) AS j FROM read_parquet(${f}) p`
      : `SELECT row_number() OVER () AS ord, json AS j FROM read_ndjson_objects(${f})`;
    const shape: RunShape = detection.format.startsWith('v3') ? 'snapshot' : 'flat';
    const absent =
      parquet && shape === 'flat'
        ? RUN_COMPONENTS.filter((c) => !detection.parquetColumns?.some((col) => col.name === c))
        : [];
    const staged = await stageRuns(conn, source, shape, absent);
    if (staged.duplicates > 0) {
      ctx.warn(
        `${staged.duplicates} duplicate run row(s) by run_id: the last (newest exported_at, then last in the file) wins`,
      );
    }
    if (staged.unknownKeys.length > 0) {
      ctx.warn(`unknown run field(s) kept in wandb_runs.extra: ${staged.unknownKeys.join(', ')}`);
    }
    if (absent.length > 0 && absent.length < RUN_COMPONENTS.length) {
      ctx.warn(`component file: ${absent.join(', ')} taken from the runs already in the warehouse`);
    }
    await writeStagedRuns(conn, ctx.ingestId, EXPORT_FORMAT[detection.format] ?? detection.format, ctx.path);
    return;
  }
  await reportUnknownHistoryKeys(ctx, detection);
  await loadHistory(ctx, detection);
  const orphans = await orphanRuns(conn, ctx.ingestId);
  if (orphans.length > 0) {
    const shown = orphans.slice(0, 5).join(', ');
    ctx.warn(
      `${orphans.length} history run(s) not in any runs file ingested so far (ingested anyway): ${shown}${orphans.length > 5 ? ', …' : ''}`,
    );
  }
}

/** MAP(VARCHAR, <number>): DuckDB's inference of v3 `metrics` objects with many distinct keys. */
const NUMERIC_MAP =
  /^MAP\(VARCHAR, (DOUBLE|FLOAT|BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|DECIMAL\(\d+,\d+\))\)$/;

async function loadHistory(ctx: IngestContext, detection: Detection): Promise<void> {
  const f = sqlString(ctx.absolutePath);
  const conn = ctx.conn;
  switch (detection.format) {
    case 'v0_history_parquet':
      await loadWideHistory(conn, ctx.ingestId, ctx.absolutePath, detection.parquetColumns ?? []);
      break;
    case 'history_rows_parquet': {
      // metrics as a STRUCT (DuckDB's inference of v3 rows): unpivot its fields like the wide v0 history.
      const cols = detection.parquetColumns ?? [];
      const typeOf = (name: string) => cols.find((c) => c.name === name)?.type ?? '';
      const extraType = typeOf('extra');
      const extraIsMap = extraType.startsWith('MAP(');
      const extraUsable = extraType === '' || extraType === 'JSON' || extraType === 'VARCHAR' || extraIsMap;
      // The extra `_` keys of the rows that have any, through the JSON path.
      const j = (c: string) => (typeOf(c) === '' ? 'NULL::JSON' : `to_json("${c}")`);
      const extraRows = `SELECT run_id::VARCHAR AS run_id, ${j('step')} AS step, ${j('timestamp')} AS ts, ${j('runtime')} AS runtime,
               NULL::${METRIC_MAP} AS metrics, extra::${METRIC_MAP} AS extra
             FROM read_parquet(${f}) WHERE cardinality(extra) > 0`;
      if (NUMERIC_MAP.test(typeOf('metrics')) && (extraType === '' || extraIsMap)) {
        // metrics as MAP(VARCHAR, DOUBLE) (DuckDB's inference when rows log many distinct keys): unnest it.
        await loadNumericMapHistory(conn, ctx.ingestId, ctx.absolutePath, cols);
        if (extraIsMap) await loadJsonHistory(conn, ctx.ingestId, extraRows);
        break;
      }
      if (typeOf('metrics').startsWith('STRUCT(') && extraUsable) {
        const keep = ['run_id', 'step', 'timestamp', 'runtime'].filter((c) => typeOf(c) !== '');
        const relation = `(SELECT ${keep.map(sqlIdent).join(', ')}, metrics.* FROM read_parquet(${f}))`;
        const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
        const relCols = described.getRows().map((row) => ({ name: String(row[0]), type: String(row[1]) }));
        await loadWideHistory(conn, ctx.ingestId, relation, relCols);
        if (extraIsMap) await loadJsonHistory(conn, ctx.ingestId, extraRows);
        break;
      }
      await loadJsonHistory(
        conn,
        ctx.ingestId,
        historyRowsFromJsonSql(`SELECT to_json(p) AS r FROM read_parquet(${f}) p`),
      );
      break;
    }
    case 'notebook_history_parquet':
      await loadJsonHistory(
        conn,
        ctx.ingestId,
        historyRowsFromJsonSql(
          `SELECT to_json(x) AS r FROM (SELECT unnest(json) AS x FROM read_parquet(${f}))`,
        ),
      );
      break;
    case 'notebook_history_jsonl':
      await loadJsonHistory(
        conn,
        ctx.ingestId,
        `SELECT r.run_id, r.step, r.timestamp AS ts, r.runtime, r.metrics, r.extra FROM (SELECT unnest(json) AS r
           FROM read_json(${f}, format = 'newline_delimited', records = false,
                          columns = {json: 'STRUCT(${HISTORY_ROW_COLUMNS})[]'}))`,
      );
      break;
    case 'v3_history_jsonl':
      await loadJsonHistory(
        conn,
        ctx.ingestId,
        `SELECT run_id, step, timestamp AS ts, runtime, metrics, extra
         FROM read_json(${f}, format = 'newline_delimited', columns = ${HISTORY_ROW_READ_COLUMNS})`,
      );
      break;
    default:
      throw new MlduckError(`internal: unhandled W&B format ${detection.format}`, { kind: 'internal' });
  }
}

/** W&B exports as a source: every generation detected by content, runs before history. */
export const wandbSource: Source<Detection> = {
  kind: INGEST_KIND,
  description:
    'W&B runs and history exports of every generation, detected by content: dr_wandb v0 runs_metadata*.parquet / runs_history.parquet, notebook JSONL (history one array per line), v3 runs.jsonl/history.jsonl, and DuckDB Parquet of those (directories are walked for *.parquet, *.jsonl, *.json)',
  pathsHelp: 'export files or directories',
  walk: { accept: (name) => EXPORT_EXTENSIONS.test(name), expected: '*.parquet, *.jsonl or *.json files' },
  async detect(input, conn) {
    try {
      return await detectFormat(conn, input.absolutePath, input.path);
    } catch (err) {
      throw inputError(err, input.path, 'unreadable file');
    }
  },
  unrecognised: {
    message: 'not a W&B export: expected runs (run_id + run fields) or history (run_id + step/metrics)',
    hint: 'accepted: dr_wandb runs_metadata*/runs_history Parquet, notebook or v3 runs/history JSONL, or their DuckDB Parquet',
  },
  // Runs before history, so that "history run not in any runs file" is only reported when it is true.
  rank: (detection) => (detection.kind === 'history' ? 1 : 0),
  recordedOptions: (detection) => ({ format: detection.format }),
  // History inserts need no source order (runs do: the last duplicate in the file wins). The setting is
  // changed outside the ingest transaction, because an aborted transaction refuses SET.
  around: (detection, conn, run) =>
    detection.kind === 'history' ? withRelaxedInsertionOrder(conn, run) : run(),
  async load(ctx) {
    try {
      await ingestFile(ctx, ctx.detection);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!/Invalid Input Error|IO Error|Malformed JSON|parquet/i.test(message)) throw err;
      throw inputError(
        err,
        ctx.path,
        ctx.detection.format.endsWith('parquet') ? 'not a readable Parquet file' : 'JSON that does not parse',
      );
    }
  },
  demoInputs: (examplesDir) => [
    // The real v0 samples only (fast); the other generations in examples/wandb/ hold the same runs and are
    // exercised by the tests and `mlduck ingest wandb examples/wandb`.
    join(examplesDir, 'wandb', 'wandb_runs_sample.parquet'),
    join(examplesDir, 'wandb', 'wandb_history_sample.parquet'),
  ],
};

/** Ingests W&B export files and directories; one transaction (and one ingest_log row) per file. */
export function ingestWandb(
  wh: Warehouse,
  paths: readonly string[],
  options: IngestRunOptions = {},
): Promise<IngestReport[]> {
  return ingestWith(wh, wandbSource, paths, options);
}
