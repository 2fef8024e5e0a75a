CREATE OR REPLACE VIEW datasets_latest AS
SELECT
  path,
  stage,
  area,
  category,
  dataset,
  purpose,
  version,
  split,
  format,
  "rows",
  bytes,
  sha256,
  manifest_status
FROM datasets
WHERE status = 'present' AND layout <> 'tokenized'
QUALIFY version_key IS NOT DISTINCT FROM max(version_key) OVER (PARTITION BY stage, dataset, category, purpose);

COMMENT ON VIEW datasets_latest IS 'The latest registered version of every dataset (present files, tokenized shards excluded): per stage, dataset folder, category and purpose, the file(s) with the highest version_key (v2.1 > v2 > v1; run and date versions by time); unversioned files when a purpose has no version. What DataQuery.getDataset(purpose) reads when no version is given.';
COMMENT ON COLUMN datasets_latest.path IS 'The file (see datasets.path).';
COMMENT ON COLUMN datasets_latest.stage IS 'raw, interim, processed, features, validation, predictions, monitoring, metadata or unclassified.';
COMMENT ON COLUMN datasets_latest.area IS 'Sub-area inside the stage (distillation/teacher_inputs, training/train, versions/v2.1, …).';
COMMENT ON COLUMN datasets_latest.category IS 'Processed area or curriculum category.';
COMMENT ON COLUMN datasets_latest.dataset IS 'Dataset folder (managing-data layout); NULL otherwise.';
COMMENT ON COLUMN datasets_latest.purpose IS 'The {purpose} of {purpose}_{version}.{ext}.';
COMMENT ON COLUMN datasets_latest.version IS 'The latest version of the purpose; NULL when unversioned.';
COMMENT ON COLUMN datasets_latest.split IS 'train, val, validation, test or dev when named; NULL otherwise.';
COMMENT ON COLUMN datasets_latest.format IS 'parquet, jsonl, json, csv or pkl.';
COMMENT ON COLUMN datasets_latest."rows" IS 'Rows of the file (from metadata or a DuckDB count).';
COMMENT ON COLUMN datasets_latest.bytes IS 'File size in bytes.';
COMMENT ON COLUMN datasets_latest.sha256 IS 'sha256 of the file bytes.';
COMMENT ON COLUMN datasets_latest.manifest_status IS 'ok, drift or none (see datasets.manifest_status).';
