/** Path and query parameters of the catalog routes. */
import * as z from 'zod';
import { productInputSchema, skuSchema, storableText } from './product';

export const skuPath = z.object({ sku: skuSchema });

export const catalogQuery = z.strictObject({
  category: productInputSchema.shape.category.optional(),
  q: storableText(z.string().trim().min(1).max(100)).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2048).optional(),
});

export const historyQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2048).optional(),
});
