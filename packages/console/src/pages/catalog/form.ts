import type { Schemas } from '../../api';
import { minorToInput, parseMoney } from '../../format';

/**
 * The product form's state and its conversion to and from the API. Everything a person types is
 * kept as text until they save; `buildProduct` then checks it and turns it into the API's body,
 * with errors keyed by the same dotted paths the server uses (`variants.0.prices.1.amount_minor`).
 */
export type Product = Schemas['Product'];
export type ProductStatus = Product['status'];
export type VariantStatus = Product['variants'][number]['status'];
export const variantStatuses = ['active', 'archived'] as const satisfies readonly VariantStatus[];
export type Errors = Record<string, string>;
/** The catalog namespace's `t`. */
export type Translate = (key: string, options?: Record<string, unknown>) => string;

export const productStatuses = ['draft', 'published', 'archived'] as const satisfies readonly ProductStatus[];
export const attributeTypes = ['text', 'number', 'boolean'] as const;
export type AttributeType = (typeof attributeTypes)[number];

/** Limits the server enforces; checked here too, so the person learns of them before saving. */
export const limits = { options: 5, images: 20, prices: 50, variants: 100, quantity: 1_000_000, weight_g: 10_000_000 } as const;

export interface PriceRow {
  key: string;
  currency: string;
  min_quantity: string;
  amount: string;
}

export interface VariantForm {
  key: string;
  /** Set once the variant exists on the server. */
  id: string | undefined;
  sku: string;
  barcode: string;
  title: string;
  weight_g: string;
  min_order_quantity: string;
  option_values: Record<string, string>;
  /** Archived: no longer sold. A new variant is always active. */
  status: VariantStatus;
  prices: PriceRow[];
}

export interface AttributeRow {
  key: string;
  name: string;
  type: AttributeType;
  value: string;
}

export interface OptionRow {
  key: string;
  name: string;
  /** Comma-separated, as typed. */
  values: string;
}

export interface ProductForm {
  title: string;
  /** The title in other languages by language tag; the form edits the Chinese one (`zh-CN`). */
  title_i18n: Record<string, string>;
  description: string;
  status: ProductStatus;
  category_id: string;
  attributes: AttributeRow[];
  images: { key: string; url: string }[];
  options: OptionRow[];
  variants: VariantForm[];
}

let sequence = 0;
/** A stable React key for a row that has no ID of its own yet. */
export function newKey(): string {
  sequence += 1;
  return `row${sequence}`;
}

export function priceRow(currency: string, min_quantity = '1', amount = ''): PriceRow {
  return { key: newKey(), currency, min_quantity, amount };
}

export function emptyVariant(currency: string, option_values: Record<string, string> = {}): VariantForm {
  return { key: newKey(), id: undefined, sku: '', barcode: '', title: '', weight_g: '', min_order_quantity: '', option_values, status: 'active', prices: [priceRow(currency)] };
}

export function emptyForm(currency: string): ProductForm {
  return { title: '', title_i18n: {}, description: '', status: 'draft', category_id: '', attributes: [], images: [], options: [], variants: [emptyVariant(currency)] };
}

function attributeRow(name: string, value: string | number | boolean): AttributeRow {
  const type: AttributeType = typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'text';
  return { key: newKey(), name, type, value: String(value) };
}

export function formFromProduct(p: Product): ProductForm {
  return {
    title: p.title,
    title_i18n: { ...p.title_i18n },
    description: p.description ?? '',
    status: p.status,
    category_id: p.category_id ?? '',
    attributes: Object.entries(p.attributes).map(([name, value]) => attributeRow(name, value)),
    images: p.images.map((url) => ({ key: newKey(), url })),
    options: p.options.map((o) => ({ key: newKey(), name: o.name, values: o.values.join(', ') })),
    variants: p.variants.map((v) => ({
      key: v.id,
      id: v.id,
      sku: v.sku,
      barcode: v.barcode ?? '',
      title: v.title,
      weight_g: v.weight_g === null ? '' : String(v.weight_g),
      min_order_quantity: String(v.min_order_quantity),
      option_values: { ...v.option_values },
      status: v.status,
      prices: v.prices.map((pr) => priceRow(pr.currency, String(pr.min_quantity), minorToInput(pr.amount_minor, pr.currency))),
    })),
  };
}

