-- OLMES per-question evaluation outputs (DataDecide-eval-instances, TaskOutputData): one row per task file,
-- per question and per answer choice. Keys come from the layout <recipe>/<params>/seed-<n>/step-<N>/<task>-…
CREATE TABLE qa_tasks (
  ingest_id       BIGINT NOT NULL,
  recipe          VARCHAR NOT NULL,
  data            VARCHAR,
  params          VARCHAR NOT NULL,
  seed            INTEGER NOT NULL,
  seed_dir        INTEGER NOT NULL,
  seed_name       VARCHAR NOT NULL,
  step            BIGINT NOT NULL,
  task            VARCHAR NOT NULL,
  task_name       VARCHAR,
  task_alias      VARCHAR,
  task_hash       VARCHAR,
  model_hash      VARCHAR,
  primary_metric  VARCHAR,
  primary_score   DOUBLE,
  num_instances   BIGINT,
  task_idx        INTEGER,
  processing_time DOUBLE,
  evaluated_at    TIMESTAMPTZ,
  metrics         JSON,
  model_config    JSON,
  task_config     JSON,
  compute_config  JSON,
  source          VARCHAR NOT NULL
);

COMMENT ON TABLE qa_tasks IS 'One row per OLMES <task>-metrics.json: one task evaluated at one DataDecide checkpoint (recipe, params, seed, step), with its configs and task-level metrics; key (recipe, params, seed, step, task).';
COMMENT ON COLUMN qa_tasks.ingest_id IS 'The ingest (of a tarball or a step-<N> directory) that wrote this row; see ingest_log.';
COMMENT ON COLUMN qa_tasks.recipe IS 'Recipe directory name, lower-cased (dclm-baseline, dolma1.7, c4, …).';
COMMENT ON COLUMN qa_tasks.data IS 'The recipe''s DataDecide display name (DCLM-Baseline, Dolma1.7, C4, …; configs/olmes.toml [recipe_map]) as in pretrain_checkpoints.data; NULL for a recipe outside the map.';
COMMENT ON COLUMN qa_tasks.params IS 'Model size from the layout (4M … 1B), as in pretrain_checkpoints.params.';
COMMENT ON COLUMN qa_tasks.seed IS 'DataDecide seed index 0–4 (0 = default), as in pretrain_checkpoints.seed; from seed_dir via the seed map.';
COMMENT ON COLUMN qa_tasks.seed_dir IS 'The number in the seed-<n> directory (2, 4, 5, 14 or 15).';
COMMENT ON COLUMN qa_tasks.seed_name IS 'The seed''s name: default, small aux 2, small aux 3, large aux 2, large aux 3.';
COMMENT ON COLUMN qa_tasks.step IS 'Training step of the checkpoint, from the step-<N> directory or tarball.';
COMMENT ON COLUMN qa_tasks.task IS 'Task, from the file name <task>-metrics.json (arc_challenge, mmlu_abstract_algebra, …).';
COMMENT ON COLUMN qa_tasks.task_name IS 'task_name inside metrics.json.';
COMMENT ON COLUMN qa_tasks.task_alias IS 'task_config.metadata.alias (e.g. arc_challenge:rc::olmes).';
COMMENT ON COLUMN qa_tasks.task_hash IS 'OLMES hash of the task configuration; every predictions line must carry the same.';
COMMENT ON COLUMN qa_tasks.model_hash IS 'OLMES hash of the model configuration; every predictions line must carry the same.';
COMMENT ON COLUMN qa_tasks.primary_metric IS 'task_config.primary_metric: the per-instance metric the task is scored by (acc_raw, acc_per_char, acc_uncond, …).';
COMMENT ON COLUMN qa_tasks.primary_score IS 'metrics.primary_score: the task score reported by OLMES (compare qa_task_accuracy).';
COMMENT ON COLUMN qa_tasks.num_instances IS 'num_instances reported by metrics.json (qa_task_accuracy compares it with the predictions lines).';
COMMENT ON COLUMN qa_tasks.task_idx IS 'task_idx: the task''s position in the evaluation run.';
COMMENT ON COLUMN qa_tasks.processing_time IS 'processing_time in seconds.';
COMMENT ON COLUMN qa_tasks.evaluated_at IS 'current_date of metrics.json (when the evaluation ran), UTC.';
COMMENT ON COLUMN qa_tasks.metrics IS 'The task-level metrics object of metrics.json as JSON (acc_raw, acc_per_char, …, primary_score).';
COMMENT ON COLUMN qa_tasks.model_config IS 'model_config of metrics.json as JSON (model, revision, max_length, model_type, …).';
COMMENT ON COLUMN qa_tasks.task_config IS 'task_config of metrics.json as JSON (split, num_shots, primary_metric, metric_kwargs, metadata, …).';
COMMENT ON COLUMN qa_tasks.compute_config IS 'compute_config of metrics.json as JSON (batch sizes).';
COMMENT ON COLUMN qa_tasks.source IS 'Where the metrics.json was read: its path, or tarball!member[!member] for files inside (nested) tarballs.';

