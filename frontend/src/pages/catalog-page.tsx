/** The catalog: search, a category filter, and pages of products ("Load more"). */
import { useEffect, useState } from 'preact/hooks';
import { addToCart } from '../cart';
import { useShop } from '../context';
import { formatMoney } from '../format';
import { navigate } from '../router';
import { Trending } from '../trending';
import { ErrorMessage, Loading, LoadMore, messageOf, PageTitle, usePaged } from '../ui';

/** The API has no list of categories; the filter offers every category seen so far in this visit. */
const seenCategories = new Set<string>();

export function CatalogPage({ query }: { query: URLSearchParams }) {
  const { api } = useShop();
  const category = query.get('category') ?? '';
  const q = query.get('q') ?? '';
  const [added, setAdded] = useState<string>();
  const [search, setSearch] = useState(q);
  const products = usePaged(
    async (cursor?: string) => {
      const page = await api.listProducts({ category, q, cursor, limit: 12 });
      page.items.forEach((p) => seenCategories.add(p.category));
      return page;
    },
    [api, category, q],
  );
  const { items, state, error } = products;

  useEffect(() => setSearch(q), [q]);

  function applyFilters(next: { category?: string; q?: string }) {
    const params = new URLSearchParams();
    const nextCategory = next.category ?? category;
    const nextQ = (next.q ?? q).trim();
    if (nextCategory) params.set('category', nextCategory);
    if (nextQ) params.set('q', nextQ);
    const text = params.toString();
    navigate(text ? `/?${text}` : '/');
  }

  const categories = [...new Set([...seenCategories, ...(category ? [category] : [])])].sort();

  return (
    <section>
      <PageTitle>Catalog</PageTitle>
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          applyFilters({ q: search });
        }}
      >
        <div class="field">
          <label for="catalog-search">Search products</label>
          <input
            id="catalog-search"
            type="search"
            name="q"
            value={search}
            maxLength={100}
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="catalog-category">Category</label>
          <select
            id="catalog-category"
            name="category"
            value={category}
            onChange={(event) => applyFilters({ category: event.currentTarget.value, q: search })}
          >
            <option value="">All categories</option>
            {categories.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Search</button>
      </form>
      {!q && !category && <Trending />}

      {error !== undefined && <ErrorMessage error={error} retry={products.reload} />}
      {state === 'loading' && <Loading what="products" />}
      {state !== 'loading' && error === undefined && items.length === 0 && (
        <p class="empty">
          No products match{q ? ` “${q}”` : ''}
          {category ? ` in ${category}` : ''}.
        </p>
      )}
      <p class="visually-hidden" role="status">
        {added ? `${added} added to your cart` : ''}
      </p>
      {state !== 'loading' && items.length > 0 && (
        <ul class="product-grid" aria-label="Products">
          {items.map((product) => (
            <li key={product.sku} class="card">
              <h2>
                <a href={`/products/${encodeURIComponent(product.sku)}`}>{product.name}</a>
              </h2>
              <p class="meta">
                <span class="category">{product.category}</span> · <span class="sku">{product.sku}</span>
              </p>
              <p class="price">{formatMoney(product.priceCents, product.currency)}</p>
              <p class={product.stock > 0 ? 'stock' : 'stock out'}>
                {product.stock > 0 ? `${product.stock} in stock` : 'Out of stock'}
              </p>
              <button
                type="button"
                disabled={product.stock === 0}
                onClick={() => {
                  addToCart(product, 1);
                  setAdded(product.name);
                }}
              >
                Add to cart<span class="visually-hidden">: {product.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <LoadMore paged={products} />
      {error !== undefined && state === 'idle' && items.length > 0 && <p class="hint">{messageOf(error)}</p>}
    </section>
  );
}
