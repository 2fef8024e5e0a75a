/**
 * `mlduck pull wandb ENTITY/PROJECT`: incremental as dr_wandb v3 is. Selected are the runs created since
 * the last completed pull (`createdAt >= max_created_at`) plus every tracked run still in a non-terminal
 * state (re-queried by name in batches of 100); their history is scanned from the last stored step + 1 up to
 * the run's `historyKeys.lastStep`. Listing pages are read one after the other (cursor pagination);
 * the runs on them are fetched many at once (history step ranges in parallel, through one capped client)
 * and landed in batches while later runs are still downloading. A kill loses at most the runs in flight:
 * the journal says what was fetched and landed, and the next pull lands what was fetched and goes on.
 */

import { MlduckError } from '../../src/errors.ts';
import type { Warehouse } from '../../src/warehouse.ts';
import type { HttpStats } from '../http.ts';
import type { Project, RunNode, WandbGraphql } from './graphql.ts';
import { landBatch } from './land.ts';
import type { ExportState, ExportStore, TrackedRun } from './store.ts';
import { historyRowOf, lastStepOf, snapshotOf, TERMINAL_STATES, type V3HistoryRow } from './v3.ts';

export interface WandbPullOptions {
  /** Refetch every run and its whole history. */
  forceRefresh?: boolean;
  /** Runs only, no history. */
  runsOnly?: boolean;
  /** The API's run filters (MongoDB-style JSON, as `api.runs(filters=…)`), ANDed with the selection. */
  filters?: Record<string, unknown>;
  /** Only runs created at or after this ISO time. */
  since?: string;
  /** Runs per listing page (dr_wandb uses 500; the SDK's default is 50). */
  perPage?: number;
  /** History steps per HistoryPage request (the SDK's scan_history page_size). */
  historyPageSize?: number;
  /** Runs fetched at once (their history pages share the client's request cap). */
  runConcurrency?: number;
  /** Runs per landing transaction, at most. */
  landBatchSize?: number;
  /** Skip the warehouse (fetch into the export only): the benchmark's network-only measure. */
  land?: boolean;
  onProgress?: (event: PullProgress) => void;
}

export interface PullProgress {
  listed: number;
  fetched: number;
  landed: number;
  historyRows: number;
}

export interface WandbPullReport {
  project: Project;
  exportDir: string;
  /** Runs the selection returned. */
  listed: number;
  /** Runs downloaded by this pull. */
  fetched: number;
  /** Runs landed by this pull (including runs fetched by an interrupted pull). */
  landed: number;
  /** History rows downloaded by this pull. */
  historyRows: number;
  /** Runs the listing returned that needed nothing (terminal and already landed). */
  unchanged: number;
  warnings: string[];
  http: HttpStats;
}

const TRACKED_BATCH = 100;

function and(...filters: (Record<string, unknown> | undefined)[]): Record<string, unknown> {
  const parts = filters.filter(
    (f): f is Record<string, unknown> => f !== undefined && Object.keys(f).length > 0,
  );
  if (parts.length === 0) return {};
  if (parts.length === 1) return parts[0] as Record<string, unknown>;
  return { $and: parts };
}

/** Runs promises with at most `max` pending; the first failure stops new work and is rethrown at the end. */
class Pool {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly pending = new Set<Promise<void>>();
  failure: unknown = null;
  constructor(private readonly max: number) {}

  async add(task: () => Promise<void>): Promise<void> {
    while (this.active >= this.max) await new Promise<void>((ok) => this.waiting.push(ok));
    if (this.failure) return;
    this.active++;
    const p = task()
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        this.active--;
        this.pending.delete(p);
        this.waiting.shift()?.();
      });
    this.pending.add(p);
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}

/** Lands runs in the order they were fetched, in batches of `batchSize` (the last one smaller). */
class Lander {
  private readonly queue: string[] = [];
  private running: Promise<void> | null = null;
  private batches = 0;
  landed = 0;
  failure: unknown = null;
  readonly warnings: string[] = [];

