-- Every OLMES task score checked against its own questions: the per-instance accuracies averaged over
-- qa_instances beside the score metrics.json reports, and their difference.
CREATE OR REPLACE VIEW qa_task_accuracy AS
WITH recomputed AS (
  SELECT
    recipe, params, seed, step, task,
    count(*) AS instances,
    avg(acc_raw) AS acc_raw,
    avg(acc_per_token) AS acc_per_token,
    avg(acc_per_char) AS acc_per_char,
    avg(acc_per_byte) AS acc_per_byte,
    avg(acc_uncond) AS acc_uncond
  FROM qa_instances
  GROUP BY recipe, params, seed, step, task
)
SELECT
  t.recipe,
  t.data,
  t.params,
  t.seed,
  t.step,
  t.task,
  t.primary_metric,
  t.primary_score,
  CASE t.primary_metric
    WHEN 'acc_raw' THEN r.acc_raw
    WHEN 'acc_per_token' THEN r.acc_per_token
    WHEN 'acc_per_char' THEN r.acc_per_char
    WHEN 'acc_per_byte' THEN r.acc_per_byte
    WHEN 'acc_uncond' THEN r.acc_uncond
  END AS recomputed_score,
  recomputed_score - t.primary_score AS difference,
  t.num_instances,
  coalesce(r.instances, 0) AS instances,
  r.acc_raw,
  r.acc_per_token,
  r.acc_per_char,
  r.acc_per_byte,
  r.acc_uncond,
  t.ingest_id
FROM qa_tasks t
LEFT JOIN recomputed r USING (recipe, params, seed, step, task);

COMMENT ON VIEW qa_task_accuracy IS 'One row per qa_tasks row: the accuracy recomputed from its questions (mean of the per-instance acc_* in qa_instances) beside the primary_score of metrics.json, and the difference (≈0 when the files agree).';
COMMENT ON COLUMN qa_task_accuracy.recipe IS 'Recipe directory name.';
COMMENT ON COLUMN qa_task_accuracy.data IS 'Recipe display name, as pretrain_checkpoints.data.';
COMMENT ON COLUMN qa_task_accuracy.params IS 'Model size.';
COMMENT ON COLUMN qa_task_accuracy.seed IS 'DataDecide seed index 0–4.';
COMMENT ON COLUMN qa_task_accuracy.step IS 'Training step.';
COMMENT ON COLUMN qa_task_accuracy.task IS 'Task.';
COMMENT ON COLUMN qa_task_accuracy.primary_metric IS 'The metric the task is scored by (task_config.primary_metric).';
COMMENT ON COLUMN qa_task_accuracy.primary_score IS 'The score metrics.json reports.';
COMMENT ON COLUMN qa_task_accuracy.recomputed_score IS 'The primary metric averaged over the task''s questions in qa_instances (NULL when the metric is not an acc_* or no question has it).';
COMMENT ON COLUMN qa_task_accuracy.difference IS 'recomputed_score − primary_score.';
COMMENT ON COLUMN qa_task_accuracy.num_instances IS 'num_instances reported by metrics.json.';
COMMENT ON COLUMN qa_task_accuracy.instances IS 'Questions found in the predictions.';
COMMENT ON COLUMN qa_task_accuracy.acc_raw IS 'Mean per-instance acc_raw.';
COMMENT ON COLUMN qa_task_accuracy.acc_per_token IS 'Mean per-instance acc_per_token.';
COMMENT ON COLUMN qa_task_accuracy.acc_per_char IS 'Mean per-instance acc_per_char.';
COMMENT ON COLUMN qa_task_accuracy.acc_per_byte IS 'Mean per-instance acc_per_byte (NULL where the task has none).';
COMMENT ON COLUMN qa_task_accuracy.acc_uncond IS 'Mean per-instance acc_uncond (NULL where the task has none).';
COMMENT ON COLUMN qa_task_accuracy.ingest_id IS 'The ingest of the task row.';