/** The options as the API wants them: named, with their distinct non-empty values. */
export function parseOptions(rows: readonly OptionRow[]): { name: string; values: string[] }[] {
  return rows
    .map((o) => ({ name: o.name.trim(), values: [...new Set(o.values.split(/[,，]/).map((v) => v.trim()).filter((v) => v !== ''))] }))
    .filter((o) => o.name !== '');
}

/**
 * The options a product has while its variants move from the old options to the new: every
 * option and value of both, the new ones first.
 */
export function optionsWhileMoving(before: readonly { name: string; values: string[] }[], after: readonly { name: string; values: string[] }[]): { name: string; values: string[] }[] {
  const names = [...new Set([...after.map((o) => o.name), ...before.map((o) => o.name)])];
  return names.map((name) => ({ name, values: [...new Set([...(after.find((o) => o.name === name)?.values ?? []), ...(before.find((o) => o.name === name)?.values ?? [])])] }));
}

/** Every combination of option values, in order: size × colour → [{size: S, colour: red}, ...]. */
export function combinations(options: readonly { name: string; values: string[] }[]): Record<string, string>[] {
  return options.reduce<Record<string, string>[]>((combos, option) => combos.flatMap((c) => option.values.map((value) => ({ ...c, [option.name]: value }))), [{}]);
}

