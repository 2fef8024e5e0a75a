-- Pickled pandas exports (mlduck ingest pickle): the registry of tables made from generic pickles, the
-- dr_showntell *_modernized_run_data.pkl parts and combined_plotting_data_matched.pkl (upstream-sources §4).

CREATE TABLE pickle_tables (
  ingest_id   BIGINT NOT NULL,
  table_name  VARCHAR NOT NULL,
  source_key  VARCHAR,
  source_type VARCHAR NOT NULL,
  row_count   BIGINT NOT NULL,
  columns     VARCHAR[] NOT NULL
);
COMMENT ON TABLE pickle_tables IS 'Tables that `mlduck ingest pickle` created from the tabular members of generic pickles (DataFrames, Series, lists of dicts), one row per table and ingest. Their schema follows the pickled data, so they are made at ingest time rather than by a migration; each carries ingest_id like every ingested table.';
COMMENT ON COLUMN pickle_tables.ingest_id IS 'The ingest that wrote the table rows (ingest_log).';
COMMENT ON COLUMN pickle_tables.table_name IS 'Name of the created table: the --table name (default: the file name), plus _<key> for a member of a pickled dict.';
COMMENT ON COLUMN pickle_tables.source_key IS 'Path of the member inside the pickled object, e.g. processed_dataframes.matched; NULL when the pickle itself was the table.';
COMMENT ON COLUMN pickle_tables.source_type IS 'What was pickled: DataFrame, Series or list of dicts.';
COMMENT ON COLUMN pickle_tables.row_count IS 'Rows written to the table by this ingest.';
COMMENT ON COLUMN pickle_tables.columns IS 'Column names of the table, in order (ingest_id and row_number first).';

CREATE TABLE showntell_processed_runs (
  ingest_id                     BIGINT NOT NULL,
  source_row                    BIGINT NOT NULL,
  run_id                        VARCHAR,
  run_type                      VARCHAR,
  pattern_name                  VARCHAR,
  run_timestamp                 TIMESTAMPTZ,
  exp_name                      VARCHAR,
  initial_checkpoint_recipe     VARCHAR,
  initial_checkpoint_size       VARCHAR,
  initial_checkpoint_steps      VARCHAR,
  seed                          VARCHAR,
  lr                            VARCHAR,
  lr1                           VARCHAR,
  lr2                           VARCHAR,
  num_finetune_tokens_per_epoch DOUBLE,
  num_finetune_epochs           DOUBLE,
  num_finetune_tokens           DOUBLE,
  num_finetuned_tokens_real     DOUBLE,
  abs_difference_ft_tokens_pct  DOUBLE,
  comparison_model_size         VARCHAR,
  comparison_metric             VARCHAR,
  comparison_model_recipe       VARCHAR,
  reduce_loss                   VARCHAR,
  extra                         JSON
);
COMMENT ON TABLE showntell_processed_runs IS 'The processed_runs list of a dr_showntell *_modernized_run_data.pkl: one classified fine-tuning run per row (row.to_dict() of its processed frame plus _run_type). Known fields are typed columns; any other key is kept in extra. NaN (pandas missing) is read as NULL.';
COMMENT ON COLUMN showntell_processed_runs.ingest_id IS 'The ingest that wrote the row (ingest_log).';
COMMENT ON COLUMN showntell_processed_runs.source_row IS '0-based position in the pickled processed_runs list.';
COMMENT ON COLUMN showntell_processed_runs.run_id IS 'W&B run id (equal to the run name).';
COMMENT ON COLUMN showntell_processed_runs.run_type IS 'Classifier run type (_run_type): dpo, matched, reduce_type, simple_ft_vary_tokens, simple_ft, other.';
COMMENT ON COLUMN showntell_processed_runs.pattern_name IS 'Name of the run-id regex that matched (e.g. MATCHED1, FT4, DPO2).';
COMMENT ON COLUMN showntell_processed_runs.run_timestamp IS 'Timestamp parsed from the run id prefix (pickled pandas Timestamp, naive, read as UTC).';
COMMENT ON COLUMN showntell_processed_runs.exp_name IS 'Experiment name from the run id, e.g. test_finetune, match.';
COMMENT ON COLUMN showntell_processed_runs.initial_checkpoint_recipe IS 'Pretraining data recipe of the starting checkpoint after RECIPE_MAPPING, e.g. Dolma1.7, DCLM-Baseline.';
COMMENT ON COLUMN showntell_processed_runs.initial_checkpoint_size IS 'Model size of the starting checkpoint, 4M … 1B.';
COMMENT ON COLUMN showntell_processed_runs.initial_checkpoint_steps IS 'Pretraining step of the starting checkpoint as text (digits, or main).';
COMMENT ON COLUMN showntell_processed_runs.seed IS 'Seed as pickled (text: from the run id or the config).';
COMMENT ON COLUMN showntell_processed_runs.lr IS 'Learning rate as pickled (text from the run id or config learning_rate).';
COMMENT ON COLUMN showntell_processed_runs.lr1 IS 'First learning rate of two-stage runs (text), else NULL.';
COMMENT ON COLUMN showntell_processed_runs.lr2 IS 'Second learning rate of two-stage runs (text), else NULL.';
COMMENT ON COLUMN showntell_processed_runs.num_finetune_tokens_per_epoch IS 'Fine-tuning tokens per epoch parsed from the run id (100M → 1e8; the upstream T-suffix quirk is kept).';
COMMENT ON COLUMN showntell_processed_runs.num_finetune_epochs IS 'Fine-tuning epochs (default 1).';
COMMENT ON COLUMN showntell_processed_runs.num_finetune_tokens IS 'Planned fine-tuning tokens (per epoch × epochs).';
COMMENT ON COLUMN showntell_processed_runs.num_finetuned_tokens_real IS 'Tokens actually seen (W&B summary total_tokens).';
COMMENT ON COLUMN showntell_processed_runs.abs_difference_ft_tokens_pct IS 'Absolute difference between planned and real fine-tuning tokens, in percent.';
COMMENT ON COLUMN showntell_processed_runs.comparison_model_size IS 'Matched runs: size of the pretrained model compared against, e.g. 150M.';
COMMENT ON COLUMN showntell_processed_runs.comparison_metric IS 'Matched runs: metric used for matching, e.g. c4_en-valppl, pile-valppl.';
COMMENT ON COLUMN showntell_processed_runs.comparison_model_recipe IS 'Matched runs: recipe of the comparison model (always Dolma1.7 upstream).';
COMMENT ON COLUMN showntell_processed_runs.reduce_loss IS 'reduce_type runs: the loss reduction from the run id.';
COMMENT ON COLUMN showntell_processed_runs.extra IS 'Every other key of the pickled record, as a JSON object (NULL when there is none).';

