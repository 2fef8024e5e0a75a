-- The provenance of every row: each ingest of one input file is one row here, and every data table
-- carries the ingest_id of the ingest that wrote its rows.
CREATE SEQUENCE ingest_id_seq START 1;

CREATE TABLE ingest_log (
  ingest_id      BIGINT NOT NULL,
  kind           VARCHAR NOT NULL,
  path           VARCHAR NOT NULL,
  sha256         VARCHAR NOT NULL,
  bytes          BIGINT NOT NULL,
  status         VARCHAR NOT NULL,
  rows_written   JSON,
  warnings       JSON,
  error          VARCHAR,
  options        JSON,
  started_at     TIMESTAMPTZ NOT NULL,
  finished_at    TIMESTAMPTZ NOT NULL,
  mlduck_version VARCHAR NOT NULL,
  replaced_by    BIGINT
);

COMMENT ON TABLE ingest_log IS 'One row per ingest of one input file: what was read (path, sha256, size), what it wrote (rows per table), how it ended (ok, failed, replaced). Every data table links here through ingest_id.';
COMMENT ON COLUMN ingest_log.ingest_id IS 'Identifier of the ingest; data rows carry it in their ingest_id column.';
COMMENT ON COLUMN ingest_log.kind IS 'Which ingester read the file (wandb, datadecide, pickle, qa, tokenize, …).';
COMMENT ON COLUMN ingest_log.path IS 'The input path, relative to the working directory of the ingest when it was inside it.';
COMMENT ON COLUMN ingest_log.sha256 IS 'sha256 of the input bytes; the same bytes at the same path are not ingested twice.';
COMMENT ON COLUMN ingest_log.bytes IS 'Size of the input file in bytes.';
COMMENT ON COLUMN ingest_log.status IS 'ok (rows present), failed (nothing written; see error), replaced (a newer version of the same path replaced its rows; see replaced_by).';
COMMENT ON COLUMN ingest_log.rows_written IS 'JSON object: table name → number of rows this ingest wrote.';
COMMENT ON COLUMN ingest_log.warnings IS 'JSON array of the warnings reported while ingesting (unknown columns, duplicates, …).';
COMMENT ON COLUMN ingest_log.error IS 'Why the ingest failed; NULL when it did not.';
COMMENT ON COLUMN ingest_log.options IS 'JSON object of the options the ingest ran with.';
COMMENT ON COLUMN ingest_log.started_at IS 'When the ingest started (UTC).';
COMMENT ON COLUMN ingest_log.finished_at IS 'When the ingest committed or failed (UTC).';
COMMENT ON COLUMN ingest_log.mlduck_version IS 'Version of mlduck that ran the ingest.';
COMMENT ON COLUMN ingest_log.replaced_by IS 'The ingest_id of the newer version of the same path that replaced these rows.';
