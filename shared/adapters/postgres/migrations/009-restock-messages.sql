-- Restock notes suppliers mail to the shop (issue 13, services/restock/): each SES message is
-- applied once. Its id is recorded in the same transaction as the stock it adds, so a duplicate
-- delivery of the same receipt (Lambda's asynchronous invocation is at-least-once) finds it here
-- and adds nothing; what was applied and refused is kept, so it gets the same answer.
CREATE TABLE restock_messages (
  message_id  text        PRIMARY KEY,
  supplier    text        NOT NULL,
  applied     jsonb       NOT NULL,
  refused     jsonb       NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
