-- One value per checkpoint cell across all ingests: the newest ingest wins (a re-ingest of the same
-- checkpoints from another file supersedes the older values without deleting them).
CREATE OR REPLACE VIEW pretrain_current_metrics AS
SELECT
  params,
  data,
  seed,
  step,
  task,
  metric,
  newest.value AS value,
  newest.special AS special,
  newest.ingest_id AS ingest_id
FROM (
  SELECT params, data, seed, step, task, metric,
    arg_max({'value': value, 'special': special, 'ingest_id': ingest_id}, ingest_id) AS newest
  FROM pretrain_metrics
  GROUP BY params, data, seed, step, task, metric
);

COMMENT ON VIEW pretrain_current_metrics IS 'pretrain_metrics with one row per (params, data, seed, step, task, metric): the value of the newest ingest that has the cell.';
COMMENT ON COLUMN pretrain_current_metrics.params IS 'Model size name.';
COMMENT ON COLUMN pretrain_current_metrics.data IS 'Data recipe display name.';
COMMENT ON COLUMN pretrain_current_metrics.seed IS 'Seed index 0–4.';
COMMENT ON COLUMN pretrain_current_metrics.step IS 'Training step.';
COMMENT ON COLUMN pretrain_current_metrics.task IS 'Task or perplexity set.';
COMMENT ON COLUMN pretrain_current_metrics.metric IS 'Metric (valppl for perplexities).';
COMMENT ON COLUMN pretrain_current_metrics.value IS 'The value; NULL when NaN/±Inf (see special).';
COMMENT ON COLUMN pretrain_current_metrics.special IS 'NaN, Infinity or -Infinity for non-finite values.';
COMMENT ON COLUMN pretrain_current_metrics.ingest_id IS 'The ingest the value comes from.';
