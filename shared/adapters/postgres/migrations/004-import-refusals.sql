-- Rows the ETL worker refused (a product rule, or the database itself), each alone: the rest of
-- its chunk loads. Counted in import_progress in the same transaction as the chunk, so the job's
-- counts add up to the file's rows whichever chunks arrive twice.
ALTER TABLE import_progress
  ADD COLUMN rows_refused integer NOT NULL DEFAULT 0 CHECK (rows_refused >= 0);

CREATE TABLE import_refusals (
  import_id  uuid    NOT NULL,
  chunk_no   integer NOT NULL,
  row_no     integer NOT NULL,
  sku        text    NOT NULL,
  reason     text    NOT NULL,
  PRIMARY KEY (import_id, row_no)
);
