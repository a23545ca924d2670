import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, unwrap } from '../../api';
import { DataTable } from '../../components/DataTable';
import { SelectField, TextField } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { Pager } from '../../components/Pager';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { useUrlState } from '../../urlState';
import { productStatuses, type Product, type ProductStatus } from './form';
import { categoriesQuery, categoryLabel, priceRange, ProductStatusBadge, sortedCategories, type Category } from './shared';
import './catalog.css';

const pageSize = 25;
const skusShown = 3;

function isStatus(value: string): value is ProductStatus {
  return (productStatuses as readonly string[]).includes(value);
}

/** The product list: search, filters and the page cursor live in the URL, so back and forward work. */
export default function CatalogPage() {
  const { t } = useTranslation('catalog');
  const { t: tc } = useTranslation();
  const { session, can } = useSession();
  const currency = session?.merchant.default_currency ?? 'CNY';
  const { params, update } = useUrlState('cursor');
  const q = params.get('q') ?? '';
  const statusParam = params.get('status') ?? '';
  const status = isStatus(statusParam) ? statusParam : undefined;
  const category = params.get('category') ?? '';
  const cursor = params.get('cursor') ?? '';
  const filtered = q !== '' || status !== undefined || category !== '';

  const [draft, setDraft] = useState(q);
  useEffect(() => setDraft(q), [q]);

  const products = useQuery({
    queryKey: ['products', { q, status, category, cursor }],
    queryFn: () =>
      unwrap(
        bos.GET('/v1/products', {
          params: {
            query: {
              limit: pageSize,
              ...(q === '' ? {} : { q }),
              ...(status === undefined ? {} : { status }),
              ...(category === '' ? {} : { category_id: category }),
              ...(cursor === '' ? {} : { cursor }),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const categories = useQuery(categoriesQuery);

  function search(event: FormEvent) {
    event.preventDefault();
    update({ q: draft.trim() });
  }

  const newProduct = can('catalog:write') ? (
    <Link className="button primary" to="/catalog/new">
      {t('newProduct')}
    </Link>
  ) : undefined;

  return (
    <>
      <PageHeader title={t('title')} actions={newProduct}>
        <p className="muted">{t('subtitle', { currency })}</p>
      </PageHeader>
      <form role="search" className="toolbar" onSubmit={search} aria-label={t('searchForm')}>
        <TextField label={t('searchLabel')} type="search" name="q" value={draft} placeholder={t('searchPlaceholder')} onChange={(e) => setDraft(e.target.value)} className="catalog-search" />
        <button type="submit">{tc('search')}</button>
        <SelectField label={t('statusFilter')} value={status ?? ''} onChange={(e) => update({ status: e.target.value })}>
          <option value="">{t('allStatuses')}</option>
          {productStatuses.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </SelectField>
        <SelectField label={t('categoryFilter')} value={category} onChange={(e) => update({ category: e.target.value })} disabled={categories.isPending}>
          <option value="">{t('allCategories')}</option>
          {sortedCategories(categories.data ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </SelectField>
        {filtered && (
          <button type="button" onClick={() => update({ q: '', status: '', category: '' })}>
            {t('clearFilters')}
          </button>
        )}
      </form>
      <QueryState
        query={products}
        isEmpty={(page) => page.data.length === 0 && cursor === ''}
        empty={
          filtered ? (
            t('noMatches')
          ) : (
            <>
              {t('noProducts')} {newProduct}
            </>
          )
        }
      >
        {(page) => (
          <>
            <ProductsTable products={page.data} busy={products.isFetching} caption={filtered ? t('tableCaptionFiltered') : t('tableCaption')} currency={currency} categories={categories.data ?? []} />
            <Pager label={t('pagination')} onFirst={cursor === '' ? undefined : () => update({ cursor: '' })} onNext={page.next_cursor === null ? undefined : () => update({ cursor: page.next_cursor ?? '' })} />
          </>
        )}
      </QueryState>
    </>
  );
}

/** The product's first image, or its initial when it has none or the image does not load. */
function Thumb({ url, title }: { url: string | undefined; title: string }) {
  const [failed, setFailed] = useState(false);
  if (url === undefined || failed) {
    return (
      <span className="cat-thumb cat-thumb-empty" aria-hidden="true">
        {title.slice(0, 1)}
      </span>
    );
  }
  return <img className="cat-thumb" src={url} alt="" loading="lazy" onError={() => setFailed(true)} />;
}

function ProductsTable({ products, busy, caption, currency, categories }: { products: Product[]; busy: boolean; caption: string; currency: string; categories: readonly Category[] }) {
  const { t } = useTranslation('catalog');
  const f = useFormat();
  return (
    <DataTable
      caption={caption}
      rows={products}
      rowKey={(p) => p.id}
      busy={busy}
      className="cat-table-wrap"
      tableClassName="catalog-table"
      emptyRow={t('noMoreProducts')}
      columns={[
        { label: t('product'), cell: (p) => <ProductCell product={p} categories={categories} /> },
        { label: t('statusLabel'), cell: (p) => <ProductStatusBadge status={p.status} /> },
        { label: t('variantCount'), num: true, cell: (p) => f.number(p.variants.length) },
        { label: t('skus'), cell: (p) => <Skus skus={p.variants.map((v) => v.sku)} /> },
        { label: t('priceRange', { currency }), num: true, cell: (p) => <PriceRange product={p} currency={currency} /> },
      ]}
    />
  );
}

function ProductCell({ product: p, categories }: { product: Product; categories: readonly Category[] }) {
  return (
    <div className="cat-product-cell">
      <Thumb url={p.images[0]} title={p.title} />
      <div>
        <Link to={`/catalog/${p.id}`} className="cat-product-link">
          {p.title}
        </Link>
        {p.category_id !== null && <div className="muted cat-small">{categoryLabel(categories, p.category_id)}</div>}
      </div>
    </div>
  );
}

function Skus({ skus }: { skus: string[] }) {
  const { t } = useTranslation('catalog');
  return (
    <>
      <span className="mono">{skus.slice(0, skusShown).join(', ')}</span>
      {skus.length > skusShown && <span className="muted cat-small"> {t('moreSkus', { count: skus.length - skusShown })}</span>}
    </>
  );
}

function PriceRange({ product, currency }: { product: Product; currency: string }) {
  const { t } = useTranslation('catalog');
  const f = useFormat();
  const range = priceRange(product, currency);
  if (range === undefined) return <span className="muted">{t('noPrice', { currency })}</span>;
  if (range.min === range.max) return <>{f.money(range.min, currency)}</>;
  return <>{t('range', { min: f.money(range.min, currency), max: f.money(range.max, currency) })}</>;
}
