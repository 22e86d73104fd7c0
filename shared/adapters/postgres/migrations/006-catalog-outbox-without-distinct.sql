-- The outbox trigger (003-catalog-outbox.sql) without its DISTINCT: a statement's transition table
-- holds each product once (sku is the primary key, checked row by row, and a statement changes a
-- row at most once), so the sort or hash it asked for bought nothing. Measured on an import chunk
-- about 4 % of the ETL worker's database time (docs/imports.md, "Performance").
CREATE OR REPLACE FUNCTION queue_catalog_projection() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- DO UPDATE, not DO NOTHING: it waits for a projector holding the row, so a change committed
  -- after that projector read the product is always queued again, never lost with its delete.
  INSERT INTO catalog_outbox (sku)
  SELECT sku FROM changed_products
  ON CONFLICT (sku) DO UPDATE SET queued_at = EXCLUDED.queued_at;
  RETURN NULL;
END
$$;
