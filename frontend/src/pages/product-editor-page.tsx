/** Admin: create or edit a product (PUT /products/{sku}), or take it out of the catalog. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Product } from '../api';
import { useShop } from '../context';
import { centsToPrice, parsePriceToCents } from '../format';
import { navigate } from '../router';
import { ErrorMessage, Loading, PageTitle, useAsync } from '../ui';

interface Draft {
  sku: string;
  name: string;
  description: string;
  category: string;
  price: string;
  currency: string;
  stock: string;
}

const emptyDraft: Draft = { sku: '', name: '', description: '', category: '', price: '', currency: 'EUR', stock: '0' };

function draftOf(product: Product): Draft {
  return {
    sku: product.sku,
    name: product.name,
    description: product.description,
    category: product.category,
    price: centsToPrice(product.priceCents),
    currency: product.currency,
    stock: String(product.stock),
  };
}

export function ProductEditorPage({ sku }: { sku?: string }) {
  const { api } = useShop();
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  // The product being edited (none for a new one); the draft starts from it once it arrives.
  const [loaded] = useAsync(() => (sku === undefined ? Promise.resolve(undefined) : api.getProduct(sku)), [api, sku]);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [saving, setSaving] = useState(false);

  // The product the draft was made from: until the draft holds the one that arrived, the form
  // would show it empty for a frame (and a quick reader, or a test, would see no price).
  const [draftFrom, setDraftFrom] = useState<Product | undefined>();
  useEffect(() => {
    if (loaded.state !== 'done') return;
    setDraft(loaded.value ? draftOf(loaded.value) : emptyDraft);
    setDraftFrom(loaded.value);
  }, [loaded]);

  const set = (field: keyof Draft) => (event: Event) =>
    setDraft((d) => ({ ...d, [field]: (event.currentTarget as HTMLInputElement).value }));

  async function save(event: Event) {
    event.preventDefault();
    setError(undefined);
    const local: Record<string, string> = {};
    const priceCents = parsePriceToCents(draft.price);
    if (priceCents === undefined) local.priceCents = 'Enter a price like 12.50 (at most two decimals).';
    const stock = Number(draft.stock);
    if (!Number.isInteger(stock) || stock < 0) local.stock = 'Enter a whole number, 0 or more.';
    if (!draft.sku.trim()) local.sku = 'Enter a SKU.';
    setProblems(local);
    if (Object.keys(local).length > 0) return;
    setSaving(true);
    try {
      const saved = await api.putProduct(draft.sku.trim().toUpperCase(), {
        name: draft.name,
        description: draft.description,
        category: draft.category,
        priceCents: priceCents!,
        currency: draft.currency.trim().toUpperCase(),
        stock,
      });
      navigate(`/products/${encodeURIComponent(saved.sku)}`);
    } catch (failure) {
      setError(failure);
      if (failure instanceof ApiError) setProblems(failure.fieldProblems());
    } finally {
      setSaving(false);
    }
  }

  async function remove() {
    if (!sku || !window.confirm(`Take ${sku} out of the catalog? Past orders keep their lines.`)) return;
    setError(undefined);
    try {
      await api.deleteProduct(sku);
      navigate('/');
    } catch (failure) {
      setError(failure);
    }
  }

  if (loaded.state === 'loading' || (loaded.state === 'done' && loaded.value !== draftFrom))
    return <Loading what="the product" />;
  if (loaded.state === 'failed')
    return (
      <section>
        <PageTitle>Edit {sku}</PageTitle>
        <ErrorMessage error={loaded.error} />
      </section>
    );

  const field = (
    name: keyof Draft,
    label: string,
    problemKey: string,
    attributes: Record<string, unknown> = {},
    hint?: string,
  ) => {
    const id = `product-${name}`;
    const problem = problems[problemKey];
    const describedBy = [hint && `${id}-hint`, problem && `${id}-problem`].filter(Boolean).join(' ') || undefined;
    const Control = name === 'description' ? 'textarea' : 'input';
    return (
      <div class="field">
        <label for={id}>{label}</label>
        {hint && (
          <p class="hint" id={`${id}-hint`}>
            {hint}
          </p>
        )}
        <Control
          id={id}
          name={name}
          value={draft[name]}
          onInput={set(name)}
          aria-invalid={problem ? true : undefined}
          aria-describedby={describedBy}
          {...attributes}
        />
        {problem && (
          <p class="problem" id={`${id}-problem`}>
            {problem}
          </p>
        )}
      </div>
    );
  };

  return (
    <section>
      <PageTitle>{sku ? `Edit ${sku}` : 'New product'}</PageTitle>
      <form class="editor" onSubmit={(event) => void save(event)} noValidate>
        {field(
          'sku',
          'SKU',
          'sku',
          { readOnly: sku !== undefined, required: true, maxLength: 40 },
          'Letters, digits and dashes; it is the product’s id.',
        )}
        {field('name', 'Name', 'name', { required: true, maxLength: 200 })}
        {field('description', 'Description', 'description', { maxLength: 2000, rows: 3 })}
        {field(
          'category',
          'Category',
          'category',
          { required: true, maxLength: 60 },
          'Lowercase letters, digits and dashes, e.g. tea.',
        )}
        {field('price', 'Price', 'priceCents', { required: true, inputMode: 'decimal' })}
        {field('currency', 'Currency', 'currency', { required: true, maxLength: 3 }, 'ISO 4217 code, e.g. EUR.')}
        {field('stock', 'Stock', 'stock', { required: true, type: 'number', min: 0 })}
        {error !== undefined && <ErrorMessage error={error} />}
        <div class="actions">
          <button type="submit" disabled={saving}>
            {saving ? 'Saving…' : 'Save product'}
          </button>
          {sku && (
            <button type="button" class="danger" onClick={() => void remove()}>
              Delete product
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
