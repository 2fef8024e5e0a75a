// Pull benchmark: `mlduck pull wandb` against a loopback W&B server (test/pull/servers) that answers after a
// realistic per-request latency, beside a sequential client that makes the same GraphQL requests one at a
// time (the SDK's pattern: list a page, then scan each run's history page by page). Pairs alternate, so a
// drift of the machine's speed hits both. Then the bytes an incremental pull fetches after one new run, against
// the full pull.
//
//   BENCH_SCALE=0.2 node --import tsx bench/pull.bench.ts   (default 1: 30 runs of the real samples, 100 ms, 2 pairs)
//   BENCH_LATENCY_MS=50 …
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient } from '../pull/http.ts';
import { WandbGraphql } from '../pull/wandb/graphql.ts';
import { pullWandb } from '../pull/wandb/pull.ts';
import { ExportStore } from '../pull/wandb/store.ts';
import { lastStepOf } from '../pull/wandb/v3.ts';
import { Warehouse } from '../src/warehouse.ts';
import { FAST_RETRY } from '../test/pull/helpers.ts';
import { FakeWandb, type FixtureProject, loadFixtureProject } from '../test/pull/servers/wandb-server.ts';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const latency = Number(process.env.BENCH_LATENCY_MS ?? '100');
const copies = Math.max(1, Math.round(5 * scale));
const pairs =
  process.env.BENCH_PAIRS !== undefined
    ? Number(process.env.BENCH_PAIRS)
    : Math.max(1, Math.round(2 * scale));
const concurrency = 8;
const dir = mkdtempSync(join(tmpdir(), 'mlduck-bench-pull-'));

/** The six real runs, `copies` times, each copy created a day later under a new name. */
function project(): FixtureProject {
  const base = loadFixtureProject();
  const out: FixtureProject = { ...base, runs: [], history: {} };
  for (let c = 0; c < copies; c++) {
    for (const node of base.runs) {
      const name = `${node.name}-copy${c}`;
      const created = new Date(Date.parse(node.createdAt) + c * 86_400_000)
        .toISOString()
        .replace(/\.000Z$/, 'Z');
      out.runs.push({ ...structuredClone(node), name, createdAt: created });
      out.history[name] = base.history[node.name] ?? [];
    }
  }
  return out;
}

interface Measure {
  seconds: number;
  runs: number;
  rows: number;
  requests: number;
  bytes: number;
}

async function sequential(server: FakeWandb): Promise<Measure> {
  const http = new HttpClient(FAST_RETRY, 1, 'W&B');
  const gql = new WandbGraphql(http, server.url, server.apiKey, 'bench');
  const p = { entity: server.entity, project: server.project };
  const start = performance.now();
  let runs = 0;
  let rows = 0;
  let cursor: string | null = null;
  for (;;) {
    const page = await gql.runsPage(p, { cursor, perPage: 500, filters: {}, order: '+created_at' });
    for (const node of page.nodes) {
      runs++;
      const last = lastStepOf(node);
      for (let min = 0; min <= last; min += 1000) {
        rows += (await gql.historyPage(p, node.name, min, Math.min(min + 1000, last + 1), 1000)).length;
      }
    }
    if (!page.hasNextPage || !page.endCursor) break;
    cursor = page.endCursor;
  }
  const seconds = (performance.now() - start) / 1000;
  return { seconds, runs, rows, requests: http.stats.requests, bytes: http.stats.bytesIn };
}

async function mlduck(server: FakeWandb, land: boolean, tag: string): Promise<Measure> {
  const wh = land ? await Warehouse.open(join(dir, `${tag}.duckdb`)) : null;
  const http = new HttpClient(FAST_RETRY, concurrency, 'W&B');
  const gql = new WandbGraphql(http, server.url, server.apiKey, 'bench');
  const store = new ExportStore(join(dir, `data-${tag}`), { entity: server.entity, project: server.project });
  const start = performance.now();
  const report = await pullWandb(wh, gql, store, http, { land, runConcurrency: concurrency });
  const seconds = (performance.now() - start) / 1000;
  wh?.close();
  return {
    seconds,
    runs: report.fetched,
    rows: report.historyRows,
    requests: http.stats.requests,
    bytes: http.stats.bytesIn,
  };
}

const rate = (m: Measure) =>
  `${(m.runs / m.seconds).toFixed(1)} runs/s, ${(m.rows / m.seconds).toFixed(0)} history rows/s (${m.requests} requests, ${m.seconds.toFixed(2)} s)`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const server = await new FakeWandb({ latencyMs: latency, project: project() }).start();
try {
  // Warm the warehouse template path once (migrations are not what is measured).
  (await Warehouse.open(join(dir, 'warm.duckdb'))).close();
  console.log(
    `${server.runs.size} runs, ${latency} ms per request, mlduck concurrency ${concurrency}, ${pairs} alternated pair(s)`,
  );
  const fetchRatios: number[] = [];
  const landRatios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const seq = await sequential(server);
    const fetchOnly = await mlduck(server, false, `fetch-${i}`);
    const landed = await mlduck(server, true, `land-${i}`);
    console.log(`pair ${i + 1}: sequential client   ${rate(seq)}`);
    console.log(`        mlduck fetch only   ${rate(fetchOnly)}`);
    console.log(`        mlduck pull+land    ${rate(landed)}`);
    fetchRatios.push(fetchOnly.runs / fetchOnly.seconds / (seq.runs / seq.seconds));
    landRatios.push(landed.runs / landed.seconds / (seq.runs / seq.seconds));
  }
  if (pairs > 0)
    console.log(
      `runs/s ratio mlduck fetch / sequential: median ${median(fetchRatios).toFixed(1)}× (${fetchRatios.map((r) => r.toFixed(1)).join(', ')})`,
    );
  if (pairs > 0)
    console.log(
      `runs/s ratio mlduck pull+land / sequential: median ${median(landRatios).toFixed(1)}× (${landRatios.map((r) => r.toFixed(1)).join(', ')})`,
    );

  // Incremental: one more run after a full pull.
  server.latencyMs = 0;
  const wh = await Warehouse.open(join(dir, 'incremental.duckdb'));
  const data = join(dir, 'data-incremental');
  const pullOnce = async () => {
    const http = new HttpClient(FAST_RETRY, concurrency, 'W&B');
    const gql = new WandbGraphql(http, server.url, server.apiKey, 'bench');
    const store = new ExportStore(data, { entity: server.entity, project: server.project });
    const report = await pullWandb(wh, gql, store, http, { runConcurrency: concurrency });
    return { report, http: http.stats };
  };
  const full = await pullOnce();
  const template = [...server.runs.values()][2];
  if (template) {
    const node = { ...structuredClone(template.node), name: 'new-run', createdAt: '2030-01-01T00:00:00Z' };
    server.runs.set('new-run', { node, history: [...template.history] });
  }
  const incremental = await pullOnce();
  const unchanged = await pullOnce();
  wh.close();
  const share = (b: number) => `${((b / full.http.bytesIn) * 100).toFixed(1)}% of the full pull`;
  console.log(
    `full pull: ${full.report.fetched} runs, ${full.http.requests} requests, ${full.http.bytesIn} bytes; incremental after one new run (a copy of the run with the longest history, ${template?.history.length ?? 0} rows): ${incremental.report.fetched} run fetched, ${incremental.http.requests} requests, ${incremental.http.bytesIn} bytes (${share(incremental.http.bytesIn)}); then with nothing new: ${unchanged.report.fetched} fetched, ${unchanged.http.requests} request, ${unchanged.http.bytesIn} bytes (${share(unchanged.http.bytesIn)})`,
  );
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
