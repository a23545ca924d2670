import { sql } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { isCurrency } from '../../kernel/money.js';
import { problems } from '../../kernel/problem.js';
import { pricesChanged, productCreated, productUpdated } from './events.js';
import { imagesOf, type ProductImage } from './images.js';
import type { CatalogTables, ProductOption, ProductStatus, ProductTable, VariantStatus, VariantTable } from './tables.js';

export interface NewPrice {
  currency: string;
  amount_minor: number;
  min_quantity?: number | undefined;
}

export interface NewVariant {
  sku: string;
  barcode?: string | undefined;
  title?: string | undefined;
  weight_g?: number | undefined;
  option_values?: Record<string, string> | undefined;
  min_order_quantity?: number | undefined;
  prices: NewPrice[];
}

export interface NewProduct {
  title: string;
  title_i18n?: Record<string, string> | undefined;
  description?: string | undefined;
  status?: ProductStatus | undefined;
  category_id?: string | undefined;
  attributes?: Record<string, string | number | boolean> | undefined;
  images?: string[] | undefined;
  options?: ProductOption[] | undefined;
  variants: NewVariant[];
}

export type Product = Omit<ProductTable, 'created_at' | 'updated_at'> & { created_at: Date; updated_at: Date };
export type Price = { currency: string; min_quantity: number; amount_minor: bigint };
export type Variant = Omit<VariantTable, 'created_at' | 'status'> & { created_at: Date; status: VariantStatus; prices: Price[] };
export type ProductWithVariants = Product & { variants: Variant[]; media: ProductImage[] };

export const variants_per_product_max = 100;

export function checkPrices(prices: readonly NewPrice[], field: string): void {
  const seen = new Set<string>();
  for (const p of prices) {
    if (!isCurrency(p.currency)) throw problems.validation([{ field, location: 'body', message: `${p.currency} is not an ISO 4217 currency` }]);
    const key = `${p.currency}/${p.min_quantity ?? 1}`;
    if (seen.has(key)) throw problems.validation([{ field, location: 'body', message: `two prices for ${p.currency} from quantity ${p.min_quantity ?? 1}` }]);
    seen.add(key);
  }
}

/** Checks that option names are unique within a product, and values unique within an option. */
function checkOptions(options: readonly ProductOption[], field: string): void {
  const names = new Set<string>();
  options.forEach((o, i) => {
    if (names.has(o.name)) throw problems.validation([{ field: `${field}.${i}.name`, location: 'body', message: `two options are called ${o.name}` }]);
    names.add(o.name);
    if (new Set(o.values).size !== o.values.length) throw problems.validation([{ field: `${field}.${i}.values`, location: 'body', message: `${o.name} lists a value twice` }]);
  });
}

/** Whether the product has this option with this value. */
const hasOption = (options: readonly ProductOption[], name: string, value: string) => options.some((o) => o.name === name && o.values.includes(value));
/** A variant's option combination, the same whatever the order of its options. */
export const comboKey = (option_values: Record<string, string>) => JSON.stringify(Object.entries(option_values).sort());
/** The title a variant gets from its option values when none is given. */
const derivedTitle = (option_values: Record<string, string>) => Object.values(option_values).join(' / ');
/** Whether a title is one made from these option values, in any order (stored option values lose their order). */
const madeFromOptions = (title: string, option_values: Record<string, string>) =>
  Object.keys(option_values).length > 0 && JSON.stringify(title.split(' / ').sort()) === JSON.stringify(Object.values(option_values).sort());

/** Checks that option values name the product's options, and that option combinations are unique. */
function checkVariants(options: readonly ProductOption[], variants: readonly NewVariant[]): void {
  const combos = new Set<string>();
  variants.forEach((v, i) => {
    checkPrices(v.prices, `variants.${i}.prices`);
    const values = v.option_values ?? {};
    for (const [name, value] of Object.entries(values)) {
      if (!hasOption(options, name, value)) {
        throw problems.validation([{ field: `variants.${i}.option_values.${name}`, location: 'body', message: `${name}=${value} is not one of the product's options` }]);
      }
    }
    const combo = comboKey(values);
    if (options.length > 0 && combos.has(combo)) throw problems.validation([{ field: `variants.${i}.option_values`, location: 'body', message: 'two variants have the same options' }]);
    combos.add(combo);
  });
}

