/** `mlduck pull wandb ENTITY/PROJECT` and `mlduck pull hf REPO`: fetch from the source, land in the warehouse. */
import { Option } from 'commander';
import { MlduckError } from '../src/errors.ts';
import type { MlduckPlugin } from '../src/plugin.ts';
import { pullHfCommand } from './hf/command.ts';
import { DEFAULT_RETRY, HttpClient, type RetryPolicy } from './http.ts';
import { wandbCredentials } from './wandb/credentials.ts';
import { WandbGraphql } from './wandb/graphql.ts';
import { pullWandb } from './wandb/pull.ts';
import { ExportStore, parseProjectPath } from './wandb/store.ts';

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new MlduckError(`${name} must be a positive integer, got ${JSON.stringify(value)}`, {
        kind: 'usage',
      });
    }
    return n;
  };
}

/** The retry policy of the CLI: `--max-wait` seconds; MLDUCK_PULL_BACKOFF_MS shortens backoff (tests). */
export function retryPolicy(maxWaitSeconds: number | undefined): RetryPolicy {
  const base = Number(process.env.MLDUCK_PULL_BACKOFF_MS);
  return {
    ...DEFAULT_RETRY,
    ...(Number.isFinite(base) && base >= 0 && process.env.MLDUCK_PULL_BACKOFF_MS
      ? { baseBackoffMs: base }
      : {}),
    ...(maxWaitSeconds !== undefined ? { maxWaitMs: maxWaitSeconds * 1000 } : {}),
  };
}

export function defaultDataDir(): string {
  return process.env.MLDUCK_DATA ?? 'mlduck-data';
}

function parseFilter(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new MlduckError(`--filter must be a JSON object (the W&B API's run filters), got ${text}`, {
    kind: 'usage',
    hint: `e.g. --filter '{"state": "finished"}' or '{"tags": {"$in": ["finetune"]}}'`,
  });
}

function parseSince(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new MlduckError(`--since must be a date or ISO time, got ${JSON.stringify(text)}`, {
      kind: 'usage',
    });
  }
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface WandbCommandOptions {
  dataDir: string;
  concurrency: number;
  forceRefresh?: boolean;
  runsOnly?: boolean;
  filter?: string;
  since?: string;
  perPage: number;
  landBatch: number;
  maxWait?: number;
}

export const pullPlugin: MlduckPlugin = {
  name: 'pull',

  registerCommands(program, ctx) {
    const pull = program
      .command('pull')
      .description('fetch experiment data from W&B or the Hugging Face Hub and land it in the warehouse');

    pull
      .command('wandb')
      .description(
        "runs and history of a W&B project through W&B's public GraphQL API (as the official SDK calls it), incrementally: new runs, runs not yet finished, history from the last stored step; kept as a dr_wandb v3 export under --data-dir and landed in the wandb_* tables (docs/pull.md)",
      )
      .argument('<entity/project>', 'the W&B project')
      .option('--data-dir <dir>', 'where the v3 export is kept (env MLDUCK_DATA)', defaultDataDir())
      .option('--concurrency <n>', 'requests in flight at once', positiveInt('--concurrency'), 8)
      .option('--force-refresh', 'refetch every run and its whole history')
      .option('--runs-only', 'runs (config, summary, …) without history')
      .option('--filter <json>', 'the API\'s run filters, e.g. \'{"state": "finished"}\'')
      .option('--since <time>', 'only runs created at or after this time')
      .option('--per-page <n>', 'runs per listing page', positiveInt('--per-page'), 500)
      .option('--land-batch <n>', 'runs landed per transaction', positiveInt('--land-batch'), 50)
      .addOption(
        new Option(
          '--max-wait <seconds>',
          'give up on a request after waiting this long for retries',
        ).argParser(positiveInt('--max-wait')),
      )
      .action(async (path: string, opts: WandbCommandOptions) => {
        const project = parseProjectPath(path);
        const filters = parseFilter(opts.filter);
        const since = parseSince(opts.since);
        const creds = wandbCredentials();
        const http = new HttpClient(retryPolicy(opts.maxWait), opts.concurrency, `W&B at ${creds.baseUrl}`);
        const graphql = new WandbGraphql(http, creds.baseUrl, creds.apiKey, creds.source);
        const store = new ExportStore(opts.dataDir, project);
        const wh = await ctx.openWarehouse();
        let lastShown = 0;
        const result = await pullWandb(wh, graphql, store, http, {
          forceRefresh: opts.forceRefresh ?? false,
          runsOnly: opts.runsOnly ?? false,
          ...(filters ? { filters } : {}),
          ...(since ? { since } : {}),
          perPage: opts.perPage,
          landBatchSize: opts.landBatch,
          runConcurrency: opts.concurrency,
          onProgress: (p) => {
            const now = Date.now();
            if (now - lastShown < 1000) return;
            lastShown = now;
            ctx.out.info(
              `listed ${p.listed}, fetched ${p.fetched}, landed ${p.landed} runs, ${p.historyRows} history rows`,
            );
          },
        });
        for (const w of result.warnings) ctx.out.warn(w);
        ctx.out.data(
          `pulled ${project.entity}/${project.project}: ${result.listed} run(s) listed, ${result.fetched} fetched, ${result.unchanged} unchanged, ${result.landed} landed, ${result.historyRows} history row(s); ${result.http.requests} request(s), ${result.http.retries} retried, ${result.http.bytesIn} bytes in; export ${result.exportDir}`,
        );
      });

    pullHfCommand(pull, ctx);
  },
};
