CREATE OR REPLACE VIEW run_overview AS
WITH hist AS (
  SELECT run_id, count(*) AS history_rows, count(DISTINCT step) AS history_steps, max(step) AS last_step,
    arg_max(value, step) FILTER (WHERE metric = 'train_loss' AND value IS NOT NULL) AS last_train_loss
  FROM wandb_history GROUP BY run_id
), evals AS (
  SELECT run_id, map_from_entries(list({'k': task, 'v': value} ORDER BY task)) AS primary_scores
  FROM wandb_run_evals WHERE metric = 'primary_score' GROUP BY run_id
), summary_loss AS (
  SELECT run_id, value_double AS train_loss FROM wandb_run_summary WHERE key = 'train_loss'
)
SELECT r.run_id, r.run_name, r.state, r.project, r.entity, n.run_type, n.pattern_name, n.exp_name,
  n.initial_checkpoint_recipe, n.initial_checkpoint_size, n.initial_checkpoint_steps, n.seed, n.lr,
  n.num_finetune_tokens, n.num_finetune_epochs, n.comparison_model_size, n.comparison_metric,
  r.created_at, r.runtime_s, COALESCE(h.last_train_loss, s.train_loss) AS last_train_loss,
  COALESCE(h.history_rows, 0) AS history_rows, COALESCE(h.history_steps, 0) AS history_steps, h.last_step, e.primary_scores, r.export_format
FROM wandb_runs r
LEFT JOIN wandb_run_names n USING (run_id)
LEFT JOIN hist h USING (run_id)
LEFT JOIN evals e USING (run_id)
LEFT JOIN summary_loss s USING (run_id);

COMMENT ON VIEW run_overview IS 'One row per W&B run: names, state, the parsed run name, created, runtime, last train_loss, history size and eval primary scores.';
COMMENT ON COLUMN run_overview.run_id IS 'W&B run id.';
COMMENT ON COLUMN run_overview.run_name IS 'W&B run name.';
COMMENT ON COLUMN run_overview.state IS 'Run state at export time.';
COMMENT ON COLUMN run_overview.project IS 'W&B project.';
COMMENT ON COLUMN run_overview.entity IS 'W&B entity.';
COMMENT ON COLUMN run_overview.run_type IS 'Parsed run type (wandb_run_names.run_type).';
COMMENT ON COLUMN run_overview.pattern_name IS 'Upstream name pattern that matched.';
COMMENT ON COLUMN run_overview.exp_name IS 'Experiment name from the run name.';
COMMENT ON COLUMN run_overview.initial_checkpoint_recipe IS 'Pretraining recipe of the starting checkpoint (DataDecide display name).';
COMMENT ON COLUMN run_overview.initial_checkpoint_size IS 'Model size of the starting checkpoint.';
COMMENT ON COLUMN run_overview.initial_checkpoint_steps IS 'Step of the starting checkpoint, or main.';
COMMENT ON COLUMN run_overview.seed IS 'Seed from the run name.';
COMMENT ON COLUMN run_overview.lr IS 'Learning rate from the run name.';
COMMENT ON COLUMN run_overview.num_finetune_tokens IS 'Fine-tune tokens (per epoch × epochs) from the run name.';
COMMENT ON COLUMN run_overview.num_finetune_epochs IS 'Fine-tune epochs from the run name.';
COMMENT ON COLUMN run_overview.comparison_model_size IS 'Matched runs: size of the comparison model.';
COMMENT ON COLUMN run_overview.comparison_metric IS 'Matched runs: the perplexity metric the match is on.';
COMMENT ON COLUMN run_overview.created_at IS 'Run creation time (UTC).';
COMMENT ON COLUMN run_overview.runtime_s IS 'Run time in seconds (summary._runtime).';
COMMENT ON COLUMN run_overview.last_train_loss IS 'train_loss at the last history step that has one, else summary train_loss.';
COMMENT ON COLUMN run_overview.history_rows IS 'Number of numeric history rows (run × step × metric) in wandb_history.';
COMMENT ON COLUMN run_overview.history_steps IS 'Number of logged history steps (rows of the wide history).';
COMMENT ON COLUMN run_overview.last_step IS 'Last history step.';
COMMENT ON COLUMN run_overview.primary_scores IS 'MAP task → primary_score from wandb_run_evals.';
COMMENT ON COLUMN run_overview.export_format IS 'Export generation the run row came from.';
