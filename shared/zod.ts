/**
 * zod as Shelf's code uses it: `import * as z from '<relative>/zod'`. It is zod/mini (its functions
 * tree-shake; classic zod's methods keep ~90 KiB of zod in every bundle), with the English locale
 * loaded here once: zod/mini loads none, and its messages are part of the API (4xx bodies, the
 * import's rejects report). They are the same as classic zod's, which loads the same locale.
 */
import { en } from 'zod/locales';
import { config, type core } from 'zod/mini';

config(en());

export * from 'zod/mini';

type Bounded = { check: string; minimum?: number; maximum?: number; value?: number };

/**
 * The bounds a schema's checks set: lengths (minLength, maxLength) or values (minimum, maximum),
 * what classic zod's `minLength`/`maxLength`/`minValue`/`maxValue` read. An optional or default
 * schema answers for the schema it wraps.
 */
export function boundsOf(schema: core.$ZodType): { min?: number; max?: number } {
  const def = schema._zod.def as core.$ZodTypeDef & { innerType?: core.$ZodType };
  if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType)
    return boundsOf(def.innerType);
  const bounds: { min?: number; max?: number } = {};
  for (const check of def.checks ?? []) {
    const { check: kind, minimum, maximum, value } = check._zod.def as Bounded;
    const min = kind === 'min_length' ? minimum : kind === 'greater_than' ? value : undefined;
    const max = kind === 'max_length' ? maximum : kind === 'less_than' ? value : undefined;
    if (min !== undefined) bounds.min = Math.max(bounds.min ?? -Infinity, min);
    if (max !== undefined) bounds.max = Math.min(bounds.max ?? Infinity, max);
  }
  return bounds;
}
