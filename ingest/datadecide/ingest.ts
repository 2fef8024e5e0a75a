/**
 * `mlduck ingest datadecide <paths…>`: each Parquet file is detected by its columns and ingested in its own
 * transaction (the source driver, src/source.ts). Directories are walked for `*.parquet`.
 */
import { join } from 'node:path';
import { MlduckError } from '../../src/errors.ts';
import { type IngestRunOptions, ingestWith, type Source } from '../../src/source.ts';
import type { IngestReport, Warehouse } from '../../src/warehouse.ts';
import { type DatadecideFormat, detectFormat } from './detect.ts';
import { ingestFullEval } from './full-eval.ts';
import { ingestHfEvalResults, ingestHfPplResults } from './hf.ts';
import { ingestSeedStats } from './seed-stats.ts';
import { describeParquet, type SourceColumn } from './source.ts';

export const INGEST_KIND = 'datadecide';

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

interface DatadecideDetection {
  format: DatadecideFormat;
  columns: SourceColumn[];
}

/** DataDecide Parquet as a source: the format told by the columns. */
export const datadecideSource: Source<DatadecideDetection> = {
  kind: INGEST_KIND,
  description:
    'DataDecide pretraining evaluations: full_eval(_raw).parquet, mean_eval/std_eval.parquet, and raw Hugging Face DataDecide-eval-results / DataDecide-ppl-results rows (detected by columns; directories are walked for *.parquet)',
  pathsHelp: 'Parquet files or directories',
  walk: { accept: (name) => name.endsWith('.parquet'), expected: '*.parquet files' },
  async detect(input, conn) {
    const columns = await describeParquet(conn, input.absolutePath, input.path);
    const detection = detectFormat(columns.map((c) => c.name));
    if (!detection) return null;
    if (detection.missing.length > 0) {
      throw new MlduckError(
        `looks like ${detection.format} but lacks the id column(s) ${detection.missing.join(', ')}`,
        { file: input.path, hint: 'every DataDecide row is keyed by params, data, seed and step' },
      );
    }
    return { format: detection.format, columns };
  },
  unrecognised: {
    message: 'not a DataDecide file: no params/data/step columns, no metrics or perplexity columns',
    hint: 'expected full_eval(_raw).parquet, mean_eval/std_eval.parquet, or DataDecide-eval-results / DataDecide-ppl-results rows',
  },
  rank: (detection) => FORMAT_ORDER[detection.format],
  load(ctx) {
    const { format, columns } = ctx.detection;
    switch (format) {
      case 'full_eval':
        return ingestFullEval(ctx, columns);
      case 'hf_eval_results':
        return ingestHfEvalResults(ctx, columns);
      case 'hf_ppl_results':
        return ingestHfPplResults(ctx, columns);
      case 'seed_stats':
        return ingestSeedStats(ctx, columns);
    }
  },
  demoInputs: (examplesDir) => [join(examplesDir, 'datadecide')],
};

/** Ingests every file; stops at the first failure (earlier files stay ingested). */
export function ingestDatadecide(
  wh: Warehouse,
  paths: readonly string[],
  options: IngestRunOptions = {},
): Promise<IngestReport[]> {
  return ingestWith(wh, datadecideSource, paths, options);
}
