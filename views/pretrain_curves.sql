-- Long training curves for plotting: every current metric value beside its checkpoint's tokens, compute
-- and learning-rate schedule.
CREATE OR REPLACE VIEW pretrain_curves AS
SELECT
  c.params,
  c.data,
  c.seed,
  c.step,
  c.tokens,
  c.compute,
  c.lr_at_step,
  c.cumulative_lr,
  m.task,
  m.metric,
  mc.column_name,
  mc.kind,
  m.value,
  m.special
FROM pretrain_current_metrics m
JOIN pretrain_current_checkpoints c
  ON c.params = m.params AND c.data = m.data AND c.seed = m.seed AND c.step = m.step
LEFT JOIN datadecide_metric_columns mc ON mc.task = m.task AND mc.metric = m.metric;

COMMENT ON VIEW pretrain_curves IS 'DataDecide training curves in long form (the upstream full_eval_melted): one row per checkpoint × task × metric with tokens, compute and the LR schedule of the checkpoint, for plotting metric vs step/tokens/compute/cumulative_lr.';
COMMENT ON COLUMN pretrain_curves.params IS 'Model size name.';
COMMENT ON COLUMN pretrain_curves.data IS 'Data recipe display name.';
COMMENT ON COLUMN pretrain_curves.seed IS 'Seed index 0–4.';
COMMENT ON COLUMN pretrain_curves.step IS 'Training step.';
COMMENT ON COLUMN pretrain_curves.tokens IS 'Training tokens at the step.';
COMMENT ON COLUMN pretrain_curves.compute IS 'Training FLOPs at the step.';
COMMENT ON COLUMN pretrain_curves.lr_at_step IS 'Learning rate at the step.';
COMMENT ON COLUMN pretrain_curves.cumulative_lr IS 'Area under the learning-rate curve up to the step.';
COMMENT ON COLUMN pretrain_curves.task IS 'Task or perplexity set.';
COMMENT ON COLUMN pretrain_curves.metric IS 'Metric (valppl for perplexities).';
COMMENT ON COLUMN pretrain_curves.column_name IS 'The full_eval column the value belongs to (NULL for a pair full_eval does not publish).';
COMMENT ON COLUMN pretrain_curves.kind IS 'perplexity or downstream.';
COMMENT ON COLUMN pretrain_curves.value IS 'The value; NULL when NaN/±Inf (see special).';
COMMENT ON COLUMN pretrain_curves.special IS 'NaN, Infinity or -Infinity for non-finite values.';
