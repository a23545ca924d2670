import type { InputHTMLAttributes, SelectHTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap, type Schemas } from '../../api';
import { SelectField, TextField } from '../../components/Field';
import type { Product, ProductStatus } from './form';

export type Category = Schemas['Category'];

/** All categories of the merchant; the catalog list and the editor share this cache. */
export const categoriesQuery = {
  queryKey: ['categories'],
  queryFn: () => unwrap(bos.GET('/v1/categories')).then((r) => r.data),
  staleTime: 60_000,
};

/** "Tea › Green tea": a category with its parents. */
export function categoryLabel(categories: readonly Category[], id: string): string {
  const names: string[] = [];
  let current = categories.find((c) => c.id === id);
  const seen = new Set<string>();
  while (current !== undefined && !seen.has(current.id)) {
    seen.add(current.id);
    names.unshift(current.name);
    const parent = current.parent_id;
    current = parent === null ? undefined : categories.find((c) => c.id === parent);
  }
  return names.join(' › ') || id;
}

/** Categories sorted by their full label, for pickers. */
export function sortedCategories(categories: readonly Category[]): { id: string; label: string }[] {
  return categories.map((c) => ({ id: c.id, label: categoryLabel(categories, c.id) })).sort((a, b) => a.label.localeCompare(b.label));
}

export function ProductStatusBadge({ status }: { status: ProductStatus }) {
  const { t } = useTranslation('catalog');
  return <span className={`badge badge-${status}`}>{t(`status.${status}`)}</span>;
}

/**
 * The lowest and highest price of a product's variants in one currency: each variant counts with
 * its base price (its tier with the lowest starting quantity).
 */
export function priceRange(product: Product, currency: string): { min: number; max: number } | undefined {
  const prices = product.variants.flatMap((v) => {
    const tiers = v.prices.filter((p) => p.currency === currency).sort((a, b) => a.min_quantity - b.min_quantity);
    return tiers.length === 0 ? [] : [tiers[0]!.amount_minor];
  });
  if (prices.length === 0) return undefined;
  return { min: Math.min(...prices), max: Math.max(...prices) };
}

/** An input inside a table or a row: its label is read out but not shown (the column says it). */
export function CellInput(props: { label: string; error?: string | undefined } & InputHTMLAttributes<HTMLInputElement>) {
  return <TextField {...props} hideLabel fieldClassName="cat-cell-field" />;
}

export function CellSelect(props: { label: string; error?: string | undefined } & SelectHTMLAttributes<HTMLSelectElement>) {
  return <SelectField {...props} hideLabel fieldClassName="cat-cell-field" />;
}
