-- W&B runs and history (ingest/wandb): every export generation (dr_wandb v0 Parquet, notebook JSONL, v3 JSONL,
-- DuckDB Parquet of those, dr_wandb pickles via the pickle ingester) lands in these tables.

CREATE TABLE wandb_runs (
  ingest_id       BIGINT NOT NULL,
  run_id          VARCHAR NOT NULL,
  run_name        VARCHAR,
  display_name    VARCHAR,
  state           VARCHAR,
  project         VARCHAR,
  entity          VARCHAR,
  created_at      TIMESTAMPTZ,
  heartbeat_at    TIMESTAMPTZ,
  runtime_s       DOUBLE,
  tags            VARCHAR[],
  group_name      VARCHAR,
  job_type        VARCHAR,
  sweep_name      VARCHAR,
  url             VARCHAR,
  config          JSON,
  summary         JSON,
  metadata        JSON,
  system_metrics  JSON,
  system_attrs    JSON,
  sweep_info      JSON,
  extra           JSON,
  export_format   VARCHAR NOT NULL,
  exported_at     TIMESTAMPTZ
);
COMMENT ON TABLE wandb_runs IS 'One row per W&B run (the latest export of it wins: a later export of the same run_id replaces the earlier rows). Raw nested components kept as JSON.';
COMMENT ON COLUMN wandb_runs.ingest_id IS 'The ingest that wrote this row (ingest_log.ingest_id).';
COMMENT ON COLUMN wandb_runs.run_id IS 'W&B run id (in ml-moe/ft-scaling equal to the run name).';
COMMENT ON COLUMN wandb_runs.run_name IS 'W&B run name (run.name).';
COMMENT ON COLUMN wandb_runs.display_name IS 'W&B display name when the export has one (v3), else NULL.';
COMMENT ON COLUMN wandb_runs.state IS 'Run state at export time: finished, running, crashed, failed, killed.';
COMMENT ON COLUMN wandb_runs.project IS 'W&B project.';
COMMENT ON COLUMN wandb_runs.entity IS 'W&B entity (team or user).';
COMMENT ON COLUMN wandb_runs.created_at IS 'Run creation time (UTC).';
COMMENT ON COLUMN wandb_runs.heartbeat_at IS 'Last heartbeat (UTC), from v3 exports or system_attrs.heartbeatAt.';
COMMENT ON COLUMN wandb_runs.runtime_s IS 'Run time in seconds: summary._runtime (else summary._wandb.runtime).';
COMMENT ON COLUMN wandb_runs.tags IS 'Run tags (v3 tags, else system_attrs.tags).';
COMMENT ON COLUMN wandb_runs.group_name IS 'W&B group.';
COMMENT ON COLUMN wandb_runs.job_type IS 'W&B job type.';
COMMENT ON COLUMN wandb_runs.sweep_name IS 'Sweep name or id, when the run belongs to a sweep.';
COMMENT ON COLUMN wandb_runs.url IS 'Run URL (v3 exports).';
COMMENT ON COLUMN wandb_runs.config IS 'run.config as JSON (flattened in wandb_run_config).';
COMMENT ON COLUMN wandb_runs.summary IS 'run.summary as JSON (flattened in wandb_run_summary; evals in wandb_run_evals).';
COMMENT ON COLUMN wandb_runs.metadata IS 'run.metadata (os, python, git, gpu, slurm …) as JSON.';
COMMENT ON COLUMN wandb_runs.system_metrics IS 'run.system_metrics (system.cpu, system.gpu.0.temp …) as JSON.';
COMMENT ON COLUMN wandb_runs.system_attrs IS 'Raw GraphQL attributes run._attrs as JSON (v0 exports).';
COMMENT ON COLUMN wandb_runs.sweep_info IS 'Sweep info {sweep_id, sweep_url} as JSON (v0 exports).';
COMMENT ON COLUMN wandb_runs.extra IS 'Columns/keys the ingester does not know, kept verbatim as a JSON object (reported as a warning).';
COMMENT ON COLUMN wandb_runs.export_format IS 'Export generation detected from content: v0_parquet, notebook_jsonl, v3_jsonl, runs_parquet, pickle.';
COMMENT ON COLUMN wandb_runs.exported_at IS 'When the export was taken (v3 snapshots), else NULL.';

