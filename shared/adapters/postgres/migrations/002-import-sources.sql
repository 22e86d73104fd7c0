-- Imports (issue 3): each product row remembers which write it came from, so that writes applied
-- out of order or twice never let an older one win. A source is (source_id, source_row):
-- source_id is a time-ordered UUID (v7) of the import or of the admin's PUT/DELETE, source_row
-- the row number in the import's file (0 for an admin's write). Tuples compare in that order.
ALTER TABLE products
  ADD COLUMN source_id  uuid    NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
  ADD COLUMN source_row integer NOT NULL DEFAULT 0;

-- The chunks of each import that have been loaded: a redelivered chunk is recognised here.
CREATE TABLE import_chunks (
  import_id  uuid        NOT NULL,
  chunk_no   integer     NOT NULL,
  row_count  integer     NOT NULL CHECK (row_count > 0),
  loaded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (import_id, chunk_no)
);

-- Rows loaded per import, raised in the same transaction as each new chunk: the job's rowsLoaded.
CREATE TABLE import_progress (
  import_id    uuid    PRIMARY KEY,
  rows_loaded  integer NOT NULL CHECK (rows_loaded >= 0)
);
