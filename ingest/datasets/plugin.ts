import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { MlduckError } from '../../src/errors.ts';
import { formatResult, RESULT_FORMATS, type ResultFormat } from '../../src/format.ts';
import type { CliContext, MlduckPlugin } from '../../src/plugin.ts';
import { convertDataset } from './convert.ts';
import { placementOf, writeSeedManifestFor } from './manifest-command.ts';
import {
  categoryAmounts,
  computeMix,
  type MixBasis,
  type MixMeasure,
  parseTargets,
  QUICKSTART_TARGETS,
} from './mix.ts';
import { type ScanResult, scanDatasets } from './scan.ts';

const DEFAULT_ROOT = 'data';

function describeScan(result: ScanResult): string {
  const s = result.summary;
  if (result.report.status === 'skipped') return `${s.root}: unchanged (${result.report.message})`;
  return `${s.root}: ${s.files} files (${s.added} new, ${s.changed} changed, ${s.unchanged} unchanged, ${s.vanished} vanished; ${s.hashed} hashed), ${s.manifests} manifests, ${s.problems.length} problems, ${s.drift.length} drift, ${s.conflicts.length} conflicts`;
}

const LIST_COLUMNS = `stage, coalesce(area, '') AS area, coalesce(category, '') AS category, coalesce(dataset, '') AS dataset,
  purpose, coalesce(version, '') AS version, format, "rows", bytes, manifest_status AS manifest, status, path`;

function registerConvert(datasets: Command, ctx: CliContext): void {
  datasets
    .command('convert')
    .description('convert a raw CSV/JSON/JSONL file to Parquet with DuckDB, registered with its lineage')
    .argument('<input>', 'the raw .csv, .json or .jsonl file')
    .requiredOption('--to <path>', 'output, relative to --root: interim/<purpose>_<version>.parquet')
    .option('--drop-null <columns...>', 'drop rows where any of these columns is NULL')
    .option('--root <dir>', 'the data root', DEFAULT_ROOT)
    .option('--force', 'overwrite an existing output')
    .option('--no-scan', 'do not re-scan the root afterwards')
    .action(
      async (
        input: string,
        flags: { to: string; dropNull?: string[]; root: string; force?: boolean; scan: boolean },
      ) => {
        const wh = await ctx.openWarehouse();
        const result = await convertDataset(wh, input, {
          to: flags.to,
          root: flags.root,
          dropNull: flags.dropNull ?? [],
          force: flags.force ?? false,
        });
        ctx.out.data(
          `${result.output}: ${result.outputRows} rows (${result.inputRows} read, ${result.dropped} dropped)`,
        );
        if (flags.scan) ctx.out.info(describeScan(await scanDatasets(wh, flags.root)));
      },
    );
}

