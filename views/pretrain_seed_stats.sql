-- The mean_eval / std_eval semantics of datadec (df_utils.create_mean_std_df) in long form: pandas
-- groupby(params, data, step, tokens, compute) over seeds, NaN skipped, sample std (ddof 1) that is NULL
-- (pandas NaN) for a single value; rows with a NULL group key are dropped like pandas does.
CREATE OR REPLACE VIEW pretrain_seed_stats AS
SELECT
  c.params,
  c.data,
  c.step,
  c.tokens,
  c.compute,
  m.task,
  m.metric,
  count(m.value) AS n_seeds,
  list(c.seed ORDER BY c.seed) FILTER (WHERE m.value IS NOT NULL) AS seeds,
  avg(m.value) AS mean,
  stddev_samp(m.value) AS std
FROM pretrain_current_metrics m
JOIN pretrain_current_checkpoints c
  ON c.params = m.params AND c.data = m.data AND c.seed = m.seed AND c.step = m.step
WHERE c.tokens IS NOT NULL AND c.compute IS NOT NULL
GROUP BY c.params, c.data, c.step, c.tokens, c.compute, m.task, m.metric;

COMMENT ON VIEW pretrain_seed_stats IS 'Mean and sample standard deviation of every DataDecide metric over seeds, grouped by params, data, step, tokens, compute (the mean_eval / std_eval files of datadec, in long form). std is NULL (pandas NaN) when fewer than two seeds have a value.';
COMMENT ON COLUMN pretrain_seed_stats.params IS 'Model size name.';
COMMENT ON COLUMN pretrain_seed_stats.data IS 'Data recipe display name.';
COMMENT ON COLUMN pretrain_seed_stats.step IS 'Training step.';
COMMENT ON COLUMN pretrain_seed_stats.tokens IS 'Training tokens at the step (group key).';
COMMENT ON COLUMN pretrain_seed_stats.compute IS 'Training FLOPs at the step (group key).';
COMMENT ON COLUMN pretrain_seed_stats.task IS 'Task or perplexity set.';
COMMENT ON COLUMN pretrain_seed_stats.metric IS 'Metric (valppl for perplexities).';
COMMENT ON COLUMN pretrain_seed_stats.n_seeds IS 'Number of seeds with a finite value (NaN skipped, as pandas does).';
COMMENT ON COLUMN pretrain_seed_stats.seeds IS 'The seed indexes that have a value, ascending.';
COMMENT ON COLUMN pretrain_seed_stats.mean IS 'Mean over seeds (pandas .mean()); NULL when no seed has a value.';
COMMENT ON COLUMN pretrain_seed_stats.std IS 'Sample standard deviation over seeds (pandas .std(), ddof 1); NULL for fewer than two values.';
