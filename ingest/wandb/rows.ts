/**
 * Runs and history given as already-parsed JS rows (the dr_wandb `*_runs.pkl` / `*_histories.pkl` pickles,
 * decoded by the pickle ingester) go through the same SQL as the files: rows are serialised to JSON text,
 * bulk-appended to a temp table and then staged exactly like a notebook JSONL export.
 */

import type { DuckDBConnection } from '@duckdb/node-api';
import { TableWriter } from '../../src/load.ts';
import { splitSpecial } from '../../src/values.ts';
import type { IngestContext } from '../../src/warehouse.ts';
import { loadJsonHistory, orphanRuns } from './history.ts';
import { historyRowsFromJsonSql } from './ingest.ts';
import { stageRuns, writeStagedRuns } from './runs.ts';

/**
 * One run as dr_wandb's RunRecord ("all" view): `run_id` is required; `config`, `summary`, `wandb_metadata`,
 * `system_metrics`, `system_attrs`, `sweep_info` may be objects or JSON strings; `created_at` a Date or string.
 * Unknown keys are kept in wandb_runs.extra and reported.
 */
export interface WandbRunRow {
  run_id: string;
  run_name?: string | null;
  state?: string | null;
  project?: string | null;
  entity?: string | null;
  created_at?: Date | string | number | null;
  config?: unknown;
  summary?: unknown;
  wandb_metadata?: unknown;
  system_metrics?: unknown;
  system_attrs?: unknown;
  sweep_info?: unknown;
  [key: string]: unknown;
}

/**
 * One history row as dr_wandb's HistoryEntryRecord: `timestamp` a Date, epoch seconds or an ISO string,
 * `metrics` an object of metric → value (numbers, NaN/±Inf, strings, nested objects).
 */
export interface WandbHistoryRow {
  run_id: string;
  step?: number | bigint | null;
  timestamp?: Date | string | number | null;
  runtime?: number | null;
  wandb_metadata?: unknown;
  metrics?: Record<string, unknown> | null;
  /** Other `_`-prefixed W&B keys (v3 exports). */
  extra?: Record<string, unknown> | null;
}

/** JSON text where NaN/±Inf become the strings "NaN"/"Infinity"/"-Infinity" (typed as specials later). */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return splitSpecial(v).special;
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    return v;
  });
}

async function stageJsonRows(conn: DuckDBConnection, rows: Iterable<unknown>): Promise<number> {
  await conn.run('CREATE OR REPLACE TEMP TABLE _wandb_js_rows (ord BIGINT, j VARCHAR)');
  const writer = await TableWriter.open(conn, '_wandb_js_rows');
  let ord = 0;
  for (const row of rows) writer.append([BigInt(++ord), toJsonText(row)]);
  return writer.close();
}

export interface LoadResult {
  runs: number;
  warnings: string[];
}

/**
 * Loads runs given as JS rows into wandb_runs, wandb_run_config, wandb_run_summary, wandb_run_evals and
 * wandb_run_names, inside the caller's ingest (ctx.conn's open transaction, rows tagged ctx.ingestId).
 * Earlier rows of the same run ids (from any ingest) are replaced; duplicates in `rows`: the last wins.
 * Warnings also go to ctx.warn.
 */
export async function loadWandbRuns(ctx: IngestContext, rows: Iterable<WandbRunRow>): Promise<LoadResult> {
  await stageJsonRows(ctx.conn, rows);
  const staged = await stageRuns(ctx.conn, 'SELECT ord, j::JSON AS j FROM _wandb_js_rows', 'flat');
  const warnings: string[] = [];
  if (staged.duplicates > 0)
    warnings.push(`${staged.duplicates} duplicate run row(s) by run_id: the last wins`);
  if (staged.unknownKeys.length > 0) {
    warnings.push(`unknown run field(s) kept in wandb_runs.extra: ${staged.unknownKeys.join(', ')}`);
  }
  await writeStagedRuns(ctx.conn, ctx.ingestId, 'pickle');
  for (const w of warnings) ctx.warn(w);
  return { runs: staged.runs, warnings };
}

/**
 * Loads history rows given as JS objects (flatten `list[list[dict]]` histories first) into wandb_history /
 * wandb_history_objects inside the caller's ingest. Earlier history of the same runs is replaced.
 * Runs missing from wandb_runs are reported (not an error).
 */
export async function loadWandbHistory(
  ctx: IngestContext,
  rows: Iterable<WandbHistoryRow>,
): Promise<LoadResult> {
  await stageJsonRows(ctx.conn, rows);
  await loadJsonHistory(
    ctx.conn,
    ctx.ingestId,
    historyRowsFromJsonSql('SELECT j::JSON AS r FROM _wandb_js_rows'),
  );
  const warnings: string[] = [];
  const orphans = await orphanRuns(ctx.conn, ctx.ingestId);
  if (orphans.length > 0)
    warnings.push(`${orphans.length} history run(s) not in wandb_runs (ingested anyway)`);
  for (const w of warnings) ctx.warn(w);
  const runs = await ctx.conn.runAndReadAll(
    `SELECT count(DISTINCT run_id)::INTEGER FROM (SELECT run_id FROM wandb_history WHERE ingest_id = ${ctx.ingestId}
       UNION SELECT run_id FROM wandb_history_objects WHERE ingest_id = ${ctx.ingestId})`,
  );
  return { runs: Number(runs.getRows()[0]?.[0] ?? 0), warnings };
}