CREATE TABLE wandb_run_config (
  ingest_id     BIGINT NOT NULL,
  run_id        VARCHAR NOT NULL,
  key           VARCHAR NOT NULL,
  key_path      VARCHAR[] NOT NULL,
  value         JSON,
  value_type    VARCHAR NOT NULL,
  value_double  DOUBLE,
  value_varchar VARCHAR,
  value_bool    BOOLEAN,
  special       VARCHAR
);
COMMENT ON TABLE wandb_run_config IS 'run.config flattened: one row per run and leaf key path (nested objects descended; arrays kept whole as JSON leaves; JSON nulls and empty objects are not rows, the raw JSON in wandb_runs.config keeps them).';
COMMENT ON COLUMN wandb_run_config.ingest_id IS 'The ingest that wrote this row (ingest_log.ingest_id).';
COMMENT ON COLUMN wandb_run_config.run_id IS 'W&B run id (wandb_runs.run_id).';
COMMENT ON COLUMN wandb_run_config.key IS 'Key path joined with "." for reading; keys contain "/", ":" and "." verbatim, so use key_path to be exact.';
COMMENT ON COLUMN wandb_run_config.key_path IS 'The verbatim keys from the top-level object down to the leaf.';
COMMENT ON COLUMN wandb_run_config.value IS 'The raw leaf value as JSON.';
COMMENT ON COLUMN wandb_run_config.value_type IS 'JSON type of the raw value: BIGINT, UBIGINT, DOUBLE, VARCHAR, BOOLEAN or ARRAY.';
COMMENT ON COLUMN wandb_run_config.value_double IS 'The value as a number when it is one or a numeric string (types drift between runs); NULL for NaN/±Inf (see special).';
COMMENT ON COLUMN wandb_run_config.value_varchar IS 'The value as text (strings unquoted, other JSON as its text).';
COMMENT ON COLUMN wandb_run_config.value_bool IS 'The value when it is a JSON boolean.';
COMMENT ON COLUMN wandb_run_config.special IS 'NaN, Infinity or -Infinity when the value is one (as a token or a string like "nan"), else NULL.';

CREATE TABLE wandb_run_summary (
  ingest_id     BIGINT NOT NULL,
  run_id        VARCHAR NOT NULL,
  key           VARCHAR NOT NULL,
  key_path      VARCHAR[] NOT NULL,
  value         JSON,
  value_type    VARCHAR NOT NULL,
  value_double  DOUBLE,
  value_varchar VARCHAR,
  value_bool    BOOLEAN,
  special       VARCHAR
);
COMMENT ON TABLE wandb_run_summary IS 'run.summary flattened: one row per run and leaf key path (last values of history metrics, eval results, _runtime …).';
COMMENT ON COLUMN wandb_run_summary.ingest_id IS 'The ingest that wrote this row (ingest_log.ingest_id).';
COMMENT ON COLUMN wandb_run_summary.run_id IS 'W&B run id (wandb_runs.run_id).';
COMMENT ON COLUMN wandb_run_summary.key IS 'Key path joined with "." for reading; keys contain "/", ":" and "." verbatim, so use key_path to be exact.';
COMMENT ON COLUMN wandb_run_summary.key_path IS 'The verbatim keys from the top-level object down to the leaf.';
COMMENT ON COLUMN wandb_run_summary.value IS 'The raw leaf value as JSON.';
COMMENT ON COLUMN wandb_run_summary.value_type IS 'JSON type of the raw value: BIGINT, UBIGINT, DOUBLE, VARCHAR, BOOLEAN or ARRAY.';
COMMENT ON COLUMN wandb_run_summary.value_double IS 'The value as a number when it is one or a numeric string; NULL for NaN/±Inf (see special).';
COMMENT ON COLUMN wandb_run_summary.value_varchar IS 'The value as text (strings unquoted, other JSON as its text).';
COMMENT ON COLUMN wandb_run_summary.value_bool IS 'The value when it is a JSON boolean.';
COMMENT ON COLUMN wandb_run_summary.special IS 'NaN, Infinity or -Infinity when the value is one, else NULL.';

