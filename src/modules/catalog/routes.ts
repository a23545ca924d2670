import { z } from '@hono/zod-openapi';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { currencySchema, priceMinorSchema, toJsonAmount } from '../../kernel/money.js';
import type { Config } from '../../kernel/config.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { openStorage, type ObjectStorage } from '../../kernel/storage/index.js';
import { imagePaths, type ProductImage } from './images.js';
import { addVariant, createCategory, createProduct, getProduct, listCategories, listProducts, replacePrices, updateProduct, updateVariant, variants_per_product_max, type ProductWithVariants } from './products.js';

export const priceInput = z.object({
  currency: currencySchema,
  amount_minor: priceMinorSchema,
  min_quantity: z.number().int().min(1).max(1_000_000).optional().openapi({ description: 'tier start (B2B quantity price); 1 or absent is the base price' }),
});

const variantInput = z.object({
  sku: z.string().min(1).max(64),
  barcode: z.string().max(64).optional(),
  title: z.string().min(1).max(300).optional(),
  weight_g: z.number().int().min(0).max(10_000_000).optional(),
  option_values: z.record(z.string().max(100), z.string().max(100)).optional(),
  min_order_quantity: z.number().int().min(1).max(1_000_000).optional().openapi({ description: 'wholesale minimum order quantity' }),
  prices: z.array(priceInput).max(50),
});

const attributes = z.record(z.string().max(100), z.union([z.string().max(1_000), z.number(), z.boolean()]));
const statusSchema = z.enum(['draft', 'published', 'archived']);

/** A language tag (BCP 47, as browsers name languages): `zh-CN`, `en`, `pt-BR`. */
const languageTag = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$/, 'must be a language tag such as zh-CN or en');
const title_languages_max = 20;
const titleI18n = z
  .record(languageTag, z.string().min(1).max(300))
  .refine((titles) => Object.keys(titles).length <= title_languages_max, `at most ${title_languages_max} languages`)
  .openapi({ description: 'the title in other languages, by language tag: `{ "zh-CN": "西湖龙井" }`; a console or storefront in that language shows it, `title` elsewhere', example: { 'zh-CN': '西湖龙井' } });

const productInput = z.object({
  title: z.string().min(1).max(300),
  title_i18n: titleI18n.optional(),
  description: z.string().max(20_000).optional(),
  status: statusSchema.optional(),
  category_id: z.string().max(64).optional(),
  attributes: attributes.optional(),
  images: z.array(z.string().url().max(2_000)).max(20).optional(),
  options: z.array(z.object({ name: z.string().min(1).max(100), values: z.array(z.string().min(1).max(100)).min(1).max(100) })).max(5).optional(),
  variants: z.array(variantInput).min(1).max(variants_per_product_max),
});

const priceOut = z.object({ currency: z.string(), min_quantity: z.number().int(), amount_minor: z.number().int() });
const variantOut = z.object({
  id: z.string(),
  sku: z.string(),
  barcode: z.string().nullable(),
  title: z.string(),
  weight_g: z.number().nullable(),
  option_values: z.record(z.string(), z.string()),
  min_order_quantity: z.number().int(),
  status: z.enum(['active', 'archived']).openapi({ description: 'archived: no longer sold (checkout refuses it, the storefront does not show it); its orders and stock stay' }),
  prices: z.array(priceOut),
});
export const imageOut = z
  .object({
    id: z.string(),
    position: z.number().int().openapi({ description: '0 is the main image, shown as the product’s thumbnail' }),
    content_type: z.enum(['image/jpeg', 'image/png', 'image/webp']),
    size_bytes: z.number().int(),
    width: z.number().int(),
    height: z.number().int(),
    url: z.string().openapi({ description: 'the image as uploaded; cacheable for ever (a changed image is a new image with a new URL)' }),
    thumbnail_url: z.string().openapi({ description: 'a 256 × 256 WebP crop for lists and carts' }),
    created_at: z.string(),
  })
  .openapi('ProductImage');

