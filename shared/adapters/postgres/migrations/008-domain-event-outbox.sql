-- Domain events (docs/events.md) leave PostgreSQL through a transactional outbox: a writer inserts
-- the event here in the same transaction as the fact it announces (an order and the stock it took),
-- so an event exists if and only if its fact committed. Whoever publishes (the writer right after
-- its commit, or the scheduled publishDomainEvents function) locks rows with FOR UPDATE SKIP
-- LOCKED, sends them to EventBridge, deletes them and commits: a failed publish leaves them here
-- for the next try, and a repeat after a crash carries the same event_id (shared/events/).
CREATE TABLE domain_event_outbox (
  event_id     uuid        PRIMARY KEY,
  -- Publication order: events of one transaction in the order they were written.
  seq          bigserial   UNIQUE,
  source       text        NOT NULL,
  detail_type  text        NOT NULL,
  occurred_at  timestamptz NOT NULL,
  detail       jsonb       NOT NULL,
  queued_at    timestamptz NOT NULL DEFAULT now()
);

-- StockLow: an order that takes a product's stock from at or above its threshold to below it
-- announces it. 5 units is a small shop's reorder point; admins may set another per product.
ALTER TABLE products ADD COLUMN low_stock_threshold integer NOT NULL DEFAULT 5
  CHECK (low_stock_threshold >= 0);

-- Where the order confirmation goes: the verified e-mail claim of the shopper's token when the
-- order was placed (null for orders placed before, or by a token without one).
ALTER TABLE orders ADD COLUMN customer_email text CHECK (length(customer_email) <= 254);