  constructor(
    private readonly wh: Warehouse | null,
    private readonly store: ExportStore,
    private readonly state: ExportState,
    private readonly batchSize: number,
    private readonly stamp: string,
    private readonly onLanded: () => void,
  ) {}

  /** Set when no more runs will come: a partial batch is landed then. */
  private final = false;

  enqueue(runId: string): void {
    // A run fetched by an interrupted pull and fetched again by this one is landed once, from its latest parts.
    if (this.queue.includes(runId)) return;
    this.queue.push(runId);
    if (this.queue.length >= this.batchSize) this.start();
  }

  private start(): void {
    this.running ??= this.loop().finally(() => {
      this.running = null;
    });
  }

  // Batches are landed whole: each transaction costs a fixed share (the run tables' SQL), so landing a run
  // as soon as it arrives would make the warehouse, not the network, the bottleneck.
  private async loop(): Promise<void> {
    while ((this.queue.length >= this.batchSize || (this.final && this.queue.length > 0)) && !this.failure) {
      const batch = this.queue.splice(0, this.batchSize);
      try {
        if (!this.wh) continue; // fetch only: the runs stay to be landed by the next pull
        const warnings = await landBatch(this.wh, this.store, batch, `${this.stamp}-${++this.batches}`);
        for (const w of warnings) if (!this.warnings.includes(w)) this.warnings.push(w);
        for (const id of batch) {
          const tracked = this.state.runs[id];
          if (!tracked) continue;
          tracked.landed = true;
          this.store.journal(tracked);
        }
        this.landed += batch.length;
        this.onLanded();
      } catch (error) {
        this.failure = error;
      }
    }
  }

  /** Lands everything queued (no more runs will come). */
  async drain(): Promise<void> {
    this.final = true;
    this.start();
    while (this.running) await this.running;
  }
}

