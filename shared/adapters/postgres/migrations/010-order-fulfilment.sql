-- Order fulfilment (issue 14; shared/fulfilment/, infra/resources/fulfilment.yml): the order's
-- status moves PLACED → PAID → SHIPPED, or to CANCELLED with a reason, stock put back. Every
-- transition is guarded by the status it starts from, so a task the state machine retries (or a
-- second execution for one order) never moves an order twice.
ALTER TABLE orders
  ADD CONSTRAINT orders_status_known CHECK (status IN ('PLACED', 'PAID', 'SHIPPED', 'CANCELLED')),
  -- The payment provider's charge (PAID); kept after a refund, to show which charge was refunded.
  ADD COLUMN charge_id text,
  -- The carrier's tracking id (SHIPPED).
  ADD COLUMN tracking_id text,
  -- Why the order was cancelled, for the shopper (CANCELLED).
  ADD COLUMN cancellation_reason text CHECK (length(cancellation_reason) <= 500),
  -- When the reserved stock went back: set once, in the transaction that puts it back.
  ADD COLUMN stock_released_at timestamptz,
  ADD COLUMN status_changed_at timestamptz;

-- What the simulated payment provider (shared/adapters/simulators/payment-simulator.ts) keeps,
-- like a sandbox's own records: one charge per idempotency key (the order id), how often it was
-- asked, and whether it was refunded. Only non-production stages have the simulator; the table
-- is empty elsewhere.
CREATE TABLE simulated_payments (
  idempotency_key  text PRIMARY KEY,
  charge_id        text NOT NULL UNIQUE,
  amount_cents     bigint NOT NULL CHECK (amount_cents >= 0),
  currency         char(3) NOT NULL,
  -- Charge requests seen for this key (a retried request counts again, charges nothing again).
  attempts         integer NOT NULL DEFAULT 1,
  charged_at       timestamptz,
  refunded_at      timestamptz,
  -- Refunds carried out: 0 or 1, whatever repeats the request.
  refunds          integer NOT NULL DEFAULT 0 CHECK (refunds IN (0, 1))
);
