import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { DataTable } from '../../components/DataTable';
import { Thumbnail } from '../../components/Thumbnail';
import { localTitle, useFormat } from '../../format';
import type { Product } from './form';
import { categoryLabel, priceRange, ProductStatusBadge, type Category } from './shared';

const skusShown = 3;

export function ProductsTable({ products, busy, caption, currency, categories }: { products: Product[]; busy: boolean; caption: string; currency: string; categories: readonly Category[] }) {
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
  const { i18n } = useTranslation();
  const title = localTitle(p, i18n.language);
  return (
    <div className="cat-product-cell">
      <Thumbnail url={p.thumbnail_url ?? p.images[0]} title={title} />
      <div>
        <Link to={`/catalog/${p.id}`} className="cat-product-link" lang={title === p.title ? undefined : i18n.language}>
          {title}
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