CREATE TABLE wandb_run_evals (
  ingest_id   BIGINT NOT NULL,
  run_id      VARCHAR NOT NULL,
  task        VARCHAR NOT NULL,
  metric      VARCHAR NOT NULL,
  value       DOUBLE,
  special     VARCHAR,
  raw_value   JSON,
  task_config JSON
);
COMMENT ON TABLE wandb_run_evals IS 'OLMES eval results of a run from its summary: oe_eval_metrics/<task>/<metric> (flat keys) and oe_eval_metrics/<task> → {metric: …} (nested dicts), de-duplicated (flat wins); extra_metrics.<m> lifted to metric <m>.';
COMMENT ON COLUMN wandb_run_evals.ingest_id IS 'The ingest that wrote this row (ingest_log.ingest_id).';
COMMENT ON COLUMN wandb_run_evals.run_id IS 'W&B run id (wandb_runs.run_id).';
COMMENT ON COLUMN wandb_run_evals.task IS 'Eval task, verbatim (arc_challenge, core_9mcqa:rc::olmes:full …).';
COMMENT ON COLUMN wandb_run_evals.metric IS 'Metric name (acc_raw, primary_score, acc_raw_macro, no_answer …).';
COMMENT ON COLUMN wandb_run_evals.value IS 'Numeric value; NULL when not numeric or NaN/±Inf (see special, raw_value).';
COMMENT ON COLUMN wandb_run_evals.special IS 'NaN, Infinity or -Infinity when the value is one, else NULL.';
COMMENT ON COLUMN wandb_run_evals.raw_value IS 'The raw value as JSON.';
COMMENT ON COLUMN wandb_run_evals.task_config IS 'The task_config object of this task (from the nested form) as JSON, repeated on each metric row of the task; NULL when absent.';

CREATE TABLE wandb_run_names (
  ingest_id                     BIGINT NOT NULL,
  run_id                        VARCHAR NOT NULL,
  run_type                      VARCHAR NOT NULL,
  pattern_name                  VARCHAR,
  name_timestamp                TIMESTAMP,
  exp_name                      VARCHAR,
  initial_checkpoint_recipe     VARCHAR,
  initial_checkpoint_recipe_raw VARCHAR,
  initial_checkpoint_size       VARCHAR,
  initial_checkpoint_steps      VARCHAR,
  seed                          VARCHAR,
  lr                            DOUBLE,
  lr1                           DOUBLE,
  lr2                           DOUBLE,
  num_finetune_tokens_raw       VARCHAR,
  num_finetune_tokens_per_epoch DOUBLE,
  num_finetune_epochs           INTEGER,
  num_finetune_tokens           DOUBLE,
  comparison_model_size         VARCHAR,
  comparison_model_recipe       VARCHAR,
  comparison_metric             VARCHAR,
  reduce_loss                   VARCHAR,
  fields                        JSON
);
COMMENT ON TABLE wandb_run_names IS 'The run id parsed by the upstream dr_showntell classifier (run types dpo, matched, reduce_type, simple_ft_vary_tokens, simple_ft, old, other). Unparseable names are type other.';
COMMENT ON COLUMN wandb_run_names.ingest_id IS 'The ingest that wrote this row (ingest_log.ingest_id).';
COMMENT ON COLUMN wandb_run_names.run_id IS 'W&B run id (wandb_runs.run_id), the string that was parsed.';
COMMENT ON COLUMN wandb_run_names.run_type IS 'dpo, matched, reduce_type, simple_ft_vary_tokens, simple_ft, old or other.';
COMMENT ON COLUMN wandb_run_names.pattern_name IS 'Upstream pattern that matched (DPO1_PATTERN, MATCHED3_PATTERN, FT4_PATTERN …); NULL for old/other.';
COMMENT ON COLUMN wandb_run_names.name_timestamp IS 'Launch time in the name prefix (%Y_%m_%d-%H_%M_%S or %y%m%d-%H%M%S), local time of the launcher, no time zone.';
COMMENT ON COLUMN wandb_run_names.exp_name IS 'Experiment name after the timestamp (test_finetune, match, test_dpo_tune_cache …).';
COMMENT ON COLUMN wandb_run_names.initial_checkpoint_recipe IS 'Pretraining recipe of the starting checkpoint, mapped to the DataDecide display name (d17 → Dolma1.7, dclm-baseline → DCLM-Baseline …).';
COMMENT ON COLUMN wandb_run_names.initial_checkpoint_recipe_raw IS 'The recipe as spelled in the name.';
COMMENT ON COLUMN wandb_run_names.initial_checkpoint_size IS 'Model size of the starting checkpoint (4M … 1B).';
COMMENT ON COLUMN wandb_run_names.initial_checkpoint_steps IS 'Checkpoint step of the starting checkpoint (digits) or main (default).';
COMMENT ON COLUMN wandb_run_names.seed IS 'Seed from the name (matched/FT6/FT7 runs), else NULL.';
COMMENT ON COLUMN wandb_run_names.lr IS 'Learning rate from the name.';
COMMENT ON COLUMN wandb_run_names.lr1 IS 'First learning rate of DPO2 names (lr=…).';
COMMENT ON COLUMN wandb_run_names.lr2 IS 'Second learning rate of DPO2 names (--learning_rate=…).';
COMMENT ON COLUMN wandb_run_names.num_finetune_tokens_raw IS 'Fine-tune token count as spelled (100M, 1G, 100Mt, or Ft).';
COMMENT ON COLUMN wandb_run_names.num_finetune_tokens_per_epoch IS 'Tokens per epoch: M = 1e6, B/G = 1e9, a trailing t multiplies by 1e12 more (upstream quirk, kept); Ft runs = 665,127,434.';
COMMENT ON COLUMN wandb_run_names.num_finetune_epochs IS 'Fine-tune epochs (default 1; Ft runs 2).';
COMMENT ON COLUMN wandb_run_names.num_finetune_tokens IS 'num_finetune_tokens_per_epoch × num_finetune_epochs.';
COMMENT ON COLUMN wandb_run_names.comparison_model_size IS 'Matched runs: size of the pretrained model the run is matched against.';
COMMENT ON COLUMN wandb_run_names.comparison_model_recipe IS 'Matched runs: always Dolma1.7 when a comparison size exists (upstream rule).';
COMMENT ON COLUMN wandb_run_names.comparison_metric IS 'Matched runs: c4 → c4_en-valppl, <x> → <x>-valppl, default pile-valppl.';
COMMENT ON COLUMN wandb_run_names.reduce_loss IS 'reduce_type runs: the --reduce_loss value.';
COMMENT ON COLUMN wandb_run_names.fields IS 'All named groups of the matching pattern, raw strings, as JSON.';

