import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap } from '../../api';
import { TextField } from '../../components/Field';
import { QueryState } from '../../components/QueryState';
import { localTitle } from '../../format';
import { searchProducts } from './api';

export interface Picked {
  id: string;
  title: string;
}

/** Find a product by its title (the catalogue's search) and pick one. */
export function ProductPicker({ picked, onPick, label }: { picked: Picked | undefined; onPick: (product: Picked) => void; label: string }) {
  const { t, i18n } = useTranslation('recs');
  const [text, setText] = useState('');
  const [q, setQ] = useState<string | undefined>(undefined);
  const found = useQuery({ queryKey: ['products', 'pick', q], queryFn: () => searchProducts(q!), enabled: q !== undefined });

  function find(event: FormEvent) {
    event.preventDefault();
    if (text.trim() !== '') setQ(text.trim());
  }

  return (
    <div className="recs-picker">
      <form className="recs-row" onSubmit={find} role="search" aria-label={label}>
        <TextField label={label} value={text} onChange={(e) => setText(e.target.value)} fieldClassName="field recs-grow" />
        <button type="submit">{t('rules.find')}</button>
      </form>
      {q !== undefined && (
        <QueryState query={found}>
          {(products) =>
            products.length === 0 ? (
              <p className="muted">{t('rules.noProducts', { q })}</p>
            ) : (
              <ul className="recs-picks" aria-label={t('rules.productResults')} data-testid="product-picks">
                {products.map((p) => {
                  const title = localTitle(p, i18n.language);
                  return (
                    <li key={p.id}>
                      <button type="button" aria-pressed={picked?.id === p.id} aria-label={t('rules.pickLabel', { title })} onClick={() => onPick({ id: p.id, title })}>
                        {t('rules.pick')}
                      </button>{' '}
                      {title} <span className="muted">{p.status}</span>
                    </li>
                  );
                })}
              </ul>
            )
          }
        </QueryState>
      )}
      {picked !== undefined && (
        <p role="status" data-testid="picked-product">
          {t('rules.picked', { title: picked.title })}
        </p>
      )}
    </div>
  );
}

/** A product's title in the reader's language, by ID (cached), for lists that hold only IDs. */
export function useProductTitle(product_id: string): string | undefined {
  const { i18n } = useTranslation();
  const product = useQuery({ queryKey: ['recs', 'product', product_id], queryFn: () => unwrap(bos.GET('/v1/products/{product_id}', { params: { path: { product_id } } })), staleTime: 60_000, retry: false });
  return product.data === undefined ? undefined : localTitle(product.data, i18n.language);
}

export function ProductTitle({ product_id }: { product_id: string }) {
  return <>{useProductTitle(product_id) ?? product_id}</>;
}
