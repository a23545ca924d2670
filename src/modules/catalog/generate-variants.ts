import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { problems } from '../../kernel/problem.js';
import { productUpdated } from './events.js';
import { checkPrices, comboKey, getProduct, insertVariants, lockProduct, variants_per_product_max, type NewPrice, type ProductWithVariants } from './products.js';
import type { ProductOption } from './tables.js';

/**
 * Variants made from the product's options: every combination of their values (the cartesian
 * product) that no variant has yet becomes a variant, with a SKU from a pattern. Combinations a
 * variant already has are left alone, so generating again after adding a colour makes only the
 * new colour's variants.
 */
export interface GenerateVariants {
  /**
   * `{base}` the SKU stem, `{values}` every value joined by `-`, `{<option>}` one option's value
   * (`TEE-{color}-{size}`). Values are upper-cased, and anything but letters and digits becomes `-`.
   */
  sku_pattern?: string | undefined;
  /** Prices every new variant starts with; none, and the variants wait for a price before they sell. */
  prices?: NewPrice[] | undefined;
}

export interface GeneratedVariants {
  created_variant_ids: string[];
  product: ProductWithVariants;
}

/** Every combination of the options' values, in the order the options list them. */
export function combinations(options: readonly ProductOption[]): Record<string, string>[] {
  return options.reduce<Record<string, string>[]>((combos, option) => combos.flatMap((combo) => option.values.map((value) => ({ ...combo, [option.name]: value }))), [{}]);
}

const skuPart = (value: string) => value.normalize('NFKD').toUpperCase().replace(/[^A-Z0-9]+/g, '-').replace(/^-|-$/g, '') || 'X';

/**
 * The stem new SKUs share: what the existing SKUs are before their own option values
 * (`TEE-RED-S` of Red/S gives `TEE`), else what they have in common, else the title's letters.
 */
function skuBase(product: ProductWithVariants): string {
  const stems = product.variants.flatMap((v) => {
    const values = product.options.map((o) => v.option_values[o.name]).filter((x): x is string => x !== undefined);
    const suffix = `-${values.map(skuPart).join('-')}`;
    return values.length > 0 && v.sku.toUpperCase().endsWith(suffix) && v.sku.length > suffix.length ? [v.sku.slice(0, -suffix.length)] : [];
  });
  if (stems.length > 0 && stems.every((s) => s === stems[0])) return stems[0]!;
  const skus = product.variants.map((v) => v.sku);
  if (skus.length > 1) {
    let prefix = skus[0]!;
    for (const sku of skus) while (!sku.startsWith(prefix)) prefix = prefix.slice(0, -1);
    prefix = prefix.replace(/[-_.\s]+$/, '');
    if (prefix.length >= 2) return prefix;
  }
  if (skus.length === 1) return skus[0]!.replace(/[-_.\s]+$/, '');
  return skuPart(product.title).slice(0, 12);
}

export function skuFor(pattern: string, base: string, combo: Record<string, string>): string {
  return pattern.replace(/\{([^{}]+)\}/g, (whole, name: string) => {
    if (name === 'base') return base;
    if (name === 'values') return Object.values(combo).map(skuPart).join('-');
    const value = combo[name];
    return value === undefined ? whole : skuPart(value);
  });
}

export async function generateVariants(db: AnyDb, merchant_id: string, product_id: string, input: GenerateVariants): Promise<GeneratedVariants | undefined> {
  checkPrices(input.prices ?? [], 'prices');
  return inTransaction(db, async (trx) => {
    if (!(await lockProduct(trx, merchant_id, product_id))) return undefined;
    const product = (await getProduct(trx, merchant_id, product_id))!;
    if (product.options.length === 0) throw problems.unprocessable('no_options', 'The product has no options to make variants from; add options (size, colour…) first');
    const existing = new Set(product.variants.map((v) => comboKey(v.option_values)));
    const missing = combinations(product.options).filter((combo) => !existing.has(comboKey(combo)));
    if (missing.length === 0) return { created_variant_ids: [], product };
    if (product.variants.length + missing.length > variants_per_product_max) {
      throw problems.unprocessable('too_many_variants', `The options make ${missing.length} more variants, and a product has at most ${variants_per_product_max}`);
    }
    const pattern = input.sku_pattern ?? '{base}-{values}';
    const base = skuBase(product);
    const skus = missing.map((combo) => skuFor(pattern, base, combo));
    const unknown = pattern.match(/\{([^{}]+)\}/g)?.find((p) => p !== '{base}' && p !== '{values}' && !product.options.some((o) => `{${o.name}}` === p));
    if (unknown !== undefined) throw problems.validation([{ field: 'sku_pattern', location: 'body', message: `${unknown} is not {base}, {values} or one of the product’s options` }]);
    if (new Set(skus).size !== skus.length || skus.some((s) => s.length > 64)) {
      throw problems.validation([{ field: 'sku_pattern', location: 'body', message: 'the pattern must give each combination its own SKU of at most 64 characters; include {values} or every option' }]);
    }
    const prices = input.prices ?? [];
    const created_variant_ids = await insertVariants(trx, merchant_id, product_id, product.title, missing.map((option_values, i) => ({ sku: skus[i]!, option_values: orderedLike(product.options, option_values), prices })));
    await publish(trx, productUpdated, merchant_id, { product_id, changed: ['variants'] });
    return { created_variant_ids, product: (await getProduct(trx, merchant_id, product_id))! };
  });
}

function orderedLike(options: readonly ProductOption[], combo: Record<string, string>): Record<string, string> {
  return Object.fromEntries(options.map((o) => [o.name, combo[o.name]!]));
}
