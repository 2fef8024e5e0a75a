-- The dr_showntell chart's data: every eval score of a matched fine-tuning run (ft_<name>) beside the
-- score of its pretraining checkpoint under the same name (pt_<name>), both from
-- combined_plotting_data_matched.pkl, with the run's checkpoint key.
CREATE OR REPLACE VIEW finetune_vs_pretrain_scores AS
SELECT
  f.run_id,
  f.params,
  f.data,
  f.step,
  f.comparison_metric,
  f.matched_group_name,
  substr(ft.name, 4) AS score_name,
  ft.value AS finetuned_score,
  pt.value AS pretrained_score,
  ft.value - pt.value AS score_delta
FROM finetune_vs_pretrain f
JOIN finetune_pretrain_matched_values ft
  ON ft.run_id = f.run_id AND ft.ingest_id = f.ingest_id AND ft.family = 'ft'
JOIN finetune_pretrain_matched_values pt
  ON pt.run_id = f.run_id AND pt.ingest_id = f.ingest_id AND pt.family = 'pt' AND pt.name = 'pt_' || substr(ft.name, 4)
WHERE ft.value IS NOT NULL AND pt.value IS NOT NULL;

COMMENT ON VIEW finetune_vs_pretrain_scores IS 'Each matched fine-tuning run''s eval scores (ft_<name> of combined_plotting_data_matched.pkl) beside the pretraining checkpoint''s score of the same name (pt_<name>): the data of dr_showntell''s finetuned-vs-pretrained plot. Pairs where either value is missing or not finite are left out.';
COMMENT ON COLUMN finetune_vs_pretrain_scores.run_id IS 'W&B id of the fine-tuning run.';
COMMENT ON COLUMN finetune_vs_pretrain_scores.params IS 'Model size of the pretraining checkpoint.';
COMMENT ON COLUMN finetune_vs_pretrain_scores.data IS 'Data recipe of the pretraining checkpoint.';
COMMENT ON COLUMN finetune_vs_pretrain_scores.step IS 'Pretraining checkpoint step.';
COMMENT ON COLUMN finetune_vs_pretrain_scores.comparison_metric IS 'Metric the run was matched on.';
COMMENT ON COLUMN finetune_vs_pretrain_scores.matched_group_name IS 'Matched group of the run.';
COMMENT ON COLUMN finetune_vs_pretrain_scores.score_name IS 'Score name: <task>_<metric> without its ft_/pt_ prefix, e.g. arc_easy_acc_raw.';
COMMENT ON COLUMN finetune_vs_pretrain_scores.finetuned_score IS 'Score after fine-tuning (ft_<score_name>).';
COMMENT ON COLUMN finetune_vs_pretrain_scores.pretrained_score IS 'Score of the pretraining checkpoint (pt_<score_name>).';
COMMENT ON COLUMN finetune_vs_pretrain_scores.score_delta IS 'finetuned_score − pretrained_score.';
