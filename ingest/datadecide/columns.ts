/**
 * The column layout of DataDecide's `full_eval.parquet` (upstream-sources §3.3), as data: which columns
 * exist, in which order, and how a metric column name splits into (task, metric). Task names contain `_`
 * (`mmlu_high_school_physics`) and so do metric names (`acc_raw`), so a name is split on the known metric
 * list (longest suffix first), never on `_`. Pure: no I/O.
 */

/** The 28 downstream metrics, in the (metric-major) order of the `full_eval` columns. */
export const METRICS = [
  'correct_choice',
  'acc_raw',
  'acc_per_token',
  'acc_per_char',
  'acc_per_byte',
  'acc_uncond',
  'no_answer',
  'sum_logits_corr',
  'logits_per_token_corr',
  'logits_per_char_corr',
  'bits_per_byte_corr',
  'correct_prob',
  'correct_prob_per_token',
  'correct_prob_per_char',
  'margin',
  'margin_per_token',
  'margin_per_char',
  'total_prob',
  'total_prob_per_token',
  'total_prob_per_char',
  'uncond_correct_prob',
  'uncond_correct_prob_per_token',
  'uncond_correct_prob_per_char',
  'uncond_total_prob',
  'norm_correct_prob',
  'norm_correct_prob_per_token',
  'norm_correct_prob_per_char',
  'primary_metric',
] as const;

/** Keys of the raw Hugging Face `metrics` dict that the upstream parse drops (`DROP_METRICS`). */
export const DROPPED_RAW_METRICS = [
  'predicted_index_raw',
  'predicted_index_per_token',
  'predicted_index_per_char',
  'predicted_index_per_byte',
  'predicted_index_uncond',
  'logits_per_byte_corr',
] as const;

/** The 57 MMLU subject tasks (as in the raw Hugging Face `task` column). */
export const MMLU_SUBJECT_TASKS = [
  'mmlu_abstract_algebra',
  'mmlu_anatomy',
  'mmlu_astronomy',
  'mmlu_business_ethics',
  'mmlu_clinical_knowledge',
  'mmlu_college_biology',
  'mmlu_college_chemistry',
  'mmlu_college_computer_science',
  'mmlu_college_mathematics',
  'mmlu_college_medicine',
  'mmlu_college_physics',
  'mmlu_computer_security',
  'mmlu_conceptual_physics',
  'mmlu_econometrics',
  'mmlu_electrical_engineering',
  'mmlu_elementary_mathematics',
  'mmlu_formal_logic',
  'mmlu_global_facts',
  'mmlu_high_school_biology',
  'mmlu_high_school_chemistry',
  'mmlu_high_school_computer_science',
  'mmlu_high_school_european_history',
  'mmlu_high_school_geography',
  'mmlu_high_school_government_and_politics',
  'mmlu_high_school_macroeconomics',
  'mmlu_high_school_mathematics',
  'mmlu_high_school_microeconomics',
  'mmlu_high_school_physics',
  'mmlu_high_school_psychology',
  'mmlu_high_school_statistics',
  'mmlu_high_school_us_history',
  'mmlu_high_school_world_history',
  'mmlu_human_aging',
  'mmlu_human_sexuality',
  'mmlu_international_law',
  'mmlu_jurisprudence',
  'mmlu_logical_fallacies',
  'mmlu_machine_learning',
  'mmlu_management',
  'mmlu_marketing',
  'mmlu_medical_genetics',
  'mmlu_miscellaneous',
  'mmlu_moral_disputes',
  'mmlu_moral_scenarios',
  'mmlu_nutrition',
  'mmlu_philosophy',
  'mmlu_prehistory',
  'mmlu_professional_accounting',
  'mmlu_professional_law',
  'mmlu_professional_medicine',
  'mmlu_professional_psychology',
  'mmlu_public_relations',
  'mmlu_security_studies',
  'mmlu_sociology',
  'mmlu_us_foreign_policy',
  'mmlu_virology',
  'mmlu_world_religions',
] as const;

