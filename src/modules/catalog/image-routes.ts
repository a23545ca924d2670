import { Readable } from 'node:stream';
import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { openStorage } from '../../kernel/storage/index.js';
import { addProductImage, deleteProductImage, imageFile, imagesOf, images_per_product_max, productExists, reorderProductImages } from './images.js';
import { imageJson, imageOut, productParams, requestMediaUrls } from './routes.js';

/** The largest image accepted: a high-resolution product photo, not a print file. */
export const image_bytes_max = 10 * 1024 * 1024;

const binary = z.string().openapi({ type: 'string', format: 'binary' });
const imageParams = productParams.extend({ image_id: z.string().max(64).openapi({ param: { name: 'image_id', in: 'path' } }) });
const imageList = z.object({ data: z.array(imageOut) });

export const uploadProductImageRoute = defineRoute({
  operationId: 'uploadProductImage',
  method: 'post',
  path: '/v1/products/{product_id}/images',
  tags: ['Catalog'],
  summary: `Upload an image of the product: the bytes as the body (Content-Type image/jpeg, image/png or image/webp), or a multipart form with the field \`file\`. The contents must be a JPEG, PNG or WebP image (415 \`unsupported_image_type\`) of at most ${image_bytes_max} bytes (413); a 256 × 256 thumbnail is made. At most ${images_per_product_max} per product`,
  access: { scope: 'catalog:write', tenancy: 'merchant' },
  body_limit_bytes: image_bytes_max,
  request: {
    params: productParams,
    body: {
      required: true,
      // A multipart form (field `file`) is taken too; it is not declared here, as zod-openapi would
      // then validate every body as that form.
      content: { 'image/jpeg': { schema: binary }, 'image/png': { schema: binary }, 'image/webp': { schema: binary } },
    },
  },
  responses: { 201: jsonResponse(imageOut, 'The stored image with its URLs') },
});

export const listProductImagesRoute = defineRoute({
  operationId: 'listProductImages',
  method: 'get',
  path: '/v1/products/{product_id}/images',
  tags: ['Catalog'],
  summary: `The product's uploaded images in their order (at most ${images_per_product_max})`,
  access: { scope: 'catalog:read', tenancy: 'merchant' },
  request: { params: productParams },
  responses: { 200: jsonResponse(imageList, 'The images, the main one first') },
});

export const reorderProductImagesRoute = defineRoute({
  operationId: 'reorderProductImages',
  method: 'put',
  path: '/v1/products/{product_id}/images/order',
  tags: ['Catalog'],
  summary: 'Put the product’s images in a new order; the first becomes the main image',
  access: { scope: 'catalog:write', tenancy: 'merchant' },
  request: { params: productParams, ...jsonBody(z.object({ image_ids: z.array(z.string().max(64)).max(images_per_product_max).openapi({ description: 'every image of the product, once each, in the new order' }) }).strict()) },
  responses: { 200: jsonResponse(imageList, 'The images in their new order') },
});

export const deleteProductImageRoute = defineRoute({
  operationId: 'deleteProductImage',
  method: 'delete',
  path: '/v1/products/{product_id}/images/{image_id}',
  tags: ['Catalog'],
  summary: 'Delete an image of the product and its stored files',
  access: { scope: 'catalog:write', tenancy: 'merchant' },
  request: { params: imageParams },
  responses: { 200: jsonResponse(imageList, 'The images that remain') },
});

const fileName = /^([A-Za-z0-9_-]{16})(-thumb)?\.(jpg|png|webp)$/;

export const getProductImageFileRoute = defineRoute({
  operationId: 'getProductImageFile',
  method: 'get',
  path: '/v1/product-images/{image_id}/{file}',
  tags: ['Catalog'],
  summary: 'An image’s file, as the `url` and `thumbnail_url` of a product’s `media` name it. Needs no key (an <img> sends none); the random part of the URL keeps it unguessable. Cacheable for ever',
  access: { scope: 'public', tenancy: 'public' },
  request: {
    params: z.object({
      image_id: z.string().max(64).openapi({ param: { name: 'image_id', in: 'path' } }),
      file: z.string().regex(fileName, 'not an image file name').openapi({ param: { name: 'file', in: 'path' } }),
    }),
  },
  responses: {
    200: { description: 'The image', content: { 'image/jpeg': { schema: binary }, 'image/png': { schema: binary }, 'image/webp': { schema: binary } } },
    304: { description: 'The client’s cached copy is current' },
  },
});

async function requestBytes(c: { req: { header(name: string): string | undefined; parseBody(): Promise<Record<string, unknown>>; arrayBuffer(): Promise<ArrayBuffer> } }): Promise<Buffer> {
  if ((c.req.header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data')) {
    const file = (await c.req.parseBody()).file;
    if (!(file instanceof File)) throw problems.validation([{ field: 'file', location: 'body', message: 'send the image as the form field `file`' }]);
    return Buffer.from(await file.arrayBuffer());
  }
  return Buffer.from(await c.req.arrayBuffer());
}

export function registerImageRoutes(router: ModuleRouter, { db, config }: ModuleContext): void {
  const storage = openStorage(config);
  const urlsFor = requestMediaUrls(config, storage);
  router.route(uploadProductImageRoute, async (c) => {
    const bytes = await requestBytes(c);
    if (bytes.length > image_bytes_max) throw problems.payloadTooLarge(image_bytes_max);
    const image = await addProductImage(db, storage, c.get('caller').merchant_id, c.req.valid('param').product_id, bytes);
    if (image === undefined) throw problems.notFound('The product');
    return c.json(imageJson(image, urlsFor(c)), 201);
  });

  router.route(listProductImagesRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { product_id } = c.req.valid('param');
    const images = (await imagesOf(db, merchant_id, [product_id])).get(product_id);
    // A product without images has an empty list; a product that is not the merchant's has none.
    if (images === undefined && !(await productExists(db, merchant_id, product_id))) throw problems.notFound('The product');
    return c.json({ data: (images ?? []).map((i) => imageJson(i, urlsFor(c))) }, 200);
  });

  router.route(reorderProductImagesRoute, async (c) => {
    const images = await reorderProductImages(db, c.get('caller').merchant_id, c.req.valid('param').product_id, c.req.valid('json').image_ids);
    if (images === undefined) throw problems.notFound('The product');
    return c.json({ data: images.map((i) => imageJson(i, urlsFor(c))) }, 200);
  });

  router.route(deleteProductImageRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { product_id, image_id } = c.req.valid('param');
    if (!(await deleteProductImage(db, storage, merchant_id, product_id, image_id))) throw problems.notFound('The image');
    const images = (await imagesOf(db, merchant_id, [product_id])).get(product_id) ?? [];
    return c.json({ data: images.map((i) => imageJson(i, urlsFor(c))) }, 200);
  });

  router.route(getProductImageFileRoute, async (c) => {
    const { image_id, file } = c.req.valid('param');
    const [, token, thumb] = fileName.exec(file)!;
    const found = await imageFile(db, image_id, token!, thumb !== undefined);
    if (found === undefined) throw problems.notFound('The image');
    const etag = `"${image_id}${thumb ?? ''}"`;
    const cache = { 'cache-control': 'public, max-age=31536000, immutable', etag };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, cache);
    const stored = await storage.get(found.key);
    if (stored === undefined) throw problems.notFound('The image’s file');
    return c.body(Readable.toWeb(stored.body) as ReadableStream, 200, { ...cache, 'content-type': found.content_type, 'content-length': String(stored.size_bytes), 'x-content-type-options': 'nosniff' });
  });
}
