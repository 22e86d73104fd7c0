-- The catalog read model (DynamoDB) follows PostgreSQL through a transactional outbox: every
-- statement that inserts or changes products queues their SKUs here, in the same transaction, by a
-- trigger, so no writer (an admin's PUT or DELETE, an order, an import chunk, a migration) can
-- forget to. Whoever projects (right after its own commit, or the scheduled projectCatalog
-- function) takes queued SKUs with FOR UPDATE SKIP LOCKED, writes their current state to DynamoDB,
-- and deletes them here before it commits: a failed projection leaves them queued, so the read
-- model converges however often DynamoDB fails (shared/catalog/catalog-projection.ts).
CREATE TABLE catalog_outbox (
  sku        text        PRIMARY KEY,
  queued_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION queue_catalog_projection() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- DO UPDATE, not DO NOTHING: it waits for a projector holding the row, so a change committed
  -- after that projector read the product is always queued again, never lost with its delete.
  INSERT INTO catalog_outbox (sku)
  SELECT DISTINCT sku FROM changed_products
  ON CONFLICT (sku) DO UPDATE SET queued_at = EXCLUDED.queued_at;
  RETURN NULL;
END
$$;

-- Statement triggers with transition tables: one outbox statement per products statement (an
-- import chunk of 2,000 rows costs one insert of its SKUs, not 2,000 trigger calls).
CREATE TRIGGER products_inserted_queue_projection AFTER INSERT ON products
  REFERENCING NEW TABLE AS changed_products
  FOR EACH STATEMENT EXECUTE FUNCTION queue_catalog_projection();
CREATE TRIGGER products_updated_queue_projection AFTER UPDATE ON products
  REFERENCING NEW TABLE AS changed_products
  FOR EACH STATEMENT EXECUTE FUNCTION queue_catalog_projection();

-- What is there already is projected once more.
INSERT INTO catalog_outbox (sku) SELECT sku FROM products;
