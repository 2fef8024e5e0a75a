CREATE OR REPLACE VIEW metric_registry AS
SELECT run_id, metric, min(step) AS first_step, max(step) AS last_step, count(*) AS rows,
  count(*) FILTER (WHERE special = 'NaN') AS nan_count,
  count(*) FILTER (WHERE special IN ('Infinity', '-Infinity')) AS inf_count,
  min(value) AS min_value, max(value) AS max_value,
  arg_max(value, step) FILTER (WHERE value IS NOT NULL) AS last_value
FROM wandb_history
GROUP BY run_id, metric;

COMMENT ON VIEW metric_registry IS 'Per W&B run and history metric: step range, row count, NaN/Inf counts, min/max and the last finite value.';
COMMENT ON COLUMN metric_registry.run_id IS 'W&B run id.';
COMMENT ON COLUMN metric_registry.metric IS 'History key.';
COMMENT ON COLUMN metric_registry.first_step IS 'First step that logged the metric.';
COMMENT ON COLUMN metric_registry.last_step IS 'Last step that logged the metric.';
COMMENT ON COLUMN metric_registry.rows IS 'Number of logged values (including NaN/Inf).';
COMMENT ON COLUMN metric_registry.nan_count IS 'Number of NaN values.';
COMMENT ON COLUMN metric_registry.inf_count IS 'Number of +Infinity or -Infinity values.';
COMMENT ON COLUMN metric_registry.min_value IS 'Smallest finite value.';
COMMENT ON COLUMN metric_registry.max_value IS 'Largest finite value.';
COMMENT ON COLUMN metric_registry.last_value IS 'Finite value at the highest step that has one.';
