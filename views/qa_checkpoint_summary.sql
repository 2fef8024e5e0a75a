-- OLMES results per DataDecide checkpoint, keyed like pretrain_checkpoints (params, data, seed, step) so
-- per-question evaluations line up with the pretraining curves; tokens/compute come from the
-- pretraining tables where that checkpoint was ingested.
CREATE OR REPLACE VIEW qa_checkpoint_summary AS
SELECT
  t.params,
  t.data,
  t.seed,
  t.step,
  t.recipe,
  t.seed_name,
  count(*) AS tasks,
  sum(t.num_instances) AS instances,
  avg(t.primary_score) AS mean_primary_score,
  map_from_entries(list({'k': t.task, 'v': t.primary_score} ORDER BY t.task)) AS primary_scores,
  any_value(c.tokens) AS tokens,
  any_value(c.compute) AS compute,
  max(t.ingest_id) AS ingest_id
FROM qa_tasks t
LEFT JOIN pretrain_current_checkpoints c
  ON c.params = t.params AND c.data = t.data AND c.seed = t.seed AND c.step = t.step
GROUP BY t.params, t.data, t.seed, t.step, t.recipe, t.seed_name;

COMMENT ON VIEW qa_checkpoint_summary IS 'One row per evaluated checkpoint: how many OLMES tasks and questions, their mean primary score and each task''s score; join to pretrain_checkpoints / pretrain_current_checkpoints on (params, data, seed, step).';
COMMENT ON COLUMN qa_checkpoint_summary.params IS 'Model size, as pretrain_checkpoints.params.';
COMMENT ON COLUMN qa_checkpoint_summary.data IS 'Recipe display name, as pretrain_checkpoints.data (NULL for a recipe outside the recipe map).';
COMMENT ON COLUMN qa_checkpoint_summary.seed IS 'Seed index 0–4, as pretrain_checkpoints.seed.';
COMMENT ON COLUMN qa_checkpoint_summary.step IS 'Training step, as pretrain_checkpoints.step.';
COMMENT ON COLUMN qa_checkpoint_summary.recipe IS 'Recipe directory name of the OLMES outputs.';
COMMENT ON COLUMN qa_checkpoint_summary.seed_name IS 'Seed name (default, small aux 2, …).';
COMMENT ON COLUMN qa_checkpoint_summary.tasks IS 'Tasks evaluated at the checkpoint.';
COMMENT ON COLUMN qa_checkpoint_summary.instances IS 'Questions over those tasks (num_instances of metrics.json).';
COMMENT ON COLUMN qa_checkpoint_summary.mean_primary_score IS 'Unweighted mean of the tasks'' primary scores.';
COMMENT ON COLUMN qa_checkpoint_summary.primary_scores IS 'task → primary_score.';
COMMENT ON COLUMN qa_checkpoint_summary.tokens IS 'Training tokens at the checkpoint, from pretrain_current_checkpoints (NULL when that checkpoint is not ingested).';
COMMENT ON COLUMN qa_checkpoint_summary.compute IS 'Training FLOPs at the checkpoint, from pretrain_current_checkpoints (NULL when not ingested).';
COMMENT ON COLUMN qa_checkpoint_summary.ingest_id IS 'The newest ingest among the checkpoint''s task rows.';