/** The pseudo-task the upstream parse adds: the mean over all MMLU subject rows of a checkpoint. */
export const MMLU_AVERAGE_TASK = 'mmlu_average';

/**
 * The 67 downstream tasks in `full_eval` column order: pandas `pivot_table` sorts them by name, which puts
 * `mmlu_average` between `mmlu_astronomy` and `mmlu_business_ethics`.
 */
export const TASKS: readonly string[] = [
  'arc_challenge',
  'arc_easy',
  'boolq',
  'csqa',
  'hellaswag',
  ...[...MMLU_SUBJECT_TASKS, MMLU_AVERAGE_TASK].sort(),
  'openbookqa',
  'piqa',
  'socialiqa',
  'winogrande',
];

/** Tasks without an unconditional variant: their uncond columns are all-NaN upstream and dropped by the pivot. */
export const TASKS_WITHOUT_UNCOND: ReadonlySet<string> = new Set(['boolq', 'winogrande']);
export const UNCOND_METRICS: ReadonlySet<string> = new Set([
  'acc_uncond',
  'uncond_correct_prob',
  'uncond_correct_prob_per_token',
  'uncond_correct_prob_per_char',
  'uncond_total_prob',
]);

/** The 11 perplexity sets, in `full_eval` order; column `<set>-valppl`, stored as task `<set>`, metric `valppl`. */
export const PPL_SETS = [
  'wikitext_103',
  'pile',
  'm2d2_s2orc',
  'ice',
  'dolma_wiki',
  'dolma_stack',
  'dolma_reddit',
  'dolma_pes2o',
  'dolma_common-crawl',
  'dolma_books',
  'c4_en',
] as const;
export const PPL_METRIC = 'valppl';

/** Raw Hugging Face `DataDecide-ppl-results` column of a perplexity set. */
export function rawPplColumn(set: string): string {
  return `eval/${set}-validation/Perplexity`;
}

export type SqlType = 'VARCHAR' | 'BIGINT' | 'INTEGER' | 'DOUBLE' | 'BOOLEAN';

export interface TypedColumn {
  readonly name: string;
  readonly type: SqlType;
}

/** The checkpoint key, with the `full_eval` types (step is float64 there; stored as BIGINT). */
export const ID_COLUMNS: readonly TypedColumn[] = [
  { name: 'params', type: 'VARCHAR' },
  { name: 'data', type: 'VARCHAR' },
  { name: 'seed', type: 'BIGINT' },
  { name: 'step', type: 'DOUBLE' },
  { name: 'tokens', type: 'DOUBLE' },
  { name: 'compute', type: 'DOUBLE' },
];

/** The schedule prefix after the ids; `full_eval_raw` lacks the last two. */
export const SCHEDULE_COLUMNS: readonly TypedColumn[] = [
  { name: 'total_steps', type: 'BIGINT' },
  { name: 'warmup_steps', type: 'BIGINT' },
  { name: 'lr_max', type: 'DOUBLE' },
  { name: 'batch_size', type: 'BIGINT' },
  { name: 'lr_at_step', type: 'DOUBLE' },
  { name: 'cumulative_lr', type: 'DOUBLE' },
];
export const COMPUTED_LR_COLUMNS = ['lr_at_step', 'cumulative_lr'] as const;

/** The 10 hand-made dataset features per recipe (`dataset_features.csv`), in `full_eval` order. */
export const DATASET_FEATURE_COLUMNS: readonly TypedColumn[] = [
  { name: 'total_tokens_billions', type: 'BIGINT' },
  { name: 'pct_code', type: 'DOUBLE' },
  { name: 'pct_common_crawl', type: 'DOUBLE' },
  { name: 'pct_social_media', type: 'DOUBLE' },
  { name: 'mean_doc_length_tokens', type: 'BIGINT' },
  { name: 'duplicate_rate_pct', type: 'DOUBLE' },
  { name: 'quality_filter_strength', type: 'BIGINT' },
  { name: 'is_mixed_dataset', type: 'BIGINT' },
  { name: 'num_sources_mixed', type: 'BIGINT' },
  { name: 'educational_content_score', type: 'BIGINT' },
];