CREATE TABLE showntell_run_groups (
  ingest_id    BIGINT NOT NULL,
  run_type     VARCHAR NOT NULL,
  position     BIGINT NOT NULL,
  run_id       VARCHAR,
  pattern_name VARCHAR,
  fields       JSON
);
COMMENT ON TABLE showntell_run_groups IS 'The grouped_data dict of a *_modernized_run_data.pkl: run type → list of regex matches, one row per run (the old type has an empty list upstream, so no rows).';
COMMENT ON COLUMN showntell_run_groups.ingest_id IS 'The ingest that wrote the row (ingest_log).';
COMMENT ON COLUMN showntell_run_groups.run_type IS 'Run type key of grouped_data.';
COMMENT ON COLUMN showntell_run_groups.position IS '0-based position in the run type list (sorted by run_id upstream).';
COMMENT ON COLUMN showntell_run_groups.run_id IS 'W&B run id.';
COMMENT ON COLUMN showntell_run_groups.pattern_name IS 'Name of the matching run-id regex.';
COMMENT ON COLUMN showntell_run_groups.fields IS 'The other named groups of the regex match (groupdict strings) as a JSON object.';

CREATE TABLE showntell_metadata (
  ingest_id            BIGINT NOT NULL,
  total_runs           BIGINT,
  classified_runs      BIGINT,
  run_types            VARCHAR[],
  extraction_timestamp VARCHAR,
  extra                JSON
);
COMMENT ON TABLE showntell_metadata IS 'The metadata dict of a *_modernized_run_data.pkl, one row per ingest.';
COMMENT ON COLUMN showntell_metadata.ingest_id IS 'The ingest that wrote the row (ingest_log).';
COMMENT ON COLUMN showntell_metadata.total_runs IS 'Runs in the W&B runs table the extraction read.';
COMMENT ON COLUMN showntell_metadata.classified_runs IS 'Runs classified into a run type (length of processed_runs).';
COMMENT ON COLUMN showntell_metadata.run_types IS 'Run types present.';
COMMENT ON COLUMN showntell_metadata.extraction_timestamp IS 'When the extraction ran, as written (text).';
COMMENT ON COLUMN showntell_metadata.extra IS 'Any other metadata key, as a JSON object (NULL when there is none).';