export const productOut = z
  .object({
    id: z.string(),
    title: z.string(),
    title_i18n: z.record(z.string(), z.string()).openapi({ description: 'the title in other languages, by language tag' }),
    description: z.string().nullable(),
    status: statusSchema,
    category_id: z.string().nullable(),
    attributes,
    images: z.array(z.string()),
    options: z.array(z.object({ name: z.string(), values: z.array(z.string()) })),
    variants: z.array(variantOut),
    media: z.array(imageOut).openapi({ description: 'uploaded images in their order (`POST /v1/products/{product_id}/images`); `images` holds image URLs given as text' }),
    thumbnail_url: z.string().nullable().openapi({ description: 'the main uploaded image’s thumbnail, or null' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Product');

/**
 * Where clients fetch an image's files: the storage's own URL when it has one (a public bucket, a
 * CDN), else the server's image route under the public URL or the request's origin.
 */
export type MediaUrls = (image: ProductImage) => { url: string; thumbnail_url: string };

export function mediaUrls(storage: ObjectStorage, base: string): MediaUrls {
  return (image) => {
    const paths = imagePaths(image);
    return { url: storage.url(image.storage_key) ?? `${base}${paths.original}`, thumbnail_url: storage.url(image.thumbnail_key) ?? `${base}${paths.thumbnail}` };
  };
}

export function imageJson(image: ProductImage, urls: MediaUrls): z.infer<typeof imageOut> {
  return { id: image.id, position: image.position, content_type: image.content_type, size_bytes: image.size_bytes, width: image.width, height: image.height, ...urls(image), created_at: image.created_at.toISOString() };
}

export function productJson(p: ProductWithVariants, urls: MediaUrls): z.infer<typeof productOut> {
  const media = p.media.map((m) => imageJson(m, urls));
  return {
    id: p.id,
    title: p.title,
    title_i18n: p.title_i18n,
    description: p.description,
    status: p.status,
    category_id: p.category_id,
    attributes: p.attributes,
    images: p.images,
    options: p.options,
    media,
    thumbnail_url: media[0]?.thumbnail_url ?? null,
    created_at: p.created_at.toISOString(),
    updated_at: p.updated_at.toISOString(),
    variants: p.variants.map((v) => ({
      id: v.id,
      sku: v.sku,
      barcode: v.barcode,
      title: v.title,
      weight_g: v.weight_g,
      option_values: v.option_values,
      min_order_quantity: v.min_order_quantity,
      status: v.status,
      prices: v.prices.map((pr) => ({ currency: pr.currency, min_quantity: pr.min_quantity, amount_minor: toJsonAmount(pr.amount_minor) })),
    })),
  };
}

/** What a storefront sees of a product: only the variants still sold. */
const forSale = (p: ProductWithVariants): ProductWithVariants => ({ ...p, variants: p.variants.filter((v) => v.status === 'active') });

export const productParams = z.object({ product_id: z.string().max(64).openapi({ param: { name: 'product_id', in: 'path' } }) });
const variantParams = z.object({ variant_id: z.string().max(64).openapi({ param: { name: 'variant_id', in: 'path' } }) });
const categoryOut = z.object({ id: z.string(), name: z.string(), parent_id: z.string().nullable(), created_at: z.string() }).openapi('Category');

export const createProductRoute = defineRoute({
  operationId: 'createProduct',
  method: 'post',
  path: '/v1/products',
  tags: ['Catalog'],
  summary: 'Create a product with its variants and prices',
  access: { scope: 'catalog:write', tenancy: 'merchant' },
  request: jsonBody(productInput.strict()),
  responses: { 201: jsonResponse(productOut, 'The new product') },
});

export const listProductsRoute = defineRoute({
  operationId: 'listProducts',
  method: 'get',
  path: '/v1/products',
  tags: ['Catalog'],
  summary: 'List or search products; a publishable key sees published products only',
  access: { scope: ['catalog:read', 'storefront:read'], tenancy: 'merchant', keyKinds: ['secret', 'publishable'] },
  request: { query: pageQuerySchema.extend({ q: z.string().max(200).optional().openapi({ description: 'full-text search over title, attributes and description' }), status: statusSchema.optional(), category_id: z.string().max(64).optional() }) },
  responses: { 200: jsonResponse(pageSchema(productOut), 'A page of products') },
});

export const getProductRoute = defineRoute({
  operationId: 'getProduct',
  method: 'get',
  path: '/v1/products/{product_id}',
  tags: ['Catalog'],
  summary: 'One product with its variants and prices',
  access: { scope: ['catalog:read', 'storefront:read'], tenancy: 'merchant', keyKinds: ['secret', 'publishable'] },
  request: { params: productParams },
  responses: { 200: jsonResponse(productOut, 'The product') },
});

export const updateProductRoute = defineRoute({
  operationId: 'updateProduct',
  method: 'patch',
  path: '/v1/products/{product_id}',
  tags: ['Catalog'],
  summary: 'Change a product; publish it with `status: published`. `options` replaces the option list; every variant must keep options and values the list has (409 `option_in_use`)',
  access: { scope: 'catalog:write', tenancy: 'merchant' },
  request: {
    params: productParams,
    ...jsonBody(
      productInput
        .omit({ variants: true, category_id: true })
        .partial()
        .extend({ category_id: z.string().max(64).nullable().optional().openapi({ description: 'a category, or null to take the product out of its category' }) })
        .strict(),
    ),
  },
  responses: { 200: jsonResponse(productOut, 'The changed product') },
});

export const addVariantRoute = defineRoute({
  operationId: 'addVariant',
  method: 'post',
  path: '/v1/products/{product_id}/variants',
  tags: ['Catalog'],
  summary: 'Add a variant to a product',
  access: { scope: 'catalog:write', tenancy: 'merchant' },
  request: { params: productParams, ...jsonBody(variantInput.strict()) },
  responses: { 201: jsonResponse(productOut, 'The product with the new variant') },
});

export const updateVariantRoute = defineRoute({
  operationId: 'updateVariant',
  method: 'patch',
  path: '/v1/variants/{variant_id}',
  tags: ['Catalog'],
  summary: 'Change a variant’s SKU, barcode, title, weight, minimum order quantity, option values or status (archive it to stop selling it); orders keep what they were placed with',
  access: { scope: 'catalog:write', tenancy: 'merchant' },
  request: {
    params: variantParams,
    ...jsonBody(
      z
        .object({
          sku: variantInput.shape.sku.optional(),
          barcode: z.string().max(64).nullable().optional(),
          title: z.string().min(1).max(300).optional(),
          weight_g: z.number().int().min(0).max(10_000_000).nullable().optional(),
          min_order_quantity: z.number().int().min(1).max(1_000_000).optional(),
          status: z.enum(['active', 'archived']).optional().openapi({ description: '`archived` stops selling the variant; `active` sells it again' }),
          option_values: variantInput.shape.option_values.openapi({ description: 'replaces the variant’s option values; each must be one of the product’s, and no other variant may have the same combination (409 `options_taken`)' }),
        })
        .strict(),
    ),
  },
  responses: { 200: jsonResponse(productOut, 'The product with the changed variant') },
});

export const replacePricesRoute = defineRoute({
  operationId: 'replaceVariantPrices',
  method: 'put',
  path: '/v1/variants/{variant_id}/prices',
  tags: ['Catalog'],
  summary: 'Replace all prices of a variant (currencies and quantity tiers)',
  access: { scope: 'catalog:write', tenancy: 'merchant' },
  request: { params: variantParams, ...jsonBody(z.object({ prices: z.array(priceInput).max(50) }).strict()) },
  responses: { 200: jsonResponse(z.object({ variant_id: z.string(), prices: z.array(priceOut) }), 'The new prices') },
});

export const createCategoryRoute = defineRoute({
  operationId: 'createCategory',
  method: 'post',
  path: '/v1/categories',
  tags: ['Catalog'],
  summary: 'Create a category',
  access: { scope: 'catalog:write', tenancy: 'merchant' },
  request: jsonBody(z.object({ name: z.string().min(1).max(200), parent_id: z.string().max(64).optional() }).strict()),
  responses: { 201: jsonResponse(categoryOut, 'The new category') },
});

export const listCategoriesRoute = defineRoute({
  operationId: 'listCategories',
  method: 'get',
  path: '/v1/categories',
  tags: ['Catalog'],
  summary: 'List categories',
  access: { scope: ['catalog:read', 'storefront:read'], tenancy: 'merchant', keyKinds: ['secret', 'publishable'] },
  responses: { 200: jsonResponse(z.object({ data: z.array(categoryOut) }), 'All categories') },
});

/** Image URLs for a request: under OPENBOS_PUBLIC_URL when set, else under the origin the request came to. */
export function requestMediaUrls(config: Config, storage: ObjectStorage): (c: { req: { url: string } }) => MediaUrls {
  return (c) => mediaUrls(storage, config.OPENBOS_PUBLIC_URL?.replace(/\/$/, '') ?? new URL(c.req.url).origin);
}

export function registerRoutes(router: ModuleRouter, { db, config }: ModuleContext): void {
  const urlsFor = requestMediaUrls(config, openStorage(config));
  router.route(createProductRoute, async (c) => {
    const product = await createProduct(db, c.get('caller').merchant_id, c.req.valid('json'));
    return c.json(productJson(product, urlsFor(c)), 201);
  });

  router.route(listProductsRoute, async (c) => {
    const { limit, cursor, q, status, category_id } = c.req.valid('query');
    const caller = c.get('caller');
    const visible = caller.kind === 'publishable' ? 'published' : status;
    if (caller.kind === 'publishable' && status !== undefined && status !== 'published') return c.json({ data: [], next_cursor: null }, 200);
    const rows = await listProducts(db, caller.merchant_id, { q, status: visible, category_id, after_id: decodeCursor(cursor), limit: limit + 1 });
    const page = toPage(rows, limit);
    return c.json({ data: page.items.map((p) => productJson(caller.kind === 'publishable' ? forSale(p) : p, urlsFor(c))), next_cursor: page.next_cursor }, 200);
  });

  router.route(getProductRoute, async (c) => {
    const caller = c.get('caller');
    const product = await getProduct(db, caller.merchant_id, c.req.valid('param').product_id);
    if (product === undefined || (caller.kind === 'publishable' && product.status !== 'published')) throw problems.notFound('The product');
    return c.json(productJson(caller.kind === 'publishable' ? forSale(product) : product, urlsFor(c)), 200);
  });

  router.route(updateProductRoute, async (c) => {
    const product = await updateProduct(db, c.get('caller').merchant_id, c.req.valid('param').product_id, c.req.valid('json'));
    if (product === undefined) throw problems.notFound('The product');
    return c.json(productJson(product, urlsFor(c)), 200);
  });

  router.route(addVariantRoute, async (c) => {
    const product = await addVariant(db, c.get('caller').merchant_id, c.req.valid('param').product_id, c.req.valid('json'));
    if (product === undefined) throw problems.notFound('The product');
    return c.json(productJson(product, urlsFor(c)), 201);
  });

  router.route(updateVariantRoute, async (c) => {
    const product = await updateVariant(db, c.get('caller').merchant_id, c.req.valid('param').variant_id, c.req.valid('json'));
    if (product === undefined) throw problems.notFound('The variant');
    return c.json(productJson(product, urlsFor(c)), 200);
  });

  router.route(replacePricesRoute, async (c) => {
    const { variant_id } = c.req.valid('param');
    const prices = await replacePrices(db, c.get('caller').merchant_id, variant_id, c.req.valid('json').prices);
    if (prices === undefined) throw problems.notFound('The variant');
    return c.json({ variant_id, prices: prices.map((p) => ({ currency: p.currency, min_quantity: p.min_quantity, amount_minor: toJsonAmount(p.amount_minor) })) }, 200);
  });

  router.route(createCategoryRoute, async (c) => {
    const category = await createCategory(db, c.get('caller').merchant_id, c.req.valid('json'));
    return c.json({ ...category, created_at: category.created_at.toISOString() }, 201);
  });

  router.route(listCategoriesRoute, async (c) => {
    const rows = await listCategories(db, c.get('caller').merchant_id);
    return c.json({ data: rows.map((r) => ({ ...r, created_at: r.created_at.toISOString() })) }, 200);
  });
}
