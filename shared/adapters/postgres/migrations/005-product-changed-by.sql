-- Who made each product's latest change (issue 11): 'admin:<sub>' (PUT or DELETE /products),
-- 'import:<importId>' (a catalog import's chunk), 'order:<orderId>' (stock taken by an order).
-- Every statement that changes a product sets it, in the same statement as the change; the
-- catalog projection copies it into the read model (changedBy), whose stream carries it into the
-- catalog's history (shared/catalog/catalog-history.ts). NULL: not recorded (rows last changed
-- before this migration, or by hand).
ALTER TABLE products ADD COLUMN changed_by text;
