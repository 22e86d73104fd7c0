/**
 * What a product is, and the rules its fields follow. Money is integer cents plus an
 * ISO 4217 currency code, never a float.
 */
import * as z from 'zod';
import { unsafeTextProblem } from '../safe-text';

const isoCurrencies = new Set(Intl.supportedValuesOf('currency'));

/** What a SKU is once normalised: capital letters, digits and dashes, 1–40 long. */
export const skuPattern = /^[A-Z0-9-]{1,40}$/;

/** SKUs are the product id: trimmed, upper-cased, letters, digits and dashes, 1–40 long. */
export const skuSchema = z.string().trim().toUpperCase().regex(skuPattern, 'must be 1-40 letters, digits or dashes');

export const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code in capitals')
  .refine((code) => isoCurrencies.has(code), 'is not an ISO 4217 currency code');

/** Refuses text PostgreSQL, DynamoDB or JSON would not give back as it was (shared/safe-text.ts). */
export function storableText<S extends z.ZodString>(schema: S, options: { multiline?: boolean } = {}): S {
  return schema.superRefine((text, context) => {
    const problem = unsafeTextProblem(text, options);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });
}

export const productInputSchema = z.strictObject({
  name: storableText(z.string().trim().min(1).max(200)),
  description: storableText(z.string().trim().max(2000), { multiline: true }).default(''),
  category: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9-]{0,59}$/, 'must be 1-60 lowercase letters, digits or dashes'),
  priceCents: z.number().int().min(0).max(100_000_000),
  currency: currencySchema,
  stock: z.number().int().min(0).max(1_000_000),
});

export type ProductInput = z.infer<typeof productInputSchema>;

export interface Product extends ProductInput {
  sku: string;
  /** Grows by one on every change to the product or its stock; orders projections. */
  version: number;
  updatedAt: string;
}
