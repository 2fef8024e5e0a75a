/**
 * `mlduck pull hf REPO [--include GLOB]`: resolve the revision to a commit, list the repo's files, download
 * the selected ones into the HF cache (resuming, verifying), then ingest the DataDecide files among them
 * with `ingest/datadecide`. Nothing is ingested unless every selected file downloaded and verified.
 * With HF_HUB_OFFLINE the cached snapshot of the revision is used and nothing is fetched.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { detectFormat as detectDatadecide } from '../../ingest/datadecide/detect.ts';
import { ingestDatadecide } from '../../ingest/datadecide/ingest.ts';
import { describeParquet } from '../../ingest/datadecide/source.ts';
import { MlduckError } from '../../src/errors.ts';
import type { IngestReport, Warehouse } from '../../src/warehouse.ts';
import type { HttpClient } from '../http.ts';
import type { RepoCache } from './cache.ts';
import type { HubClient, RepoFile } from './hub.ts';

export interface HfPullOptions {
  revision: string;
  include: readonly string[];
  offline: boolean;
  /** Files downloaded at once. */
  concurrency: number;
  ingest: boolean;
  onReport?: (report: IngestReport) => void;
  onInfo?: (text: string) => void;
}

export interface HfPullReport {
  commit: string;
  snapshotDir: string;
  selected: number;
  downloaded: number;
  bytesDownloaded: number;
  /** Selected files mlduck does not ingest (not DataDecide tables). */
  notIngested: string[];
  reports: IngestReport[];
}

/** A glob (`*` within a path segment, `**` across segments, `?`) as a RegExp over repo paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function selectFiles(paths: readonly string[], include: readonly string[]): string[] {
  const patterns = include.map(globToRegExp);
  return paths.filter((p) => patterns.some((re) => re.test(p)));
}

function walk(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

async function inParallel<T>(
  items: readonly T[],
  max: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (next < items.length && failure === null) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(max, items.length) }, worker));
  if (failure !== null) throw failure;
}

export async function pullHf(
  wh: Warehouse | null,
  hub: HubClient,
  cache: RepoCache,
  _http: HttpClient,
  options: HfPullOptions,
): Promise<HfPullReport> {
  let commit: string;
  let selected: string[];
  let downloaded = 0;
  let bytesDownloaded = 0;
  if (options.offline) {
    const cached = cache.cachedCommit(options.revision);
    if (!cached || !existsSync(cache.snapshotDir(cached))) {
      throw new MlduckError(
        `HF_HUB_OFFLINE is set and ${hub.repo.repoId}@${options.revision} is not in the cache ${cache.root}`,
        { hint: 'pull it once online, or unset HF_HUB_OFFLINE' },
      );
    }
    commit = cached;
    selected = selectFiles(walk(cache.snapshotDir(commit)), options.include);
  } else {
    commit = await hub.resolveRevision(options.revision);
    const files = await hub.listFiles(commit);
    const byPath = new Map<string, RepoFile>(files.map((f) => [f.path, f]));
    selected = selectFiles([...byPath.keys()].sort(), options.include);
    await inParallel(selected, options.concurrency, async (path) => {
      const bytes = await hub.download(cache, commit, byPath.get(path) as RepoFile);
      if (bytes > 0) downloaded++;
      bytesDownloaded += bytes;
      options.onInfo?.(`${path}: ${bytes > 0 ? `${bytes} bytes downloaded` : 'in the cache'}, verified`);
    });
    hub.writeRef(cache, options.revision, commit);
  }
  if (selected.length === 0) {
    throw new MlduckError(
      `no file of ${hub.repo.repoId}@${options.revision} matches ${options.include.map((g) => JSON.stringify(g)).join(', ')}`,
      { kind: 'usage', hint: 'adjust --include (globs over repo paths, e.g. "data/*.parquet")' },
    );
  }
  const snapshotDir = cache.snapshotDir(commit);
  const ingestable: string[] = [];
  const notIngested: string[] = [];
  for (const path of selected) {
    const file = cache.snapshotPath(commit, path);
    let known = false;
    if (wh && path.endsWith('.parquet')) {
      try {
        const columns = await describeParquet(wh.conn, file, path);
        const detection = detectDatadecide(columns.map((c) => c.name));
        known = detection !== null && detection.missing.length === 0;
      } catch {
        known = false;
      }
    }
    (known ? ingestable : notIngested).push(file);
  }
  let reports: IngestReport[] = [];
  if (wh && options.ingest && ingestable.length > 0) {
    reports = await ingestDatadecide(wh, ingestable, options.onReport ? { onReport: options.onReport } : {});
  }
  return {
    commit,
    snapshotDir,
    selected: selected.length,
    downloaded,
    bytesDownloaded,
    notIngested,
    reports,
  };
}
