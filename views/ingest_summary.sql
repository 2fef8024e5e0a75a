CREATE OR REPLACE VIEW ingest_summary AS
SELECT
  kind,
  count(*) FILTER (WHERE status = 'ok') AS files,
  count(*) FILTER (WHERE status IN ('failed', 'interrupted')) AS failed_attempts,
  sum(bytes) FILTER (WHERE status = 'ok') AS bytes,
  max(finished_at) AS last_ingest_at
FROM ingest_log
GROUP BY kind;

COMMENT ON VIEW ingest_summary IS 'Per ingester kind: how many files are currently ingested, how many attempts failed, their total size and the last ingest time.';
COMMENT ON COLUMN ingest_summary.kind IS 'Which ingester read the files.';
COMMENT ON COLUMN ingest_summary.files IS 'Number of files whose rows are currently in the warehouse (status ok).';
COMMENT ON COLUMN ingest_summary.failed_attempts IS 'Number of ingests that failed or were interrupted (the process ended) and left nothing.';
COMMENT ON COLUMN ingest_summary.bytes IS 'Total size of the currently ingested files in bytes.';
COMMENT ON COLUMN ingest_summary.last_ingest_at IS 'When the last ingest of this kind finished (UTC).';
