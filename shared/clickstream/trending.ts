/**
 * Trending products: the per-minute counts of the last N minutes summed per product, the most
 * viewed first, named from the catalog read model.
 */
import type { ClickstreamAggregates, ProductNames } from './clickstream-ports';
import { minuteOf, type ProductCount } from './clickstream-aggregation';

export interface TrendingProduct extends ProductCount {
  name: string;
}

/** Most views first; then most add-to-carts; then by SKU, so equal counts keep one order. */
export function byTrend(a: ProductCount, b: ProductCount): number {
  return b.views - a.views || b.addToCarts - a.addToCarts || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0);
}

/** SKUs asked of the catalog at a time (DynamoDB's BatchGetItem takes 100 keys). */
const namesPerLookup = 100;

/**
 * The `limit` most viewed products of the last `minutes` whole minutes, and of the current minute
 * so far. Deployed, a minute's counts are written when its 60-second window closes, so the current
 * minute is empty until then; locally the window is shorter and it fills as you click.
 * Products no longer in the catalog are left out.
 */
export async function trendingProducts(
  aggregates: Pick<ClickstreamAggregates, 'countsBetween'>,
  names: ProductNames,
  request: { minutes: number; limit: number; now: Date },
): Promise<{ items: TrendingProduct[] }> {
  const to = minuteOf(request.now);
  const from = minuteOf(new Date(request.now.getTime() - request.minutes * 60_000));
  const totals = new Map<string, ProductCount>();
  for (const count of await aggregates.countsBetween(from, to)) {
    const total = totals.get(count.sku) ?? { sku: count.sku, views: 0, addToCarts: 0 };
    total.views += count.views;
    total.addToCarts += count.addToCarts;
    totals.set(count.sku, total);
  }
  const ranked = [...totals.values()].sort(byTrend);
  const items: TrendingProduct[] = [];
  for (let start = 0; start < ranked.length && items.length < request.limit; start += namesPerLookup) {
    const slice = ranked.slice(start, start + namesPerLookup);
    const found = await names.namesOf(slice.map((p) => p.sku));
    for (const product of slice) {
      const name = found.get(product.sku);
      if (name !== undefined && items.length < request.limit) items.push({ ...product, name });
    }
  }
  return { items };
}
