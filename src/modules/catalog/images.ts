import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { sql } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { Problem, problems } from '../../kernel/problem.js';
import type { ObjectStorage } from '../../kernel/storage/index.js';
import { productUpdated } from './events.js';
import type { CatalogTables, ImageContentType, ProductImageTable } from './tables.js';

/**
 * Product images: the merchant uploads the bytes, the server checks by their first bytes that
 * they are a JPEG, PNG or WebP image it can decode, keeps the original and a square thumbnail in
 * the platform's storage, and records both in `product_image`. The database row is what makes an
 * image exist: files are written before the row and removed after it, so a failure between the
 * two leaves at most a file nobody refers to, which `catalog.image_files` reports.
 */
export type ProductImage = Omit<ProductImageTable, 'created_at'> & { created_at: Date };

export const images_per_product_max = 20;
/** The side of the square thumbnail lists show, in pixels (shown at 40–64 px on screens up to 4x). */
export const thumbnail_px = 256;
/** Larger images are refused before decoding: a 20 000 × 20 000 PNG is a few kilobytes and 1.6 GB of pixels. */
export const image_pixels_max = 50_000_000;

const extensions: Record<ImageContentType, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

/** The image type the bytes' signature names, whatever the request's Content-Type says. */
export function sniffImageType(bytes: Uint8Array): ImageContentType | undefined {
  const starts = (signature: number[], offset = 0) => signature.every((b, i) => bytes[offset + i] === b);
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  return undefined;
}

const decodedTypes: Record<string, ImageContentType> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

const notAnImage = () => new Problem(415, 'unsupported_image_type', 'Unsupported image type', 'Upload a JPEG, PNG or WebP image; the file’s contents are none of these');

interface Prepared {
  content_type: ImageContentType;
  width: number;
  height: number;
  thumbnail: Buffer;
}

