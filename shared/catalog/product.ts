/**
 * What a product is, and the rules its fields follow. Money is integer cents plus an
 * ISO 4217 currency code, never a float.
 */
import * as z from '../zod';
import { unsafeTextProblem } from '../safe-text';

const isoCurrencies = new Set(Intl.supportedValuesOf('currency'));

/** What a SKU is once normalised: capital letters, digits and dashes, 1–40 long. */
export const skuPattern = /^[A-Z0-9-]{1,40}$/;

/** SKUs are the product id: trimmed, upper-cased, letters, digits and dashes, 1–40 long. */
export const skuSchema = z
  .string()
  .check(z.trim(), z.toUpperCase(), z.regex(skuPattern, 'must be 1-40 letters, digits or dashes'));

export const currencySchema = z.string().check(
  z.regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code in capitals'),
  z.refine((code) => isoCurrencies.has(code), 'is not an ISO 4217 currency code'),
);

/** Refuses text PostgreSQL, DynamoDB or JSON would not give back as it was (shared/safe-text.ts). */
export function storableText<S extends z.ZodMiniString>(schema: S, options: { multiline?: boolean } = {}): S {
  return schema.check(
    z.superRefine((text: string, context) => {
      const problem = unsafeTextProblem(text, options);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    }),
  );
}

export const productInputSchema = z.strictObject({
  name: storableText(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
  description: z._default(storableText(z.string().check(z.trim(), z.maxLength(2000)), { multiline: true }), ''),
  category: z
    .string()
    .check(
      z.trim(),
      z.toLowerCase(),
      z.regex(/^[a-z0-9][a-z0-9-]{0,59}$/, 'must be 1-60 lowercase letters, digits or dashes'),
    ),
  priceCents: z.number().check(z.int(), z.minimum(0), z.maximum(100_000_000)),
  currency: currencySchema,
  stock: z.number().check(z.int(), z.minimum(0), z.maximum(1_000_000)),
});

export type ProductInput = z.infer<typeof productInputSchema>;

export interface Product extends ProductInput {
  sku: string;
  /** Grows by one on every change to the product or its stock; orders projections. */
  version: number;
  updatedAt: string;
}