export async function insertVariants(trx: AnyTrx, merchant_id: string, product_id: string, productTitle: string, variants: readonly NewVariant[]): Promise<string[]> {
  const t = tablesOf<CatalogTables>(trx);
  const skus = variants.map((v) => v.sku);
  if (new Set(skus).size !== skus.length) throw problems.validation([{ field: 'variants', location: 'body', message: 'SKUs must be unique' }]);
  const taken = await t.selectFrom('variant').select('sku').where('merchant_id', '=', merchant_id).where('sku', 'in', skus).execute();
  if (taken.length > 0) throw problems.conflict('sku_taken', `SKU already used: ${taken.map((r) => r.sku).join(', ')}`);
  const rows = variants.map((v) => ({
    merchant_id,
    id: newId('var'),
    product_id,
    sku: v.sku,
    barcode: v.barcode ?? null,
    title: v.title ?? (derivedTitle(v.option_values ?? {}) || productTitle),
    weight_g: v.weight_g ?? null,
    option_values: v.option_values ?? {},
    min_order_quantity: v.min_order_quantity ?? 1,
  }));
  await t.insertInto('variant').values(rows).execute();
  const prices = variants.flatMap((v, i) =>
    v.prices.map((p) => ({ merchant_id, variant_id: rows[i]!.id, currency: p.currency, min_quantity: p.min_quantity ?? 1, amount_minor: BigInt(p.amount_minor) })),
  );
  if (prices.length > 0) await t.insertInto('price').values(prices).execute();
  return rows.map((r) => r.id);
}

