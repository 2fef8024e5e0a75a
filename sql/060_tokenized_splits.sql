-- Outputs of `mlduck tokenize`: one row per split of a tokenized output folder, read from its
-- manifest.json (and the split's <split>_stats.json). The shards themselves stay Parquet on disk.
CREATE TABLE tokenized_splits (
  ingest_id        BIGINT NOT NULL,
  manifest_path    VARCHAR NOT NULL,
  output_dir       VARCHAR NOT NULL,
  split            VARCHAR NOT NULL,
  split_dir        VARCHAR NOT NULL,
  tokenizer        VARCHAR NOT NULL,
  tokenizer_sha256 VARCHAR NOT NULL,
  max_seq_length   INTEGER NOT NULL,
  packing          VARCHAR NOT NULL,
  label_convention VARCHAR NOT NULL,
  shards           INTEGER NOT NULL,
  sequences        BIGINT NOT NULL,
  samples          BIGINT NOT NULL,
  tokens           BIGINT NOT NULL,
  pad_tokens       BIGINT NOT NULL,
  input_path       VARCHAR NOT NULL,
  input_bytes      BIGINT NOT NULL,
  input_sha256     VARCHAR NOT NULL,
  fingerprint      VARCHAR NOT NULL,
  shard_files      STRUCT(file VARCHAR, bytes BIGINT, "rows" BIGINT, tokens BIGINT, pad_tokens BIGINT, sha256 VARCHAR)[] NOT NULL,
  stats            JSON,
  created_at       TIMESTAMPTZ NOT NULL
);

COMMENT ON TABLE tokenized_splits IS 'One row per split of a tokenized output folder written by `mlduck tokenize` (JSONL → packed Parquet shards), from its manifest.json; re-registering a changed manifest replaces its rows.';
COMMENT ON COLUMN tokenized_splits.ingest_id IS 'The ingest (of the manifest.json file) that registered this split; see ingest_log.';
COMMENT ON COLUMN tokenized_splits.manifest_path IS 'The manifest.json the split was read from (relative to the working directory when inside it).';
COMMENT ON COLUMN tokenized_splits.output_dir IS 'The output folder holding manifest.json and one folder per split.';
COMMENT ON COLUMN tokenized_splits.split IS 'Split name: the stem of the input JSONL file.';
COMMENT ON COLUMN tokenized_splits.split_dir IS 'The folder of the split''s shard_NNNN.parquet files and <split>_stats.json.';
COMMENT ON COLUMN tokenized_splits.tokenizer IS 'The tokenizer as named on the command line (Hub id or path).';
COMMENT ON COLUMN tokenized_splits.tokenizer_sha256 IS 'sha256 of the tokenizer.json bytes used.';
COMMENT ON COLUMN tokenized_splits.max_seq_length IS 'Tokens per row: every input_ids/attention_mask/labels list has exactly this length.';
COMMENT ON COLUMN tokenized_splits.packing IS 'concat (documents concatenated and cut into rows) or bfd (best-fit-decreasing packing of whole documents).';
COMMENT ON COLUMN tokenized_splits.label_convention IS 'unshifted: labels = input_ids where attention_mask = 1, -100 elsewhere; the model shifts.';
COMMENT ON COLUMN tokenized_splits.shards IS 'Number of Parquet shards of the split.';
COMMENT ON COLUMN tokenized_splits.sequences IS 'Rows (packed sequences) over all shards.';
COMMENT ON COLUMN tokenized_splits.samples IS 'Documents tokenized (skipped lines excluded; see stats).';
COMMENT ON COLUMN tokenized_splits.tokens IS 'Real (non-padding) tokens, BOS and EOS included.';
COMMENT ON COLUMN tokenized_splits.pad_tokens IS 'Padding tokens (attention_mask 0, labels -100).';
COMMENT ON COLUMN tokenized_splits.input_path IS 'The JSONL file the split was made from, as given to the command.';
COMMENT ON COLUMN tokenized_splits.input_bytes IS 'Size of the input JSONL file in bytes.';
COMMENT ON COLUMN tokenized_splits.input_sha256 IS 'sha256 of the input JSONL file.';
COMMENT ON COLUMN tokenized_splits.fingerprint IS 'sha256 over input fingerprint, tokenizer hash and options; --skip-existing skips a split whose fingerprint matches.';
COMMENT ON COLUMN tokenized_splits.shard_files IS 'The shards in order: file name (inside split_dir), bytes, rows, real tokens, pad tokens, sha256.';
COMMENT ON COLUMN tokenized_splits.stats IS 'The split''s <split>_stats.json: documents, skipped lines by cause, tokens, length histogram, by category/source.';
COMMENT ON COLUMN tokenized_splits.created_at IS 'When the split was written (UTC).';
