CREATE OR REPLACE VIEW history_wide AS
SELECT run_id, step, min(timestamp) AS timestamp, max(runtime_s) AS runtime_s,
  max(value) FILTER (WHERE metric = 'train_loss') AS train_loss,
  max(value) FILTER (WHERE metric = 'learning_rate') AS learning_rate,
  max(value) FILTER (WHERE metric = 'total_tokens') AS total_tokens,
  max(value) FILTER (WHERE metric = 'total_tokens_including_padding') AS total_tokens_including_padding,
  max(value) FILTER (WHERE metric = 'per_device_tps') AS per_device_tps,
  max(value) FILTER (WHERE metric = 'per_device_tps_including_padding') AS per_device_tps_including_padding,
  max(value) FILTER (WHERE metric = 'epoch') AS epoch,
  max(value) FILTER (WHERE metric = 'training_step') AS training_step,
  max(value) FILTER (WHERE metric = 'logps/chosen') AS "logps/chosen",
  max(value) FILTER (WHERE metric = 'logps/rejected') AS "logps/rejected",
  max(value) FILTER (WHERE metric = 'rewards/accuracy') AS "rewards/accuracy",
  max(value) FILTER (WHERE metric = 'rewards/average') AS "rewards/average",
  max(value) FILTER (WHERE metric = 'rewards/chosen') AS "rewards/chosen",
  max(value) FILTER (WHERE metric = 'rewards/margin') AS "rewards/margin",
  max(value) FILTER (WHERE metric = 'rewards/rejected') AS "rewards/rejected"
FROM wandb_history
GROUP BY run_id, step;

COMMENT ON VIEW history_wide IS 'W&B history pivoted back to one row per run and step, with the common fine-tuning (SFT and DPO) metrics as columns; other metrics stay in wandb_history.';
COMMENT ON COLUMN history_wide.run_id IS 'W&B run id.';
COMMENT ON COLUMN history_wide.step IS 'W&B _step.';
COMMENT ON COLUMN history_wide.timestamp IS 'W&B _timestamp (UTC) of the step.';
COMMENT ON COLUMN history_wide.runtime_s IS 'W&B _runtime in seconds at the step.';
COMMENT ON COLUMN history_wide.train_loss IS 'Training loss.';
COMMENT ON COLUMN history_wide.learning_rate IS 'Learning rate.';
COMMENT ON COLUMN history_wide.total_tokens IS 'Tokens seen so far (resets to ~0 when a run resumes).';
COMMENT ON COLUMN history_wide.total_tokens_including_padding IS 'Tokens seen so far including padding.';
COMMENT ON COLUMN history_wide.per_device_tps IS 'Tokens per second per device.';
COMMENT ON COLUMN history_wide.per_device_tps_including_padding IS 'Tokens per second per device including padding.';
COMMENT ON COLUMN history_wide.epoch IS 'Epoch (DPO runs).';
COMMENT ON COLUMN history_wide.training_step IS 'Training step (DPO runs).';
COMMENT ON COLUMN history_wide."logps/chosen" IS 'DPO: log-probability of the chosen answers.';
COMMENT ON COLUMN history_wide."logps/rejected" IS 'DPO: log-probability of the rejected answers.';
COMMENT ON COLUMN history_wide."rewards/accuracy" IS 'DPO: reward accuracy.';
COMMENT ON COLUMN history_wide."rewards/average" IS 'DPO: average reward.';
COMMENT ON COLUMN history_wide."rewards/chosen" IS 'DPO: reward of the chosen answers.';
COMMENT ON COLUMN history_wide."rewards/margin" IS 'DPO: reward margin.';
COMMENT ON COLUMN history_wide."rewards/rejected" IS 'DPO: reward of the rejected answers.';
