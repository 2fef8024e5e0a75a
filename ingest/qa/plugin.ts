import { join } from 'node:path';
import { describeReport } from '../../src/commands/demo.ts';
import type { MlduckPlugin } from '../../src/plugin.ts';
import { ingestQa } from './ingest.ts';

export const qaPlugin: MlduckPlugin = {
  name: 'qa',

  registerIngest(ingest, ctx) {
    ingest
      .command('qa')
      .description(
        'OLMES per-question outputs (DataDecide-eval-instances): extracted <recipe>/<params>/seed-<n>/step-<N>/ directories of <task>-metrics.json + <task>-predictions.jsonl, per-checkpoint step-<N>.tar.gz and per-recipe tarballs, read streaming; directories are walked for both',
      )
      .argument('<paths...>', 'tarballs, step-<N> directories or trees holding them')
      .option('--force', 're-ingest inputs whose bytes were ingested before')
      .action(async (paths: string[], opts: { force?: boolean }) => {
        const wh = await ctx.openWarehouse();
        await ingestQa(wh, paths, {
          force: opts.force ?? false,
          onReport: (report) => {
            ctx.out.data(describeReport(report));
            for (const warning of report.warnings) ctx.out.warn(`${report.path}: ${warning}`);
          },
        });
      });
  },

  async demo(wh, { examplesDir }) {
    return ingestQa(wh, [join(examplesDir, 'qa', 'tarballs')]);
  },
};
