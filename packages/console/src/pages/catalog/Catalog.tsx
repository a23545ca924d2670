import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, unwrap } from '../../api';
import { SelectField, TextField } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { Pager } from '../../components/Pager';
import { QueryState } from '../../components/QueryState';
import { useSession } from '../../session';
import { useUrlState } from '../../urlState';
import { productStatuses, type ProductStatus } from './form';
import { ProductsTable } from './ProductsTable';
import { categoriesQuery, sortedCategories } from './shared';
import './catalog.css';

const pageSize = 25;

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