export const datasetsPlugin: MlduckPlugin = {
  name: 'datasets',

  registerCommands(program: Command, ctx) {
    const datasets = program
      .command('datasets')
      .description('the datasets registry: scan a data/ tree, list and show datasets, write manifests');

    datasets
      .command('scan')
      .description(
        'register every data file under ROOT (stage, purpose, version, rows, schema, sha256, manifest)',
      )
      .argument('[root]', 'the data folder', DEFAULT_ROOT)
      .option('--force', 're-hash and re-read every file even when size and mtime are unchanged')
      .option('--strict', 'exit with code 2 when a file has a problem, drift or a conflict')
      .action(async (root: string, flags: { force?: boolean; strict?: boolean }) => {
        const wh = await ctx.openWarehouse();
        const result = await scanDatasets(wh, root, { force: flags.force ?? false });
        ctx.out.data(describeScan(result));
        for (const w of result.report.warnings) ctx.out.warn(w);
        const s = result.summary;
        if (flags.strict && s.problems.length + s.drift.length + s.conflicts.length > 0) {
          throw new MlduckError(
            `${s.problems.length} problems, ${s.drift.length} drift, ${s.conflicts.length} conflicts`,
            {
              file: s.root,
            },
          );
        }
      });

    datasets
      .command('list')
      .description('list registered datasets')
      .option('--stage <stage>', 'only this stage (raw, interim, processed, …)')
      .option('--category <category>', 'only this category')
      .option('--purpose <purpose>', 'only this purpose')
      .option('--all', 'include vanished files')
      .addOption(
        new Option('-f, --format <format>', 'output format').choices(RESULT_FORMATS).default('table'),
      )
      .action(
        async (flags: {
          stage?: string;
          category?: string;
          purpose?: string;
          all?: boolean;
          format: ResultFormat;
        }) => {
          const wh = await ctx.openWarehouse({ readOnly: true });
          const where: string[] = [];
          const params: Record<string, string> = {};
          for (const key of ['stage', 'category', 'purpose'] as const) {
            if (flags[key] !== undefined) {
              where.push(`${key} = $${key}`);
              params[key] = flags[key];
            }
          }
          if (!flags.all) where.push("status <> 'vanished'");
          const reader = await wh.conn.runAndReadAll(
            `SELECT ${LIST_COLUMNS} FROM datasets ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
             ORDER BY stage, category NULLS FIRST, dataset NULLS FIRST, purpose, version_key NULLS FIRST, path`,
            params,
          );
          ctx.out.data(
            formatResult({ columns: reader.columnNames(), rows: reader.getRowsJS() }, flags.format),
          );
        },
      );

    datasets
      .command('show')
      .description(
        'everything registered about one dataset: by path, or by purpose (latest version unless --data-version)',
      )
      .argument('<purpose|path>', 'a purpose (teacher_inputs) or a registered file path')
      // Not --version: that is mlduck's own, and commander gives it to the program wherever it stands.
      .option('--data-version <version>', 'this version (v1, v2.1, run_20251103_143022)')
      .addOption(new Option('-f, --format <format>', 'output format').choices(RESULT_FORMATS).default('json'))
      .action(async (what: string, opts: { dataVersion?: string; format: ResultFormat }) => {
        const flags = { version: opts.dataVersion, format: opts.format };
        const wh = await ctx.openWarehouse({ readOnly: true });
        // A registered file, not any folder that happens to share a purpose's name (./test).
        const byPath = existsSync(what) && statSync(what).isFile();
        const reader = await wh.conn.runAndReadAll(
          byPath
            ? `SELECT d.*, l.input_path AS lineage_input, l.input_sha256 AS lineage_input_sha256, l.options AS lineage_options
               FROM datasets d LEFT JOIN datasets_lineage l ON l.output_path = d.path WHERE path = $p OR path = $abs`
            : `SELECT d.*, l.input_path AS lineage_input, l.input_sha256 AS lineage_input_sha256, l.options AS lineage_options
               FROM datasets d LEFT JOIN datasets_lineage l ON l.output_path = d.path WHERE purpose = $p ${flags.version ? 'AND version = $v' : ''} AND status <> 'vanished'
               ORDER BY version_key DESC NULLS LAST, path`,
          byPath
            ? { p: what, abs: resolve(what) }
            : flags.version
              ? { p: what, v: flags.version }
              : { p: what },
        );
        let rows = reader.getRowsJS();
        const columns = reader.columnNames();
        if (rows.length === 0) {
          throw new MlduckError(`no registered dataset ${what}${flags.version ? ` ${flags.version}` : ''}`, {
            kind: 'input',
            hint: 'see `mlduck datasets list`; run `mlduck datasets scan` after adding files',
          });
        }
        if (!byPath && !flags.version) {
          // Latest version only (rows are ordered newest first).
          const keyIndex = columns.indexOf('version_key');
          const latest = rows[0]![keyIndex];
          rows = rows.filter((r) => r[keyIndex] === latest);
        }
        ctx.out.data(formatResult({ columns, rows }, flags.format));
      });

    datasets
      .command('manifest')
      .description(
        'write or update the seed manifest (…/manifests/<category>_manifest_<version>.json) describing FILE',
      )
      .argument('<file>', 'a processed dataset file')
      .option('--root <dir>', 'the data root the file sits in', DEFAULT_ROOT)
      .option('--no-scan', 'do not re-scan the root afterwards')
      .action(async (file: string, flags: { root: string; scan: boolean }) => {
        const abs = resolve(file);
        if (!existsSync(abs)) throw new MlduckError('no such file', { file, kind: 'usage' });
        const wh = await ctx.openWarehouse();
        const written = await writeSeedManifestFor(wh.conn, abs, placementOf(abs, flags.root));
        ctx.out.data(
          `${written.created ? 'wrote' : 'updated'} ${written.target.path} (entry ${written.key})`,
        );
        if (flags.scan && existsSync(flags.root))
          ctx.out.info(describeScan(await scanDatasets(wh, flags.root)));
      });
    registerConvert(datasets, ctx);

    datasets
      .command('mix')
      .description(
        "curriculum status: documents/tokens per category vs target shares (default: the quickstart's table) and what is missing",
      )
      .option(
        '--target <category=percent...>',
        'target shares, replacing the quickstart table (e.g. code=25 math_reasoning=20)',
      )
      .option('--normalize', 'scale targets that do not sum to 100% so that they do')
      .addOption(
        new Option(
          '--by <measure>',
          'measure shares in tokens or documents (default: tokens when known)',
        ).choices(['tokens', 'documents']),
      )
      .addOption(
        new Option('--basis <basis>', 'raw downloads or tokenized outputs (auto: tokenized when registered)')
          .choices(['auto', 'raw', 'tokenized'])
          .default('auto'),
      )
      .addOption(
        new Option('-f, --format <format>', 'output format').choices(RESULT_FORMATS).default('table'),
      )
      .action(
        async (flags: {
          target?: string[];
          normalize?: boolean;
          by?: MixMeasure;
          basis: MixBasis;
          format: ResultFormat;
        }) => {
          let targets: Record<string, number>;
          try {
            targets = flags.target ? parseTargets(flags.target) : { ...QUICKSTART_TARGETS };
          } catch (error) {
            throw new MlduckError((error as Error).message, { kind: 'usage' });
          }
          const wh = await ctx.openWarehouse({ readOnly: true });
          const { basis, amounts } = await categoryAmounts(wh, flags.basis);
          const options: { normalize: boolean; measure?: MixMeasure } = {
            normalize: flags.normalize ?? false,
          };
          if (flags.by) options.measure = flags.by;
          const mix = computeMix(amounts, targets, options);
          for (const note of mix.notes) ctx.out.warn(note);
          ctx.out.info(
            `basis: ${basis}; measure: ${mix.measure}; total when complete: ${mix.totalNeeded} ${mix.measure}`,
          );
          const columns = [
            'category',
            'documents',
            'tokens',
            'share_pct',
            'target_pct',
            `target_${mix.measure}`,
            `missing_${mix.measure}`,
          ];
          ctx.out.data(
            formatResult(
              {
                columns,
                rows: mix.rows.map((r) => [
                  r.category,
                  r.documents,
                  r.tokens,
                  r.share_pct,
                  r.target_pct,
                  r.target_amount,
                  r.missing,
                ]),
              },
              flags.format,
            ),
          );
        },
      );
  },

  async demo(wh, { examplesDir }) {
    const root = join(examplesDir, 'data');
    if (!existsSync(root)) return [];
    const result = await scanDatasets(wh, root);
    return [result.report];
  },
};