/** The 40 model-configuration columns per size (`model_utils.get_model_details_df`), in `full_eval` order. */
export const MODEL_DETAIL_COLUMNS: readonly TypedColumn[] = [
  { name: 'default_seed', type: 'BIGINT' },
  { name: 'length_str', type: 'VARCHAR' },
  { name: 'lr_warmup_start', type: 'DOUBLE' },
  { name: 'd_model', type: 'BIGINT' },
  { name: 'n_heads', type: 'BIGINT' },
  { name: 'n_layers', type: 'BIGINT' },
  { name: 'mlp_ratio', type: 'BIGINT' },
  { name: 'weight_tying', type: 'BOOLEAN' },
  { name: 'alibi', type: 'BOOLEAN' },
  { name: 'rope', type: 'BOOLEAN' },
  { name: 'flash_attention', type: 'BOOLEAN' },
  { name: 'attention_dropout', type: 'DOUBLE' },
  { name: 'attention_layer_norm', type: 'BOOLEAN' },
  { name: 'include_bias', type: 'BOOLEAN' },
  { name: 'layer_norm_type', type: 'VARCHAR' },
  { name: 'layer_norm_with_affine', type: 'BOOLEAN' },
  { name: 'layer_norm_eps', type: 'DOUBLE' },
  { name: 'bias_for_layer_norm', type: 'BOOLEAN' },
  { name: 'attention_layer_norm_with_affine', type: 'BOOLEAN' },
  { name: 'activation_type', type: 'VARCHAR' },
  { name: 'residual_dropout', type: 'DOUBLE' },
  { name: 'embedding_dropout', type: 'DOUBLE' },
  { name: 'max_sequence_length', type: 'BIGINT' },
  { name: 'vocab_size', type: 'BIGINT' },
  { name: 'embedding_size', type: 'BIGINT' },
  { name: 'eos_token_id', type: 'BIGINT' },
  { name: 'pad_token_id', type: 'BIGINT' },
  { name: 'init_device', type: 'VARCHAR' },
  { name: 'init_fn', type: 'VARCHAR' },
  { name: 'init_std', type: 'DOUBLE' },
  { name: 'init_cutoff_factor', type: 'BIGINT' },
  { name: 'params_numeric', type: 'DOUBLE' },
  { name: 'true_model_size', type: 'BIGINT' },
  { name: 'total_tokens', type: 'BIGINT' },
  { name: 'warmup_tokens', type: 'BIGINT' },
  { name: 'lr_final', type: 'DOUBLE' },
  { name: 'total_seqs', type: 'BIGINT' },
  { name: 'warmup_perc', type: 'DOUBLE' },
  { name: 'lr_decay_tokens', type: 'BIGINT' },
  { name: 'lr_decay_steps', type: 'BIGINT' },
];

/** One metric column of `full_eval`: its name, where it goes in the long table, its position. */
export interface MetricColumn {
  readonly column: string;
  readonly task: string;
  readonly metric: string;
  readonly kind: 'perplexity' | 'downstream';
}

export function metricColumnName(task: string, metric: string): string {
  return metric === PPL_METRIC ? `${task}-${PPL_METRIC}` : `${task}_${metric}`;
}

/** Whether `full_eval` has a column for this downstream (task, metric). */
export function isPublishedDownstream(task: string, metric: string): boolean {
  return !(TASKS_WITHOUT_UNCOND.has(task) && UNCOND_METRICS.has(metric));
}

/** The 11 perplexity then 1,866 downstream columns (metric-major), in `full_eval` order. */
export const METRIC_COLUMNS: readonly MetricColumn[] = [
  ...PPL_SETS.map((set) => ({
    column: metricColumnName(set, PPL_METRIC),
    task: set,
    metric: PPL_METRIC,
    kind: 'perplexity' as const,
  })),
  ...METRICS.flatMap((metric) =>
    TASKS.filter((task) => isPublishedDownstream(task, metric)).map((task) => ({
      column: metricColumnName(task, metric),
      task,
      metric,
      kind: 'downstream' as const,
    })),
  ),
];

