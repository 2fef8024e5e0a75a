/** The `mlduck pull hf` subcommand. */
import { type Command, Option } from 'commander';
import { MlduckError } from '../../src/errors.ts';
import type { CliContext } from '../../src/plugin.ts';
import { printReport } from '../../src/report.ts';
import { DEFAULT_RETRY, HttpClient } from '../http.ts';
import { hubCacheDir, parseRepoId, RepoCache, type RepoType } from './cache.ts';
import { HubClient, hfOffline, hubAuth } from './hub.ts';
import { pullHf } from './pull.ts';

interface HfCommandOptions {
  include: string[];
  revision: string;
  repoType: RepoType;
  cacheDir?: string;
  concurrency: string;
  ingest: boolean;
  maxWait?: string;
}

function retryPolicy(maxWait: string | undefined) {
  const base = Number(process.env.MLDUCK_PULL_BACKOFF_MS);
  const wait = maxWait === undefined ? undefined : Number(maxWait);
  if (wait !== undefined && !(Number.isInteger(wait) && wait > 0)) {
    throw new MlduckError(`--max-wait must be a positive integer, got ${JSON.stringify(maxWait)}`, {
      kind: 'usage',
    });
  }
  return {
    ...DEFAULT_RETRY,
    ...(process.env.MLDUCK_PULL_BACKOFF_MS && Number.isFinite(base) && base >= 0
      ? { baseBackoffMs: base }
      : {}),
    ...(wait !== undefined ? { maxWaitMs: wait * 1000 } : {}),
  };
}

export function pullHfCommand(pull: Command, ctx: CliContext): void {
  pull
    .command('hf')
    .description(
      'files of a Hugging Face Hub repo (default: dataset) into the standard HF cache (resumed, size- and hash-verified; HF_TOKEN, HF_ENDPOINT, HF_HUB_OFFLINE honoured), then the DataDecide eval/ppl results among them into the warehouse (docs/pull.md)',
    )
    .argument('<repo>', 'ORG/NAME, e.g. allenai/DataDecide-eval-results')
    .option(
      '--include <glob>',
      'repo paths to fetch (repeatable; * within a folder, ** across)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--revision <rev>', 'branch, tag or commit', 'main')
    .addOption(
      new Option('--repo-type <type>', 'kind of repo').choices(['dataset', 'model']).default('dataset'),
    )
    .option(
      '--cache-dir <dir>',
      'HF cache root (default: HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub)',
    )
    .option('--concurrency <n>', 'files downloaded at once', '4')
    .option('--no-ingest', 'download only')
    .option('--max-wait <seconds>', 'give up on a request after waiting this long for retries')
    .action(async (repoText: string, opts: HfCommandOptions) => {
      const repo = parseRepoId(repoText, opts.repoType);
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new MlduckError(`--concurrency must be a positive integer, got ${opts.concurrency}`, {
          kind: 'usage',
        });
      }
      const include = opts.include && opts.include.length > 0 ? opts.include : ['**/*.parquet'];
      const auth = hubAuth();
      const http = new HttpClient(retryPolicy(opts.maxWait), concurrency, `the Hub at ${auth.endpoint}`);
      const hub = new HubClient(http, auth, repo);
      const cache = new RepoCache(opts.cacheDir ?? hubCacheDir(), repo);
      const wh = opts.ingest ? await ctx.openWarehouse() : null;
      const result = await pullHf(wh, hub, cache, http, {
        revision: opts.revision,
        include,
        offline: hfOffline(),
        concurrency,
        ingest: opts.ingest,
        onInfo: (text) => ctx.out.info(text),
        onReport: (report) => printReport(ctx.out, report),
      });
      for (const file of result.notIngested)
        ctx.out.info(`kept in the cache, not ingested (not a DataDecide table): ${file}`);
      ctx.out.data(
        `pulled ${repo.repoId}@${result.commit.slice(0, 12)}: ${result.selected} file(s) selected, ${result.downloaded} downloaded (${result.bytesDownloaded} bytes), ${result.reports.length} ingested; ${http.stats.requests} request(s), ${http.stats.retries} retried; snapshot ${result.snapshotDir}`,
      );
    });
}
