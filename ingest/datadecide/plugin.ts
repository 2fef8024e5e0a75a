import { join } from 'node:path';
import { describeReport } from '../../src/commands/demo.ts';
import type { MlduckPlugin } from '../../src/plugin.ts';
import { expandPaths, ingestDatadecide } from './ingest.ts';

export const datadecidePlugin: MlduckPlugin = {
  name: 'datadecide',

  registerIngest(ingest, ctx) {
    ingest
      .command('datadecide')
      .description(
        'DataDecide pretraining evaluations: full_eval(_raw).parquet, mean_eval/std_eval.parquet, and raw Hugging Face DataDecide-eval-results / DataDecide-ppl-results rows (detected by columns; directories are walked for *.parquet)',
      )
      .argument('<paths...>', 'Parquet files or directories')
      .option('--force', 're-ingest files whose bytes were ingested before')
      .action(async (paths: string[], opts: { force?: boolean }) => {
        const wh = await ctx.openWarehouse();
        await ingestDatadecide(wh, paths, {
          force: opts.force ?? false,
          onReport: (report) => {
            ctx.out.data(describeReport(report));
            for (const warning of report.warnings) ctx.out.warn(`${report.path}: ${warning}`);
          },
        });
      });
  },

  async demo(wh, { examplesDir }) {
    return ingestDatadecide(wh, expandPaths([join(examplesDir, 'datadecide')]));
  },
};