export async function pullWandb(
  wh: Warehouse | null,
  graphql: WandbGraphql,
  store: ExportStore,
  http: { stats: HttpStats },
  options: WandbPullOptions = {},
): Promise<WandbPullReport> {
  const project = store.project;
  const perPage = options.perPage ?? 500;
  const pageSize = options.historyPageSize ?? 1000;
  store.prepare();
  const state = store.loadState();
  const exportedAt = new Date().toISOString();
  const stamp = exportedAt.replace(/[-:.]/g, '');
  const progress: PullProgress = { listed: 0, fetched: 0, landed: 0, historyRows: 0 };
  const report = () => options.onProgress?.({ ...progress });
  const lander = new Lander(
    options.land === false ? null : wh,
    store,
    state,
    options.landBatchSize ?? 50,
    stamp,
    () => {
      progress.landed = lander.landed;
      report();
    },
  );

  // Runs an interrupted pull fetched but did not land: land them from disk, fetch nothing.
  for (const tracked of Object.values(state.runs)) {
    if (!tracked.landed && store.hasRun(tracked.run_id)) lander.enqueue(tracked.run_id);
  }

  const seen = new Set<string>();
  let unchanged = 0;
  const pool = new Pool(options.runConcurrency ?? 8);

  const fetchRun = async (node: RunNode): Promise<void> => {
    const runId = node.name;
    const tracked = state.runs[runId];
    const known = tracked !== undefined && store.hasRun(runId) && !options.forceRefresh;
    const fromStep = options.runsOnly
      ? Number.MAX_SAFE_INTEGER
      : known
        ? (tracked.last_history_step ?? -1) + 1
        : 0;
    const lastStep = lastStepOf(node);
    const ranges: [number, number][] = [];
    if (!options.runsOnly)
      for (let min = fromStep; min <= lastStep; min += pageSize)
        ranges.push([min, Math.min(min + pageSize, lastStep + 1)]);
    const pages = await Promise.all(
      ranges.map(([min, max]) => graphql.historyPage(project, runId, min, max, pageSize)),
    );
    const rows: V3HistoryRow[] = [];
    let maxStep = known || options.runsOnly ? (tracked?.last_history_step ?? null) : null;
    for (const page of pages) {
      for (const raw of page) {
        const row = historyRowOf(runId, raw);
        if (row.step !== null && row.step < fromStep) continue; // a server that ignores minStep
        rows.push(row);
        if (row.step !== null && (maxStep === null || row.step > maxStep)) maxStep = row.step;
      }
    }
    await store.writeRun(snapshotOf(node, project, graphql.baseUrl, exportedAt), fromStep, rows);
    const entry: TrackedRun = {
      run_id: runId,
      created_at: node.createdAt ?? null,
      updated_at: null,
      run_state: node.state ?? null,
      last_history_step: maxStep,
      landed: false,
    };
    state.runs[runId] = entry;
    store.journal(entry);
    progress.fetched++;
    progress.historyRows += rows.length;
    report();
    lander.enqueue(runId);
  };

  const consider = async (node: RunNode): Promise<void> => {
    if (seen.has(node.name)) return;
    seen.add(node.name);
    progress.listed++;
    const tracked = state.runs[node.name];
    const settled =
      tracked !== undefined &&
      store.hasRun(node.name) &&
      TERMINAL_STATES.has(tracked.run_state ?? '') &&
      !options.forceRefresh;
    if (settled) {
      unchanged++;
      return;
    }
    await pool.add(() => fetchRun(node));
  };

  const list = async (filters: Record<string, unknown>): Promise<void> => {
    let cursor: string | null = null;
    for (;;) {
      if (pool.failure || lander.failure) return;
      const page = await graphql.runsPage(project, { cursor, perPage, filters, order: '+created_at' });
      for (const node of page.nodes) await consider(node);
      if (!page.hasNextPage || page.endCursor === null || page.nodes.length === 0) return;
      cursor = page.endCursor;
    }
  };

  let listingError: unknown = null;
  try {
    const since = options.since ? { createdAt: { $gte: options.since } } : undefined;
    const newer =
      !options.forceRefresh && state.max_created_at
        ? { createdAt: { $gte: state.max_created_at } }
        : undefined;
    await list(and(options.filters, since, newer));
    if (!options.forceRefresh) {
      const open = Object.values(state.runs)
        .filter((r) => !TERMINAL_STATES.has(r.run_state ?? '') && !seen.has(r.run_id))
        .map((r) => r.run_id)
        .sort();
      for (let i = 0; i < open.length; i += TRACKED_BATCH) {
        await list(and(options.filters, { name: { $in: open.slice(i, i + TRACKED_BATCH) } }));
      }
    }
  } catch (error) {
    listingError = error;
  }
  await pool.drain();
  await lander.drain();

  // What landed is recorded even when the pull failed; max_created_at only moves on a complete pull,
  // so runs that were in flight when it stopped are listed again next time.
  const failure = listingError ?? pool.failure ?? lander.failure;
  if (!failure) {
    state.last_exported_at = exportedAt;
    for (const run of Object.values(state.runs)) {
      if (run.created_at && (!state.max_created_at || run.created_at > state.max_created_at)) {
        state.max_created_at = run.created_at;
      }
    }
  }
  store.saveState(state);
  await store.writeExport(state);

  const result: WandbPullReport = {
    project,
    exportDir: store.dir,
    listed: progress.listed,
    fetched: progress.fetched,
    landed: lander.landed,
    historyRows: progress.historyRows,
    unchanged,
    warnings: lander.warnings,
    http: { ...http.stats },
  };
  if (failure) {
    const message = failure instanceof Error ? failure.message : String(failure);
    throw new MlduckError(
      `${message}; ${result.landed} run(s) landed before the pull stopped, the next pull goes on from there`,
      {
        kind: failure instanceof MlduckError ? failure.kind : 'internal',
        ...(failure instanceof MlduckError && failure.hint ? { hint: failure.hint } : {}),
        cause: failure,
      },
    );
  }
  return result;
}
