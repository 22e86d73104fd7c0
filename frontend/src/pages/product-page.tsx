/** One product: details, stock, quantity, add to cart; admins get an edit link. */
import { useEffect, useState } from 'preact/hooks';
import { session } from '../auth';
import { addToCart } from '../cart';
import { trackClick } from '../clickstream';
import { useShop } from '../context';
import { formatMoney } from '../format';
import { useStore } from '../store';
import { ErrorMessage, Loading, PageTitle, useAsync } from '../ui';

export function ProductPage({ sku }: { sku: string }) {
  const { api } = useShop();
  const user = useStore(session);
  const [product, reload] = useAsync(() => api.getProduct(sku), [api, sku]);
  const [quantity, setQuantity] = useState(1);
  const [added, setAdded] = useState<number>();
  const viewed = product.state === 'done' ? product.value.sku : undefined;
  // One view per product shown (the clickstream: trending products, views per minute).
  useEffect(() => {
    if (viewed) trackClick('view', viewed);
  }, [viewed]);

  if (product.state === 'loading') return <Loading what="the product" />;
  if (product.state === 'failed')
    return (
      <section>
        <PageTitle>Product {sku}</PageTitle>
        <ErrorMessage error={product.error} retry={reload} />
        <p>
          <a href="/">Back to the catalog</a>
        </p>
      </section>
    );
  const p = product.value;
  return (
    <article class="product">
      <PageTitle>{p.name}</PageTitle>
      <p class="meta">
        <span class="category">{p.category}</span> · <span class="sku">{p.sku}</span>
      </p>
      {p.description && <p class="description">{p.description}</p>}
      <p class="price">{formatMoney(p.priceCents, p.currency)}</p>
      <p class={p.stock > 0 ? 'stock' : 'stock out'}>{p.stock > 0 ? `${p.stock} in stock` : 'Out of stock'}</p>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          addToCart(p, quantity);
          setAdded(quantity);
        }}
      >
        <div class="field">
          <label for="quantity">Quantity</label>
          <input
            id="quantity"
            type="number"
            min={1}
            max={Math.max(1, Math.min(p.stock, 1000))}
            value={quantity}
            onInput={(event) => setQuantity(Math.max(1, Number(event.currentTarget.value) || 1))}
          />
        </div>
        <button type="submit" disabled={p.stock === 0}>
          Add to cart
        </button>
      </form>
      <p role="status">
        {added !== undefined && (
          <>
            Added {added} to your cart. <a href="/cart">Go to cart</a>
          </>
        )}
      </p>
      {user?.role === 'admin' && (
        <p>
          <a href={`/admin/products/${encodeURIComponent(p.sku)}`}>Edit this product</a>
        </p>
      )}
    </article>
  );
}
