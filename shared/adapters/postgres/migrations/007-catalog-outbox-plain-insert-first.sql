-- The outbox trigger (003, 006) tries a plain insert first: a statement's SKUs are usually not
-- queued (whoever wrote them before projected them right after its commit), and a plain insert
-- skips ON CONFLICT's extra index check and speculative insertion, which cost about a tenth of the
-- ETL worker's database time (docs/imports.md, "Performance"). If any SKU is queued already, or
-- is being projected, the plain insert fails with unique_violation, is rolled back to the block's
-- start (a subtransaction, one per statement), and the insert of 003 runs instead: it waits for
-- a projector holding the row, so a change committed after that projector read the product is
-- queued again, never lost with its delete.
CREATE OR REPLACE FUNCTION queue_catalog_projection() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    INSERT INTO catalog_outbox (sku) SELECT sku FROM changed_products;
  EXCEPTION WHEN unique_violation THEN
    INSERT INTO catalog_outbox (sku)
    SELECT sku FROM changed_products
    ON CONFLICT (sku) DO UPDATE SET queued_at = EXCLUDED.queued_at;
  END;
  RETURN NULL;
END
$$;