export function sameOptions(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

type PriceInput = { currency: string; min_quantity: number; amount_minor: number };
export interface VariantInput {
  sku: string;
  barcode?: string;
  title?: string;
  weight_g?: number;
  min_order_quantity?: number;
  option_values?: Record<string, string>;
  prices: PriceInput[];
}
export interface ProductFields {
  title: string;
  title_i18n: Record<string, string>;
  description: string;
  status: ProductStatus;
  category_id?: string;
  attributes: Record<string, string | number | boolean>;
  images: string[];
}
export interface BuiltProduct {
  fields: ProductFields;
  options: { name: string; values: string[] }[];
  variants: VariantInput[];
  /** The index of each form image row in `fields.images`, for placing the server's errors. */
  imageRows: number[];
}

const wholeNumber = /^\d+$/;

function parseWhole(text: string, min: number, max: number): number | undefined {
  const trimmed = text.trim();
  if (!wholeNumber.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return n >= min && n <= max ? n : undefined;
}

function isUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

export function buildPrices(prices: readonly PriceRow[], path: string, errors: Errors, t: Translate): PriceInput[] {
  const out: PriceInput[] = [];
  const seen = new Set<string>();
  if (prices.length > limits.prices) errors[path] = t('errors.tooMany', { max: limits.prices });
  prices.forEach((row, j) => {
    const at = `${path}.${j}`;
    const currency = row.currency.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) {
      errors[`${at}.currency`] = t('errors.currency');
      return;
    }
    const min_quantity = row.min_quantity.trim() === '' ? 1 : parseWhole(row.min_quantity, 1, limits.quantity);
    if (min_quantity === undefined) errors[`${at}.min_quantity`] = t('errors.wholeNumber', { min: 1, max: limits.quantity });
    const amount_minor = row.amount.trim() === '' ? undefined : parseMoney(row.amount, currency);
    if (row.amount.trim() === '') errors[`${at}.amount_minor`] = t('errors.required');
    else if (amount_minor === undefined) errors[`${at}.amount_minor`] = t('errors.price', { example: minorToInput(1250, currency) });
    if (min_quantity === undefined || amount_minor === undefined) return;
    const tier = `${currency}/${min_quantity}`;
    if (seen.has(tier)) {
      errors[`${at}.min_quantity`] = t('errors.duplicateTier', { currency, quantity: min_quantity });
      return;
    }
    seen.add(tier);
    out.push({ currency, min_quantity, amount_minor });
  });
  return out;
}

/** The default title the server gives a variant without one: its option values, else the product's title. */
function defaultVariantTitle(option_values: Record<string, string>, productTitle: string): string {
  return Object.values(option_values).join(' / ') || productTitle;
}

/** Checks a variant's SKU, barcode, title, weight and minimum order quantity; the same rules for new and saved variants. */
function checkVariantFields(v: VariantForm, at: string, errors: Errors, t: Translate): { sku: string; weight: number | undefined; moq: number | undefined } {
  const sku = v.sku.trim();
  if (sku === '') errors[`${at}.sku`] = t('errors.required');
  else if (sku.length > 64) errors[`${at}.sku`] = t('errors.tooLong', { max: 64 });
  if (v.barcode.trim().length > 64) errors[`${at}.barcode`] = t('errors.tooLong', { max: 64 });
  if (v.title.trim().length > 300) errors[`${at}.title`] = t('errors.tooLong', { max: 300 });
  const weight = v.weight_g.trim() === '' ? undefined : parseWhole(v.weight_g, 0, limits.weight_g);
  if (v.weight_g.trim() !== '' && weight === undefined) errors[`${at}.weight_g`] = t('errors.wholeNumber', { min: 0, max: limits.weight_g });
  const moq = v.min_order_quantity.trim() === '' ? undefined : parseWhole(v.min_order_quantity, 1, limits.quantity);
  if (v.min_order_quantity.trim() !== '' && moq === undefined) errors[`${at}.min_order_quantity`] = t('errors.wholeNumber', { min: 1, max: limits.quantity });
  return { sku, weight, moq };
}

function buildVariant(v: VariantForm, i: number, options: { name: string; values: string[] }[], errors: Errors, t: Translate): VariantInput {
  const at = `variants.${i}`;
  const { sku, weight, moq } = checkVariantFields(v, at, errors, t);
  // Every variant, saved or new, picks one value of every option the product has now.
  const option_values: Record<string, string> = {};
  for (const option of options) {
    const value = v.option_values[option.name];
    if (value === undefined || value === '' || !option.values.includes(value)) errors[`${at}.option_values.${option.name}`] = t('errors.chooseOption');
    else option_values[option.name] = value;
  }
  // A saved variant's other fields are sent by `variantPatches`, its prices on their own.
  if (v.id !== undefined) return { sku, option_values, prices: buildPrices(v.prices, `${at}.prices`, errors, t) };
  return {
    sku,
    ...(v.barcode.trim() === '' ? {} : { barcode: v.barcode.trim() }),
    ...(v.title.trim() === '' ? {} : { title: v.title.trim() }),
    ...(weight === undefined ? {} : { weight_g: weight }),
    ...(moq === undefined ? {} : { min_order_quantity: moq }),
    ...(options.length === 0 ? {} : { option_values }),
    prices: buildPrices(v.prices, `${at}.prices`, errors, t),
  };
}

/** The body of PATCH /v1/variants/{id}: only what changed. */
export interface VariantPatch {
  sku?: string;
  barcode?: string | null;
  title?: string;
  weight_g?: number | null;
  min_order_quantity?: number;
  option_values?: Record<string, string>;
  status?: VariantStatus;
}

/** A saved variant's fields as the API has them; call only on a form `buildProduct` found no errors in. */
function variantValues(v: VariantForm, productTitle: string, options: readonly { name: string }[]): Required<VariantPatch> {
  const title = v.title.trim();
  return {
    status: v.status,
    option_values: Object.fromEntries(options.flatMap((o) => (v.option_values[o.name] === undefined ? [] : [[o.name, v.option_values[o.name]!]]))),
    sku: v.sku.trim(),
    barcode: v.barcode.trim() === '' ? null : v.barcode.trim(),
    title: title === '' ? defaultVariantTitle(v.option_values, productTitle) : title,
    weight_g: v.weight_g.trim() === '' ? null : Number(v.weight_g.trim()),
    min_order_quantity: v.min_order_quantity.trim() === '' ? 1 : Number(v.min_order_quantity.trim()),
  };
}

/**
 * The changes to saved variants, one PATCH per changed variant with only its changed fields, in an
 * order the server accepts: a variant that takes over the SKU or the options another one gives up
 * is saved after it. Variants that swap SKUs or options among themselves cannot be saved one by
 * one; they get an error.
 */
export function variantPatches(initial: ProductForm, form: ProductForm, t: Translate): { patches: { index: number; id: string; body: VariantPatch }[]; errors: Errors } {
  const changed: { index: number; id: string; body: VariantPatch; from: string; fromOptions: Record<string, string> }[] = [];
  const [optionsBefore, optionsAfter] = [parseOptions(initial.options), parseOptions(form.options)];
  form.variants.forEach((v, index) => {
    const was = v.id === undefined ? undefined : initial.variants.find((w) => w.id === v.id);
    if (v.id === undefined || was === undefined) return;
    const before = variantValues(was, initial.title.trim(), optionsBefore);
    const after = variantValues(v, form.title.trim(), optionsAfter);
    const body: VariantPatch = {};
    if (after.sku !== before.sku) body.sku = after.sku;
    if (after.barcode !== before.barcode) body.barcode = after.barcode;
    if (after.title !== before.title) body.title = after.title;
    if (after.weight_g !== before.weight_g) body.weight_g = after.weight_g;
    if (after.min_order_quantity !== before.min_order_quantity) body.min_order_quantity = after.min_order_quantity;
    if (!sameOptions(after.option_values, before.option_values)) body.option_values = after.option_values;
    if (after.status !== before.status) body.status = after.status;
    if (Object.keys(body).length > 0) changed.push({ index, id: v.id, body, from: before.sku, fromOptions: before.option_values });
  });
  // Which changed variant currently holds the SKU or the options another one wants: that one goes first.
  const waitsFor = (c: (typeof changed)[number]) =>
    changed.find(
      (o) =>
        o !== c &&
        ((c.body.sku !== undefined && o.body.sku !== undefined && o.from === c.body.sku) ||
          (c.body.option_values !== undefined && o.body.option_values !== undefined && sameOptions(o.fromOptions, c.body.option_values))),
    );
  const patches: { index: number; id: string; body: VariantPatch }[] = [];
  const done = new Set<(typeof changed)[number]>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const c of changed) {
      if (done.has(c)) continue;
      const first = waitsFor(c);
      if (first !== undefined && !done.has(first)) continue;
      done.add(c);
      patches.push({ index: c.index, id: c.id, body: c.body });
      progress = true;
    }
  }
  const errors: Errors = {};
  for (const c of changed) {
    if (done.has(c)) continue;
    const skuSwap = c.body.sku !== undefined && changed.some((o) => o !== c && o.from === c.body.sku);
    if (skuSwap) errors[`variants.${c.index}.sku`] = t('errors.skuSwap');
    else errors[`variants.${c.index}.option_values`] = t('errors.optionSwap');
  }
  return { patches, errors };
}

