-- Kill-safe ingest bookkeeping (docs/architecture.md): an ingest is announced as `running` before its data
-- transaction, and older versions of a path are `superseded` until their rows are removed. Only the
-- documentation of the status column changes; the values are plain VARCHARs.
COMMENT ON COLUMN ingest_log.status IS 'ok (rows present); failed (nothing written; see error); running (announced, data not committed yet); interrupted (the process ended while running: its rows were removed on the next open); superseded (a newer version of the same path committed, rows being removed); replaced (rows removed; see replaced_by).';
