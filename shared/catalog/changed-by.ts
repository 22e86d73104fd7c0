/**
 * Who changed a product, as the system of record keeps it beside the change (products.changed_by,
 * migrations/005-product-changed-by.sql) and the catalog's history shows it. A prefix names the
 * kind of writer, so an id of one kind is never read as another.
 */
export const changedBy = {
  /** An admin's PUT or DELETE /products/{sku}: the caller's id (the token's sub). */
  admin: (callerId: string) => `admin:${callerId}`,
  /** A row of a catalog import (POST /imports). */
  import: (importId: string) => `import:${importId}`,
  /** Stock taken by an order (POST /orders). */
  order: (orderId: string) => `order:${orderId}`,
  /** Stock a supplier's restock note added (restock@ mail): the supplier's address. */
  supplier: (address: string) => `supplier:${address}`,
  /** Stock put back by the cancellation of an order (the order fulfilment's compensation). */
  orderCancelled: (orderId: string) => `order-cancelled:${orderId}`,
} as const;
