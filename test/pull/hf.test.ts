import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestDatadecide } from '../../ingest/datadecide/ingest.ts';
import { parseRepoId, RepoCache } from '../../pull/hf/cache.ts';
import { HubClient, hubAuth } from '../../pull/hf/hub.ts';
import { globToRegExp, type HfPullOptions, pullHf } from '../../pull/hf/pull.ts';
import { HttpClient } from '../../pull/http.ts';
import type { Warehouse } from '../../src/warehouse.ts';
import { migratedWarehouseFile, REPO_ROOT, runCli, tempDir, tempWarehouse } from '../helpers.ts';
import { FAST_RETRY, started } from './helpers.ts';
import { FakeHub, sha256 } from './servers/hf-server.ts';

const hub = (): Promise<FakeHub> => started(new FakeHub());

const EVAL = 'allenai/DataDecide-eval-results';
const TRAIN = 'data/train-00000-of-00001.parquet';
const evalBytes = () => readFileSync(join(REPO_ROOT, 'examples/datadecide/hf_eval_results_slice.parquet'));

function client(s: FakeHub, repoId = EVAL, env: NodeJS.ProcessEnv = {}) {
  const http = new HttpClient(FAST_RETRY, 4, 'Hub');
  const repo = parseRepoId(repoId, 'dataset');
  return {
    http,
    hub: new HubClient(http, hubAuth({ HF_ENDPOINT: s.url, HF_HOME: tempDir(), ...env }), repo),
    repo,
  };
}

async function pull(
  wh: Warehouse | null,
  s: FakeHub,
  cacheDir: string,
  options: Partial<HfPullOptions> & { repoId?: string; env?: NodeJS.ProcessEnv } = {},
) {
  const { http, hub: h, repo } = client(s, options.repoId, options.env);
  return pullHf(wh, h, new RepoCache(cacheDir, repo), http, {
    revision: 'main',
    include: ['**/*.parquet'],
    offline: false,
    concurrency: 4,
    ingest: true,
    ...options,
  });
}

async function tableCounts(wh: Warehouse): Promise<Record<string, number>> {
  const reader = await wh.conn.runAndReadAll(
    `SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'pretrain%' ORDER BY 1`,
  );
  const out: Record<string, number> = {};
  for (const [name] of reader.getRows()) {
    const c = await wh.conn.runAndReadAll(`SELECT count(*) FROM "${String(name)}"`);
    out[String(name)] = Number(c.getRows()[0]?.[0]);
  }
  return out;
}