/**
 * Checks the whole form; returns the API's values and the errors found, by field path. With the
 * form as last saved, a SKU used twice is blamed on the variant that changed it, not the one that
 * still has it.
 */
export function buildProduct(form: ProductForm, t: Translate, saved?: ProductForm): { built: BuiltProduct; errors: Errors } {
  const errors: Errors = {};
  const title = form.title.trim();
  if (title === '') errors.title = t('errors.required');
  else if (title.length > 300) errors.title = t('errors.tooLong', { max: 300 });
  if (form.description.length > 20_000) errors.description = t('errors.tooLong', { max: 20_000 });
  // An emptied translation is removed: the product then shows its title in that language.
  const title_i18n = Object.fromEntries(Object.entries(form.title_i18n).map(([tag, text]) => [tag, text.trim()] as const).filter(([, text]) => text !== ''));
  for (const [tag, text] of Object.entries(title_i18n)) if (text.length > 300) errors[`title_i18n.${tag}`] = t('errors.tooLong', { max: 300 });

  const attributes: Record<string, string | number | boolean> = {};
  form.attributes.forEach((a, i) => {
    const name = a.name.trim();
    if (name === '' && a.value.trim() === '') return;
    if (name === '') errors[`attributes.${i}.name`] = t('errors.required');
    else if (name in attributes) errors[`attributes.${i}.name`] = t('errors.duplicateName');
    if (a.type === 'number') {
      const n = Number(a.value.trim().replace(',', '.'));
      if (a.value.trim() === '' || !Number.isFinite(n)) errors[`attributes.${i}.value`] = t('errors.number');
      else attributes[name] = n;
    } else if (a.type === 'boolean') attributes[name] = a.value === 'true';
    else if (a.value.length > 1_000) errors[`attributes.${i}.value`] = t('errors.tooLong', { max: 1_000 });
    else attributes[name] = a.value.trim();
  });

  const images: string[] = [];
  const imageRows: number[] = [];
  form.images.forEach((img, i) => {
    const url = img.url.trim();
    if (url === '') return;
    if (!isUrl(url)) errors[`images.${i}`] = t('errors.url');
    images.push(url);
    imageRows.push(i);
  });
  if (images.length > limits.images) errors.images = t('errors.tooMany', { max: limits.images });

  const options = parseOptions(form.options);
  form.options.forEach((o, i) => {
    const name = o.name.trim();
    const values = o.values.trim();
    if (name === '' && values === '') return;
    if (name === '') errors[`options.${i}.name`] = t('errors.required');
    else if (form.options.findIndex((x) => x.name.trim() === name) !== i) errors[`options.${i}.name`] = t('errors.duplicateName');
    if (values === '') errors[`options.${i}.values`] = t('errors.required');
  });

  if (form.variants.length === 0) errors.variants = t('errors.needVariant');
  const variants = form.variants.map((v, i) => buildVariant(v, i, options, errors, t));
  const skus = variants.map((v) => v.sku.toLowerCase());
  const keeps = (i: number) => {
    const id = form.variants[i]?.id;
    return id !== undefined && saved?.variants.find((w) => w.id === id)?.sku.trim() === variants[i]?.sku;
  };
  variants.forEach((v, i) => {
    if (v.sku === '') return;
    const same = skus.flatMap((sku, j) => (sku === skus[i] ? [j] : []));
    const owner = same.find(keeps) ?? same[0];
    if (owner !== i) errors[`variants.${i}.sku`] = t('errors.duplicateSku');
  });
  if (options.length > 0) {
    const seen: Record<string, string>[] = [];
    variants.forEach((v, i) => {
      const values = v.option_values ?? {};
      if (Object.keys(values).length === options.length && seen.some((s) => sameOptions(s, values))) errors[`variants.${i}.option_values`] = t('errors.sameOptions');
      seen.push(values);
    });
  }

  return {
    built: {
      fields: { title, title_i18n, description: form.description, status: form.status, ...(form.category_id === '' ? {} : { category_id: form.category_id }), attributes, images },
      options,
      variants,
      imageRows,
    },
    errors,
  };
}

