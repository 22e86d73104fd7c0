-- Shoppers who signed themselves up (docs/labs/18-cognito-sign-up-triggers.md). The user pool's
-- post confirmation trigger adds the row once the address is confirmed; the key is the Cognito
-- user's sub, the same id orders.customer_id holds, so a repeated trigger inserts nothing
-- (INSERT ... ON CONFLICT DO NOTHING). Admins are created by admins and have no row.
CREATE TABLE customers (
  customer_id  text        PRIMARY KEY CHECK (length(customer_id) <= 255),
  email        text        NOT NULL CHECK (length(email) <= 254),
  created_at   timestamptz NOT NULL DEFAULT now()
);
