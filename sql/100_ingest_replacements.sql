-- Rows an ingest replaces *by key* in other ingests (a W&B run exported again into another file, a QA
-- checkpoint task read again from another path). The ingest records them here inside its own transaction
-- and they are deleted only after its ingest_log row says ok (src/replacements.ts), so a process killed at
-- any instant, even inside COMMIT, never leaves the old rows deleted without the new ones in place.
CREATE TABLE ingest_replacements (
  ingest_id    BIGINT NOT NULL,
  target_table VARCHAR NOT NULL,
  key_columns  VARCHAR[] NOT NULL,
  key_tables   VARCHAR[] NOT NULL
);
COMMENT ON TABLE ingest_replacements IS 'Pending replacements by key: rows of target_table written by ingests older than ingest_id whose key_columns match a row of ingest_id in one of key_tables are deleted once ingest_id is ok (on the same run, or on the next read-write open after a kill); then the entry is removed. Normally empty.';
COMMENT ON COLUMN ingest_replacements.ingest_id IS 'The ingest whose rows replace the older ones (ingest_log.ingest_id).';
COMMENT ON COLUMN ingest_replacements.target_table IS 'The table whose older rows are replaced.';
COMMENT ON COLUMN ingest_replacements.key_columns IS 'The columns that identify what is replaced (run_id; recipe, params, seed, step, task).';
COMMENT ON COLUMN ingest_replacements.key_tables IS 'The tables whose rows of ingest_id give the keys (their union).';