export async function createProduct(db: AnyDb, merchant_id: string, input: NewProduct): Promise<ProductWithVariants> {
  checkOptions(input.options ?? [], 'options');
  checkVariants(input.options ?? [], input.variants);
  return inTransaction(db, async (trx) => {
    const t = tablesOf<CatalogTables>(trx);
    if (input.category_id !== undefined) await requireCategory(trx, merchant_id, input.category_id);
    const product = await t
      .insertInto('product')
      .values({
        merchant_id,
        id: newId('prod'),
        title: input.title,
        title_i18n: JSON.stringify(input.title_i18n ?? {}) as never,
        description: input.description ?? null,
        status: input.status ?? 'draft',
        category_id: input.category_id ?? null,
        attributes: JSON.stringify(input.attributes ?? {}) as never,
        images: JSON.stringify(input.images ?? []) as never,
        options: JSON.stringify(input.options ?? []) as never,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const variant_ids = await insertVariants(trx, merchant_id, product.id, input.title, input.variants);
    await publish(trx, productCreated, merchant_id, { product_id: product.id, status: input.status ?? 'draft', variant_ids });
    return (await getProduct(trx, merchant_id, product.id))!;
  });
}

export async function addVariant(db: AnyDb, merchant_id: string, product_id: string, variant: NewVariant): Promise<ProductWithVariants | undefined> {
  return inTransaction(db, async (trx) => {
    if (!(await lockProduct(trx, merchant_id, product_id))) return undefined;
    const product = (await getProduct(trx, merchant_id, product_id))!;
    if (product.variants.length >= variants_per_product_max) throw problems.unprocessable('too_many_variants', `A product has at most ${variants_per_product_max} variants`);
    checkVariants(product.options, [...product.variants.map((v) => ({ sku: v.sku, option_values: v.option_values, prices: [] })), variant]);
    await insertVariants(trx, merchant_id, product_id, product.title, [variant]);
    await publish(trx, productUpdated, merchant_id, { product_id, changed: ['variants'] });
    return getProduct(trx, merchant_id, product_id);
  });
}

export type ProductChanges = Partial<Pick<NewProduct, 'title' | 'title_i18n' | 'description' | 'status' | 'attributes' | 'images' | 'options'>> & {
  /** A category, or null to take the product out of its category. */
  category_id?: string | null | undefined;
};

/** Takes the product's row lock, so changes to its options and variants take turns; false if there is no such product. */
export async function lockProduct(trx: AnyTrx, merchant_id: string, product_id: string): Promise<boolean> {
  const row = await tablesOf<CatalogTables>(trx).selectFrom('product').select('id').where('merchant_id', '=', merchant_id).where('id', '=', product_id).forUpdate().executeTakeFirst();
  return row !== undefined;
}

/**
 * Options may change after a product is created: values and options can be added, renamed (add
 * the new value, move the variants to it, remove the old one) or removed, as long as every
 * variant still names options and values the product has.
 */
function checkOptionsInUse(options: readonly ProductOption[], variants: readonly Variant[]): void {
  for (const v of variants) {
    for (const [name, value] of Object.entries(v.option_values)) {
      if (!hasOption(options, name, value)) {
        throw problems.conflict('option_in_use', `Variant ${v.sku} is ${name}=${value}; change or remove that variant first`);
      }
    }
  }
}

export async function updateProduct(db: AnyDb, merchant_id: string, product_id: string, changes: ProductChanges): Promise<ProductWithVariants | undefined> {
  if (changes.options !== undefined) checkOptions(changes.options, 'options');
  return inTransaction(db, async (trx) => {
    if (changes.category_id !== undefined && changes.category_id !== null) await requireCategory(trx, merchant_id, changes.category_id);
    if (changes.options !== undefined) {
      if (!(await lockProduct(trx, merchant_id, product_id))) return undefined;
      checkOptionsInUse(changes.options, (await getProduct(trx, merchant_id, product_id))!.variants);
    }
    const { attributes, images, options, title_i18n, ...plain } = changes;
    const updated = await tablesOf<CatalogTables>(trx)
      .updateTable('product')
      .set({
        ...plain,
        ...(title_i18n === undefined ? {} : { title_i18n: JSON.stringify(title_i18n) as never }),
        ...(attributes === undefined ? {} : { attributes: JSON.stringify(attributes) as never }),
        ...(images === undefined ? {} : { images: JSON.stringify(images) as never }),
        ...(options === undefined ? {} : { options: JSON.stringify(options) as never }),
        updated_at: sql`now()`,
      })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', product_id)
      .returning('id')
      .executeTakeFirst();
    if (updated === undefined) return undefined;
    await publish(trx, productUpdated, merchant_id, { product_id, changed: Object.keys(changes) });
    return getProduct(trx, merchant_id, product_id);
  });
}

export interface VariantChanges {
  sku?: string | undefined;
  barcode?: string | null | undefined;
  title?: string | undefined;
  weight_g?: number | null | undefined;
  min_order_quantity?: number | undefined;
  /** Replaces the variant's option values; they must be the product's, and no other variant's combination. */
  option_values?: Record<string, string> | undefined;
  /** `archived` stops selling the variant; `active` sells it again. */
  status?: VariantStatus | undefined;
}

/**
 * Changes a variant's SKU, barcode, title, weight, minimum order quantity, option values or status.
 * Orders keep the SKU and title they were placed with; a SKU must stay unique within the
 * merchant's catalog. A title that was made from the option values follows them.
 */
export async function updateVariant(db: AnyDb, merchant_id: string, variant_id: string, changes: VariantChanges): Promise<ProductWithVariants | undefined> {
  return inTransaction(db, async (trx) => {
    const t = tablesOf<CatalogTables>(trx);
    const found = await t.selectFrom('variant').select('product_id').where('merchant_id', '=', merchant_id).where('id', '=', variant_id).executeTakeFirst();
    if (found === undefined) return undefined;
    // The product first, then the variant: the order addVariant and updateProduct take them in.
    await lockProduct(trx, merchant_id, found.product_id);
    const variant = await t.selectFrom('variant').select(['id', 'product_id', 'sku', 'title', 'option_values']).where('merchant_id', '=', merchant_id).where('id', '=', variant_id).forUpdate().executeTakeFirst();
    if (variant === undefined) return undefined;
    if (changes.sku !== undefined && changes.sku !== variant.sku) {
      const taken = await t.selectFrom('variant').select('id').where('merchant_id', '=', merchant_id).where('sku', '=', changes.sku).executeTakeFirst();
      if (taken !== undefined) throw problems.conflict('sku_taken', `SKU already used: ${changes.sku}`);
    }
    const { option_values, ...rest } = changes;
    const set: Record<string, unknown> = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    if (option_values !== undefined) {
      const product = (await getProduct(trx, merchant_id, variant.product_id))!;
      const unknown = Object.entries(option_values).find(([name, value]) => !hasOption(product.options, name, value));
      if (unknown !== undefined) throw problems.validation([{ field: `option_values.${unknown[0]}`, location: 'body', message: `${unknown[0]}=${unknown[1]} is not one of the product's options` }]);
      const clash = product.variants.find((v) => v.id !== variant_id && comboKey(v.option_values) === comboKey(option_values));
      if (product.options.length > 0 && clash !== undefined) throw problems.conflict('options_taken', `Variant ${clash.sku} already has these options`);
      set.option_values = JSON.stringify(option_values);
      if (changes.title === undefined && madeFromOptions(variant.title, variant.option_values) && Object.keys(option_values).length > 0) {
        set.title = derivedTitle(Object.fromEntries(product.options.filter((o) => option_values[o.name] !== undefined).map((o) => [o.name, option_values[o.name]!])));
      }
    }
    if (Object.keys(set).length > 0) await t.updateTable('variant').set(set).where('merchant_id', '=', merchant_id).where('id', '=', variant_id).execute();
    await t.updateTable('product').set({ updated_at: sql`now()` }).where('merchant_id', '=', merchant_id).where('id', '=', variant.product_id).execute();
    await publish(trx, productUpdated, merchant_id, { product_id: variant.product_id, changed: Object.keys(set).map((k) => `variants.${k}`) });
    return getProduct(trx, merchant_id, variant.product_id);
  });
}

/** Replaces every price of a variant (all currencies and tiers) in one go. */
export async function replacePrices(db: AnyDb, merchant_id: string, variant_id: string, prices: NewPrice[]): Promise<Price[] | undefined> {
  checkPrices(prices, 'prices');
  return inTransaction(db, async (trx) => {
    const t = tablesOf<CatalogTables>(trx);
    const variant = await t.selectFrom('variant').select('id').where('merchant_id', '=', merchant_id).where('id', '=', variant_id).forUpdate().executeTakeFirst();
    if (variant === undefined) return undefined;
    await t.deleteFrom('price').where('merchant_id', '=', merchant_id).where('variant_id', '=', variant_id).execute();
    if (prices.length > 0) {
      await t
        .insertInto('price')
        .values(prices.map((p) => ({ merchant_id, variant_id, currency: p.currency, min_quantity: p.min_quantity ?? 1, amount_minor: BigInt(p.amount_minor) })))
        .execute();
    }
    await publish(trx, pricesChanged, merchant_id, { variant_id });
    return pricesOf(trx, merchant_id, [variant_id]).then((m) => m.get(variant_id) ?? []);
  });
}

async function requireCategory(trx: AnyTrx, merchant_id: string, category_id: string): Promise<void> {
  const found = await tablesOf<CatalogTables>(trx).selectFrom('category').select('id').where('merchant_id', '=', merchant_id).where('id', '=', category_id).executeTakeFirst();
  if (found === undefined) throw problems.unprocessable('unknown_category', `No category ${category_id}`);
}

export async function pricesOf(db: AnyDb, merchant_id: string, variant_ids: string[]): Promise<Map<string, Price[]>> {
  const map = new Map<string, Price[]>();
  if (variant_ids.length === 0) return map;
  const rows = await tablesOf<CatalogTables>(db)
    .selectFrom('price')
    .select(['variant_id', 'currency', 'min_quantity', 'amount_minor'])
    .where('merchant_id', '=', merchant_id)
    .where('variant_id', 'in', variant_ids)
    .orderBy('currency')
    .orderBy('min_quantity')
    .execute();
  for (const r of rows) map.set(r.variant_id, [...(map.get(r.variant_id) ?? []), { currency: r.currency, min_quantity: r.min_quantity, amount_minor: r.amount_minor }]);
  return map;
}

export async function getProduct(db: AnyDb, merchant_id: string, product_id: string): Promise<ProductWithVariants | undefined> {
  const t = tablesOf<CatalogTables>(db);
  const product = await t.selectFrom('product').select(['merchant_id', 'id', 'title', 'title_i18n', 'description', 'status', 'category_id', 'attributes', 'images', 'options', 'created_at', 'updated_at']).where('merchant_id', '=', merchant_id).where('id', '=', product_id).executeTakeFirst();
  if (product === undefined) return undefined;
  const variants = await t.selectFrom('variant').selectAll().where('merchant_id', '=', merchant_id).where('product_id', '=', product_id).orderBy('id').execute();
  const prices = await pricesOf(db, merchant_id, variants.map((v) => v.id));
  const media = (await imagesOf(db, merchant_id, [product_id])).get(product_id) ?? [];
  return { ...product, variants: variants.map((v) => ({ ...v, prices: prices.get(v.id) ?? [] })), media };
}

export interface ProductFilter {
  q?: string | undefined;
  status?: ProductStatus | undefined;
  category_id?: string | undefined;
  after_id?: string | undefined;
  limit: number;
}

/** Lists products; `q` searches title, attributes and description with PostgreSQL full-text. */
export async function listProducts(db: AnyDb, merchant_id: string, filter: ProductFilter): Promise<ProductWithVariants[]> {
  let query = tablesOf<CatalogTables>(db).selectFrom('product').select('id').where('merchant_id', '=', merchant_id);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.category_id !== undefined) query = query.where('category_id', '=', filter.category_id);
  if (filter.q !== undefined && filter.q.trim() !== '') query = query.where(sql<boolean>`search @@ websearch_to_tsquery('simple', ${filter.q})`);
  if (filter.after_id !== undefined) query = query.where('id', '>', filter.after_id);
  const ids = await query.orderBy('id').limit(filter.limit).execute();
  const products = await Promise.all(ids.map((r) => getProduct(db, merchant_id, r.id)));
  return products.filter((p): p is ProductWithVariants => p !== undefined);
}

export async function createCategory(db: AnyDb, merchant_id: string, input: { name: string; parent_id?: string | undefined }) {
  return inTransaction(db, async (trx) => {
    if (input.parent_id !== undefined) await requireCategory(trx, merchant_id, input.parent_id);
    return tablesOf<CatalogTables>(trx)
      .insertInto('category')
      .values({ merchant_id, id: newId('cat'), name: input.name, parent_id: input.parent_id ?? null })
      .returning(['id', 'name', 'parent_id', 'created_at'])
      .executeTakeFirstOrThrow();
  });
}

export async function listCategories(db: AnyDb, merchant_id: string) {
  return tablesOf<CatalogTables>(db).selectFrom('category').select(['id', 'name', 'parent_id', 'created_at']).where('merchant_id', '=', merchant_id).orderBy('id').limit(1_000).execute();
}

/** Whether these variants exist for the merchant; returns the IDs that do. */
export async function existingVariants(db: AnyDb, merchant_id: string, variant_ids: readonly string[]): Promise<Set<string>> {
  if (variant_ids.length === 0) return new Set();
  const rows = await tablesOf<CatalogTables>(db).selectFrom('variant').select('id').where('merchant_id', '=', merchant_id).where('id', 'in', variant_ids).execute();
  return new Set(rows.map((r) => r.id));
}

export interface VariantLabel {
  variant_id: string;
  product_id: string;
  sku: string;
  product_title: string;
  /** The product's title in other languages, by language tag. */
  title_i18n: Record<string, string>;
  variant_title: string;
  /** The product's title, with the variant's when the product has several: "Oolong · 250 g". */
  display_title: string;
}

/** Names of variants for reports and alerts, which hold only IDs; unknown IDs are left out. */
export async function variantLabels(db: AnyDb, merchant_id: string, variant_ids: readonly string[]): Promise<Map<string, VariantLabel>> {
  if (variant_ids.length === 0) return new Map();
  const rows = await tablesOf<CatalogTables>(db)
    .selectFrom('variant as v')
    .innerJoin('product as p', (j) => j.onRef('p.merchant_id', '=', 'v.merchant_id').onRef('p.id', '=', 'v.product_id'))
    .select(['v.id as variant_id', 'v.product_id', 'v.sku', 'p.title as product_title', 'p.title_i18n', 'v.title as variant_title'])
    .where('v.merchant_id', '=', merchant_id)
    .where('v.id', 'in', [...new Set(variant_ids)])
    .execute();
  return new Map(rows.map((r) => [r.variant_id, { ...r, display_title: r.variant_title === '' || r.variant_title === r.product_title ? r.product_title : `${r.product_title} · ${r.variant_title}` }]));
}