CREATE TABLE finetune_pretrain_matched (
  ingest_id                    BIGINT NOT NULL,
  source_row                   BIGINT NOT NULL,
  run_id                       VARCHAR NOT NULL,
  run_timestamp                TIMESTAMPTZ,
  comparison_model_size        VARCHAR,
  comparison_metric            VARCHAR,
  comparison_model_recipe      VARCHAR,
  ft_tok_per_epoch             DOUBLE,
  ft_epochs                    DOUBLE,
  ft_tok                       DOUBLE,
  ft_tok_real                  DOUBLE,
  abs_difference_ft_tokens_pct DOUBLE,
  ckpt_params                  VARCHAR,
  ckpt_data                    VARCHAR,
  ckpt_steps                   VARCHAR,
  run_seed                     VARCHAR,
  params                       VARCHAR,
  data                         VARCHAR,
  seed                         INTEGER,
  step                         BIGINT,
  ft_steps                     DOUBLE[],
  ft_lrs                       DOUBLE[],
  ft_toks                      DOUBLE[],
  ft_loss                      DOUBLE[],
  matched_group_name           VARCHAR,
  matched_group_id             DOUBLE,
  matched_group_med_metric     DOUBLE,
  matched_group_avg_metric     DOUBLE
);
COMMENT ON TABLE finetune_pretrain_matched IS 'combined_plotting_data_matched.pkl: one matched fine-tuning run per row with its pretraining checkpoint key. The ~900 metric columns of the pickle are in finetune_pretrain_matched_values (scalars) and finetune_pretrain_matched_curves (list columns). Join to pretrain_checkpoints / pretrain_current_checkpoints on (params, data, seed, step) — see the finetune_vs_pretrain view.';
COMMENT ON COLUMN finetune_pretrain_matched.ingest_id IS 'The ingest that wrote the row (ingest_log).';
COMMENT ON COLUMN finetune_pretrain_matched.source_row IS '0-based row of the pickled DataFrame.';
COMMENT ON COLUMN finetune_pretrain_matched.run_id IS 'W&B id of the fine-tuning run.';
COMMENT ON COLUMN finetune_pretrain_matched.run_timestamp IS 'Run timestamp (pickled datetime64, naive, read as UTC).';
COMMENT ON COLUMN finetune_pretrain_matched.comparison_model_size IS 'Size of the pretrained model the run is matched against, e.g. 150M.';
COMMENT ON COLUMN finetune_pretrain_matched.comparison_metric IS 'Metric used for matching, e.g. c4_en-valppl.';
COMMENT ON COLUMN finetune_pretrain_matched.comparison_model_recipe IS 'Recipe of the comparison model (Dolma1.7 upstream).';
COMMENT ON COLUMN finetune_pretrain_matched.ft_tok_per_epoch IS 'Planned fine-tuning tokens per epoch.';
COMMENT ON COLUMN finetune_pretrain_matched.ft_epochs IS 'Fine-tuning epochs.';
COMMENT ON COLUMN finetune_pretrain_matched.ft_tok IS 'Planned fine-tuning tokens.';
COMMENT ON COLUMN finetune_pretrain_matched.ft_tok_real IS 'Fine-tuning tokens actually seen (last re-accumulated total_tokens).';
COMMENT ON COLUMN finetune_pretrain_matched.abs_difference_ft_tokens_pct IS 'Absolute planned-vs-real token difference in percent.';
COMMENT ON COLUMN finetune_pretrain_matched.ckpt_params IS 'Pretraining checkpoint size as pickled.';
COMMENT ON COLUMN finetune_pretrain_matched.ckpt_data IS 'Pretraining checkpoint recipe as pickled (after RECIPE_MAPPING).';
COMMENT ON COLUMN finetune_pretrain_matched.ckpt_steps IS 'Pretraining checkpoint step as pickled: a digit string, or the max step (float) when the run said main; kept as text.';
COMMENT ON COLUMN finetune_pretrain_matched.run_seed IS 'The fine-tuning run''s own seed as pickled (text); upstream ignores it for matching.';
COMMENT ON COLUMN finetune_pretrain_matched.params IS 'Join key to pretrain_checkpoints.params (= ckpt_params).';
COMMENT ON COLUMN finetune_pretrain_matched.data IS 'Join key to pretrain_checkpoints.data (= ckpt_data).';
COMMENT ON COLUMN finetune_pretrain_matched.seed IS 'Join key to pretrain_checkpoints.seed: always 0, as upstream matched pretraining rows with seed 0.';
COMMENT ON COLUMN finetune_pretrain_matched.step IS 'Join key to pretrain_checkpoints.step: ckpt_steps as an integer (NULL when it is not numeric).';
COMMENT ON COLUMN finetune_pretrain_matched.ft_steps IS 'Fine-tuning history steps (ft_steps_list).';
COMMENT ON COLUMN finetune_pretrain_matched.ft_lrs IS 'Fine-tuning learning rate per history step (ft_lrs_list).';
COMMENT ON COLUMN finetune_pretrain_matched.ft_toks IS 'Cumulative fine-tuning tokens per history step, re-accumulated across resumes (ft_toks_list).';
COMMENT ON COLUMN finetune_pretrain_matched.ft_loss IS 'Training loss per history step (ft_loss_list).';
COMMENT ON COLUMN finetune_pretrain_matched.matched_group_name IS 'Matched group: <comparison_model_size>_<comparison_metric>_Dolma1.7.';
COMMENT ON COLUMN finetune_pretrain_matched.matched_group_id IS 'Rank of the group by its median pretraining metric.';
COMMENT ON COLUMN finetune_pretrain_matched.matched_group_med_metric IS 'Median pretraining comparison metric of the group.';
COMMENT ON COLUMN finetune_pretrain_matched.matched_group_avg_metric IS 'Mean pretraining comparison metric of the group.';