/**
 * Moves the server's field paths onto the form's: `attributes.<name>` names a row by its name,
 * `images.<n>` counts only filled-in rows, and a step's own paths (`sku` of an added variant)
 * sit under a prefix (`variants.2.`).
 */
export function placeServerErrors(fieldErrors: Errors, form: ProductForm, built: BuiltProduct, prefix = ''): Errors {
  const out: Errors = {};
  for (const [field, message] of Object.entries(fieldErrors)) {
    const path = `${prefix}${field}`;
    const attribute = /^attributes\.(.+)$/.exec(path);
    const image = /^images\.(\d+)$/.exec(path);
    if (attribute !== null) {
      const row = form.attributes.findIndex((a) => a.name.trim() === attribute[1]);
      out[row === -1 ? 'attributes' : `attributes.${row}.value`] = message;
    } else if (image !== null) {
      const row = built.imageRows[Number(image[1])];
      out[row === undefined ? 'images' : `images.${row}`] = message;
    } else out[path] = message;
  }
  return out;
}

/** A readable name for an error's field path, for the list of problems above the form. */
export function describePath(path: string, form: ProductForm, t: Translate): string {
  const parts = path.split('.');
  const names: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const next = parts[i + 1];
    const index = next !== undefined && /^\d+$/.test(next) ? Number(next) : undefined;
    switch (part) {
      case 'variants': {
        if (index === undefined) names.push(t('variants'));
        else {
          const sku = form.variants[index]?.sku.trim();
          names.push(sku ? t('variantNamed', { n: index + 1, sku }) : t('variantN', { n: index + 1 }));
          i++;
        }
        break;
      }
      case 'prices':
        names.push(index === undefined ? t('prices') : t('priceN', { n: index + 1 }));
        if (index !== undefined) i++;
        break;
      case 'attributes':
        names.push(index === undefined ? t('attributes') : t('attributeN', { n: index + 1 }));
        if (index !== undefined) i++;
        break;
      case 'images':
        names.push(index === undefined ? t('images') : t('imageN', { n: index + 1 }));
        if (index !== undefined) i++;
        break;
      case 'options':
        names.push(index === undefined ? t('options') : t('optionN', { n: index + 1 }));
        if (index !== undefined) i++;
        break;
      case 'option_values':
        names.push(next === undefined ? t('optionValues') : next);
        if (next !== undefined) i++;
        break;
      case 'amount_minor':
        names.push(t('price'));
        break;
      default:
        names.push(t(`field.${part}`, { defaultValue: part }));
    }
  }
  return names.join(' › ');
}
