-- The nightly sales report reads one day's orders (sales-figures.ts: created_at >= day AND
-- created_at < next day). Without this index each report scans every order ever placed, a cost that
-- grows with the shop's age. Plain CREATE INDEX (the migrator runs each file in a transaction,
-- where CONCURRENTLY is not allowed): it holds back new orders only while it builds.
CREATE INDEX orders_created_at ON orders (created_at);
