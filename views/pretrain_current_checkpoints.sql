-- One row per DataDecide checkpoint across all ingests: each attribute from the newest ingest that has it
-- (arg_max skips NULLs), so a perplexity-only ingest and a downstream ingest of the same checkpoint merge
-- like the upstream outer join, and a re-ingest from another file supersedes the older one. Schedule
-- columns read from a file win over ones mlduck computed (they agree to ~1e-15 when both exist).
CREATE OR REPLACE VIEW pretrain_current_checkpoints AS
SELECT
  params,
  data,
  seed,
  step,
  arg_max(tokens, ingest_id) AS tokens,
  arg_max(compute, ingest_id) AS compute,
  arg_max(total_steps, {'from_input': schedule_source = 'input', 'ingest_id': ingest_id}) AS total_steps,
  arg_max(warmup_steps, {'from_input': schedule_source = 'input', 'ingest_id': ingest_id}) AS warmup_steps,
  arg_max(lr_max, {'from_input': schedule_source = 'input', 'ingest_id': ingest_id}) AS lr_max,
  arg_max(batch_size, {'from_input': schedule_source = 'input', 'ingest_id': ingest_id}) AS batch_size,
  arg_max(lr_at_step, {'from_input': schedule_source = 'input', 'ingest_id': ingest_id}) AS lr_at_step,
  arg_max(cumulative_lr, {'from_input': schedule_source = 'input', 'ingest_id': ingest_id}) AS cumulative_lr,
  max(ingest_id) AS ingest_id,
  count(*) AS ingests
FROM pretrain_checkpoints
GROUP BY params, data, seed, step;

COMMENT ON VIEW pretrain_current_checkpoints IS 'DataDecide checkpoints merged over ingests: one row per (params, data, seed, step), every attribute taken from the newest ingest that has a non-NULL value (schedule columns: read from a file before computed). Join target for other sources (e.g. fine-tuning runs matched to their pretraining checkpoint).';
COMMENT ON COLUMN pretrain_current_checkpoints.params IS 'Model size name, e.g. 150M, 1B.';
COMMENT ON COLUMN pretrain_current_checkpoints.data IS 'Data recipe display name, e.g. DCLM-Baseline, Dolma1.7.';
COMMENT ON COLUMN pretrain_current_checkpoints.seed IS 'Seed index 0–4 (0 = default seed).';
COMMENT ON COLUMN pretrain_current_checkpoints.step IS 'Training step.';
COMMENT ON COLUMN pretrain_current_checkpoints.tokens IS 'Training tokens at the step.';
COMMENT ON COLUMN pretrain_current_checkpoints.compute IS 'Training FLOPs at the step.';
COMMENT ON COLUMN pretrain_current_checkpoints.total_steps IS 'Planned training steps of the size.';
COMMENT ON COLUMN pretrain_current_checkpoints.warmup_steps IS 'Linear warmup steps.';
COMMENT ON COLUMN pretrain_current_checkpoints.lr_max IS 'Peak learning rate.';
COMMENT ON COLUMN pretrain_current_checkpoints.batch_size IS 'Batch size in sequences.';
COMMENT ON COLUMN pretrain_current_checkpoints.lr_at_step IS 'Learning rate at the step.';
COMMENT ON COLUMN pretrain_current_checkpoints.cumulative_lr IS 'Area under the learning-rate curve up to the step.';
COMMENT ON COLUMN pretrain_current_checkpoints.ingest_id IS 'The newest ingest that contains the checkpoint.';
COMMENT ON COLUMN pretrain_current_checkpoints.ingests IS 'How many ingests contain the checkpoint (more than 1: merged or superseded).';