describe('pull hf', () => {
  it('globs: * within a folder, ** across folders', () => {
    expect(globToRegExp('data/*.parquet').test('data/train-0.parquet')).toBe(true);
    expect(globToRegExp('data/*.parquet').test('data/x/train.parquet')).toBe(false);
    expect(globToRegExp('**/*.parquet').test('train.parquet')).toBe(true);
    expect(globToRegExp('**/*.parquet').test('a/b/train.parquet')).toBe(true);
  });

  it('downloads into the HF cache layout, verifies, ingests what `ingest datadecide` ingests; a second pull downloads nothing', async () => {
    const s = await hub();
    const cache = tempDir();
    const wh = await tempWarehouse();
    const report = await pull(wh, s, cache, { include: ['**'] });
    expect(report).toMatchObject({
      selected: 3,
      downloaded: 3,
      commit: '1111111111111111111111111111111111111111',
    });
    expect(report.notIngested.map((p) => p.split('/').pop())).toEqual(['.gitattributes', 'README.md']);
    const root = join(cache, 'datasets--allenai--DataDecide-eval-results');
    const link = join(root, 'snapshots', report.commit, TRAIN);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(`../../../blobs/${sha256(evalBytes())}`);
    expect(readFileSync(link).equals(evalBytes())).toBe(true);
    expect(readFileSync(join(root, 'refs', 'main'), 'utf8')).toBe(report.commit);
    // The tree listing was paged (Link: rel="next").
    expect(s.log.filter((r) => r.path.includes('/tree/')).length).toBe(2);

    const direct = await tempWarehouse();
    await ingestDatadecide(direct, [join(REPO_ROOT, 'examples/datadecide/hf_eval_results_slice.parquet')]);
    const counts = await tableCounts(wh);
    expect(Object.values(counts).some((n) => n > 0)).toBe(true);
    expect(counts).toEqual(await tableCounts(direct));

    s.log.length = 0;
    const again = await pull(wh, s, cache);
    expect(again.downloaded).toBe(0);
    expect(s.log.some((r) => r.path.includes('/resolve/') || r.path.startsWith('/cdn/'))).toBe(false);
  });

  it('resumes a partial download with Range, and survives truncation, drops, 429 and 500', async () => {
    const s = await hub();
    const cache = tempDir();
    const bytes = evalBytes();
    const blobs = join(cache, 'datasets--allenai--DataDecide-eval-results', 'blobs');
    mkdirSync(blobs, { recursive: true });
    const half = 100_000;
    writeFileSync(join(blobs, `${sha256(bytes)}.incomplete`), bytes.subarray(0, half));
    const resumed = await pull(null, s, cache, { include: [TRAIN] });
    expect(resumed.bytesDownloaded).toBe(bytes.byteLength - half);
    expect(s.log.find((r) => r.path.startsWith('/cdn/'))?.range).toBe(`bytes=${half}-`);

    const again = tempDir();
    s.log.length = 0;
    s.faults.push({ kind: 'status', status: 429, retryAfter: '0' }, { kind: 'status', status: 500 });
    s.downloadFaults.push({ kind: 'truncate' }, { kind: 'drop' });
    const wh = await tempWarehouse();
    const report = await pull(wh, s, again, { include: [TRAIN] });
    expect(report.downloaded).toBe(1);
    const ranges = s.log.filter((r) => r.path.startsWith('/cdn/')).map((r) => r.range);
    expect(ranges[0]).toBeNull();
    expect(ranges.at(-1)).toMatch(/^bytes=\d+-$/); // went on from where the truncated body stopped
    expect(
      readFileSync(join(again, 'datasets--allenai--DataDecide-eval-results', 'blobs', sha256(bytes))).equals(
        bytes,
      ),
    ).toBe(true);
    expect(report.reports).toHaveLength(1);
  });

  it('a server that ignores Range is downloaded again from the start, not appended', async () => {
    const s = await hub();
    const cache = tempDir();
    const bytes = evalBytes();
    const blobs = join(cache, 'datasets--allenai--DataDecide-eval-results', 'blobs');
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, `${sha256(bytes)}.incomplete`), bytes.subarray(0, 5000));
    s.downloadFaults.push({ kind: 'ignore-range' });
    await pull(null, s, cache, { include: [TRAIN] });
    expect(readFileSync(join(blobs, sha256(bytes))).equals(bytes)).toBe(true);
  });

  it('a corrupt download is removed and nothing is ingested', async () => {
    const s = await hub();
    const cache = tempDir();
    const wh = await tempWarehouse();
    s.downloadFaults.push({ kind: 'corrupt' });
    await expect(pull(wh, s, cache, { include: [TRAIN] })).rejects.toThrow(
      /is corrupt: sha256 [0-9a-f]+, expected/,
    );
    const root = join(cache, 'datasets--allenai--DataDecide-eval-results');
    expect(existsSync(join(root, 'blobs', sha256(evalBytes())))).toBe(false);
    expect(existsSync(join(root, 'snapshots'))).toBe(false);
    expect(Object.values(await tableCounts(wh)).every((n) => n === 0)).toBe(true);
  });

  it('HF_HUB_OFFLINE ingests from the cache without a request, and says so when the cache lacks the repo', async () => {
    const s = await hub();
    const cache = tempDir();
    await pull(null, s, cache);
    s.log.length = 0;
    const wh = await tempWarehouse();
    const offline = await pull(wh, s, cache, { offline: true });
    expect(s.log).toHaveLength(0);
    expect(offline.reports).toHaveLength(1);
    await expect(pull(null, s, tempDir(), { offline: true })).rejects.toThrow(/HF_HUB_OFFLINE is set/);
  });

  it('names an unknown repo, a private repo without a token (and where it looked), and a server that is not the Hub', async () => {
    const s = await hub();
    await expect(pull(null, s, tempDir(), { repoId: 'allenai/nope' })).rejects.toThrow(
      /unknown Hub dataset repo or revision: allenai\/nope/,
    );
    const repo = s.repos.get(EVAL);
    if (repo) repo.private = true;
    const home = tempDir();
    await expect(pull(null, s, tempDir(), { env: { HF_HOME: home } })).rejects.toThrow(
      /refused access.*without a token/,
    );
    try {
      await pull(null, s, tempDir(), { env: { HF_HOME: home } });
    } catch (error) {
      expect((error as { hint?: string }).hint).toContain(`HF_TOKEN and ${join(home, 'token')}`);
    }
    const ok = await pull(null, s, tempDir(), { env: { HF_TOKEN: s.token } });
    expect(ok.downloaded).toBe(1);
    s.faults.push({ kind: 'html' });
    await expect(pull(null, s, tempDir())).rejects.toThrow(/does not look like the Hugging Face Hub/);
  });
});

describe('mlduck pull hf (CLI)', () => {
  it('pulls both DataDecide result repos into the cache and the warehouse', async () => {
    const s = await hub();
    const db = await migratedWarehouseFile();
    const home = tempDir();
    const env = {
      HF_ENDPOINT: s.url,
      HF_HOME: home,
      HF_TOKEN: undefined,
      HF_HUB_CACHE: undefined,
      MLDUCK_PULL_BACKOFF_MS: '5',
    };
    const evalRun = await runCli(['--db', db, 'pull', 'hf', EVAL, '--include', 'data/*.parquet'], { env });
    expect(evalRun.code).toBe(0);
    expect(evalRun.stdout).toMatch(/1 file\(s\) selected, 1 downloaded .* 1 ingested/);
    const ppl = await runCli(['--db', db, 'pull', 'hf', 'allenai/DataDecide-ppl-results'], { env });
    expect(ppl.code).toBe(0);
    expect(existsSync(join(home, 'hub', 'datasets--allenai--DataDecide-ppl-results', 'refs', 'main'))).toBe(
      true,
    );
    const missing = await runCli(['--db', db, 'pull', 'hf', 'allenai/missing'], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('unknown Hub dataset repo');
    const bad = await runCli(['--db', db, 'pull', 'hf', '../../etc'], { env });
    expect(bad.code).toBe(1);
  });
});
