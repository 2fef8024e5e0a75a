/**
 * `mlduck ingest datadecide <paths…>`: each Parquet file is detected by its columns and ingested in its own
 * transaction (Warehouse.ingest). Directories are walked for `*.parquet`.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MlduckError } from '../../src/errors.ts';
import type { IngestContext, IngestReport, Warehouse } from '../../src/warehouse.ts';
import { type DatadecideFormat, detectFormat } from './detect.ts';
import { ingestFullEval } from './full-eval.ts';
import { ingestHfEvalResults, ingestHfPplResults } from './hf.ts';
import { ingestSeedStats } from './seed-stats.ts';
import { describeParquet } from './source.ts';

export const INGEST_KIND = 'datadecide';

export interface DatadecideIngestOptions {
  /** Re-ingest files whose bytes were ingested before. */
  force?: boolean;
  /** Called after each file. */
  onReport?: (report: IngestReport) => void;
}

/** The files a path stands for: itself, or the `*.parquet` files below a directory (sorted). */
export function expandPaths(paths: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.parquet')) files.push(full);
    }
  };
  for (const path of paths) {
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new MlduckError('no such file or directory', { file: path, kind: 'usage' });
    }
    if (isDir) walk(path);
    else files.push(path);
  }
  return files;
}

/**
 * Upstream merges downstream and perplexity rows and derives tokens/compute from the downstream rows: so
 * within one command, wide files go first, then Hugging Face eval results, then perplexity results, then
 * mean/std files (which are compared with what is already in the warehouse).
 */
const FORMAT_ORDER: Record<DatadecideFormat, number> = {
  full_eval: 0,
  hf_eval_results: 1,
  hf_ppl_results: 2,
  seed_stats: 3,
};

async function ingestOne(ctx: IngestContext): Promise<void> {
  const columns = await describeParquet(ctx.conn, ctx.absolutePath, ctx.path);
  const detection = detectFormat(columns.map((c) => c.name));
  if (!detection) {
    throw new MlduckError(
      'not a DataDecide file: no params/data/step columns, no metrics or perplexity columns',
      {
        file: ctx.path,
        hint: 'expected full_eval(_raw).parquet, mean_eval/std_eval.parquet, or DataDecide-eval-results / DataDecide-ppl-results rows',
      },
    );
  }
  if (detection.missing.length > 0) {
    throw new MlduckError(
      `looks like ${detection.format} but lacks the id column(s) ${detection.missing.join(', ')}`,
      { file: ctx.path, hint: 'every DataDecide row is keyed by params, data, seed and step' },
    );
  }
  switch (detection.format) {
    case 'full_eval':
      return ingestFullEval(ctx, columns);
    case 'hf_eval_results':
      return ingestHfEvalResults(ctx, columns);
    case 'hf_ppl_results':
      return ingestHfPplResults(ctx, columns);
    case 'seed_stats':
      return ingestSeedStats(ctx, columns);
  }
}

/** Ingests every file; stops at the first failure (earlier files stay ingested). */
export async function ingestDatadecide(
  wh: Warehouse,
  paths: readonly string[],
  options: DatadecideIngestOptions = {},
): Promise<IngestReport[]> {
  const files = expandPaths(paths);
  const ranked: { file: string; rank: number }[] = [];
  for (const file of files) {
    let rank = 0;
    try {
      const columns = await describeParquet(wh.conn, file, file);
      rank = FORMAT_ORDER[detectFormat(columns.map((c) => c.name))?.format ?? 'full_eval'];
    } catch {
      // Reported with its path by the ingest itself.
    }
    ranked.push({ file, rank });
  }
  ranked.sort((a, b) => a.rank - b.rank);
  const reports: IngestReport[] = [];
  for (const { file } of ranked) {
    const report = await wh.ingest(INGEST_KIND, file, ingestOne, { force: options.force ?? false });
    options.onReport?.(report);
    reports.push(report);
  }
  return reports;
}
