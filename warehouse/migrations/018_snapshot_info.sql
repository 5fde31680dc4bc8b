-- newsflow warehouse, version 18: the read snapshot says what it holds (issue 17).
-- Writers publish a copy of the warehouse file for readers (warehouse/snapshot.py); just before
-- each copy they rewrite this one row, so that the copy tells its readers how fresh it is.
CREATE TABLE snapshot_info (
    published_at TIMESTAMP NOT NULL,
    last_run_id VARCHAR,
    last_run_finished_at TIMESTAMP,
    articles BIGINT NOT NULL
);
COMMENT ON TABLE snapshot_info IS 'One row: when the read snapshot (NAME.read.duckdb beside the warehouse file) was last published, and what it holds. In the snapshot it says how fresh what you read is; reopen the snapshot to see a newer one. Empty until the first publish; unused on a DuckLake, whose readers read the catalog itself.';
COMMENT ON COLUMN snapshot_info.published_at IS 'When the copy was made (UTC), after the commit of the batch or run it holds.';
COMMENT ON COLUMN snapshot_info.last_run_id IS 'The last completed run it holds (runs.run_id), NULL if none; a run in progress may have committed batches after it.';
COMMENT ON COLUMN snapshot_info.last_run_finished_at IS 'When that run ended (UTC).';
COMMENT ON COLUMN snapshot_info.articles IS 'Articles it holds.';
