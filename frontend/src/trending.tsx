/**
 * "Trending": the most viewed products of the last hour, from GET /reports/trending (the
 * clickstream's per-minute counts). A nice-to-have: while it loads, when it fails or when nothing
 * was viewed, it shows nothing at all.
 */
import { useShop } from './context';
import { useAsync } from './ui';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export function Trending() {
  const { api } = useShop();
  const [trending] = useAsync(() => api.getTrending({ minutes: 60, limit: 5 }), [api]);
  if (trending.state !== 'done' || trending.value.items.length === 0) return null;
  return (
    <section class="trending" aria-labelledby="trending-title">
      <h2 id="trending-title">Trending</h2>
      <ol>
        {trending.value.items.map((item) => (
          <li key={item.sku}>
            <a href={`/products/${encodeURIComponent(item.sku)}`}>{item.name}</a>{' '}
            <span class="meta">
              {plural(item.views, 'view')} in the last hour
              {item.addToCarts > 0 ? `, ${plural(item.addToCarts, 'add')} to cart` : ''}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
