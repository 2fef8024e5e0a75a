/**
 * Which DataDecide file a Parquet file is, from its column names alone (DESIGN §5: by content, not by
 * file name). Pure.
 */
import { MODEL_DETAIL_COLUMNS, PPL_SETS, rawPplColumn } from './columns.ts';

/** Columns full_eval has and mean/std drop (pandas keeps numeric columns only). */
const NON_NUMERIC_COLUMNS = MODEL_DETAIL_COLUMNS.filter(
  (c) => c.type === 'VARCHAR' || c.type === 'BOOLEAN',
).map((c) => c.name);

export type DatadecideFormat =
  /** `full_eval.parquet` (with lr_at_step, cumulative_lr) or `full_eval_raw.parquet` (without). */
  | 'full_eval'
  /** `mean_eval.parquet` / `std_eval.parquet`: no seed column; mean or std is told by the values. */
  | 'seed_stats'
  /** Rows of `allenai/DataDecide-eval-results`: one task per row, `metrics` a Python-dict string. */
  | 'hf_eval_results'
  /** Rows of `allenai/DataDecide-ppl-results`: `eval/<set>-validation/Perplexity` columns. */
  | 'hf_ppl_results';

export const HF_EVAL_COLUMNS = ['params', 'data', 'task', 'step', 'seed', 'metrics'] as const;
export const HF_PPL_ID_COLUMNS = ['params', 'data', 'seed', 'step'] as const;
export const FULL_EVAL_ID_COLUMNS = ['params', 'data', 'seed', 'step', 'tokens', 'compute'] as const;
/** Without these a row is no checkpoint (tokens and compute may be missing: stored NULL, with a warning). */
export const CHECKPOINT_KEY_COLUMNS = ['params', 'data', 'seed', 'step'] as const;
export const SEED_STATS_KEY_COLUMNS = ['params', 'data', 'step', 'tokens', 'compute'] as const;

export interface Detection {
  format: DatadecideFormat;
  /** Required columns of that format that the file lacks (an error when non-empty). */
  missing: string[];
}

const missingOf = (have: ReadonlySet<string>, need: readonly string[]) => need.filter((c) => !have.has(c));

/** Detects the format, or returns null when the columns look like no DataDecide file. */
export function detectFormat(columns: readonly string[]): Detection | null {
  const have = new Set(columns);
  if (have.has('metrics') && have.has('task')) {
    return { format: 'hf_eval_results', missing: missingOf(have, HF_EVAL_COLUMNS) };
  }
  if (PPL_SETS.some((set) => have.has(rawPplColumn(set)))) {
    return { format: 'hf_ppl_results', missing: missingOf(have, HF_PPL_ID_COLUMNS) };
  }
  const looksWide = have.has('params') || have.has('data') || have.has('step');
  if (!looksWide) return null;
  if (!have.has('seed') && !NON_NUMERIC_COLUMNS.some((c) => have.has(c))) {
    return { format: 'seed_stats', missing: missingOf(have, SEED_STATS_KEY_COLUMNS) };
  }
  return { format: 'full_eval', missing: missingOf(have, CHECKPOINT_KEY_COLUMNS) };
}