const METRIC_COLUMN_BY_NAME: ReadonlyMap<string, MetricColumn> = new Map(
  METRIC_COLUMNS.map((c) => [c.column, c]),
);
const KNOWN_TASKS: ReadonlySet<string> = new Set(TASKS);
/** Longest first, so `correct_prob_per_token` wins over `per_token`-less `correct_prob`… */
const METRICS_LONGEST_FIRST = [...METRICS].sort((a, b) => b.length - a.length);

/**
 * Splits a metric column name into (task, metric) on the known metric list: the longest known metric that
 * is a `_`-suffix of the name and leaves a known task. Perplexity columns (`<set>-valppl`) give metric
 * `valppl`. Returns null when the name matches no known (task, metric).
 */
export function splitMetricColumn(column: string): { task: string; metric: string } | null {
  const known = METRIC_COLUMN_BY_NAME.get(column);
  if (known) return { task: known.task, metric: known.metric };
  if (column.endsWith(`-${PPL_METRIC}`)) return null;
  for (const metric of METRICS_LONGEST_FIRST) {
    if (!column.endsWith(`_${metric}`)) continue;
    const task = column.slice(0, -(metric.length + 1));
    if (KNOWN_TASKS.has(task)) return { task, metric };
  }
  return null;
}

/** What a `full_eval`-family column is. */
export type ColumnRole = 'id' | 'schedule' | 'metric' | 'dataset' | 'model';

const ROLE_BY_NAME: ReadonlyMap<string, ColumnRole> = new Map<string, ColumnRole>([
  ...ID_COLUMNS.map((c) => [c.name, 'id'] as const),
  ...SCHEDULE_COLUMNS.map((c) => [c.name, 'schedule'] as const),
  ...DATASET_FEATURE_COLUMNS.map((c) => [c.name, 'dataset'] as const),
  ...MODEL_DETAIL_COLUMNS.map((c) => [c.name, 'model'] as const),
]);

/** The role of a column of a `full_eval`/`mean_eval`-shaped file, or null for an unknown column. */
export function columnRole(column: string): ColumnRole | null {
  return ROLE_BY_NAME.get(column) ?? (METRIC_COLUMN_BY_NAME.has(column) ? 'metric' : null);
}

/** The exact 1,939 `full_eval.parquet` columns with their types, in order. */
export const FULL_EVAL_COLUMNS: readonly TypedColumn[] = [
  ...ID_COLUMNS,
  ...SCHEDULE_COLUMNS,
  ...METRIC_COLUMNS.map((c) => ({ name: c.column, type: 'DOUBLE' as const })),
  ...DATASET_FEATURE_COLUMNS,
  ...MODEL_DETAIL_COLUMNS,
];

/** `full_eval_raw.parquet`: the same without the two computed LR columns. */
export const FULL_EVAL_RAW_COLUMNS: readonly TypedColumn[] = FULL_EVAL_COLUMNS.filter(
  (c) => !(COMPUTED_LR_COLUMNS as readonly string[]).includes(c.name),
);

/**
 * `mean_eval`/`std_eval` (1,924 columns): the group keys `params, data, step, tokens, compute`, then every
 * numeric non-id column of `full_eval` in order, all float64 (pandas `select_dtypes("number")` drops bools
 * and strings).
 */
export const SEED_STATS_COLUMNS: readonly TypedColumn[] = [
  { name: 'params', type: 'VARCHAR' },
  { name: 'data', type: 'VARCHAR' },
  { name: 'step', type: 'DOUBLE' },
  { name: 'tokens', type: 'DOUBLE' },
  { name: 'compute', type: 'DOUBLE' },
  ...FULL_EVAL_COLUMNS.filter(
    (c) => columnRole(c.name) !== 'id' && (c.type === 'BIGINT' || c.type === 'DOUBLE'),
  ).map((c) => ({ name: c.name, type: 'DOUBLE' as const })),
];