CREATE TABLE wandb_history (
  ingest_id BIGINT NOT NULL,
  run_id    VARCHAR NOT NULL,
  step      BIGINT,
  timestamp TIMESTAMPTZ,
  runtime_s DOUBLE,
  metric    VARCHAR NOT NULL,
  value     DOUBLE,
  special   VARCHAR
);
COMMENT ON TABLE wandb_history IS 'Logged history in long form: one row per run, history row and numeric metric (NaN/±Inf as special). A later export of a run replaces its earlier history.';
COMMENT ON COLUMN wandb_history.ingest_id IS 'The ingest that wrote this row (ingest_log.ingest_id).';
COMMENT ON COLUMN wandb_history.run_id IS 'W&B run id (wandb_runs.run_id; a history run may be missing from wandb_runs, reported at ingest).';
COMMENT ON COLUMN wandb_history.step IS 'W&B _step.';
COMMENT ON COLUMN wandb_history.timestamp IS 'W&B _timestamp (UTC; epoch seconds in the exports, v0 Parquet naive datetimes read as UTC).';
COMMENT ON COLUMN wandb_history.runtime_s IS 'W&B _runtime in seconds (v0 exports rounded it to an integer).';
COMMENT ON COLUMN wandb_history.metric IS 'History key, verbatim (train_loss, logps/chosen, rewards/margin …).';
COMMENT ON COLUMN wandb_history.value IS 'The value (numbers and numeric strings); NULL when NaN/±Inf (see special).';
COMMENT ON COLUMN wandb_history.special IS 'NaN, Infinity or -Infinity when the value is one, else NULL.';

CREATE TABLE wandb_history_objects (
  ingest_id BIGINT NOT NULL,
  run_id    VARCHAR NOT NULL,
  step      BIGINT,
  timestamp TIMESTAMPTZ,
  runtime_s DOUBLE,
  metric    VARCHAR NOT NULL,
  value     JSON
);
COMMENT ON TABLE wandb_history_objects IS 'History values that are not numbers (strings, booleans, media dicts, lists), as JSON.';
COMMENT ON COLUMN wandb_history_objects.ingest_id IS 'The ingest that wrote this row (ingest_log.ingest_id).';
COMMENT ON COLUMN wandb_history_objects.run_id IS 'W&B run id.';
COMMENT ON COLUMN wandb_history_objects.step IS 'W&B _step.';
COMMENT ON COLUMN wandb_history_objects.timestamp IS 'W&B _timestamp (UTC).';
COMMENT ON COLUMN wandb_history_objects.runtime_s IS 'W&B _runtime in seconds.';
COMMENT ON COLUMN wandb_history_objects.metric IS 'History key, verbatim.';
COMMENT ON COLUMN wandb_history_objects.value IS 'The raw value as JSON.';
