-- Shard folders are recorded relative to the warehouse file's folder from now on (mlduck puts that folder
-- on DuckDB's file_search_path when it opens a warehouse), so tokenized_shards and tokenized_rows resolve
-- from any working folder. Only the description changes; the values of earlier registrations stay as written.
COMMENT ON COLUMN tokenized_splits.split_dir IS 'The folder of the split''s shard_NNNN.parquet files and <split>_stats.json, relative to the folder of the warehouse file (mlduck sets DuckDB''s file_search_path there; in the DuckDB CLI run SET file_search_path = ''<that folder>'' when opening the warehouse from elsewhere).';
COMMENT ON COLUMN tokenized_splits.output_dir IS 'The output folder holding manifest.json and one folder per split, relative to the folder of the warehouse file (like split_dir).';
