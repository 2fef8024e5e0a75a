import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { describeReport } from '../../src/commands/demo.ts';
import type { Output } from '../../src/output.ts';
import type { MlduckPlugin } from '../../src/plugin.ts';
import { ingestQa, type QaProgress } from './ingest.ts';

/** A progress bar on a terminal (units, questions, questions/s, ETA by input bytes); nothing when piped. */
function progressBar(out: Output): { update: (p: QaProgress) => void; stop: () => void } {
  if (!out.interactive) return { update: () => {}, stop: () => {} };
  const started = performance.now();
  const bar = new cliProgress.SingleBar(
    {
      format:
        'qa |{bar}| {percentage}% units {units} · {questions} questions · {rate} questions/s · ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let begun = false;
  return {
    update: (p) => {
      const seconds = Math.max(1e-3, (performance.now() - started) / 1000);
      const payload = {
        units: `${p.unitsDone}/${p.units}`,
        questions: p.questions.toLocaleString('en-US'),
        rate: Math.round(p.questions / seconds).toLocaleString('en-US'),
      };
      if (!begun) {
        bar.start(Math.max(1, p.bytesTotal), p.bytesRead, payload);
        begun = true;
      } else bar.update(Math.min(p.bytesRead, p.bytesTotal), payload);
    },
    stop: () => {
      if (begun) bar.stop();
      begun = false;
    },
  };
}

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
        const bar = progressBar(ctx.out);
        try {
          await ingestQa(wh, paths, {
            force: opts.force ?? false,
            onProgress: bar.update,
            onReport: (report) => {
              // Lines printed under a live bar would be redrawn over: the bar pauses for them.
              bar.stop();
              ctx.out.data(describeReport(report));
              for (const warning of report.warnings) ctx.out.warn(`${report.path}: ${warning}`);
            },
          });
        } finally {
          bar.stop();
        }
      });
  },

  async demo(wh, { examplesDir }) {
    return ingestQa(wh, [join(examplesDir, 'qa', 'tarballs')]);
  },
};