/** Checks the bytes are an image of an accepted type that decodes whole, and makes its thumbnail. */
async function prepare(bytes: Buffer): Promise<Prepared> {
  const content_type = sniffImageType(bytes);
  if (content_type === undefined) throw notAnImage();
  try {
    const image = sharp(bytes, { limitInputPixels: image_pixels_max, failOn: 'error' });
    const metadata = await image.metadata();
    // A file that starts like a PNG must decode as one.
    if (decodedTypes[metadata.format] !== content_type) throw notAnImage();
    // The size as shown: a phone photo stored sideways with an EXIF rotation is as tall as it looks.
    const shown = metadata.autoOrient ?? { width: metadata.width, height: metadata.height };
    const thumbnail = await sharp(bytes, { limitInputPixels: image_pixels_max }).rotate().resize(thumbnail_px, thumbnail_px, { fit: 'cover', position: 'attention' }).webp({ quality: 80 }).toBuffer();
    return { content_type, width: shown.width, height: shown.height, thumbnail };
  } catch (error) {
    if (error instanceof Problem) throw error;
    throw problems.unprocessable('image_unreadable', `The image cannot be decoded: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function productExists(db: AnyDb, merchant_id: string, product_id: string, lock = false): Promise<boolean> {
  let query = tablesOf<CatalogTables>(db).selectFrom('product').select('id').where('merchant_id', '=', merchant_id).where('id', '=', product_id);
  if (lock) query = query.forUpdate();
  return (await query.executeTakeFirst()) !== undefined;
}

async function countImages(db: AnyDb, merchant_id: string, product_id: string): Promise<number> {
  const row = await tablesOf<CatalogTables>(db).selectFrom('product_image').select((eb) => eb.fn.countAll<string>().as('n')).where('merchant_id', '=', merchant_id).where('product_id', '=', product_id).executeTakeFirstOrThrow();
  return Number(row.n);
}

const tooMany = () => problems.unprocessable('too_many_images', `A product has at most ${images_per_product_max} images; delete one first`);

/** Adds an image after the product's others; undefined when the merchant has no such product. */
export async function addProductImage(db: AnyDb, storage: ObjectStorage, merchant_id: string, product_id: string, bytes: Buffer): Promise<ProductImage | undefined> {
  if (!(await productExists(db, merchant_id, product_id))) return undefined;
  if ((await countImages(db, merchant_id, product_id)) >= images_per_product_max) throw tooMany();
  const prepared = await prepare(bytes);
  const id = newId('img');
  const base = `products/${merchant_id}/${product_id}/${id}`;
  const storage_key = `${base}.${extensions[prepared.content_type]}`;
  const thumbnail_key = `${base}-thumb.webp`;
  await storage.put(storage_key, bytes, { content_type: prepared.content_type, content_length: bytes.length });
  try {
    await storage.put(thumbnail_key, prepared.thumbnail, { content_type: 'image/webp', content_length: prepared.thumbnail.length });
    return await inTransaction(db, async (trx) => {
      // The product's lock makes concurrent uploads take turns for the count and the position.
      if (!(await productExists(trx, merchant_id, product_id, true))) throw problems.notFound('The product');
      if ((await countImages(trx, merchant_id, product_id)) >= images_per_product_max) throw tooMany();
      const t = tablesOf<CatalogTables>(trx);
      const last = await t.selectFrom('product_image').select((eb) => eb.fn.max('position').as('position')).where('merchant_id', '=', merchant_id).where('product_id', '=', product_id).executeTakeFirst();
      const row = await t
        .insertInto('product_image')
        .values({ merchant_id, id, product_id, position: last?.position === null || last?.position === undefined ? 0 : Number(last.position) + 1, token: randomBytes(12).toString('base64url'), content_type: prepared.content_type, size_bytes: bytes.length, width: prepared.width, height: prepared.height, storage_key, thumbnail_key })
        .returningAll()
        .executeTakeFirstOrThrow();
      await touchProduct(trx, merchant_id, product_id);
      return row;
    });
  } catch (error) {
    await Promise.allSettled([storage.delete(storage_key), storage.delete(thumbnail_key)]);
    throw error;
  }
}

async function touchProduct(trx: AnyTrx, merchant_id: string, product_id: string): Promise<void> {
  await tablesOf<CatalogTables>(trx).updateTable('product').set({ updated_at: sql`now()` }).where('merchant_id', '=', merchant_id).where('id', '=', product_id).execute();
  await publish(trx, productUpdated, merchant_id, { product_id, changed: ['media'] });
}

/** The images of these products in their order, by product. */
export async function imagesOf(db: AnyDb, merchant_id: string, product_ids: readonly string[]): Promise<Map<string, ProductImage[]>> {
  const map = new Map<string, ProductImage[]>();
  if (product_ids.length === 0) return map;
  const rows = await tablesOf<CatalogTables>(db).selectFrom('product_image').selectAll().where('merchant_id', '=', merchant_id).where('product_id', 'in', [...product_ids]).orderBy('product_id').orderBy('position').execute();
  for (const r of rows) map.set(r.product_id, [...(map.get(r.product_id) ?? []), r]);
  return map;
}

/**
 * Puts the product's images in the order given, which must name each of them once; the first is
 * the main image. Undefined when the merchant has no such product.
 */
export async function reorderProductImages(db: AnyDb, merchant_id: string, product_id: string, image_ids: readonly string[]): Promise<ProductImage[] | undefined> {
  return inTransaction(db, async (trx) => {
    if (!(await productExists(trx, merchant_id, product_id, true))) return undefined;
    const current = (await imagesOf(trx, merchant_id, [product_id])).get(product_id) ?? [];
    const known = new Set(current.map((i) => i.id));
    if (image_ids.length !== current.length || new Set(image_ids).size !== image_ids.length || image_ids.some((id) => !known.has(id))) {
      throw problems.validation([{ field: 'image_ids', location: 'body', message: `must name each of the product’s ${current.length} images exactly once` }]);
    }
    // ordinality counts from 1; positions count from 0.
    await sql`update product_image i set position = o.ordinal - 1
      from unnest(${[...image_ids]}::text[]) with ordinality as o(id, ordinal)
      where i.merchant_id = ${merchant_id} and i.product_id = ${product_id} and i.id = o.id`.execute(trx);
    await touchProduct(trx, merchant_id, product_id);
    return (await imagesOf(trx, merchant_id, [product_id])).get(product_id) ?? [];
  });
}

/**
 * Deletes an image and then its files. A file that cannot be removed then (storage unreachable)
 * stays behind as an orphan that `bos check` names. False when there is no such image.
 */
export async function deleteProductImage(db: AnyDb, storage: ObjectStorage, merchant_id: string, product_id: string, image_id: string): Promise<boolean> {
  const deleted = await inTransaction(db, async (trx) => {
    if (!(await productExists(trx, merchant_id, product_id, true))) return undefined;
    const row = await tablesOf<CatalogTables>(trx).deleteFrom('product_image').where('merchant_id', '=', merchant_id).where('product_id', '=', product_id).where('id', '=', image_id).returning(['storage_key', 'thumbnail_key']).executeTakeFirst();
    if (row === undefined) return undefined;
    // The images after it move up one place: positions stay 0, 1, 2… with the same order.
    await sql`update product_image i set position = r.ordinal - 1
      from (select id, row_number() over (order by position, id) as ordinal from product_image where merchant_id = ${merchant_id} and product_id = ${product_id}) r
      where i.merchant_id = ${merchant_id} and i.id = r.id and i.position <> r.ordinal - 1`.execute(trx);
    await touchProduct(trx, merchant_id, product_id);
    return row;
  });
  if (deleted === undefined) return false;
  await Promise.allSettled([storage.delete(deleted.storage_key), storage.delete(deleted.thumbnail_key)]);
  return true;
}

/** The stored file behind an image URL, when the URL's token matches; `thumbnail` picks the square one. */
export async function imageFile(db: AnyDb, image_id: string, token: string, thumbnail: boolean): Promise<{ key: string; content_type: string } | undefined> {
  const row = await tablesOf<CatalogTables>(db).selectFrom('product_image').select(['token', 'storage_key', 'thumbnail_key', 'content_type']).where('id', '=', image_id).executeTakeFirst();
  if (row === undefined || row.token !== token) return undefined;
  return thumbnail ? { key: row.thumbnail_key, content_type: 'image/webp' } : { key: row.storage_key, content_type: row.content_type };
}

/** Paths of an image's files under the server's image route; `token` keeps them unguessable. */
export function imagePaths(image: Pick<ProductImage, 'id' | 'token' | 'content_type'>): { original: string; thumbnail: string } {
  const base = `/v1/product-images/${image.id}/${image.token}`;
  return { original: `${base}.${extensions[image.content_type]}`, thumbnail: `${base}-thumb.webp` };
}