CREATE TABLE qa_instances (
  ingest_id                 BIGINT NOT NULL,
  recipe                    VARCHAR NOT NULL,
  params                    VARCHAR NOT NULL,
  seed                      INTEGER NOT NULL,
  step                      BIGINT NOT NULL,
  task                      VARCHAR NOT NULL,
  doc_id                    BIGINT NOT NULL,
  native_id                 VARCHAR,
  native_id_kind            VARCHAR NOT NULL,
  label                     INTEGER NOT NULL,
  predicted_index_raw       INTEGER,
  predicted_index_per_token INTEGER,
  predicted_index_per_char  INTEGER,
  predicted_index_per_byte  INTEGER,
  predicted_index_uncond    INTEGER,
  correct_choice            INTEGER,
  acc_raw                   INTEGER,
  acc_per_token             INTEGER,
  acc_per_char              INTEGER,
  acc_per_byte              INTEGER,
  acc_uncond                INTEGER,
  no_answer                 INTEGER,
  sum_logits_corr           DOUBLE,
  logits_per_token_corr     DOUBLE,
  logits_per_char_corr      DOUBLE,
  logits_per_byte_corr      DOUBLE,
  num_choices               INTEGER NOT NULL,
  line                      BIGINT NOT NULL,
  specials                  JSON
);

COMMENT ON TABLE qa_instances IS 'One row per question of an OLMES <task>-predictions.jsonl line (QuestionOutputData) with its per-instance metrics typed; key (recipe, params, seed, step, task, doc_id). Absent optional metrics are NULL.';
COMMENT ON COLUMN qa_instances.ingest_id IS 'The ingest that wrote this row; see ingest_log.';
COMMENT ON COLUMN qa_instances.recipe IS 'Recipe directory name, lower-cased (join qa_tasks for the display name).';
COMMENT ON COLUMN qa_instances.params IS 'Model size (4M … 1B).';
COMMENT ON COLUMN qa_instances.seed IS 'DataDecide seed index 0–4.';
COMMENT ON COLUMN qa_instances.step IS 'Training step of the checkpoint.';
COMMENT ON COLUMN qa_instances.task IS 'Task, from the file name.';
COMMENT ON COLUMN qa_instances.doc_id IS 'doc_id: the question''s index in the task.';
COMMENT ON COLUMN qa_instances.native_id IS 'native_id as text: the question''s id in its source dataset (a string or an integer upstream; NULL when null).';
COMMENT ON COLUMN qa_instances.native_id_kind IS 'What native_id was in the JSON: integer, string or null (number/boolean/object/array if ever seen).';
COMMENT ON COLUMN qa_instances.label IS 'label: index of the correct answer choice.';
COMMENT ON COLUMN qa_instances.predicted_index_raw IS 'metrics.predicted_index_raw: choice with the highest sum of logits.';
COMMENT ON COLUMN qa_instances.predicted_index_per_token IS 'metrics.predicted_index_per_token: choice with the highest logits per token.';
COMMENT ON COLUMN qa_instances.predicted_index_per_char IS 'metrics.predicted_index_per_char: choice with the highest logits per character.';
COMMENT ON COLUMN qa_instances.predicted_index_per_byte IS 'metrics.predicted_index_per_byte (NULL where the task has no byte normalisation).';
COMMENT ON COLUMN qa_instances.predicted_index_uncond IS 'metrics.predicted_index_uncond: choice with the highest logits minus unconditional logits (NULL where the task has none).';
COMMENT ON COLUMN qa_instances.correct_choice IS 'metrics.correct_choice: the correct choice as scored (normally = label).';
COMMENT ON COLUMN qa_instances.acc_raw IS 'metrics.acc_raw: 1 when predicted_index_raw is correct, else 0.';
COMMENT ON COLUMN qa_instances.acc_per_token IS 'metrics.acc_per_token: 1 when predicted_index_per_token is correct.';
COMMENT ON COLUMN qa_instances.acc_per_char IS 'metrics.acc_per_char: 1 when predicted_index_per_char is correct.';
COMMENT ON COLUMN qa_instances.acc_per_byte IS 'metrics.acc_per_byte (NULL where absent).';
COMMENT ON COLUMN qa_instances.acc_uncond IS 'metrics.acc_uncond (NULL where absent).';
COMMENT ON COLUMN qa_instances.no_answer IS 'metrics.no_answer (NULL where absent).';
COMMENT ON COLUMN qa_instances.sum_logits_corr IS 'metrics.sum_logits_corr: sum of logits of the correct choice.';
COMMENT ON COLUMN qa_instances.logits_per_token_corr IS 'metrics.logits_per_token_corr.';
COMMENT ON COLUMN qa_instances.logits_per_char_corr IS 'metrics.logits_per_char_corr.';
COMMENT ON COLUMN qa_instances.logits_per_byte_corr IS 'metrics.logits_per_byte_corr (NULL where absent).';
COMMENT ON COLUMN qa_instances.num_choices IS 'Number of answer choices (entries of model_output; rows in qa_choices).';
COMMENT ON COLUMN qa_instances.line IS '1-based line of the question in its predictions.jsonl.';
COMMENT ON COLUMN qa_instances.specials IS 'Non-finite metric values as JSON {field: NaN|Infinity|-Infinity} (those columns are NULL); NULL when all are finite.';

