import { join } from 'node:path';
import { describeReport } from '../../src/commands/demo.ts';
import type { MlduckPlugin } from '../../src/plugin.ts';
import { ingestWandb } from './ingest.ts';

export const wandbPlugin: MlduckPlugin = {
  name: 'wandb',

  registerIngest(ingest, ctx) {
    ingest
      .command('wandb')
      .description(
        'W&B runs and history exports of every generation, detected by content: dr_wandb v0 runs_metadata*.parquet / runs_history.parquet, notebook JSONL (history one array per line), v3 runs.jsonl/history.jsonl, and DuckDB Parquet of those (directories are walked for *.parquet, *.jsonl, *.json)',
      )
      .argument('<paths...>', 'export files or directories')
      .option('--force', 're-ingest files whose bytes were ingested before')
      .action(async (paths: string[], opts: { force?: boolean }) => {
        const wh = await ctx.openWarehouse();
        await ingestWandb(wh, paths, {
          force: opts.force ?? false,
          onReport: (report) => {
            ctx.out.data(describeReport(report));
            for (const warning of report.warnings) ctx.out.warn(`${report.path}: ${warning}`);
          },
          onSkip: (path, why) => ctx.out.info(`skipped ${path}: ${why}`),
        });
      });
  },

  // The demo ingests the real v0 samples only (fast); the other generations in examples/wandb/ hold the same
  // runs and are exercised by the tests and `mlduck ingest wandb examples/wandb`.
  async demo(wh, { examplesDir }) {
    const dir = join(examplesDir, 'wandb');
    return ingestWandb(wh, [
      join(dir, 'wandb_runs_sample.parquet'),
      join(dir, 'wandb_history_sample.parquet'),
    ]);
  },
};
