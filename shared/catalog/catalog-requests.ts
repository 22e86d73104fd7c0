/** Path and query parameters of the catalog routes. */
import * as z from '../zod';
import { productInputSchema, skuSchema, storableText } from './product';

export const skuPath = z.object({ sku: skuSchema });

export const catalogQuery = z.strictObject({
  category: z.optional(productInputSchema.shape.category),
  q: z.optional(storableText(z.string().check(z.trim(), z.minLength(1), z.maxLength(100)))),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});

export const historyQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});