CREATE TABLE qa_choices (
  ingest_id         BIGINT NOT NULL,
  recipe            VARCHAR NOT NULL,
  params            VARCHAR NOT NULL,
  seed              INTEGER NOT NULL,
  step              BIGINT NOT NULL,
  task              VARCHAR NOT NULL,
  doc_id            BIGINT NOT NULL,
  choice_index      INTEGER NOT NULL,
  sum_logits        DOUBLE,
  num_tokens        INTEGER NOT NULL,
  num_tokens_all    INTEGER NOT NULL,
  is_greedy         BOOLEAN NOT NULL,
  sum_logits_uncond DOUBLE,
  logits_per_token  DOUBLE,
  logits_per_char   DOUBLE,
  logits_per_byte   DOUBLE,
  num_chars         INTEGER NOT NULL,
  specials          JSON
);

COMMENT ON TABLE qa_choices IS 'One row per answer choice of a question (ModelAnswerOutput, an entry of model_output); key (recipe, params, seed, step, task, doc_id, choice_index).';
COMMENT ON COLUMN qa_choices.ingest_id IS 'The ingest that wrote this row; see ingest_log.';
COMMENT ON COLUMN qa_choices.recipe IS 'Recipe directory name, lower-cased.';
COMMENT ON COLUMN qa_choices.params IS 'Model size.';
COMMENT ON COLUMN qa_choices.seed IS 'DataDecide seed index 0–4.';
COMMENT ON COLUMN qa_choices.step IS 'Training step of the checkpoint.';
COMMENT ON COLUMN qa_choices.task IS 'Task.';
COMMENT ON COLUMN qa_choices.doc_id IS 'The question (qa_instances.doc_id).';
COMMENT ON COLUMN qa_choices.choice_index IS '0-based position of the choice in model_output (compare qa_instances.label).';
COMMENT ON COLUMN qa_choices.sum_logits IS 'Sum of the log-probabilities of the choice''s tokens given the context (NULL only when non-finite: see specials).';
COMMENT ON COLUMN qa_choices.num_tokens IS 'Tokens of the choice.';
COMMENT ON COLUMN qa_choices.num_tokens_all IS 'Tokens of context plus choice.';
COMMENT ON COLUMN qa_choices.is_greedy IS 'Whether greedy decoding would produce the choice.';
COMMENT ON COLUMN qa_choices.sum_logits_uncond IS 'Sum of log-probabilities without the question (unconditional); NULL for tasks without it.';
COMMENT ON COLUMN qa_choices.logits_per_token IS 'sum_logits / num_tokens.';
COMMENT ON COLUMN qa_choices.logits_per_char IS 'sum_logits / num_chars.';
COMMENT ON COLUMN qa_choices.logits_per_byte IS 'Log-probability per UTF-8 byte; NULL where the file lacks it.';
COMMENT ON COLUMN qa_choices.num_chars IS 'Characters of the choice.';
COMMENT ON COLUMN qa_choices.specials IS 'Non-finite values as JSON {field: NaN|Infinity|-Infinity} (those columns are NULL); NULL when all are finite.';
