CREATE OR REPLACE VIEW tokenized_shards AS
SELECT
  s.ingest_id,
  s.manifest_path,
  s.split,
  f.shard_index,
  s.split_dir || '/' || f.shard.file AS path,
  f.shard.bytes AS bytes,
  f.shard."rows" AS "rows",
  f.shard.tokens AS tokens,
  f.shard.pad_tokens AS pad_tokens,
  f.shard.sha256 AS sha256,
  s.max_seq_length,
  s.tokenizer
FROM tokenized_splits s,
  (SELECT unnest(s.shard_files) AS shard, generate_subscripts(s.shard_files, 1) - 1 AS shard_index) f;

COMMENT ON VIEW tokenized_shards IS 'One row per Parquet shard of the registered tokenized splits (tokenized_splits.shard_files unnested); read a shard''s rows with read_parquet(path), or all of them through the tokenized_rows view.';
COMMENT ON COLUMN tokenized_shards.ingest_id IS 'The ingest of the manifest.json that registered the split.';
COMMENT ON COLUMN tokenized_shards.manifest_path IS 'The manifest.json the split was read from.';
COMMENT ON COLUMN tokenized_shards.split IS 'Split name (input file stem).';
COMMENT ON COLUMN tokenized_shards.shard_index IS '0-based shard number: NNNN of shard_NNNN.parquet.';
COMMENT ON COLUMN tokenized_shards.path IS 'Path of the shard file (split_dir/shard_NNNN.parquet).';
COMMENT ON COLUMN tokenized_shards.bytes IS 'Size of the shard file in bytes, as written.';
COMMENT ON COLUMN tokenized_shards."rows" IS 'Rows (packed sequences) in the shard.';
COMMENT ON COLUMN tokenized_shards.tokens IS 'Real (non-padding) tokens in the shard.';
COMMENT ON COLUMN tokenized_shards.pad_tokens IS 'Padding tokens in the shard.';
COMMENT ON COLUMN tokenized_shards.sha256 IS 'sha256 of the shard file.';
COMMENT ON COLUMN tokenized_shards.max_seq_length IS 'Tokens per row of the split.';
COMMENT ON COLUMN tokenized_shards.tokenizer IS 'The tokenizer the split was made with.';
