import { dirname, join } from 'node:path';
import { Option } from 'commander';
import { MlduckError } from '../src/errors.ts';
import type { MlduckPlugin } from '../src/plugin.ts';
import type { ChartOptions } from './chart.ts';
import { CHART_NAMES, MARKS } from './names.ts';

// Vega, Vega-Lite and resvg load only when a chart is drawn, so every other command starts as fast as before.
const plotModule = () => import('./plot.ts');
const reportModule = () => import('./report.ts');

interface PlotFlags extends ChartOptions {
  out?: string;
  spec?: boolean;
  width?: string;
  smooth?: number;
}

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 16 || n > 16384) {
    throw new MlduckError(`${flag} ${value} is not a width in pixels`, {
      kind: 'usage',
      hint: 'use 16 … 16384',
    });
  }
  return n;
}

function smoothing(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n < 1)) {
    throw new MlduckError(`--smooth ${value} is not an EMA weight`, {
      kind: 'usage',
      hint: 'use a number from 0 (none) up to but not including 1, as in the W&B smoothing slider',
    });
  }
  return n;
}

/** `mlduck plot <chart>` and `mlduck report`: charts and an HTML report drawn from the warehouse. */
export const plotPlugin: MlduckPlugin = {
  name: 'plot',

  registerCommands(program, ctx) {
    program
      .command('plot')
      .description(
        `draw a chart from the warehouse as SVG, PNG or Vega-Lite JSON (charts: ${CHART_NAMES.join(', ')})`,
      )
      .argument('<chart>', CHART_NAMES.join(' | '))
      .option('--out <file>', 'write the chart here; .svg, .png or .json (the Vega-Lite spec) by extension')
      .option('--spec', 'print the Vega-Lite spec (JSON) to standard output')
      .option('--width <px>', 'PNG width in pixels (default: twice the SVG width)')
      .option('--data <recipe...>', 'data recipes to keep')
      .option('--params <size...>', 'model sizes to keep (4M, 150M, …)')
      .option('--task <task...>', 'tasks to keep')
      .option('--metric <metric...>', 'metrics to keep')
      .option('--run <text...>', 'history, finetune-vs-pretrain: runs whose id contains one of these')
      .option('--where <sql>', 'a SQL condition over the chart query columns')
      .option(
        '--x <column>',
        'x column (curves: step, tokens, compute, cumulative_lr; history: step, runtime_s)',
      )
      .option('--y <column>', 'sql: y column')
      .option('--color <column>', 'sql: colour column')
      .option('--facet <column>', 'sql: a panel per value of this column')
      .addOption(new Option('--mark <mark>', 'sql: mark type').choices(MARKS))
      .option('--sql <query>', 'sql: the query to draw')
      .option('--smooth <weight>', 'history: EMA smoothing weight in [0, 1), as W&B applies it', smoothing)
      .action(async (name: string, flags: PlotFlags) => {
        const { chartBytes, checkOutPath, findChart, plotToFile } = await plotModule();
        const chart = findChart(name);
        if (!flags.out && !flags.spec) {
          throw new MlduckError('nothing to write', {
            kind: 'usage',
            hint: 'give --out FILE (.svg/.png/.json) or --spec',
          });
        }
        const width = positiveInteger('--width', flags.width);
        if (flags.out) checkOutPath(flags.out, ['svg', 'png', 'json']);
        const wh = await ctx.openWarehouse({ readOnly: true });
        let built = flags.out ? undefined : await chart.build(wh, flags);
        if (flags.out) {
          const written = await plotToFile(wh, name, flags, flags.out, width);
          built = written.chart;
          ctx.out.info(written.chart.summary);
          ctx.out.info(`wrote ${flags.out} (${written.format}, ${written.bytes} bytes)`);
        } else if (built) {
          ctx.out.info(built.summary);
        }
        if (flags.spec && built) ctx.out.data((await chartBytes(built, 'json')).toString('utf8'));
      });

    program
      .command('report')
      .description('write one self-contained HTML file: the inventory and every chart the warehouse supports')
      .option('--out <file>', 'where to write', 'report.html')
      .action(async (flags: { out: string }) => {
        const { checkOutPath } = await plotModule();
        const { writeReport } = await reportModule();
        checkOutPath(flags.out, 'html');
        const wh = await ctx.openWarehouse({ readOnly: true });
        const report = await writeReport(wh, flags.out);
        for (const line of report.lines) ctx.out.info(line);
        ctx.out.data(`wrote ${flags.out} (${report.charts} charts)`);
      });
  },

  async demo(wh, { out }) {
    const path = join(dirname(wh.path), 'report.html');
    const { writeReport } = await reportModule();
    const report = await writeReport(wh, path);
    out.info(`  report: ${report.charts} charts → ${path} (open it in a browser)`);
    return [];
  },
};
