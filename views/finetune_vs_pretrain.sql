-- Matched fine-tuning runs (combined_plotting_data_matched.pkl) next to their pretraining checkpoint.
CREATE OR REPLACE VIEW finetune_vs_pretrain AS
SELECT
  f.run_id,
  f.run_timestamp,
  f.params,
  f.data,
  f.seed,
  f.step,
  f.ckpt_steps,
  f.comparison_model_size,
  f.comparison_metric,
  f.matched_group_name,
  f.ft_tok,
  f.ft_tok_real,
  p.tokens AS pt_tokens,
  p.compute AS pt_compute,
  p.lr_at_step AS pt_lr_at_step,
  p.cumulative_lr AS pt_cumulative_lr,
  p.tokens + f.ft_tok_real AS pt_ft_tokens,
  p.step IS NOT NULL AS checkpoint_found,
  f.ingest_id
FROM finetune_pretrain_matched f
LEFT JOIN pretrain_current_checkpoints p
  ON p.params = f.params AND p.data = f.data AND p.seed = f.seed AND p.step = f.step;

COMMENT ON VIEW finetune_vs_pretrain IS 'Each matched fine-tuning run of combined_plotting_data_matched.pkl beside the DataDecide checkpoint it started from (pretrain_current_checkpoints on params, data, seed 0, step), as upstream matched them. checkpoint_found is false when that checkpoint was not ingested.';
COMMENT ON COLUMN finetune_vs_pretrain.run_id IS 'W&B id of the fine-tuning run.';
COMMENT ON COLUMN finetune_vs_pretrain.run_timestamp IS 'Run timestamp (UTC).';
COMMENT ON COLUMN finetune_vs_pretrain.params IS 'Pretraining checkpoint model size.';
COMMENT ON COLUMN finetune_vs_pretrain.data IS 'Pretraining checkpoint data recipe.';
COMMENT ON COLUMN finetune_vs_pretrain.seed IS 'Pretraining seed index used for matching (always 0 upstream).';
COMMENT ON COLUMN finetune_vs_pretrain.step IS 'Pretraining checkpoint step.';
COMMENT ON COLUMN finetune_vs_pretrain.ckpt_steps IS 'The checkpoint step as pickled (text).';
COMMENT ON COLUMN finetune_vs_pretrain.comparison_model_size IS 'Size of the comparison pretrained model.';
COMMENT ON COLUMN finetune_vs_pretrain.comparison_metric IS 'Metric the run was matched on.';
COMMENT ON COLUMN finetune_vs_pretrain.matched_group_name IS 'Matched group of the run.';
COMMENT ON COLUMN finetune_vs_pretrain.ft_tok IS 'Planned fine-tuning tokens.';
COMMENT ON COLUMN finetune_vs_pretrain.ft_tok_real IS 'Fine-tuning tokens actually seen.';
COMMENT ON COLUMN finetune_vs_pretrain.pt_tokens IS 'Pretraining tokens at the checkpoint (pretrain_checkpoints.tokens).';
COMMENT ON COLUMN finetune_vs_pretrain.pt_compute IS 'Pretraining FLOPs at the checkpoint.';
COMMENT ON COLUMN finetune_vs_pretrain.pt_lr_at_step IS 'Pretraining learning rate at the checkpoint step.';
COMMENT ON COLUMN finetune_vs_pretrain.pt_cumulative_lr IS 'Area under the pretraining learning-rate curve up to the checkpoint.';
COMMENT ON COLUMN finetune_vs_pretrain.pt_ft_tokens IS 'Pretraining plus real fine-tuning tokens.';
COMMENT ON COLUMN finetune_vs_pretrain.checkpoint_found IS 'True when the pretraining checkpoint is in the warehouse.';
COMMENT ON COLUMN finetune_vs_pretrain.ingest_id IS 'The pickle ingest the run row came from.';
