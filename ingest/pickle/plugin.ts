import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MlduckError } from '../../src/errors.ts';
import type { MlduckPlugin } from '../../src/plugin.ts';
import type { IngestReport } from '../../src/warehouse.ts';
import { ingestPickle } from './load.ts';
import { expandPaths } from './paths.ts';

export const picklePlugin: MlduckPlugin = {
  name: 'pickle',
  registerIngest(ingest, ctx) {
    ingest
      .command('pickle')
      .description(
        'read pickled pandas/numpy exports safely (no code runs): DataFrames, Series, lists of dicts and dicts of them become tables; dr_showntell pickles go to showntell_* and finetune_pretrain_matched',
      )
      .argument('<paths...>', 'pickle files (raw or gzip), or directories of *.pkl / *.pkl.gz files')
      .option('--table <name>', 'base table name for generic pickles (default: the file name)')
      .option('--force', 're-ingest files whose bytes were ingested before')
      .action(async (paths: string[], opts: { table?: string; force?: boolean }) => {
        const files = expandPaths(paths);
        if (opts.table !== undefined && files.length > 1) {
          throw new MlduckError('--table names one table: pass a single file with it', { kind: 'usage' });
        }
        const wh = await ctx.openWarehouse();
        for (const file of files) {
          const report = await ingestPickle(wh, file, {
            ...(opts.table === undefined ? {} : { table: opts.table }),
            force: opts.force === true,
          });
          const rows = Object.entries(report.rows)
            .map(([t, n]) => `${t} ${n}`)
            .join(', ');
          ctx.out.data(
            `${report.status} ${report.path}${rows ? ` (${rows})` : report.message ? ` (${report.message})` : ''}`,
          );
          for (const w of report.warnings) ctx.out.warn(`${report.path}: ${w}`);
        }
      });
  },
  async demo(wh, { examplesDir }) {
    const dir = join(examplesDir, 'pickles');
    if (!existsSync(dir)) return [];
    const reports: IngestReport[] = [];
    for (const file of expandPaths([dir])) reports.push(await ingestPickle(wh, file));
    return reports;
  },
};