CREATE TABLE finetune_pretrain_matched_values (
  ingest_id BIGINT NOT NULL,
  run_id    VARCHAR NOT NULL,
  name      VARCHAR NOT NULL,
  family    VARCHAR NOT NULL,
  value     DOUBLE,
  special   VARCHAR
);
COMMENT ON TABLE finetune_pretrain_matched_values IS 'Long form of the scalar metric columns of combined_plotting_data_matched.pkl (ft_*, pt_*, delta_*, group_* and any other numeric column): one row per run × column with a value; None cells have no row.';
COMMENT ON COLUMN finetune_pretrain_matched_values.ingest_id IS 'The ingest that wrote the row (ingest_log).';
COMMENT ON COLUMN finetune_pretrain_matched_values.run_id IS 'Fine-tuning run (finetune_pretrain_matched.run_id).';
COMMENT ON COLUMN finetune_pretrain_matched_values.name IS 'Column name in the pickled DataFrame, e.g. ft_core9_full_acc_raw_macro, pt_c4_en-valppl, delta_arc_easy_acc_uncond.';
COMMENT ON COLUMN finetune_pretrain_matched_values.family IS 'Column family by prefix: ft (fine-tune eval), pt (pretraining checkpoint value), delta (ft − pt), group (matched-group statistic), other.';
COMMENT ON COLUMN finetune_pretrain_matched_values.value IS 'The value; NULL when NaN or ±Inf (see special).';
COMMENT ON COLUMN finetune_pretrain_matched_values.special IS 'NaN, Infinity or -Infinity when the value was not finite, else NULL.';

CREATE TABLE finetune_pretrain_matched_curves (
  ingest_id BIGINT NOT NULL,
  run_id    VARCHAR NOT NULL,
  name      VARCHAR NOT NULL,
  curve     DOUBLE[]
);
COMMENT ON TABLE finetune_pretrain_matched_curves IS 'The pretraining curve list columns of combined_plotting_data_matched.pkl (pt_*_list: per-checkpoint values of the matched pretraining run, NaNs dropped upstream so lengths differ), one row per run × column.';
COMMENT ON COLUMN finetune_pretrain_matched_curves.ingest_id IS 'The ingest that wrote the row (ingest_log).';
COMMENT ON COLUMN finetune_pretrain_matched_curves.run_id IS 'Fine-tuning run (finetune_pretrain_matched.run_id).';
COMMENT ON COLUMN finetune_pretrain_matched_curves.name IS 'Column name without the _list suffix, e.g. pt_step, pt_c4_en-valppl, pt_arc_easy_acc_raw.';
COMMENT ON COLUMN finetune_pretrain_matched_curves.curve IS 'The list as pickled (Python list of floats).';
