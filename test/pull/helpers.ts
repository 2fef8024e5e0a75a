/** Shared pieces of the pull tests: an in-process pull against a loopback server, and warehouse dumps. */

import { HttpClient, type RetryPolicy } from '../../pull/http.ts';
import { WandbGraphql } from '../../pull/wandb/graphql.ts';
import { pullWandb, type WandbPullOptions, type WandbPullReport } from '../../pull/wandb/pull.ts';
import { ExportStore } from '../../pull/wandb/store.ts';
import type { Warehouse } from '../../src/warehouse.ts';
import { afterThisTest } from '../helpers.ts';
import type { LoopbackServer } from './servers/loopback-server.ts';
import { FakeWandb } from './servers/wandb-server.ts';

/** Starts a fake server, stopped after the test. */
export async function started<S extends LoopbackServer>(server: S): Promise<S> {
  await server.start();
  afterThisTest(() => server.stop());
  return server;
}

/** A fake W&B API answering after `latencyMs`, stopped after the test. */
export function fakeWandb(latencyMs = 0): Promise<FakeWandb> {
  return started(new FakeWandb({ latencyMs }));
}

/** Retries without the real backoff (Retry-After still honoured). */
export const FAST_RETRY: RetryPolicy = {
  attempts: 10,
  baseBackoffMs: 5,
  maxBackoffMs: 50,
  maxWaitMs: 10_000,
  timeoutMs: 10_000,
};

export async function pullFrom(
  wh: Warehouse | null,
  server: FakeWandb,
  dataDir: string,
  options: WandbPullOptions & {
    retry?: RetryPolicy;
    concurrency?: number;
    apiKey?: string;
    project?: { entity: string; project: string };
  } = {},
): Promise<WandbPullReport> {
  const http = new HttpClient(options.retry ?? FAST_RETRY, options.concurrency ?? 8, 'W&B');
  const graphql = new WandbGraphql(http, server.url, options.apiKey ?? server.apiKey, 'test');
  const store = new ExportStore(
    dataDir,
    options.project ?? { entity: server.entity, project: server.project },
  );
  return pullWandb(wh, graphql, store, http, options);
}

export const WANDB_TABLES = [
  'wandb_runs',
  'wandb_run_config',
  'wandb_run_summary',
  'wandb_run_evals',
  'wandb_run_names',
  'wandb_history',
  'wandb_history_objects',
] as const;

/** Every W&B table's rows (without ingest ids), sorted: what "the same warehouse" means here. */
export async function dumpWandb(
  wh: Warehouse,
  options: { ignoreExportTime?: boolean } = {},
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of WANDB_TABLES) {
    // exported_at (when the snapshot was taken; wandb_runs.extra holds the snapshot's keys too) differs
    // between two pulls of the same data.
    const exclude =
      options.ignoreExportTime && table === 'wandb_runs' ? 'ingest_id, exported_at' : 'ingest_id';
    const reader = await wh.conn.runAndReadAll(
      `SELECT to_json(t)::VARCHAR FROM (SELECT * EXCLUDE (${exclude}) FROM ${table}) t ORDER BY 1`,
    );
    out[table] = reader.getRows().map((r) => String(r[0]));
  }
  return out;
}

export async function count(wh: Warehouse, sql: string): Promise<number> {
  const reader = await wh.conn.runAndReadAll(sql);
  return Number(reader.getRows()[0]?.[0] ?? 0);
}
