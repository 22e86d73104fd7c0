-- The system of record for products, their stock, and orders.

CREATE TABLE products (
  sku          text PRIMARY KEY CHECK (sku ~ '^[A-Z0-9-]{1,40}$'),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description  text NOT NULL DEFAULT '',
  category     text NOT NULL,
  price_cents  integer NOT NULL CHECK (price_cents >= 0),
  currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- Units available now; never negative, whatever races happen above it.
  stock        integer NOT NULL CHECK (stock >= 0),
  -- Grows on every change of the row, so read-model projections can be ordered.
  version      bigint NOT NULL DEFAULT 1,
  -- Deleted products stay (order lines point at them) but leave the catalog.
  deleted_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
  order_id     uuid PRIMARY KEY,
  -- Insertion order, for stable pagination of a customer's orders.
  seq          bigserial UNIQUE,
  customer_id  text NOT NULL,
  status       text NOT NULL,
  currency     char(3) NOT NULL,
  total_cents  bigint NOT NULL CHECK (total_cents >= 0),
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX orders_by_customer ON orders (customer_id, seq DESC);

CREATE TABLE order_lines (
  order_id          uuid NOT NULL REFERENCES orders ON DELETE CASCADE,
  line_no           smallint NOT NULL,
  sku               text NOT NULL REFERENCES products (sku),
  -- Name and price as they were when ordered.
  name              text NOT NULL,
  unit_price_cents  integer NOT NULL CHECK (unit_price_cents >= 0),
  quantity          integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, line_no)
);
